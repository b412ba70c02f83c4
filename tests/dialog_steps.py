"""What a dialog shows from outside, shared by the suites that walk one step by step: the step
a person waits at (`pending_inputs`), how many rows a table holds, what the bot said, and the
sentences every dialog answers with."""

from __future__ import annotations

from collections.abc import Iterable

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


async def only_coordinators_start(
    bot: Harness,
    command: str,
    *,
    members: Iterable[FakeUser],
    refusal: str,
    forged: Iterable[str],
    coordinator: FakeUser,
    group: FakeChat,
    in_group: str,
) -> None:
    """Each of `members` who sends `command` in private is answered `refusal`; nothing waits
    for them, and each of the dialog's buttons in `forged` is stale to them. The
    `coordinator`'s `command` in `group` is answered with a message that starts with
    `in_group`, and starts no dialog either."""
    forged = tuple(forged)
    for who in members:
        await bot.send(who, command)
        assert bot.last(who)["text"] == refusal
        assert await step(bot, who) is None
        await bot.forged_are_stale(who, forged)
    await bot.send(coordinator, command, chat=group)
    assert bot.last(group)["text"].startswith(in_group)
    assert await step(bot, coordinator) is None
