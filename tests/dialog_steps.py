"""What a dialog shows from outside, shared by the suites that walk one step by step: the step
a person waits at (`pending_inputs`), how many rows a table holds, what the bot said, and the
sentences every dialog answers with."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fake_telegram import Call, FakeChat, FakeUser
from tests.harness import Harness

TEXT_PLEASE = "Please answer with text (or send /cancel)."
HINT = "I answer commands: /help lists them."


async def count(bot: Harness, table: str) -> int:
    return (await bot.services.db.fetchone(f"SELECT count(*) FROM {table}"))[0]


async def step(bot: Harness, user: FakeUser) -> str | None:
    """The step `user` waits at, as "kind:draft" (None: nothing waits)."""
    row = await bot.services.db.fetchone(
        "SELECT kind, data FROM pending_inputs WHERE user_id = ?", (user.id,)
    )
    return None if row is None else f"{row['kind']}:{row['data']}"


def said(calls: Iterable[Call]) -> list[str]:
    """The texts of the messages the bot sent among `calls`."""
    return [c.params["text"] for c in calls if c.method == "sendMessage"]


@dataclass(frozen=True)
class Gate:
    """Who may start a dialog: what a member is told, the dialog's buttons a member might
    forge, and how the coordinator's command alone is answered in the group."""

    refusal: str
    buttons: tuple[str, ...]
    in_group: str  # how the answer starts


GATES = {
    "/meeting": Gate(
        "Only coordinators of Thailand SCP Forum can use /meeting.",
        ("mtgd:skip", "mtgd:every:6", "mtgd:make", "mtgd:drop"),
        "Send the meeting in one message",  # the form, as ever
    ),
    "/tip add": Gate(
        "Only coordinators of Thailand SCP Forum can use /tip add.",
        ("tipd:lang:en", "tipd:topic:energy", "tipd:save", "tipd:more"),
        "Please use /tip in a private chat with me",
    ),
}


async def only_coordinators_start(
    bot: Harness, command: str, coordinator: FakeUser, group: FakeChat, *members: FakeUser
) -> None:
    """Each of `members` who sends `command` in private is told its gate's refusal; nothing
    waits for them, and each of the dialog's buttons is stale to them. The `coordinator`'s
    `command` in `group` gets the gate's answer there, and starts no dialog either."""
    gate = GATES[command]
    for who in members:
        await bot.send(who, command)
        assert bot.last(who)["text"] == gate.refusal
        assert await step(bot, who) is None
        await bot.forged_are_stale(who, gate.buttons)
    await bot.send(coordinator, command, chat=group)
    assert bot.last(group)["text"].startswith(gate.in_group)
    assert await step(bot, coordinator) is None
