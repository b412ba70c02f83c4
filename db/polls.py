"""Queries on polls, their options and the members' ballots."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from db import outbox
from db.connection import Database, db_time, from_db_time, the_row, to_db_time

VOTING_ROLES = ("member", "coordinator")  # observers watch and analyse; they do not vote
# What close() keeps of each ballot's stakeholder group: given the groups of all ballots, the
# label each may keep (None: counted only with the other groups). bot/poll_report.py has it.
Relabel = Callable[[Sequence[str | None]], list[str | None]]


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


def _poll(row: aiosqlite.Row) -> PollRow:
    return PollRow(
        id=row["id"],
        forum_id=row["forum_id"],
        number=row["number"],
        question=row["question"],
        closes_at=db_time(row["closes_at"]),
        closed_at=from_db_time(row["closed_at"]),
        hide_results=bool(row["hide_results"]),
        anonymous=bool(row["anonymous"]),
        remind_before_s=row["remind_before_s"],
        group_chat_id=row["group_chat_id"],
        group_message_id=row["group_message_id"],
        cancelled_at=from_db_time(row["cancelled_at"]),
    )


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
    poll = _poll(await the_row(cursor))
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
    return _poll(row) if row else None


async def poll_by_number(db: Database, forum_id: int, number: int) -> PollRow | None:
    row = await db.fetchone(
        "SELECT * FROM polls WHERE forum_id = ? AND number = ?", (forum_id, number)
    )
    return _poll(row) if row else None


async def polls_of(db: Database, forum_id: int, *, open_only: bool = False) -> list[PollRow]:
    """The forum's polls, newest first."""
    where = " AND closed_at IS NULL" if open_only else ""
    rows = await db.fetchall(
        f"SELECT * FROM polls WHERE forum_id = ?{where} ORDER BY number DESC", (forum_id,)
    )
    return [_poll(row) for row in rows]


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


async def may_vote(db: Database, forum_id: int, user_id: int) -> bool:
    row = await db.fetchone(
        f"SELECT 1 FROM memberships WHERE forum_id = ? AND user_id = ? AND role IN {VOTING_ROLES}",
        (forum_id, user_id),
    )
    return row is not None


async def _ballot(db: Database, where: str, params: tuple) -> BallotRow | None:
    row = await db.fetchone(f"SELECT * FROM ballots WHERE {where}", params)
    if row is None:
        return None
    ranks = await db.fetchall(
        "SELECT option_id FROM ballot_ranks WHERE ballot_id = ? ORDER BY rank", (row["id"],)
    )
    return BallotRow(
        id=row["id"],
        poll_id=row["poll_id"],
        user_id=row["user_id"],
        draft=json.loads(row["draft"]),
        submitted=[r["option_id"] for r in ranks],
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        submitted_at=from_db_time(row["submitted_at"]),
    )


async def ballot_of(db: Database, poll_id: int, user_id: int) -> BallotRow | None:
    return await _ballot(db, "poll_id = ? AND user_id = ?", (poll_id, user_id))


async def open_ballot(db: Database, poll_id: int, user_id: int) -> BallotRow:
    """The member's ballot for this poll, created empty on first use."""
    await db.execute(
        "INSERT INTO ballots (id, poll_id, user_id) VALUES (?, ?, ?)"
        " ON CONFLICT (poll_id, user_id) DO NOTHING",
        (new_ballot_id(), poll_id, user_id),
    )
    ballot = await ballot_of(db, poll_id, user_id)
    assert ballot is not None
    return ballot


async def set_message(db: Database, ballot_id: int, chat_id: int, message_id: int) -> None:
    """Remember the ballot's message so taps edit it in place."""
    await db.execute(
        "UPDATE ballots SET chat_id = ?, message_id = ? WHERE id = ?",
        (chat_id, message_id, ballot_id),
    )


async def set_draft(
    db: Database, ballot_id: int, draft: list[int], chat_id: int, message_id: int
) -> None:
    """The ranking so far, and the message it was tapped on (the one later edits go to)."""
    await db.execute(
        "UPDATE ballots SET draft = ?, chat_id = ?, message_id = ? WHERE id = ?",
        (json.dumps(draft), chat_id, message_id, ballot_id),
    )


