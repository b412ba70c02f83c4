"""Queries on users: the people who talk to the bot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from db import dialogs
from db.connection import Database, from_db_time, to_db_time


@dataclass(frozen=True)
class UserRow:
    id: int
    first_name: str
    username: str | None
    language: str | None
    timezone: str | None
    stakeholder_group: str | None
    consent_at: datetime | None
    current_forum_id: int | None
    is_active: bool


def _user(row: aiosqlite.Row) -> UserRow:
    return UserRow(
        id=row["id"],
        first_name=row["first_name"],
        username=row["username"],
        language=row["language"],
        timezone=row["timezone"],
        stakeholder_group=row["stakeholder_group"],
        consent_at=from_db_time(row["consent_at"]),
        current_forum_id=row["current_forum_id"],
        is_active=bool(row["is_active"]),
    )


async def get_user(db: Database, user_id: int) -> UserRow | None:
    row = await db.fetchone("SELECT * FROM users WHERE id = ?", (user_id,))
    return _user(row) if row else None


async def upsert_user(db: Database, **fields: Any) -> None:
    """Create the user, or refresh their Telegram name; never clears a chosen language/consent.
    The fields are `upsert_user_on`'s, in a transaction of its own."""
    async with db.transaction() as conn:
        await upsert_user_on(conn, **fields)


async def upsert_user_on(
    conn: aiosqlite.Connection,
    *,
    user_id: int,
    first_name: str,
    username: str | None,
    now: datetime,
    language: str | None = None,
    consent_at: datetime | None = None,
) -> None:
    """`upsert_user` inside the caller's transaction (joining stores the person and their
    membership together, or neither)."""
    stamp = to_db_time(now)
    await conn.execute(
        "INSERT INTO users (id, first_name, username, language, consent_at, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name,"
        "  username = excluded.username, updated_at = excluded.updated_at,"
        "  language = coalesce(excluded.language, users.language),"
        "  consent_at = coalesce(users.consent_at, excluded.consent_at)",
        (
            user_id,
            first_name,
            username,
            language,
            to_db_time(consent_at) if consent_at else None,
            stamp,
            stamp,
        ),
    )


async def refresh_names(
    db: Database, user_id: int, first_name: str, username: str | None, now: datetime
) -> None:
    """Keep the Telegram name current, only when it changed. A stored username is only a hint:
    /promote @name checks it with Telegram before acting (handlers/members.py)."""
    await db.execute(
        "UPDATE users SET first_name = ?, username = ?, updated_at = ?"
        " WHERE id = ? AND (first_name IS NOT ? OR username IS NOT ?)",
        (first_name, username, to_db_time(now), user_id, first_name, username),
    )


_SETTABLE = frozenset({"language", "timezone", "stakeholder_group", "current_forum_id"})


async def set_field(db: Database, user_id: int, field: str, value: object, now: datetime) -> None:
    """Change one of the user's own settings."""
    if field not in _SETTABLE:
        raise ValueError(f"not a user setting: {field}")
    await db.execute(
        f"UPDATE users SET {field} = ?, updated_at = ? WHERE id = ?",  # field is whitelisted
        (value, to_db_time(now), user_id),
    )


async def set_timezone(
    db: Database,
    user_id: int,
    zone: str,
    now: datetime,
    *,
    next_tip_at: datetime | None,
    chat_id: int,
    step: str,
) -> None:
    """The member's own zone, their next subscribed tip moved to it, and their typed-zone step
    (`step`, in `chat_id`) ended: one transaction, so a busy database leaves all or none."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE users SET timezone = ?, updated_at = ? WHERE id = ?",
            (zone, to_db_time(now), user_id),
        )
        if next_tip_at is not None:
            await conn.execute(
                "UPDATE tip_subscriptions SET next_at = ? WHERE user_id = ?",
                (to_db_time(next_tip_at), user_id),
            )
        await dialogs.take(conn, user_id=user_id, chat_id=chat_id, kind=step)


async def set_active(db: Database, user_id: int, active: bool, now: datetime) -> bool:
    """Mark a user as reachable or not (blocked the bot); True if the flag changed."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE users SET is_active = ?, updated_at = ? WHERE id = ? AND is_active != ?",
            (int(active), to_db_time(now), user_id, int(active)),
        )
        return cursor.rowcount > 0
