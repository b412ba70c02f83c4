"""Forums built by talking to the bot as people would: one builder for the demo and the tests.

A founder (a bot admin) sends /newforum, people open an invite link and go through onboarding in
their language and stakeholder group, the coordinator sends what promotions the world needs, and
a coordinator who is an admin of a group links it with `/start` there and their forum's button.
`build_forum` does all of it; the demo (`tools/demo.py`) builds its forum with it, and the
suites' standard forum (`tests/worlds.py`, which may import tools/; tools/ may not import tests/)
too. Both drive the bot through `People`: the tests' `Harness`, or the demo's `Talk`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from telegram.ext import Application

from fake_telegram import FakeChat, FakeTelegram, FakeUser, settle

FORUM_FORM = "/newforum Thailand SCP Forum\ntimezone: Asia/Bangkok\nlanguage: en"


class People(Protocol):
    """People talking to a running bot through the fake Bot API; each action returns once the
    bot has handled it."""

    @property
    def fake(self) -> FakeTelegram: ...

    async def send(self, user: FakeUser, text: str, *, chat: FakeChat | None = None) -> object:
        """The user sends text (in their private chat, or in `chat`)."""
        ...

    async def tap(self, user: FakeUser, button: int, *, chat: FakeChat | None = None) -> object:
        """The user taps button number `button` (from 1) of the bot's last message with buttons
        in their private chat (or in `chat`)."""
        ...


@dataclass
class Talk:
    """`People` for a bot running on its own (the demo): act, then wait until it is handled."""

    fake: FakeTelegram
    app: Application

    async def send(self, user: FakeUser, text: str, *, chat: FakeChat | None = None) -> None:
        self.fake.send_text(user, text, chat=chat)
        await settle(self.fake, self.app)

    async def tap(self, user: FakeUser, button: int | str, *, chat: FakeChat | None = None) -> None:
        message = last_keyboard(self.fake, chat.id if chat else user.id)
        self.fake.tap(user, message["message_id"], button, chat=chat)
        await settle(self.fake, self.app)


def last_keyboard(fake: FakeTelegram, chat_id: int) -> dict:
    """The bot's last message in the chat that has inline buttons."""
    found: list[dict] = [m for m in fake.messages(chat_id) if fake.buttons(m)]
    if found:
        return found[-1]
    raise AssertionError(f"no message with buttons in chat {chat_id}")


def button_index(fake: FakeTelegram, message: dict, data: str) -> int:
    """The 1-based position of the button whose callback data is `data`."""
    buttons = fake.buttons(message)
    for index, button in enumerate(buttons, start=1):
        if button.get("callback_data") == data:
            return index
    raise AssertionError(f"no button {data!r} in {buttons!r}")


def invite_codes(text: str) -> list[str]:
    """Deep-link codes in a message, in order (member link first)."""
    return re.findall(r"\?start=([A-Za-z0-9_-]+)", text)


async def new_forum(people: People, admin: FakeUser, form: str | None = None) -> tuple[str, str]:
    """Have `admin` create a forum; returns (member_code, coordinator_code)."""
    await people.send(admin, form or FORUM_FORM)
    member, coordinator = invite_codes(people.fake.last_message(admin.id)["text"])[:2]
    return member, coordinator


async def join(
    people: People, user: FakeUser, code: str, *, language: str = "en", group: str = "government"
) -> None:
    """Take `user` through onboarding: language, consent, stakeholder group."""
    await people.send(user, f"/start {code}")
    for data in (f"onb:lang:{language}", "onb:consent:yes", f"onb:group:{group}"):
        message = last_keyboard(people.fake, user.id)
        await people.tap(user, button_index(people.fake, message, data))


async def link_group(
    people: People, coordinator: FakeUser, group: FakeChat, forum: str | None = None
) -> None:
    """A coordinator who is an admin of `group` links it: `/start` there, then the button of
    their forum (the first one, or the one whose label names `forum`)."""
    await people.send(coordinator, "/start", chat=group)
    buttons = people.fake.buttons(last_keyboard(people.fake, group.id))
    for index, button in enumerate(buttons, start=1):
        data = button.get("callback_data", "")
        if data.startswith("lnk:ok:") and (forum is None or forum in button["text"]):
            await people.tap(coordinator, index, chat=group)
            return
    raise AssertionError(f"no button to link {forum or 'a forum'}: {buttons!r}")


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
    people: People,
    founder: FakeUser,
    joining: Sequence[Joining],
    *,
    forms: Sequence[str | None] = (None,),
    promotions: Sequence[str] = (),
    group: Group | None = FORUM_GROUP,
) -> Forum:
    """`founder` (a bot admin) sends each of `forms` (None: `FORUM_FORM`, Thailand SCP Forum),
    everyone in `joining` joins in order, the first forum's coordinator (the founder, unless
    someone joined it by its coordinator invite) sends `promotions`, then links `group`."""
    codes = [await new_forum(people, founder, form) for form in forms]
    for person in joining:
        member_code, coordinator_code = codes[person.forum]
        code = coordinator_code if person.coordinator else member_code
        await join(people, person.user, code, language=person.language, group=person.group)
    coordinator = next(
        (p.user for p in joining if p.coordinator and p.forum == 0),
        founder,
    )
    for step in promotions:
        await people.send(coordinator, step)
    chat = None
    if group is not None:
        members = group.members
        if members is None:
            members = [founder, *(p.user for p in joining if p.forum == 0)]
        admins = group.admins if group.admins is not None else [coordinator]
        chat = people.fake.add_group(group.title, members=list(members), admins=list(admins))
        await link_group(people, coordinator, chat)
    return Forum(codes, coordinator, chat)
