"""Queries on meeting series, their occurrences, RSVPs and sent reminders."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from db.connection import Database, from_db_time, to_db_time

ANSWERS = ("going", "maybe", "no")


@dataclass(frozen=True)
class MeetingRow:
    """One occurrence, with what it inherits from its series."""

    id: int
    series_id: int
    seq: int
    forum_id: int
    title: str
    place: str | None
    link: str | None
    timezone: str
    starts_at: datetime
    ends_at: datetime
    revision: int
    cancelled: bool
    reminders: tuple[int, ...]  # lead times in seconds, longest first
    every_months: int | None


@dataclass(frozen=True)
class SeriesRow:
    id: int
    forum_id: int
    first_start_local: str
    timezone: str
    duration_s: int
    every_months: int | None
    last_seq: int


@dataclass(frozen=True)
class Attendee:
    user_id: int
    language: str | None
    timezone: str | None
    role: str


_MEETING = (
    "SELECT m.id, m.series_id, m.seq, s.forum_id, s.title, s.place, s.link, s.timezone,"
    " m.starts_at, m.ends_at, m.revision, m.cancelled_at, s.reminders, s.every_months"
    " FROM meetings m JOIN meeting_series s ON s.id = m.series_id"
)


def _meeting(row: aiosqlite.Row) -> MeetingRow:
    return MeetingRow(
        id=row["id"],
        series_id=row["series_id"],
        seq=row["seq"],
        forum_id=row["forum_id"],
        title=row["title"],
        place=row["place"],
        link=row["link"],
        timezone=row["timezone"],
        starts_at=from_db_time(row["starts_at"]),  # type: ignore[arg-type]
        ends_at=from_db_time(row["ends_at"]),  # type: ignore[arg-type]
        revision=row["revision"],
        cancelled=row["cancelled_at"] is not None,
        reminders=tuple(sorted(json.loads(row["reminders"]), reverse=True)),
        every_months=row["every_months"],
    )


async def create_series(
    db: Database,
    *,
    forum_id: int,
    title: str,
    place: str | None,
    link: str | None,
    first_start_local: str,
    timezone: str,
    duration_s: int,
    every_months: int | None,
    reminders: list[int],
    created_by: int,
    now: datetime,
    occurrences: list[tuple[int, datetime, datetime]],
) -> int:
    """Store a series and its first occurrences `(seq, start, end)`; returns the series id."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO meeting_series (forum_id, title, place, link, first_start_local,"
            " timezone, duration_s, every_months, reminders, created_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                forum_id,
                title,
                place,
                link,
                first_start_local,
                timezone,
                duration_s,
                every_months,
                json.dumps(reminders),
                created_by,
                to_db_time(now),
            ),
        )
        series_id = cursor.lastrowid
        await conn.executemany(
            "INSERT INTO meetings (series_id, seq, starts_at, ends_at) VALUES (?, ?, ?, ?)",
            [(series_id, seq, to_db_time(s), to_db_time(e)) for seq, s, e in occurrences],
        )
    assert series_id is not None
    return series_id


async def add_occurrences(
    db: Database, series_id: int, occurrences: list[tuple[int, datetime, datetime]]
) -> None:
    """Materialise further occurrences of a repeating series (existing ones are kept as they are)."""
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT OR IGNORE INTO meetings (series_id, seq, starts_at, ends_at)"
            " VALUES (?, ?, ?, ?)",
            [(series_id, seq, to_db_time(s), to_db_time(e)) for seq, s, e in occurrences],
        )


async def repeating_series(db: Database, *, last_start_before: datetime) -> list[SeriesRow]:
    """Active repeating series whose last materialised occurrence starts before the horizon."""
    rows = await db.fetchall(
        "SELECT s.id, s.forum_id, s.first_start_local, s.timezone, s.duration_s, s.every_months,"
        " max(m.seq) AS last_seq, max(m.starts_at) AS last_start"
        " FROM meeting_series s JOIN meetings m ON m.series_id = s.id"
        " WHERE s.every_months IS NOT NULL AND s.cancelled_at IS NULL"
        " GROUP BY s.id HAVING last_start < ?",
        (to_db_time(last_start_before),),
    )
    return [
        SeriesRow(
            r["id"],
            r["forum_id"],
            r["first_start_local"],
            r["timezone"],
            r["duration_s"],
            r["every_months"],
            r["last_seq"],
        )
        for r in rows
    ]