async def submit(
    db: Database, ballot_id: int, ranking: list[int], stakeholder_group: str | None, now: datetime
) -> bool:
    """Replace the counted ranking with `ranking`; True if this is the ballot's first submission."""
    async with db.transaction() as conn:
        cursor = await conn.execute("SELECT submitted_at FROM ballots WHERE id = ?", (ballot_id,))
        (before,) = await the_row(cursor)
        await conn.execute("DELETE FROM ballot_ranks WHERE ballot_id = ?", (ballot_id,))
        await conn.executemany(
            "INSERT INTO ballot_ranks (ballot_id, option_id, rank) VALUES (?, ?, ?)",
            [(ballot_id, option_id, rank) for rank, option_id in enumerate(ranking, 1)],
        )
        await conn.execute(
            "UPDATE ballots SET submitted_at = ?, stakeholder_group = ? WHERE id = ?",
            (to_db_time(now), stakeholder_group, ballot_id),
        )
    return before is None


async def voter_count(db: Database, poll_id: int) -> int:
    row = await db.fetchone(
        "SELECT count(*) FROM ballots WHERE poll_id = ? AND submitted_at IS NOT NULL", (poll_id,)
    )
    return int(row[0]) if row else 0


async def set_group_message(db: Database, poll_id: int, chat_id: int, message_id: int) -> None:
    await db.execute(
        "UPDATE polls SET group_chat_id = ?, group_message_id = ? WHERE id = ?",
        (chat_id, message_id, poll_id),
    )


async def ballot_messages(db: Database, poll_id: int) -> list[tuple[int, int, int | None]]:
    """(chat_id, message_id, user_id) of every ballot message of the poll."""
    rows = await db.fetchall(
        "SELECT chat_id, message_id, user_id FROM ballots"
        " WHERE poll_id = ? AND message_id IS NOT NULL",
        (poll_id,),
    )
    return [(r["chat_id"], r["message_id"], r["user_id"]) for r in rows]


async def close(db: Database, poll_id: int, now: datetime, relabel: Relabel | None = None) -> bool:
    """Close the poll. An anonymous poll's ballots are sealed: nothing in the database links
    one to its member any more (see `_seal`), and the WAL is emptied after the commit.

    Returns False if it was already closed (a second close, or a race with the deadline).
    """
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE polls SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
            (to_db_time(now), poll_id),
        )
        if cursor.rowcount == 0:
            return False
        # Unsubmitted drafts were never votes: they go.
        await conn.execute(
            "DELETE FROM ballots WHERE poll_id = ? AND submitted_at IS NULL", (poll_id,)
        )
        cursor = await conn.execute("SELECT anonymous FROM polls WHERE id = ?", (poll_id,))
        (anonymous,) = await the_row(cursor)
        if anonymous:
            await _seal(conn, poll_id, now, relabel or list)
    if anonymous:
        # Until a checkpoint the -wal file holds the pages as they were before the close.
        await db.checkpoint()
    return True


async def _seal(conn: aiosqlite.Connection, poll_id: int, now: datetime, relabel: Relabel) -> None:
    """Write the poll's ballots again, without their members, in the close's transaction.

    Each ballot and its ranks are deleted and inserted again in a random order, under a fresh
    random id, with the close time as its only time and the stakeholder group only where
    `relabel` keeps it (a group of one would name its member). The old rows are overwritten
    with zeros (PRAGMA secure_delete). The poll's ballot and reminder deliveries go too: they
    listed the voters in id order.
    """
    cursor = await conn.execute(
        "SELECT id, stakeholder_group FROM ballots WHERE poll_id = ?", (poll_id,)
    )
    ballots = list(await cursor.fetchall())
    cursor = await conn.execute(
        "SELECT r.ballot_id, r.option_id FROM ballot_ranks r JOIN ballots b ON b.id = r.ballot_id"
        " WHERE b.poll_id = ? ORDER BY r.ballot_id, r.rank",
        (poll_id,),
    )
    ranks: dict[int, list[int]] = {}
    for ballot_id, option_id in await cursor.fetchall():
        ranks.setdefault(ballot_id, []).append(option_id)
    labels = relabel([group for _, group in ballots])
    sealed = [
        (label, ranks.get(ballot_id, []))
        for (ballot_id, _), label in zip(ballots, labels, strict=True)
    ]
    secrets.SystemRandom().shuffle(sealed)
    await conn.execute("DELETE FROM ballots WHERE poll_id = ?", (poll_id,))  # ranks: CASCADE
    stamp = to_db_time(now)
    for label, ranking in sealed:
        ballot_id = new_ballot_id()
        await conn.execute(
            "INSERT INTO ballots (id, poll_id, stakeholder_group, submitted_at) VALUES (?, ?, ?, ?)",
            (ballot_id, poll_id, label, stamp),
        )
        await conn.executemany(
            "INSERT INTO ballot_ranks (ballot_id, option_id, rank) VALUES (?, ?, ?)",
            [(ballot_id, option_id, rank) for rank, option_id in enumerate(ranking, 1)],
        )
    await outbox.delete_poll_deliveries(conn, poll_id)


