"""Joining a forum: the steps of onboarding and the consent notice. Plain Python, no Telegram.

Order: language → consent → stakeholder group. Nothing about the person is stored before they
accept the notice; the pending step (invite code, chosen language) is all we keep until then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.forums import STAKEHOLDER_GROUPS
from bot.i18n import N_
from db import dialogs
from db import forums as forums_db
from db import users as users_db
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
class JoinResult:
    forum: ForumRow
    role: str
    already_member: bool


async def begin(
    db: Database, *, user_id: int, chat_id: int, forum: ForumRow, role: str, now: datetime
) -> None:
    """Remember which invite the person is answering, until they accept the notice."""
    await dialogs.expect(
        db,
        user_id=user_id,
        chat_id=chat_id,
        kind=ONBOARDING,
        data={"forum_id": forum.id, "role": role},
        now=now,
    )


async def current_step(db: Database, *, user_id: int, chat_id: int) -> dict | None:
    """The pending onboarding, or None (a button from an old or forged message)."""
    pending = await dialogs.pending(db, user_id=user_id, chat_id=chat_id)
    return pending.data if pending and pending.kind == ONBOARDING else None


async def choose_language(
    db: Database, *, user_id: int, chat_id: int, lang: str, now: datetime
) -> dict | None:
    """Record the chosen language in the pending step; None if there is no onboarding."""
    data = await current_step(db, user_id=user_id, chat_id=chat_id)
    if data is None:
        return None
    data = {**data, "language": lang}
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
    """Consent given: store the person and their membership. None if there was no onboarding."""
    data = await current_step(db, user_id=user_id, chat_id=chat_id)
    forum = await forums_db.get_forum(db, data["forum_id"]) if data else None
    if data is None or forum is None:
        return None
    await users_db.upsert_user(
        db,
        user_id=user_id,
        first_name=first_name,
        username=username,
        language=data.get("language"),
        consent_at=now,
        now=now,
    )
    result = await join(db, user_id=user_id, forum=forum, role=data["role"], now=now)
    await dialogs.clear(db, user_id=user_id, chat_id=chat_id)
    return result


async def decline(db: Database, *, user_id: int, chat_id: int) -> bool:
    """Consent refused: forget the pending step; nothing else was stored."""
    if await current_step(db, user_id=user_id, chat_id=chat_id) is None:
        return False
    await dialogs.clear(db, user_id=user_id, chat_id=chat_id)
    return True


async def join(
    db: Database, *, user_id: int, forum: ForumRow, role: str, now: datetime
) -> JoinResult:
    """Add an existing (consented) user to a forum."""
    before = await forums_db.role_in(db, forum.id, user_id)
    final = await forums_db.join_forum(db, forum_id=forum.id, user_id=user_id, role=role, now=now)
    return JoinResult(forum=forum, role=final, already_member=before == final)


def is_stakeholder_group(key: str | None) -> bool:
    return key in STAKEHOLDER_GROUPS
