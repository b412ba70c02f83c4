"""Queries on the people of a meeting: who attends, their RSVPs, reminders due, what each got.

The records of what was sent (`meeting_reminders`, `meeting_notices`) are written in the
transaction that queues the message, so a restart never sends twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from db.connection import Database, to_db_time
from db.meetings import MEETING_SELECT, MeetingRow, Reader, fetch_all, meeting_from_row

ANSWERS = ("going", "maybe", "no")


@dataclass(frozen=True)
class Attendee:
    user_id: int
    language: str | None
    timezone: str | None
    role: str


async def attendees(db: Reader, forum_id: int) -> list[Attendee]:
    """Everyone in the forum the bot can reach (observers attend meetings too)."""
    rows = await fetch_all(
        db,
        "SELECT u.id, u.language, u.timezone, m.role FROM memberships m"
        " JOIN users u ON u.id = m.user_id WHERE m.forum_id = ? AND u.is_active = 1"
        " ORDER BY u.id",
        (forum_id,),
    )
    return [Attendee(r["id"], r["language"], r["timezone"], r["role"]) for r in rows]


async def set_rsvp(db: Database, meeting_id: int, user_id: int, answer: str, now: datetime) -> None:
    await db.execute(
        "INSERT INTO rsvps (meeting_id, user_id, answer, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (meeting_id, user_id) DO UPDATE SET answer = excluded.answer,"
        " updated_at = excluded.updated_at",
        (meeting_id, user_id, answer, to_db_time(now)),
    )


async def rsvp_of(db: Reader, meeting_id: int, user_id: int) -> str | None:
    rows = await fetch_all(
        db, "SELECT answer FROM rsvps WHERE meeting_id = ? AND user_id = ?", (meeting_id, user_id)
    )
    return rows[0]["answer"] if rows else None


async def rsvp_counts(db: Reader, meeting_id: int) -> dict[str, int]:
    rows = await fetch_all(
        db,
        "SELECT answer, count(*) AS n FROM rsvps WHERE meeting_id = ? GROUP BY answer",
        (meeting_id,),
    )
    counts = dict.fromkeys(ANSWERS, 0)
    counts.update({row["answer"]: row["n"] for row in rows})
    return counts


async def due_for_reminders(db: Database, now: datetime) -> list[MeetingRow]:
    """Occurrences not cancelled and not started whose longest reminder lead has come."""
    rows = await db.fetchall(
        f"{MEETING_SELECT} WHERE m.cancelled_at IS NULL AND s.cancelled_at IS NULL AND m.starts_at > ?"
        " ORDER BY m.starts_at",
        (to_db_time(now),),
    )
    meetings = [meeting_from_row(row) for row in rows]
    return [
        m for m in meetings if m.reminders and (m.starts_at - now).total_seconds() <= m.reminders[0]
    ]


async def reminded(db: Database, meeting_id: int, lead_s: int) -> set[int]:
    """Members who already had this reminder of this meeting."""
    rows = await db.fetchall(
        "SELECT user_id FROM meeting_reminders WHERE meeting_id = ? AND lead_s = ?",
        (meeting_id, lead_s),
    )
    return {row["user_id"] for row in rows}


async def record_due(
    conn: aiosqlite.Connection, meeting_id: int, user_id: int, leads: list[int], now: datetime
) -> bool:
    """Record every lead time that has come due; True if the closest one is new (send it).

    A restart never sends twice (the rows exist), and a bot that was down past several lead
    times sends one late reminder, not a burst. Runs in the transaction that writes the
    reminder to the outbox.
    """
    inserted = {}
    for lead in leads:
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO meeting_reminders (meeting_id, user_id, lead_s, recorded_at)"
            " VALUES (?, ?, ?, ?)",
            (meeting_id, user_id, lead, to_db_time(now)),
        )
        inserted[lead] = cursor.rowcount > 0
    return inserted[min(leads)]


async def claim_notice(
    conn: aiosqlite.Connection, meeting_id: int, user_id: int, revision: int, now: datetime
) -> bool:
    """True the first time a member is told about this revision of an occurrence (in the
    transaction that writes the notice to the outbox)."""
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO meeting_notices (meeting_id, user_id, revision, sent_at)"
        " VALUES (?, ?, ?, ?)",
        (meeting_id, user_id, revision, to_db_time(now)),
    )
    return cursor.rowcount > 0
