"""Polls and their options: the rows every poll module reads, creating a poll with its empty
ballots, and who may vote. A ballot's taps and counts are in db/ballots.py; the close, the
seal of an anonymous poll and the deadlines in db/poll_closing.py."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, fields
from datetime import datetime

import aiosqlite

from db.connection import Database, db_time, from_db_time, the_row, to_db_time

VOTING_ROLES = ("member", "coordinator")  # observers watch and analyse; they do not vote


def new_ballot_id() -> int:
    """A random 63-bit id: ids say nothing about who voted first or whose row came first."""
    return secrets.randbelow(2**63 - 1) + 1


@dataclass(frozen=True)
class PollRow:
    id: int
    forum_id: int
    number: int
    question: str
    closes_at: datetime
    closed_at: datetime | None
    hide_results: bool
    anonymous: bool
    remind_before_s: int
    group_chat_id: int | None
    group_message_id: int | None
    cancelled_at: datetime | None = None  # cancelled by a coordinator: closed, no results

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class OptionRow:
    id: int
    position: int
    text: str


@dataclass(frozen=True)
class BallotRow:
    id: int
    poll_id: int
    user_id: int | None
    draft: list[int]
    submitted: list[int]  # option ids in submitted rank order
    chat_id: int | None
    message_id: int | None
    submitted_at: datetime | None


@dataclass(frozen=True)
class Voter:
    user_id: int
    language: str | None
    timezone: str | None
    stakeholder_group: str | None


def poll_row(row: aiosqlite.Row) -> PollRow:
    """A `polls` row as a PollRow: its columns by name, with the times and flags converted."""
    columns = {field.name: row[field.name] for field in fields(PollRow)}
    converted = {
        "closes_at": db_time(row["closes_at"]),
        "closed_at": from_db_time(row["closed_at"]),
        "cancelled_at": from_db_time(row["cancelled_at"]),
        "hide_results": bool(row["hide_results"]),
        "anonymous": bool(row["anonymous"]),
    }
    return PollRow(**(columns | converted))


async def insert_poll(
    conn: aiosqlite.Connection,
    *,
    forum_id: int,
    question: str,
    options: list[str],
    closes_at: datetime,
    hide_results: bool,
    anonymous: bool,
    remind_before_s: int,
    created_by: int,
    now: datetime,
    catalog: str | None = None,
    refs: list[str | None] | None = None,
) -> PollRow:
    """Insert a poll and its options in the caller's transaction (with its ballots' outbox rows)."""
    cursor = await conn.execute(
        "SELECT coalesce(max(number), 0) + 1 FROM polls WHERE forum_id = ?", (forum_id,)
    )
    (number,) = await the_row(cursor)
    cursor = await conn.execute(
        "INSERT INTO polls (forum_id, number, question, catalog, created_by, created_at,"
        " closes_at, hide_results, anonymous, remind_before_s)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (
            forum_id,
            number,
            question,
            catalog,
            created_by,
            to_db_time(now),
            to_db_time(closes_at),
            int(hide_results),
            int(anonymous),
            remind_before_s,
        ),
    )
    poll = poll_row(await the_row(cursor))
    refs = refs or [None] * len(options)
    await conn.executemany(
        "INSERT INTO poll_options (poll_id, position, text, ref) VALUES (?, ?, ?, ?)",
        [
            (poll.id, i, text, ref)
            for i, (text, ref) in enumerate(zip(options, refs, strict=True), 1)
        ],
    )
    return poll


async def insert_ballots(
    conn: aiosqlite.Connection, poll_id: int, user_ids: list[int]
) -> tuple[list[OptionRow], dict[int, BallotRow]]:
    """A new poll's options and an empty ballot for each voter, in the caller's transaction."""
    cursor = await conn.execute(
        "SELECT id, position, text FROM poll_options WHERE poll_id = ? ORDER BY position",
        (poll_id,),
    )
    options = [OptionRow(*row) for row in await cursor.fetchall()]
    ballots = {}
    for user_id in user_ids:
        ballot_id = new_ballot_id()
        await conn.execute(
            "INSERT INTO ballots (id, poll_id, user_id) VALUES (?, ?, ?)",
            (ballot_id, poll_id, user_id),
        )
        ballots[user_id] = BallotRow(ballot_id, poll_id, user_id, [], [], None, None, None)
    return options, ballots


async def next_number(db: Database, forum_id: int) -> int:
    """The number the forum's next poll gets (a preview shows it; `insert_poll` decides)."""
    row = await db.fetchone(
        "SELECT coalesce(max(number), 0) + 1 AS n FROM polls WHERE forum_id = ?", (forum_id,)
    )
    assert row is not None
    return int(row["n"])


