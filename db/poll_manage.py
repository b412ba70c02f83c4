"""Queries for managing a poll after it went out: its deadline, a typo, a cancellation.

Each change is a guarded write in the caller's transaction (an `outbox.batch`, so what members
are told commits with it): it happens only if the poll is still as the coordinator saw it, and
says whether it did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from db import outbox
from db.connection import Database, to_db_time


@dataclass(frozen=True)
class BallotMessage:
    chat_id: int
    message_id: int
    user_id: int
    language: str | None


async def submitted_count(db: Database, poll_id: int) -> int:
    row = await db.fetchone(
        "SELECT count(*) FROM ballots WHERE poll_id = ? AND submitted_at IS NOT NULL", (poll_id,)
    )
    return int(row[0]) if row else 0


async def ballot_messages(conn: aiosqlite.Connection, poll_id: int) -> list[BallotMessage]:
    """Every ballot message on record, read in the transaction that changes the poll (a ballot
    sent a moment before is in it)."""
    cursor = await conn.execute(
        "SELECT b.chat_id, b.message_id, b.user_id, u.language FROM ballots b"
        " JOIN users u ON u.id = b.user_id"
        " WHERE b.poll_id = ? AND b.message_id IS NOT NULL ORDER BY b.user_id",
        (poll_id,),
    )
    return [BallotMessage(*row) for row in await cursor.fetchall()]


async def move_deadline(
    conn: aiosqlite.Connection,
    poll_id: int,
    *,
    seen: datetime,
    closes_at: datetime,
    remind_before: timedelta,
    now: datetime,
) -> bool:
    """Move an open poll's deadline from `seen` (what the coordinator was shown; a second tap
    on an old panel changes nothing) to `closes_at`.

    The heartbeat closes and reminds from these columns, so the jobs follow at once and after a
    restart. The reminder is owed again if its new time is still ahead; if it has passed
    already, the notice of the change stands in for it (no reminder a minute after it)."""
    remind_again = remind_before > timedelta(0) and closes_at - remind_before > now
    cursor = await conn.execute(
        "UPDATE polls SET closes_at = ?,"
        " reminded_at = CASE WHEN ? THEN NULL ELSE coalesce(reminded_at, ?) END"
        " WHERE id = ? AND closed_at IS NULL AND closes_at = ?",
        (to_db_time(closes_at), remind_again, to_db_time(now), poll_id, to_db_time(seen)),
    )
    return cursor.rowcount > 0


async def fix_text(conn: aiosqlite.Connection, poll_id: int, position: int, text: str) -> bool:
    """Replace the question (`position` 0) or one option's text, only while the poll is open
    and no ballot is submitted: checked by the write itself, so a ballot submitted a moment
    before makes it change nothing (SQLite runs one writer at a time)."""
    guard = " AND NOT EXISTS (SELECT 1 FROM ballots WHERE poll_id = ? AND submitted_at IS NOT NULL)"
    # A fixed text is the coordinator's own: an option stops being its catalog item (whose
    # translations readers would otherwise still get), a question stops being the default one.
    if position == 0:
        cursor = await conn.execute(
            "UPDATE polls SET question = ? WHERE id = ? AND closed_at IS NULL" + guard,
            (text, poll_id, poll_id),
        )
        if cursor.rowcount:
            await conn.execute(
                "UPDATE poll_origins SET default_question = 0 WHERE poll_id = ?", (poll_id,)
            )
    else:
        cursor = await conn.execute(
            "UPDATE poll_options SET text = ?, ref = NULL WHERE poll_id = ? AND position = ?"
            " AND EXISTS (SELECT 1 FROM polls WHERE id = ? AND closed_at IS NULL)" + guard,
            (text, poll_id, position, poll_id, poll_id),
        )
    return cursor.rowcount > 0


async def cancel(conn: aiosqlite.Connection, poll_id: int, now: datetime) -> bool:
    """End an open poll without results: every ballot (submitted or draft) with its ranks, and
    the records of whom ballots and reminders went to, are deleted (zeroed: secure_delete), so
    nothing is left to link; `results_queued_at` is set so no results are ever queued.
    False if the poll was closed or cancelled already."""
    stamp = to_db_time(now)
    cursor = await conn.execute(
        "UPDATE polls SET closed_at = ?, cancelled_at = ?, results_queued_at = ?"
        " WHERE id = ? AND closed_at IS NULL",
        (stamp, stamp, stamp, poll_id),
    )
    if cursor.rowcount == 0:
        return False
    await conn.execute("DELETE FROM ballots WHERE poll_id = ?", (poll_id,))  # ranks: CASCADE
    await outbox.delete_poll_deliveries(conn, poll_id)
    return True
