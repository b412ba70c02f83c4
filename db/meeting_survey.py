"""Queries on what members say after a meeting (anonymous survey) and the meeting report."""

from __future__ import annotations

from datetime import datetime, timedelta

import aiosqlite

from db.connection import Database, to_db_time
from db.meeting_attendees import Attendee, attendees
from db.meetings import MEETING_SELECT, MeetingRow, meeting_from_row


async def ended_without_survey(db: Database, now: datetime) -> list[MeetingRow]:
    """Occurrences that ended (not cancelled) within the last week and were not surveyed yet."""
    rows = await db.fetchall(
        f"{MEETING_SELECT} WHERE m.cancelled_at IS NULL AND m.ends_at <= ? AND m.ends_at > ?"
        " AND NOT EXISTS (SELECT 1 FROM meeting_surveys v WHERE v.meeting_id = m.id)",
        (to_db_time(now), to_db_time(now - timedelta(days=7))),
    )
    return [meeting_from_row(row) for row in rows]


async def survey_recipients(db: Database, meeting: MeetingRow) -> list[Attendee]:
    """Who to ask: members who said going or maybe, or every member if the forum says so."""
    row = await db.fetchone("SELECT survey_everyone FROM forums WHERE id = ?", (meeting.forum_id,))
    if row and row["survey_everyone"]:
        return await attendees(db, meeting.forum_id)
    rows = await db.fetchall(
        "SELECT u.id, u.language, u.timezone, m.role FROM rsvps r"
        " JOIN users u ON u.id = r.user_id JOIN memberships m ON m.user_id = u.id"
        " WHERE r.meeting_id = ? AND r.answer IN ('going', 'maybe') AND m.forum_id = ?"
        " AND u.is_active = 1 ORDER BY u.id",
        (meeting.id, meeting.forum_id),
    )
    return [Attendee(r["id"], r["language"], r["timezone"], r["role"]) for r in rows]


async def claim_survey(
    conn: aiosqlite.Connection, meeting_id: int, user_id: int, now: datetime
) -> bool:
    """True the first time this member is asked about this meeting (in the outbox's transaction)."""
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO meeting_surveys (meeting_id, user_id, sent_at) VALUES (?, ?, ?)",
        (meeting_id, user_id, to_db_time(now)),
    )
    return cursor.rowcount > 0


async def rate(db: Database, meeting_id: int, user_id: int, rating: int, now: datetime) -> bool:
    """Store an anonymous rating once per member who was asked; False if not asked or done."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE meeting_surveys SET answered = 1"
            " WHERE meeting_id = ? AND user_id = ? AND answered = 0",
            (meeting_id, user_id),
        )
        if cursor.rowcount == 0:
            return False
        await conn.execute(
            "INSERT INTO meeting_ratings (meeting_id, rating, given_on) VALUES (?, ?, ?)",
            (meeting_id, rating, now.date().isoformat()),
        )
    return True


async def add_comment(db: Database, meeting_id: int, comment: str, now: datetime) -> None:
    """An anonymous comment on a meeting (the caller checked that this member rated it)."""
    await db.execute(
        "INSERT INTO meeting_comments (meeting_id, comment, given_on) VALUES (?, ?, ?)",
        (meeting_id, comment, now.date().isoformat()),
    )


async def answered_survey(db: Database, meeting_id: int, user_id: int) -> bool:
    row = await db.fetchone(
        "SELECT answered FROM meeting_surveys WHERE meeting_id = ? AND user_id = ?",
        (meeting_id, user_id),
    )
    return bool(row and row["answered"])


async def ratings(db: Database, meeting_id: int) -> list[int]:
    rows = await db.fetchall(
        "SELECT rating FROM meeting_ratings WHERE meeting_id = ? ORDER BY id", (meeting_id,)
    )
    return [row["rating"] for row in rows]


async def comments(db: Database, meeting_id: int) -> list[str]:
    rows = await db.fetchall(
        "SELECT comment FROM meeting_comments WHERE meeting_id = ? ORDER BY id", (meeting_id,)
    )
    return [row["comment"] for row in rows]


async def due_summaries(db: Database, now: datetime) -> list[MeetingRow]:
    """Surveyed occurrences whose survey window (3 days after the end) closed, not summarised."""
    rows = await db.fetchall(
        f"{MEETING_SELECT} WHERE m.summary_sent_at IS NULL AND m.ends_at <= ?"
        " AND EXISTS (SELECT 1 FROM meeting_surveys v WHERE v.meeting_id = m.id)",
        (to_db_time(now - timedelta(days=3)),),
    )
    return [meeting_from_row(row) for row in rows]


async def claim_summary(conn: aiosqlite.Connection, meeting_id: int, now: datetime) -> bool:
    """True the first time (in the transaction that writes the summaries to the outbox)."""
    cursor = await conn.execute(
        "UPDATE meetings SET summary_sent_at = ? WHERE id = ? AND summary_sent_at IS NULL",
        (to_db_time(now), meeting_id),
    )
    return cursor.rowcount > 0


async def report(db: Database, forum_id: int) -> list[aiosqlite.Row]:
    """One row per occurrence that has started or been answered: RSVP counts and ratings."""
    return await db.fetchall(
        "SELECT s.title, m.starts_at, m.cancelled_at IS NOT NULL AS cancelled,"
        " (SELECT count(*) FROM rsvps r WHERE r.meeting_id = m.id AND r.answer = 'going') AS going,"
        " (SELECT count(*) FROM rsvps r WHERE r.meeting_id = m.id AND r.answer = 'maybe') AS maybe,"
        " (SELECT count(*) FROM rsvps r WHERE r.meeting_id = m.id AND r.answer = 'no') AS no,"
        " (SELECT count(*) FROM meeting_ratings g WHERE g.meeting_id = m.id) AS ratings,"
        " (SELECT round(avg(rating), 2) FROM meeting_ratings g WHERE g.meeting_id = m.id)"
        "  AS average"
        " FROM meetings m JOIN meeting_series s ON s.id = m.series_id WHERE s.forum_id = ?"
        " AND (EXISTS (SELECT 1 FROM rsvps r WHERE r.meeting_id = m.id) OR m.seq = 0"
        "  OR m.cancelled_at IS NOT NULL)"
        " ORDER BY m.starts_at",
        (forum_id,),
    )


async def feedback(db: Database, forum_id: int) -> list[aiosqlite.Row]:
    """Every anonymous comment on the forum's meetings."""
    return await db.fetchall(
        "SELECT s.title, m.starts_at, c.comment FROM meeting_comments c"
        " JOIN meetings m ON m.id = c.meeting_id JOIN meeting_series s ON s.id = m.series_id"
        " WHERE s.forum_id = ? ORDER BY m.starts_at, c.id",
        (forum_id,),
    )
