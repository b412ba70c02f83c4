"""Updates run concurrently, in order per chat and per user (app/updates.py).

Telegram is made slow on purpose (`FakeTelegram.hold`): one person's update is stuck on a call
while others act. Handled one at a time, as PTB does by default, everyone would wait for it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from db import poll_closing as closing_db
from fake_telegram import Call, FakeTelegram
from handlers.polls import ballot as ballot_taps
from tests.harness import new_poll, running_bot
from tests.test_polls import POLL, ballot
from tests.test_run import eventually
from tests.worlds import forum_with_members

HELP = "/help"


async def soon(condition: Callable[[], object]) -> None:
    """Real time, briefly: what is tested here is that nothing waits for the stuck call."""
    await eventually(condition, seconds=5.0)


def replies(fake: FakeTelegram, chat_id: int, since: int) -> list[str]:
    return [
        c.params.get("text", "")
        for c in fake.calls[since:]
        if c.method == "sendMessage" and c.params.get("chat_id") == chat_id and c.ok
    ]


async def test_a_member_is_answered_while_a_coordinators_send_is_stuck(tmp_path):
    async with running_bot(tmp_path, admins=[1001]) as bot:
        fake = bot.fake
        ada, niran, _, lena, _ = await forum_with_members(bot, fake)
        await bot.send(ada, "/announce\nThe spring session moves to Room 5.")
        preview = bot.last_keyboard(ada.id)
        since = len(fake.calls)
        # The Send commits its batch, then removes the preview's buttons: Telegram hangs there.
        gate = fake.hold("editMessageReplyMarkup", chat_id=ada.id)
        try:
            fake.tap(ada, preview["message_id"], "✅ Send to")
            await soon(lambda: fake.calls_to("editMessageReplyMarkup", chat_id=ada.id))
            fake.send_text(ada, HELP)  # Ada's next update waits for her Send: her order is kept
            fake.send_text(niran, HELP)
            fake.send_text(lena, HELP)
            await soon(lambda: replies(fake, niran.id, since) and replies(fake, lena.id, since))
            assert not [t for t in replies(fake, ada.id, since) if "/announce" in t], (
                "Ada's /help was handled before her Send finished"
            )
        finally:
            gate.set()  # a failure above must not leave the bot stuck for good
        await bot.settle()
        mine = replies(fake, ada.id, since)
        progress = next(i for i, t in enumerate(mine) if "Sending the announcement" in t)
        help_reply = next(i for i, t in enumerate(mine) if "/announce" in t)
        assert progress < help_reply, mine


async def test_a_groups_messages_keep_their_order(tmp_path):
    async with running_bot(tmp_path, admins=[1001]) as bot:
        fake = bot.fake
        _, niran, mali, lena, group = await forum_with_members(bot, fake)
        assert group is not None
        since = len(fake.calls)

        def in_group() -> list[Call]:
            return [c for c in fake.calls[since:] if c.params.get("chat_id") == group.id]

        gate = fake.hold("sendMessage", chat_id=group.id)
        try:
            fake.send_text(niran, "/polls", chat=group)  # its answer hangs
            await soon(in_group)
            fake.send_text(mali, HELP, chat=group)  # another person, the same chat: waits
            fake.send_text(lena, HELP)  # another chat: goes on
            await soon(lambda: replies(fake, lena.id, since))
            waiting = in_group()
            assert len(waiting) == 1, "Mali's /help was answered before Niran's /polls"
        finally:
            gate.set()
        await bot.settle()
        texts = [c.params["text"] for c in in_group()]
        assert len(texts) == 2
        assert texts[0] == waiting[0].params["text"], texts


@pytest.mark.parametrize("pressed", ["3.", "✅"])
async def test_a_close_between_a_taps_read_and_its_write_changes_nothing(
    tmp_path, monkeypatch, pressed
):
    """The tap has read the poll (open) when the close commits: another update or the deadline,
    both run beside it. Its write must find the poll closed, not re-link a sealed ballot."""
    async with running_bot(tmp_path, admins=[1001]) as bot:
        fake = bot.fake
        ada, niran, _, _, _ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, POLL)
        message_id = ballot(bot, niran)["message_id"]
        await bot.tap(niran, "1.", message_id=message_id)
        await bot.tap(niran, "✅", message_id=message_id)
        await bot.tap(niran, "2.", message_id=message_id)  # a change, not submitted yet
        options_of = ballot_taps.polls_db.options_of

        async def close_first(db, poll_id):
            monkeypatch.setattr(ballot_taps.polls_db, "options_of", options_of)  # once
            assert await closing_db.close(db, poll_id, bot.clock())
            return await options_of(db, poll_id)

        monkeypatch.setattr(ballot_taps.polls_db, "options_of", close_first)
        calls = await bot.tap(niran, pressed, message_id=message_id)
        assert bot.answers(calls) == ["This poll is closed."]
        assert not [c for c in calls if c.method == "editMessageText"]
        rows = await bot.services.db.fetchall("SELECT user_id, chat_id, message_id FROM ballots")
        assert [tuple(r) for r in rows] == [(None, None, None)], "sealed, and stays sealed"
