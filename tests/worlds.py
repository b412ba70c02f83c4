"""The forums the suites start from, built by talking to the bot as people would.

`build_forum` is the one builder: a founder sends /newforum (one or more forms), people join
through onboarding in their language and stakeholder group, the coordinator promotes whom the
world needs, and a group chat is linked. `standard_forum` is the world most suites share
(`forum_with_members`, the fuzzer); the authorization matrix builds its seven actors with
`build_forum` itself. The demo (`tools/demo.py`) builds a similar forum of its own: it may not
import tests/.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fake_telegram import FakeChat, FakeTelegram, FakeUser
from tests.harness import Harness, join, link_group, new_forum


@dataclass(frozen=True)
class Joining:
    """Someone who joins a forum made by the founder: through its coordinator invite or its
    member invite, choosing `language` and the stakeholder `group` during onboarding."""

    user: FakeUser
    language: str = "en"
    group: str = "government"
    coordinator: bool = False
    forum: int = 0  # which of the founder's forms made the forum they join


@dataclass(frozen=True)
class Group:
    """The group chat linked to the first forum by its coordinator, an admin of the group."""

    title: str = "Forum group"
    members: Sequence[FakeUser] | None = None  # None: the founder and who joined the first forum
    admins: Sequence[FakeUser] | None = None  # None: the coordinator


FORUM_GROUP = Group()


@dataclass
class Forum:
    """What `build_forum` made: each forum's (member, coordinator) invite codes, the first
    forum's coordinator, and the linked group."""

    codes: list[tuple[str, str]]
    coordinator: FakeUser
    group: FakeChat | None

    @property
    def member_code(self) -> str:
        return self.codes[0][0]


async def build_forum(
    bot: Harness,
    founder: FakeUser,
    joining: Sequence[Joining],
    *,
    forms: Sequence[str | None] = (None,),
    promotions: Sequence[str] = (),
    group: Group | None = FORUM_GROUP,
) -> Forum:
    """`founder` (a bot admin) sends each of `forms` (None: the harness's Thailand SCP Forum),
    everyone in `joining` joins in order, the first forum's coordinator (the founder, unless
    someone joined it by its coordinator invite) sends `promotions`, then links `group`."""
    codes = [await new_forum(bot, founder, form) for form in forms]
    for person in joining:
        member_code, coordinator_code = codes[person.forum]
        code = coordinator_code if person.coordinator else member_code
        await join(bot, person.user, code, language=person.language, group=person.group)
    coordinator = next(
        (p.user for p in joining if p.coordinator and p.forum == 0),
        founder,
    )
    for step in promotions:
        await bot.send(coordinator, step)
    chat = None
    if group is not None:
        members = group.members
        if members is None:
            members = [founder, *(p.user for p in joining if p.forum == 0)]
        admins = group.admins if group.admins is not None else [coordinator]
        chat = bot.fake.add_group(group.title, members=list(members), admins=list(admins))
        await link_group(bot, coordinator, chat)
    return Forum(codes, coordinator, chat)


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
