"""Joining a forum: the steps of onboarding and the consent notice. Plain Python, no Telegram.

Order: language → consent → stakeholder group. Nothing about the person is stored before they
accept the notice; the pending step (invite code, chosen language) is all we keep until then.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.forums import STAKEHOLDER_GROUPS
from bot.i18n import N_
from db import dialogs
from db import forums as forums_db
from db import members as members_db
from db.connection import Database
from db.forums import ForumRow

ONBOARDING = "onboarding"

CONSENT_NOTICE = N_(  # short enough to read on a phone; one sentence per promise of anonymity
    "<b>Before you join %(forum)s</b>\n"
    "The bot stores your Telegram id and name, language, time zone, stakeholder group and role, "
    "and what you send it (votes, meeting replies, feedback). Coordinators see members' names "
    "and groups; nothing leaves the forum.\n"
    "After an anonymous poll closes, nobody (not the coordinators, not whoever holds the "
    "database) can tell how you ranked; while it is open, the bot keeps the link only so you "
    "can revise your ranking.\n"
    "Anonymous feedback reaches the coordinators without your name; the bot keeps your id only "
    "to pass on their replies, and observers see only counts.\n"
    "See your data with /mydata and delete it with /forget at any time."
)


@dataclass(frozen=True)
class Joining:
    """The pending onboarding's draft: the invite the person answers and, once chosen, their
    language. All we keep about them until they accept the notice."""

    forum_id: int
    role: str  # "coordinator" for a coordinator invite, else "member"
    invite: str | None = None  # the coordinator invite, used only when they accept
    language: str | None = None


@dataclass(frozen=True)
class JoinResult:
    forum: ForumRow
    role: str  # their role now ("member" when refused)
    already_member: bool
    refused: str | None = None  # "removed", or "invite": the coordinator invite was used meanwhile


async def begin(
    db: Database,
    *,
    user_id: int,
    chat_id: int,
    forum: ForumRow,
    invite: str | None,
    now: datetime,
) -> None:
    """Remember which invite the person is answering, until they accept the notice.

    A coordinator invite is used only when they accept, in the transaction that stores them.
    """
    data = Joining(forum.id, "coordinator" if invite else "member", invite)
    await dialogs.expect(db, user_id=user_id, chat_id=chat_id, kind=ONBOARDING, data=data, now=now)


async def current_step(db: Database, *, user_id: int, chat_id: int) -> Joining | None:
    """The pending onboarding, or None (a button from an old or forged message, or a draft that
    no longer fits: expired)."""
    pending = await dialogs.pending(db, user_id=user_id, chat_id=chat_id)
    return pending.draft(Joining) if pending and pending.kind == ONBOARDING else None


async def choose_language(
    db: Database, *, user_id: int, chat_id: int, lang: str, now: datetime
) -> Joining | None:
    """Record the chosen language in the pending step; None if there is no onboarding."""
    data = await current_step(db, user_id=user_id, chat_id=chat_id)
    if data is None:
        return None
    data = replace(data, language=lang)
    await dialogs.expect(db, user_id=user_id, chat_id=chat_id, kind=ONBOARDING, data=data, now=now)
    return data


async def accept(
    db: Database,
    *,
    user_id: int,
    chat_id: int,
    first_name: str,
    username: str | None,
    now: datetime,
) -> JoinResult | None:
    """Consent given: store the person and their membership together, or (refused) neither.

    None if there was no onboarding. The pending step is over either way.
    """
    data = await current_step(db, user_id=user_id, chat_id=chat_id)
    forum = await forums_db.get_forum(db, data.forum_id) if data else None
    if data is None or forum is None:
        return None
    profile = members_db.Profile(first_name, username, data.language)
    result = await join(
        db,
        user_id=user_id,
        forum=forum,
        invite=data.invite,
        now=now,
        profile=profile,
        ends_step=(chat_id, ONBOARDING),
    )
    if result.refused:  # nothing was stored, and the step is over too
        await dialogs.clear(db, user_id=user_id, chat_id=chat_id)
    return result


async def decline(db: Database, *, user_id: int, chat_id: int) -> bool:
    """Consent refused: forget the pending step; nothing else was stored."""
    if await current_step(db, user_id=user_id, chat_id=chat_id) is None:
        return False
    await dialogs.clear(db, user_id=user_id, chat_id=chat_id)
    return True


async def join(
    db: Database,
    *,
    user_id: int,
    forum: ForumRow,
    invite: str | None,
    now: datetime,
    profile: members_db.Profile | None = None,
    ends_step: tuple[int, str] | None = None,
) -> JoinResult:
    """Add a consented user (or, with `profile`, one consenting now) to a forum: as a member,
    or as a coordinator by using the coordinator invite `invite`."""
    admitted = await members_db.join_forum(
        db,
        forum_id=forum.id,
        user_id=user_id,
        now=now,
        invite=invite,
        profile=profile,
        ends_step=ends_step,
    )
    return JoinResult(
        forum=forum,
        role=admitted.role or "member",
        already_member=admitted.before == admitted.role,
        refused=admitted.refused,
    )


def is_stakeholder_group(key: str | None) -> bool:
    return key in STAKEHOLDER_GROUPS
