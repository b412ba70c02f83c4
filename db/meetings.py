"""Queries on meeting series and their occurrences: creating, reading, moving, cancelling.

Who attends, their RSVPs and what each was sent are db/meeting_attendees.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from db.connection import Database, db_time, to_db_time

# A read from the database, or from inside a transaction the caller holds (`batch.conn`).
Reader = Database | aiosqlite.Connection


async def fetch_all(db: Reader, sql: str, params: tuple) -> list[aiosqlite.Row]:
    if isinstance(db, Database):
        return await db.fetchall(sql, params)
    return list(await db.execute_fetchall(sql, params))


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


MEETING_SELECT = (
    "SELECT m.id, m.series_id, m.seq, s.forum_id, s.title,"
    " CASE WHEN m.place_set THEN m.place ELSE s.place END AS place,"
    " CASE WHEN m.place_set THEN m.link ELSE s.link END AS link, s.timezone,"
    " m.starts_at, m.ends_at, m.revision, m.cancelled_at, s.reminders, s.every_months"
    " FROM meetings m JOIN meeting_series s ON s.id = m.series_id"
)


def meeting_from_row(row: aiosqlite.Row) -> MeetingRow:
    return MeetingRow(
        id=row["id"],
        series_id=row["series_id"],
        seq=row["seq"],
        forum_id=row["forum_id"],
        title=row["title"],
        place=row["place"],
        link=row["link"],
        timezone=row["timezone"],
        starts_at=db_time(row["starts_at"]),
        ends_at=db_time(row["ends_at"]),
        revision=row["revision"],
        cancelled=row["cancelled_at"] is not None,
        reminders=tuple(sorted(json.loads(row["reminders"]), reverse=True)),
        every_months=row["every_months"],
    )


async def create_series(
    conn: aiosqlite.Connection,
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
    """Store a series and its first occurrences `(seq, start, end)`; returns the series id.

    In the caller's transaction (`outbox.batch`), so the members' announcements commit with it.
    """
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
    assert series_id is not None
    await conn.executemany(
        "INSERT INTO meetings (series_id, seq, starts_at, ends_at) VALUES (?, ?, ?, ?)",
        [(series_id, seq, to_db_time(s), to_db_time(e)) for seq, s, e in occurrences],
    )
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


async def repeating_series(db: Database) -> list[SeriesRow]:
    """Active repeating series, with the sequence number of their last materialised occurrence.

    Deliberately not "the latest start": one occurrence moved years ahead (2037 typed for 2027)
    must not make the series look materialised until then. The caller computes the last
    occurrence's date from the series' rule and `last_seq`.
    """
    rows = await db.fetchall(
        "SELECT s.id, s.forum_id, s.first_start_local, s.timezone, s.duration_s, s.every_months,"
        " max(m.seq) AS last_seq"
        " FROM meeting_series s JOIN meetings m ON m.series_id = s.id"
        " WHERE s.every_months IS NOT NULL AND s.cancelled_at IS NULL"
        " GROUP BY s.id",
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


async def neighbours(
    db: Database, meeting: MeetingRow
) -> tuple[MeetingRow | None, MeetingRow | None]:
    """The occurrences of the same series just before and just after `meeting` (by sequence)."""
    before = await db.fetchone(
        f"{MEETING_SELECT} WHERE m.series_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT 1",
        (meeting.series_id, meeting.seq),
    )
    after = await db.fetchone(
        f"{MEETING_SELECT} WHERE m.series_id = ? AND m.seq > ? ORDER BY m.seq LIMIT 1",
        (meeting.series_id, meeting.seq),
    )
    return (
        meeting_from_row(before) if before else None,
        meeting_from_row(after) if after else None,
    )


async def first_start_local(db: Database, series_id: int) -> datetime | None:
    """The series' first start as the naive local wall-clock time its rule counts from."""
    row = await db.fetchone(
        "SELECT first_start_local FROM meeting_series WHERE id = ?", (series_id,)
    )
    return datetime.strptime(row[0], "%Y-%m-%d %H:%M") if row else None


async def get_meeting(db: Reader, meeting_id: int) -> MeetingRow | None:
    rows = await fetch_all(db, f"{MEETING_SELECT} WHERE m.id = ?", (meeting_id,))
    return meeting_from_row(rows[0]) if rows else None


