"""The forums the suites start from, built by talking to the bot as people would.

`build_forum` (tools/world.py, shared with the demo) is the one builder: a founder sends
/newforum (one or more forms), people join through onboarding in their language and stakeholder
group, the coordinator promotes whom the world needs, and a group chat is linked.
`standard_forum` is the world most suites share (`forum_with_members`, the fuzzer); the
authorization matrix builds its seven actors with `build_forum` itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from fake_telegram import FakeChat, FakeTelegram, FakeUser
from tests.harness import Harness
from tools.world import FORUM_GROUP, Forum, Group, Joining, build_forum

# --- the standard forum ------------------------------------------------------------------------


@dataclass(frozen=True)
class Cast:
    """The standard forum's people."""

    ada: FakeUser  # made the forum (a bot admin) and coordinates it
    niran: FakeUser  # member, industry
    mali: FakeUser  # member, government, uses the bot in Thai
    lena: FakeUser  # observer, joined as civil society


NAMES = {"ada": "Ada", "niran": "Niran", "mali": "Mali", "lena": "Lena"}


def add_cast(fake: FakeTelegram, names: dict[str, str] = NAMES) -> Cast:
    """Ada, Niran, Mali and Lena as Telegram users (in that order: ids 1001… on a new fake);
    `names` may give them other first names (the fuzzer's carry HTML)."""
    return Cast(
        fake.add_user(names["ada"], username="ada"),
        fake.add_user(names["niran"], username="niran"),
        fake.add_user(names["mali"], username="mali", language_code="th"),
        fake.add_user(names["lena"], username="lena"),
    )


async def standard_forum(
    bot: Harness,
    cast: Cast,
    *,
    form: str | None = None,
    group: Group | None = FORUM_GROUP,
) -> Forum:
    """Ada makes the forum (`form`, else Thailand SCP Forum); Niran (industry), Mali
    (government, in Thai) and Lena (civil society) join; Ada makes Lena an observer and links
    the group (by default "Forum group" with the four of them)."""
    return await build_forum(
        bot,
        cast.ada,
        [
            Joining(cast.niran, group="industry"),
            Joining(cast.mali, language="th", group="government"),
            Joining(cast.lena, group="civil_society"),
        ],
        forms=(form,),
        promotions=("/promote @lena observer",),
        group=group,
    )


async def forum_with_members(
    bot: Harness, fake: FakeTelegram, *, group: bool = True
) -> tuple[FakeUser, FakeUser, FakeUser, FakeUser, FakeChat | None]:
    """The standard forum as (ada, niran, mali, lena, group): the form most suites unpack."""
    cast = add_cast(fake)
    forum = await standard_forum(bot, cast, group=FORUM_GROUP if group else None)
    return cast.ada, cast.niran, cast.mali, cast.lena, forum.group
