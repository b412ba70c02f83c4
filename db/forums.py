"""Queries on forums, memberships and linked group chats (a forum's people: db/members.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from db.connection import Database, to_db_time


@dataclass(frozen=True)
class ForumRow:
    id: int
    name: str
    country: str | None
    timezone: str
    language: str
    member_code: str  # the reusable member link; coordinators renew it with /invite new
    survey_everyone: bool = False  # after a meeting, ask everyone (not only going/maybe)
    retention_days: int = 730  # how long feedback and closed polls are kept
    min_group_ballots: int = 3  # the fewest ballots a stakeholder group is shown with


@dataclass(frozen=True)
class Membership:
    forum: ForumRow
    role: str


def _forum(row: aiosqlite.Row) -> ForumRow:
    return ForumRow(
        id=row["id"],
        name=row["name"],
        country=row["country"],
        timezone=row["timezone"],
        language=row["language"],
        member_code=row["member_code"],
        survey_everyone=bool(row["survey_everyone"]),
        retention_days=row["retention_days"],
        min_group_ballots=row["min_group_ballots"],
    )


_FORUM_COLUMNS = (
    "f.id, f.name, f.country, f.timezone, f.language, f.member_code,"
    " f.survey_everyone, f.retention_days, f.min_group_ballots"
)


async def create_forum(db: Database, **fields: Any) -> int:
    """`create_forum_on` in a transaction of its own; returns the forum's id."""
    async with db.transaction() as conn:
        return await create_forum_on(conn, **fields)


async def create_forum_on(
    conn: aiosqlite.Connection,
    *,
    name: str,
    timezone: str,
    language: str,
    country: str | None,
    member_code: str,
    creator_id: int,
    now: datetime,
) -> int:
    """Create a forum with its creator as first coordinator, made their current forum, in the
    caller's transaction.

    `coordinator_code` is a retired column (migration 0010): filled with a random value that
    is never shown; coordinator invites live in `invites`.
    """
    stamp = to_db_time(now)
    cursor = await conn.execute(
        "INSERT INTO forums (name, country, timezone, language, member_code,"
        " coordinator_code, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, 'retired-' || lower(hex(randomblob(16))), ?, ?)",
        (name, country, timezone, language, member_code, creator_id, stamp),
    )
    forum_id = cursor.lastrowid
    assert forum_id is not None
    await conn.execute(
        "INSERT INTO memberships (forum_id, user_id, role, joined_at)"
        " VALUES (?, ?, 'coordinator', ?)",
        (forum_id, creator_id, stamp),
    )
    await conn.execute("UPDATE users SET current_forum_id = ? WHERE id = ?", (forum_id, creator_id))
    return forum_id


async def get_forum(db: Database, forum_id: int) -> ForumRow | None:
    row = await db.fetchone(f"SELECT {_FORUM_COLUMNS} FROM forums f WHERE f.id = ?", (forum_id,))
    return _forum(row) if row else None


async def find_by_member_code(db: Database, code: str) -> ForumRow | None:
    """The forum whose (current) member invite code this is."""
    row = await db.fetchone(
        f"SELECT {_FORUM_COLUMNS} FROM forums f WHERE f.member_code = ?", (code,)
    )
    return _forum(row) if row else None


async def renew_member_code(db: Database, forum_id: int, code: str) -> None:
    """A new member link; the old one answers "not valid any more" from now on."""
    await db.execute("UPDATE forums SET member_code = ? WHERE id = ?", (code, forum_id))


async def memberships_of(db: Database, user_id: int) -> list[Membership]:
    """Every forum the user belongs to, most recently joined first."""
    rows = await db.fetchall(
        f"SELECT {_FORUM_COLUMNS}, m.role FROM memberships m JOIN forums f ON f.id = m.forum_id"
        " WHERE m.user_id = ? ORDER BY m.joined_at DESC, f.id DESC",
        (user_id,),
    )
    return [Membership(_forum(row), row["role"]) for row in rows]


async def role_in(db: Database, forum_id: int, user_id: int) -> str | None:
    row = await db.fetchone(
        "SELECT role FROM memberships WHERE forum_id = ? AND user_id = ?", (forum_id, user_id)
    )
    return row["role"] if row else None


async def link_chat(
    db: Database, *, chat_id: int, forum_id: int, title: str, user_id: int, now: datetime
) -> None:
    """Tie a Telegram group to a forum (re-linking moves it)."""
    await db.execute(
        "INSERT INTO forum_chats (chat_id, forum_id, title, linked_by, linked_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET"
        " forum_id = excluded.forum_id, title = excluded.title,"
        " linked_by = excluded.linked_by, linked_at = excluded.linked_at",
        (chat_id, forum_id, title, user_id, to_db_time(now)),
    )


