"""Queries on the outbox: bulk messages written before they are sent, and their progress."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from db.connection import Database, from_db_time, to_db_time

STATES = ("pending", "sending", "sent", "blocked", "failed")


@dataclass(frozen=True)
class OutboxRow:
    id: int
    broadcast_id: int
    chat_id: int
    user_id: int | None
    text: str
    attempts: int


@dataclass(frozen=True)
class Broadcast:
    id: int
    forum_id: int
    report_chat_id: int | None
    report_message_id: int | None
    report_language: str | None


async def create_broadcast(
    db: Database,
    *,
    forum_id: int,
    kind: str,
    created_by: int,
    report_chat_id: int,
    report_message_id: int,
    report_language: str,
    messages: list[tuple[int, int | None, str]],
    now: datetime,
) -> int:
    """The broadcast and one pending row per (chat id, user id, text), in one transaction."""
    stamp = to_db_time(now)
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO broadcasts (forum_id, kind, created_by, created_at, report_chat_id,"
            " report_message_id, report_language) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (forum_id, kind, created_by, stamp, report_chat_id, report_message_id, report_language),
        )
        broadcast_id = cursor.lastrowid
        await conn.executemany(
            "INSERT INTO outbox (broadcast_id, chat_id, user_id, text, not_before)"
            " VALUES (?, ?, ?, ?, ?)",
            [(broadcast_id, chat, user, text, stamp) for chat, user, text in messages],
        )
    assert broadcast_id is not None
    return broadcast_id


async def requeue_in_flight(db: Database) -> int:
    """After a crash or stop: rows that were being sent go back to the queue (maybe twice)."""
    return await db.changes("UPDATE outbox SET state = 'pending' WHERE state = 'sending'")


async def due(db: Database, now: datetime, limit: int) -> list[OutboxRow]:
    rows = await db.fetchall(
        "SELECT id, broadcast_id, chat_id, user_id, text, attempts FROM outbox"
        # Queue order, not retry time: a message retried after a 429 or a 5xx goes out as soon
        # as it is due again, instead of after everything that was never tried.
        " WHERE state = 'pending' AND not_before <= ? ORDER BY id LIMIT ?",
        (to_db_time(now), limit),
    )
    return [OutboxRow(*row) for row in rows]


async def next_due(db: Database) -> datetime | None:
    row = await db.fetchone("SELECT MIN(not_before) AS at FROM outbox WHERE state = 'pending'")
    return from_db_time(row["at"]) if row and row["at"] else None


async def claim(db: Database, row_id: int) -> bool:
    """pending → sending; False if another drain took it first."""
    changed = await db.changes(
        "UPDATE outbox SET state = 'sending' WHERE id = ? AND state = 'pending'",
        (row_id,),
    )
    return changed == 1


async def finish(
    db: Database, row_id: int, state: str, now: datetime, error: str | None = None
) -> None:
    """sending → sent, blocked or failed."""
    assert state in ("sent", "blocked", "failed")
    await db.execute(
        "UPDATE outbox SET state = ?, error = ?, sent_at = CASE WHEN ? = 'sent' THEN ? END"
        " WHERE id = ?",
        (state, error, state, to_db_time(now), row_id),
    )


async def retry_later(
    db: Database,
    row_id: int,
    not_before: datetime,
    *,
    failed: bool = False,
    chat_id: int | None = None,
    error: str | None = None,
) -> None:
    """sending → pending again, not before the given time. `failed` counts an attempt (a 429 or
    a migrated group is not the message's fault); `chat_id` follows a group that migrated."""
    await db.execute(
        "UPDATE outbox SET state = 'pending', not_before = ?, attempts = attempts + ?,"
        " chat_id = COALESCE(?, chat_id), error = COALESCE(?, error) WHERE id = ?",
        (to_db_time(not_before), int(failed), chat_id, error, row_id),
    )


async def counts(db: Database, broadcast_id: int) -> Counter[str]:
    rows = await db.fetchall(
        "SELECT state, COUNT(*) AS n FROM outbox WHERE broadcast_id = ? GROUP BY state",
        (broadcast_id,),
    )
    return Counter({row["state"]: row["n"] for row in rows})


async def open_broadcasts(db: Database) -> list[Broadcast]:
    """Broadcasts whose final report was not written yet."""
    rows = await db.fetchall(
        "SELECT id, forum_id, report_chat_id, report_message_id, report_language FROM broadcasts"
        " WHERE finished_at IS NULL ORDER BY id"
    )
    return [Broadcast(*row) for row in rows]


async def mark_finished(db: Database, broadcast_id: int, now: datetime) -> bool:
    changed = await db.changes(
        "UPDATE broadcasts SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
        (to_db_time(now), broadcast_id),
    )
    return changed == 1
