"""Queries on feedback: storing it, the hourly limit, listing, and the relayed conversation.

Observers get only the counts (`counts_by_topic`, `counts_by_month`): those queries never read
the text or the author, so nothing an observer is shown can carry either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from db.connection import Database, db_time, to_db_time


@dataclass(frozen=True)
class FeedbackRow:
    id: int
    forum_id: int
    topic: str
    text: str
    photo_file_id: str | None
    author_id: int | None  # for the relay only; shown to coordinators only when signed
    signed: bool
    created_at: datetime
    author_name: str | None  # the member's display name when signed


_SELECT = (
    "SELECT f.*, CASE WHEN f.signed = 1 THEN u.first_name END AS author_name FROM feedback f"
    " LEFT JOIN users u ON u.id = f.author_id"
)


def _row(row: aiosqlite.Row) -> FeedbackRow:
    created = db_time(row["created_at"])
    return FeedbackRow(
        row["id"],
        row["forum_id"],
        row["topic"],
        row["text"],
        row["photo_file_id"],
        row["author_id"],
        bool(row["signed"]),
        created,
        row["author_name"],
    )


async def count_since(db: Database, author_id: int, since: datetime) -> int:
    row = await db.fetchone(
        "SELECT COUNT(*) AS n FROM feedback WHERE author_id = ? AND created_at > ?",
        (author_id, to_db_time(since)),
    )
    return row["n"] if row else 0


async def insert(conn: aiosqlite.Connection, item: FeedbackRow) -> int:
    """Store an item (its `id` is ignored) inside the caller's transaction, with its copies for
    coordinators; returns its id."""
    cursor = await conn.execute(
        "INSERT INTO feedback (forum_id, topic, text, photo_file_id, author_id, signed,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            *(item.forum_id, item.topic, item.text, item.photo_file_id, item.author_id),
            *(int(item.signed), to_db_time(item.created_at)),
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def get(db: Database, feedback_id: int) -> FeedbackRow | None:
    row = await db.fetchone(f"{_SELECT} WHERE f.id = ?", (feedback_id,))
    return _row(row) if row else None


async def recent(db: Database, forum_id: int, now: datetime, days: int = 30) -> list[FeedbackRow]:
    rows = await db.fetchall(
        f"{_SELECT} WHERE f.forum_id = ? AND f.created_at > ? ORDER BY f.topic, f.id DESC",
        (forum_id, to_db_time(now - timedelta(days=days))),
    )
    return [_row(row) for row in rows]


async def counts_by_topic(db: Database, forum_id: int, since: datetime) -> dict[str, int]:
    """How many items per topic since `since` (topics without any are left out)."""
    rows = await db.fetchall(
        "SELECT topic, COUNT(*) AS n FROM feedback WHERE forum_id = ? AND created_at > ?"
        " GROUP BY topic",
        (forum_id, to_db_time(since)),
    )
    return {row["topic"]: row["n"] for row in rows}


async def counts_by_month(db: Database, forum_id: int) -> list[tuple[str, str, int]]:
    """(month in UTC as YYYY-MM, topic, items) for every month and topic the forum still keeps."""
    rows = await db.fetchall(
        "SELECT substr(created_at, 1, 7) AS month, topic, COUNT(*) AS n FROM feedback"
        " WHERE forum_id = ? GROUP BY month, topic ORDER BY month, topic",
        (forum_id,),
    )
    return [(row["month"], row["topic"], row["n"]) for row in rows]


async def everything(db: Database, forum_id: int) -> list[FeedbackRow]:
    rows = await db.fetchall(f"{_SELECT} WHERE f.forum_id = ? ORDER BY f.id", (forum_id,))
    return [_row(row) for row in rows]


async def add_reply(
    conn: aiosqlite.Connection,
    feedback_id: int,
    *,
    from_member: bool,
    coordinator_id: int | None,
    text: str,
    now: datetime,
) -> None:
    """Store a reply or an answer, in the caller's transaction (with the dialog's end)."""
    await conn.execute(
        "INSERT INTO feedback_replies (feedback_id, from_member, coordinator_id, text, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (feedback_id, int(from_member), coordinator_id, text, to_db_time(now)),
    )