async def get_meeting(db: Database, meeting_id: int) -> MeetingRow | None:
    row = await db.fetchone(f"{_MEETING} WHERE m.id = ?", (meeting_id,))
    return _meeting(row) if row else None


async def first_occurrence(db: Database, series_id: int) -> MeetingRow | None:
    row = await db.fetchone(
        f"{_MEETING} WHERE m.series_id = ? ORDER BY m.seq LIMIT 1", (series_id,)
    )
    return _meeting(row) if row else None


async def upcoming(db: Database, forum_id: int, now: datetime, limit: int = 5) -> list[MeetingRow]:
    """The forum's next occurrences that have not ended, soonest first (cancelled ones included)."""
    rows = await db.fetchall(
        f"{_MEETING} WHERE s.forum_id = ? AND m.ends_at > ? ORDER BY m.starts_at LIMIT ?",
        (forum_id, to_db_time(now), limit),
    )
    return [_meeting(row) for row in rows]


async def due_for_reminders(db: Database, now: datetime) -> list[MeetingRow]:
    """Occurrences not cancelled and not started whose longest reminder lead has come."""
    rows = await db.fetchall(
        f"{_MEETING} WHERE m.cancelled_at IS NULL AND s.cancelled_at IS NULL AND m.starts_at > ?"
        " ORDER BY m.starts_at",
        (to_db_time(now),),
    )
    meetings = [_meeting(row) for row in rows]
    return [
        m for m in meetings if m.reminders and (m.starts_at - now).total_seconds() <= m.reminders[0]
    ]


async def attendees(db: Database, forum_id: int) -> list[Attendee]:
    """Everyone in the forum the bot can reach (observers attend meetings too)."""
    rows = await db.fetchall(
        "SELECT u.id, u.language, u.timezone, m.role FROM memberships m"
        " JOIN users u ON u.id = m.user_id WHERE m.forum_id = ? AND u.is_active = 1"
        " ORDER BY u.id",
        (forum_id,),
    )
    return [Attendee(r["id"], r["language"], r["timezone"], r["role"]) for r in rows]


async def record_due(
    db: Database, meeting_id: int, user_id: int, leads: list[int], now: datetime
) -> bool:
    """Record every lead time that has come due; True if the closest one is new (send it).

    A restart never sends twice (the rows exist), and a bot that was down past several lead
    times sends one late reminder, not a burst.
    """
    async with db.transaction() as conn:
        inserted = {}
        for lead in leads:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO meeting_reminders (meeting_id, user_id, lead_s, recorded_at)"
                " VALUES (?, ?, ?, ?)",
                (meeting_id, user_id, lead, to_db_time(now)),
            )
            inserted[lead] = cursor.rowcount > 0
    return inserted[min(leads)]


async def set_rsvp(db: Database, meeting_id: int, user_id: int, answer: str, now: datetime) -> None:
    await db.execute(
        "INSERT INTO rsvps (meeting_id, user_id, answer, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (meeting_id, user_id) DO UPDATE SET answer = excluded.answer,"
        " updated_at = excluded.updated_at",
        (meeting_id, user_id, answer, to_db_time(now)),
    )


async def rsvp_of(db: Database, meeting_id: int, user_id: int) -> str | None:
    row = await db.fetchone(
        "SELECT answer FROM rsvps WHERE meeting_id = ? AND user_id = ?", (meeting_id, user_id)
    )
    return row["answer"] if row else None


async def rsvp_counts(db: Database, meeting_id: int) -> dict[str, int]:
    rows = await db.fetchall(
        "SELECT answer, count(*) AS n FROM rsvps WHERE meeting_id = ? GROUP BY answer",
        (meeting_id,),
    )
    counts = dict.fromkeys(ANSWERS, 0)
    counts.update({row["answer"]: row["n"] for row in rows})
    return counts