async def get_poll(db: Database, poll_id: int) -> PollRow | None:
    row = await db.fetchone("SELECT * FROM polls WHERE id = ?", (poll_id,))
    return poll_row(row) if row else None


async def poll_by_number(db: Database, forum_id: int, number: int) -> PollRow | None:
    row = await db.fetchone(
        "SELECT * FROM polls WHERE forum_id = ? AND number = ?", (forum_id, number)
    )
    return poll_row(row) if row else None


async def polls_of(db: Database, forum_id: int, *, open_only: bool = False) -> list[PollRow]:
    """The forum's polls, newest first."""
    where = " AND closed_at IS NULL" if open_only else ""
    rows = await db.fetchall(
        f"SELECT * FROM polls WHERE forum_id = ?{where} ORDER BY number DESC", (forum_id,)
    )
    return [poll_row(row) for row in rows]


async def options_of(db: Database, poll_id: int) -> list[OptionRow]:
    rows = await db.fetchall(
        "SELECT id, position, text FROM poll_options WHERE poll_id = ? ORDER BY position",
        (poll_id,),
    )
    return [OptionRow(row["id"], row["position"], row["text"]) for row in rows]


async def voters(db: Database, forum_id: int) -> list[Voter]:
    """Members who may vote and can be reached (not blocked)."""
    rows = await db.fetchall(
        "SELECT u.id, u.language, u.timezone, u.stakeholder_group FROM memberships m"
        " JOIN users u ON u.id = m.user_id"
        f" WHERE m.forum_id = ? AND m.role IN {VOTING_ROLES} AND u.is_active = 1 ORDER BY u.id",
        (forum_id,),
    )
    return [Voter(r["id"], r["language"], r["timezone"], r["stakeholder_group"]) for r in rows]


async def eligible_count(db: Database, forum_id: int) -> int:
    """Everyone who may vote, reachable or not: the denominator of turnout."""
    row = await db.fetchone(
        f"SELECT count(*) FROM memberships WHERE forum_id = ? AND role IN {VOTING_ROLES}",
        (forum_id,),
    )
    return int(row[0]) if row else 0


async def poll_for_voter(db: Database, poll_id: int, user_id: int) -> PollRow | None:
    """The poll, if `user_id` may vote in its forum (open or not): one query for a ballot tap,
    where `get_poll` then `may_vote` took two trips to the database."""
    row = await db.fetchone(
        "SELECT * FROM polls WHERE id = ? AND EXISTS (SELECT 1 FROM memberships"
        f" WHERE forum_id = polls.forum_id AND user_id = ? AND role IN {VOTING_ROLES})",
        (poll_id, user_id),
    )
    return poll_row(row) if row else None


async def may_vote(db: Database, forum_id: int, user_id: int) -> bool:
    row = await db.fetchone(
        f"SELECT 1 FROM memberships WHERE forum_id = ? AND user_id = ? AND role IN {VOTING_ROLES}",
        (forum_id, user_id),
    )
    return row is not None


async def set_group_message(db: Database, poll_id: int, chat_id: int, message_id: int) -> None:
    await db.execute(
        "UPDATE polls SET group_chat_id = ?, group_message_id = ? WHERE id = ?",
        (chat_id, message_id, poll_id),
    )


async def set_min_group_ballots(db: Database, forum_id: int, minimum: int) -> None:
    """The forum's threshold for showing a stakeholder group in results (>= 2, schema-checked)."""
    await db.execute("UPDATE forums SET min_group_ballots = ? WHERE id = ?", (minimum, forum_id))
