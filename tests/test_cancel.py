"""`/cancel` ends every dialog of the sender, wherever it waits and wherever /cancel is sent.

Dialogs wait in the private chat (`pending_inputs`), but a member in the middle of one may type
/cancel in the forum's group: it must end the dialog there too, and never answer "There is
nothing to cancel." while one is alive.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.onboarding import ONBOARDING
from db import dialogs
from fake_telegram import FakeChat, FakeTelegram, FakeUser
from handlers.common import TypedStep
from handlers.text import DIALOGS, collect
from tests.dialog_steps import HINT
from tests.harness import Harness, play, running_bot
from tests.test_meetings import FORM
from tests.worlds import forum_with_members

NOTHING = "There is nothing to cancel."


async def _pending_kinds(bot: Harness, user: FakeUser) -> list[str]:
    rows = await bot.services.db.fetchall(
        "SELECT kind FROM pending_inputs WHERE user_id = ?", (user.id,)
    )
    return [r["kind"] for r in rows]


Start = Callable[[Harness, FakeTelegram, FakeUser, FakeUser], Awaitable[FakeUser]]


def _steps(*lines: str) -> Start:
    """A start from lines of `play` ("ada: /newpoll", "niran: ~Meetings"): the dialog waits
    for the person of the last line."""

    async def start(bot, fake, ada, niran):
        for line in lines:
            await play(bot, line, ada=ada, niran=niran)
        return {"ada": ada, "niran": niran}[lines[-1].partition(": ")[0]]

    return start


FEEDBACK = ("niran: /feedback", "niran: ~Meetings")
FEEDBACK_WRITTEN = (*FEEDBACK, "niran: The room was too cold")
FEEDBACK_REPLY = (*FEEDBACK_WRITTEN, "niran: ~✅ Send anonymously", "ada: ~↩ Reply")
MEETINGS = ("ada: " + FORM, "ada: /meetings")
_feedback = _steps(*FEEDBACK)


async def _onboarding(bot, fake, ada, niran):
    newcomer = fake.add_user("Kanya", username="kanya")
    code = (await bot.services.db.fetchone("SELECT member_code FROM forums"))[0]
    await bot.send(newcomer, f"/start {code}")
    return newcomer


# dialog → (how it starts, the pending kind it leaves)
STARTS: dict[str, tuple[Start, str]] = {
    "newforum": (_steps("ada: /newforum"), "newforum"),
    "newpoll": (_steps("ada: /newpoll"), "newpoll"),
    "announce": (_steps("ada: /announce"), "announce"),
    "announce-preview": (_steps("ada: /announce\nRoom 5 tomorrow."), "announce"),
    "feedback": (_feedback, "feedback"),
    "feedback-written": (_steps(*FEEDBACK_WRITTEN), "feedback"),
    "feedback-reply": (_steps(*FEEDBACK_REPLY), "feedback_reply"),
    "feedback-answer": (
        _steps(*FEEDBACK_REPLY, "ada: We will fix the heating.", "niran: ~↩ Answer"),
        "feedback_answer",
    ),
    "meeting-move": (_steps(*MEETINGS, "ada: ~🕑"), "mtg_move"),
    # A series asks first (this one or all).
    "meeting-place": (_steps(*MEETINGS, "ada: ~📍", "ada: ~This meeting only"), "mtg_place"),
    "meeting-dialog": (_steps("ada: /meeting", "ada: Autumn session"), "newmeeting"),
    "tip-dialog": (_steps("ada: /tip add", "ada: ~English"), "newtip"),
    "settings-timezone": (
        _steps("niran: /settings", "niran: ~Time zone", "niran: ~Type another…"),
        "timezone",
    ),
    "onboarding": (_onboarding, ONBOARDING),
}


@pytest.mark.parametrize("where", ["private", "group"])
@pytest.mark.parametrize("dialog", sorted(STARTS))
async def test_cancel_ends_the_dialog_from_any_chat(tmp_path, fake, dialog, where):
    start, kind = STARTS[dialog]
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _, _, group = await forum_with_members(bot, fake)
        user = await start(bot, fake, ada, niran)
        assert await _pending_kinds(bot, user) == [kind], "the dialog did not start"
        group.member_ids.add(user.id)  # the newcomer of onboarding is in the group already
        chat: FakeChat | None = group if where == "group" else None
        await bot.send(user, "/cancel", chat=chat)
        assert bot.last(group if chat else user)["text"] == "Cancelled."
        assert await _pending_kinds(bot, user) == []
        # Nothing waits any more: typed text gets the hint, a second /cancel says so.
        await bot.send(user, "Some text")
        assert bot.last(user)["text"] == HINT
        await bot.send(user, "/cancel", chat=chat)
        assert bot.last(group if chat else user)["text"] == NOTHING


@pytest.mark.parametrize("kind", sorted(set(DIALOGS) | {ONBOARDING}))
async def test_cancel_in_a_group_ends_a_step_of_every_kind(tmp_path, fake, kind):
    """Every kind `handlers/text.py` routes (a new one is covered as soon as it is there)."""
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        _, niran, _, _, group = await forum_with_members(bot, fake)
        await dialogs.expect(
            bot.services.db,
            user_id=niran.id,
            chat_id=niran.id,
            kind=kind,
            data={},
            now=bot.clock.now,
        )
        await bot.send(niran, "/cancel", chat=group)
        assert bot.last(group)["text"] == "Cancelled."
        assert await _pending_kinds(bot, niran) == []


async def test_cancel_ends_only_the_senders_dialogs(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _, _, group = await forum_with_members(bot, fake)
        await _feedback(bot, fake, ada, niran)
        await bot.send(ada, "/newpoll")
        await bot.send(ada, "/cancel", chat=group)
        assert await _pending_kinds(bot, ada) == []
        assert await _pending_kinds(bot, niran) == ["feedback"]


def test_each_typed_step_kind_belongs_to_one_feature():
    """Features declare their typed steps; two declaring one kind would route one feature's
    answers to the other's handler, so collecting them refuses it."""
    first, second = next(iter(DIALOGS.values())), next(reversed(DIALOGS.values()))
    with pytest.raises(ValueError, match="two dialog steps"):
        collect((first,), (TypedStep(first.kind, second.handle),))
    assert collect((first,), (second,)) == {first.kind: first, second.kind: second}
