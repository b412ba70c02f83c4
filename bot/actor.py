"""Who sent an update: their stored user row, current forum, role and language.

Loaded once per update by the middleware (handlers/middleware.py); plain data, no Telegram types.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import Catalogs, Translator
from bot.roles import Role
from db import forums as forums_db
from db import users as users_db
from db.connection import Database
from db.forums import ForumRow, Membership
from db.users import UserRow


@dataclass
class Actor:
    user_id: int
    user: UserRow | None  # None until they accept the consent notice (or create a forum)
    memberships: list[Membership]
    forum: ForumRow | None  # the forum this update acts on
    role: Role | None  # their role in that forum
    is_admin: bool
    lang: str
    tr: Translator

    @property
    def timezone(self) -> str:
        """The zone to show times in: their own choice, else their forum's, else UTC."""
        if self.user and self.user.timezone:
            return self.user.timezone
        return self.forum.timezone if self.forum else "UTC"


async def load_actor(
    db: Database,
    catalogs: Catalogs,
    *,
    user_id: int,
    telegram_language: str | None,
    group_chat_id: int | None,
    admins: frozenset[int],
) -> Actor:
    """Resolve the acting user. In a linked group, the group's forum wins over their own choice."""
    user = await users_db.get_user(db, user_id)
    memberships = await forums_db.memberships_of(db, user_id) if user else []
    forum: ForumRow | None = None
    if group_chat_id is not None:
        forum = await forums_db.forum_of_chat(db, group_chat_id)
    elif memberships:
        current = user.current_forum_id if user else None
        forum = next((m.forum for m in memberships if m.forum.id == current), None)
        forum = forum or memberships[0].forum
    role_name = next((m.role for m in memberships if forum and m.forum.id == forum.id), None)
    lang = (
        (user.language if user and user.language in catalogs.languages else None)
        or catalogs.negotiate(telegram_language)
        or (forum.language if forum else None)
        or catalogs.default_language
    )
    return Actor(
        user_id=user_id,
        user=user,
        memberships=memberships,
        forum=forum,
        role=Role(role_name) if role_name else None,
        is_admin=user_id in admins,
        lang=lang,
        tr=catalogs.translator(lang, forum.language if forum else None),
    )
