"""/help in a group lists only the commands that answer there; the rest are one line away."""

from __future__ import annotations

import re

from bot.roles import COMMANDS_BY_NAME, InGroup
from tests.harness import running_bot
from tests.worlds import forum_with_members

PRIVATE_LINK = "Your other commands work in a private chat with me: https://t.me/"


def listed(text: str) -> set[str]:
    """The commands a /help answer lists, one a line."""
    return set(re.findall(r"^/(\w+) — ", text, flags=re.MULTILINE))


async def test_help_in_a_group_lists_only_what_works_there(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _, lena, group = await forum_with_members(bot, fake)
        for person, expected in (
            (niran, {"start", "help", "cancel", "results"}),
            (lena, {"start", "help", "cancel", "results"}),
            (
                ada,  # a coordinator who is also a bot admin
                {"start", "help", "cancel", "results", "newpoll", "closepoll", "meeting"}
                | {"invite", "remove", "promote", "demote", "newforum"},
            ),
        ):
            await bot.send(person, "/help", chat=group)
            text = bot.last(group)["text"]
            assert listed(text) == expected, (person.first_name, text)
            assert all(COMMANDS_BY_NAME[n].in_group is InGroup.SHARED for n in listed(text))
            assert PRIVATE_LINK in text


async def test_help_in_private_lists_every_command_of_the_role(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        _, niran, _, _, _ = await forum_with_members(bot, fake)
        await bot.send(niran, "/help")
        text = bot.last(niran)["text"]
        assert {"settings", "mydata", "feedback", "tip", "cancel"} <= listed(text)
        assert PRIVATE_LINK not in text