async def set_min_group_ballots(db: Database, forum_id: int, minimum: int) -> None:
    """The forum's threshold for showing a stakeholder group in results (>= 2, schema-checked)."""
    await db.execute("UPDATE forums SET min_group_ballots = ? WHERE id = ?", (minimum, forum_id))


async def results_owed(db: Database) -> list[PollRow]:
    """Closed polls whose results for the group were never queued (see `claim_results`)."""
    rows = await db.fetchall(
        "SELECT * FROM polls WHERE closed_at IS NOT NULL AND results_queued_at IS NULL ORDER BY id"
    )
    return [_poll(row) for row in rows]


async def claim_results(conn: aiosqlite.Connection, poll_id: int, now: datetime) -> bool:
    """True the one time a closed poll's results are queued (in the transaction that queues them)."""
    cursor = await conn.execute(
        "UPDATE polls SET results_queued_at = ? WHERE id = ? AND results_queued_at IS NULL"
        " AND closed_at IS NOT NULL",
        (to_db_time(now), poll_id),
    )
    return cursor.rowcount > 0


async def due_to_close(db: Database, now: datetime) -> list[PollRow]:
    rows = await db.fetchall(
        "SELECT * FROM polls WHERE closed_at IS NULL AND closes_at <= ? ORDER BY closes_at",
        (to_db_time(now),),
    )
    return [_poll(row) for row in rows]


async def due_reminders(db: Database, now: datetime) -> list[PollRow]:
    """Open polls whose reminder time has come and whose reminder was not sent yet."""
    rows = await db.fetchall(
        "SELECT * FROM polls WHERE closed_at IS NULL AND reminded_at IS NULL"
        " AND remind_before_s > 0 AND closes_at > ?",
        (to_db_time(now),),
    )
    return [
        poll
        for poll in map(_poll, rows)
        if (poll.closes_at - now).total_seconds() <= poll.remind_before_s
    ]


async def claim_reminder(conn: aiosqlite.Connection, poll_id: int, now: datetime) -> bool:
    """Mark the reminder as sent; False if another run already claimed it. Runs in the
    transaction that writes the reminders to the outbox."""
    cursor = await conn.execute(
        "UPDATE polls SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL",
        (to_db_time(now), poll_id),
    )
    return cursor.rowcount > 0


async def non_voters(db: Database, poll: PollRow) -> list[Voter]:
    """Voters of the forum who have not submitted a ballot for this poll."""
    rows = await db.fetchall(
        "SELECT u.id, u.language, u.timezone, u.stakeholder_group FROM memberships m"
        " JOIN users u ON u.id = m.user_id"
        f" WHERE m.forum_id = ? AND m.role IN {VOTING_ROLES} AND u.is_active = 1"
        " AND NOT EXISTS (SELECT 1 FROM ballots b WHERE b.poll_id = ? AND b.user_id = u.id"
        "  AND b.submitted_at IS NOT NULL) ORDER BY u.id",
        (poll.forum_id, poll.id),
    )
    return [Voter(r["id"], r["language"], r["timezone"], r["stakeholder_group"]) for r in rows]


async def counted_ballots(db: Database, poll_id: int) -> list[tuple[int, str | None, list[int]]]:
    """(ballot id, stakeholder group, option positions in rank order) of submitted ballots."""
    rows = await db.fetchall(
        "SELECT b.id, b.stakeholder_group, o.position FROM ballots b"
        " JOIN ballot_ranks r ON r.ballot_id = b.id JOIN poll_options o ON o.id = r.option_id"
        " WHERE b.poll_id = ? AND b.submitted_at IS NOT NULL ORDER BY b.id, r.rank",
        (poll_id,),
    )
    ballots: dict[int, tuple[int, str | None, list[int]]] = {}
    for row in rows:
        ballots.setdefault(row["id"], (row["id"], row["stakeholder_group"], []))[2].append(
            row["position"]
        )
    return list(ballots.values())