async def forum_of_chat(db: Database, chat_id: int) -> ForumRow | None:
    row = await db.fetchone(
        f"SELECT {_FORUM_COLUMNS} FROM forum_chats c JOIN forums f ON f.id = c.forum_id"
        " WHERE c.chat_id = ?",
        (chat_id,),
    )
    return _forum(row) if row else None


async def migrate_chat(db: Database, old_chat_id: int, new_chat_id: int) -> bool:
    """A group became a supergroup: its id changes, its link to the forum must not be lost."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE OR IGNORE forum_chats SET chat_id = ? WHERE chat_id = ?",
            (new_chat_id, old_chat_id),
        )
        return cursor.rowcount > 0


async def unlink_chat(db: Database, chat_id: int) -> None:
    """The bot left or was removed from a group: it is no longer the forum's group."""
    await db.execute("DELETE FROM forum_chats WHERE chat_id = ?", (chat_id,))


async def reachable_members(
    db: Database, forum_id: int, groups: list[str]
) -> list[tuple[int, str | None]]:
    """(user id, language) of the forum's active members, of these stakeholder groups if any."""
    marks = ",".join("?" * len(groups))
    only = f" AND u.stakeholder_group IN ({marks})" if groups else ""
    rows = await db.fetchall(
        "SELECT u.id, u.language FROM memberships m JOIN users u ON u.id = m.user_id"
        f" WHERE m.forum_id = ? AND u.is_active = 1{only} ORDER BY u.id",
        (forum_id, *groups),
    )
    return [(row["id"], row["language"]) for row in rows]


async def membership_counts(db: Database, forum_id: int) -> list[tuple[str, str, str, int]]:
    """(stakeholder group, language, role, members): counts only, for the members export."""
    rows = await db.fetchall(
        "SELECT COALESCE(u.stakeholder_group, '') AS g, COALESCE(u.language, '') AS l, m.role,"
        " COUNT(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.forum_id = ?"
        " GROUP BY g, l, m.role ORDER BY g, l, m.role",
        (forum_id,),
    )
    return [(row["g"], row["l"], row["role"], row["n"]) for row in rows]


async def group_chats(db: Database, forum_id: int) -> list[int]:
    """The Telegram groups linked to a forum."""
    rows = await db.fetchall(
        "SELECT chat_id FROM forum_chats WHERE forum_id = ? ORDER BY linked_at", (forum_id,)
    )
    return [row["chat_id"] for row in rows]


async def linked_chats(db: Database, forum_id: int) -> list[tuple[int, str]]:
    """(chat id, title) of the Telegram groups linked to a forum."""
    rows = await db.fetchall(
        "SELECT chat_id, title FROM forum_chats WHERE forum_id = ? ORDER BY linked_at", (forum_id,)
    )
    return [(row["chat_id"], row["title"]) for row in rows]


async def coordinators(db: Database, forum_id: int) -> list[tuple[int, str | None]]:
    """(user id, language) of the forum's reachable coordinators."""
    rows = await db.fetchall(
        "SELECT u.id, u.language FROM memberships m JOIN users u ON u.id = m.user_id"
        " WHERE m.forum_id = ? AND m.role = 'coordinator' AND u.is_active = 1",
        (forum_id,),
    )
    return [(row["id"], row["language"]) for row in rows]


@dataclass(frozen=True)
class Reader:
    """A member to send something in their own language and zone (e.g. a poll's results)."""

    user_id: int
    language: str | None
    timezone: str | None
    role: str


async def readers(db: Database, forum_id: int) -> list[Reader]:
    """The forum's reachable members (every role), coordinators first."""
    rows = await db.fetchall(
        "SELECT u.id, u.language, u.timezone, m.role FROM memberships m"
        " JOIN users u ON u.id = m.user_id WHERE m.forum_id = ? AND u.is_active = 1"
        " ORDER BY m.role != 'coordinator', u.id",
        (forum_id,),
    )
    return [Reader(r["id"], r["language"], r["timezone"], r["role"]) for r in rows]


async def set_survey_everyone(db: Database, forum_id: int, everyone: bool) -> None:
    await db.execute(
        "UPDATE forums SET survey_everyone = ? WHERE id = ?", (int(everyone), forum_id)
    )
