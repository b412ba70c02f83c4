"""Closing a poll (sealing an anonymous poll's ballots), claiming its results and reminder once,
and the polls whose deadline or reminder has come."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import datetime

import aiosqlite

from db import outbox
from db.connection import Database, the_row, to_db_time
from db.polls import VOTING_ROLES, PollRow, Voter, new_ballot_id, poll_row

# What close() keeps of each ballot's stakeholder group: given the groups of all ballots, the
# label each may keep (None: counted only with the other groups). bot/poll_report.py has it.
Relabel = Callable[[Sequence[str | None]], list[str | None]]


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


async def results_owed(db: Database) -> list[PollRow]:
    """Closed polls whose results for the group were never queued (see `claim_results`)."""
    rows = await db.fetchall(
        "SELECT * FROM polls WHERE closed_at IS NOT NULL AND results_queued_at IS NULL ORDER BY id"
    )
    return [poll_row(row) for row in rows]


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
    return [poll_row(row) for row in rows]


async def due_reminders(db: Database, now: datetime) -> list[PollRow]:
    """Open polls whose reminder time has come and whose reminder was not sent yet."""
    rows = await db.fetchall(
        "SELECT * FROM polls WHERE closed_at IS NULL AND reminded_at IS NULL"
        " AND remind_before_s > 0 AND closes_at > ?",
        (to_db_time(now),),
    )
    return [
        poll
        for poll in map(poll_row, rows)
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