async def first_occurrence(db: Reader, series_id: int) -> MeetingRow | None:
    rows = await fetch_all(
        db, f"{MEETING_SELECT} WHERE m.series_id = ? ORDER BY m.seq LIMIT 1", (series_id,)
    )
    return meeting_from_row(rows[0]) if rows else None


async def upcoming(db: Database, forum_id: int, now: datetime, limit: int = 5) -> list[MeetingRow]:
    """The forum's next occurrences that have not ended, soonest first (cancelled ones included)."""
    rows = await db.fetchall(
        f"{MEETING_SELECT} WHERE s.forum_id = ? AND m.ends_at > ? ORDER BY m.starts_at LIMIT ?",
        (forum_id, to_db_time(now), limit),
    )
    return [meeting_from_row(row) for row in rows]


async def cancel(conn: aiosqlite.Connection, meeting_id: int, now: datetime) -> bool:
    """Cancel one occurrence; False if it already was. In the caller's transaction (with the
    members' notices)."""
    cursor = await conn.execute(
        "UPDATE meetings SET cancelled_at = ?, revision = revision + 1"
        " WHERE id = ? AND cancelled_at IS NULL",
        (to_db_time(now), meeting_id),
    )
    return cursor.rowcount > 0


async def _revise_ahead(
    conn: aiosqlite.Connection, series_id: int, now: datetime, *, cancel: bool
) -> list[int]:
    """Bump the revision of (and optionally cancel) a series' occurrences that are still ahead."""
    cursor = await conn.execute(
        "UPDATE meetings SET revision = revision + 1,"
        " cancelled_at = CASE WHEN ? THEN ? ELSE cancelled_at END"
        " WHERE series_id = ? AND cancelled_at IS NULL AND starts_at > ? RETURNING id",
        (int(cancel), to_db_time(now), series_id, to_db_time(now)),
    )
    return sorted(row[0] for row in await cursor.fetchall())


async def cancel_series(conn: aiosqlite.Connection, series_id: int, now: datetime) -> list[int]:
    """Cancel a series and its occurrences that have not started; returns their ids. In the
    caller's transaction."""
    ids = await _revise_ahead(conn, series_id, now, cancel=True)
    await conn.execute(
        "UPDATE meeting_series SET cancelled_at = ? WHERE id = ?", (to_db_time(now), series_id)
    )
    return ids


async def move(
    conn: aiosqlite.Connection,
    meeting_id: int,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
) -> None:
    """Move one occurrence (in the caller's transaction). Reminders not yet due at the new time
    will be sent again for it."""
    await conn.execute(
        "UPDATE meetings SET starts_at = ?, ends_at = ?, revision = revision + 1 WHERE id = ?",
        (to_db_time(starts_at), to_db_time(ends_at), meeting_id),
    )
    # A lead time whose moment (new start - lead) is still ahead must fire again.
    await conn.execute(
        "DELETE FROM meeting_reminders WHERE meeting_id = ?"
        # strftime gives text, and SQLite orders every number before any text: cast.
        " AND CAST(strftime('%s', ?) AS INTEGER) - lead_s > CAST(strftime('%s', ?) AS INTEGER)",
        (meeting_id, to_db_time(starts_at), to_db_time(now)),
    )


async def set_place(
    conn: aiosqlite.Connection, series_id: int, place: str | None, link: str | None, now: datetime
) -> list[int]:
    """New place/link for a series (in the caller's transaction), also for its meetings ahead
    that had their own; returns the ids of its occurrences still ahead."""
    await conn.execute(
        "UPDATE meeting_series SET place = ?, link = ? WHERE id = ?", (place, link, series_id)
    )
    await conn.execute(
        "UPDATE meetings SET place = NULL, link = NULL, place_set = 0"
        " WHERE series_id = ? AND cancelled_at IS NULL AND starts_at > ?",
        (series_id, to_db_time(now)),
    )
    return await _revise_ahead(conn, series_id, now, cancel=False)


async def set_meeting_place(
    conn: aiosqlite.Connection, meeting_id: int, place: str | None, link: str | None
) -> list[int]:
    """New place/link for this meeting only (in the caller's transaction); returns [its id]."""
    await conn.execute(
        "UPDATE meetings SET place = ?, link = ?, place_set = 1, revision = revision + 1"
        " WHERE id = ?",
        (place, link, meeting_id),
    )
    return [meeting_id]
