"""A member's ballot: the draft they tap together, the ranking they submit, the message it is
drawn in, and the submitted rankings counted for results."""

from __future__ import annotations

import json
from datetime import datetime

from db.connection import Database, from_db_time, to_db_time
from db.polls import BallotRow, new_ballot_id


async def _ballot(db: Database, where: str, params: tuple) -> BallotRow | None:
    # The ranks come in the same query, as {rank: option} (a JSON object, sorted here: an
    # aggregate keeps no order), not in a second one: every tap reads its ballot.
    row = await db.fetchone(
        "SELECT *, (SELECT json_group_object(rank, option_id) FROM ballot_ranks"
        f" WHERE ballot_id = ballots.id) AS ranks FROM ballots WHERE {where}",
        params,
    )
    if row is None:
        return None
    ranks = json.loads(row["ranks"])
    return BallotRow(
        id=row["id"],
        poll_id=row["poll_id"],
        user_id=row["user_id"],
        draft=json.loads(row["draft"]),
        submitted=[ranks[rank] for rank in sorted(ranks, key=int)],
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


# A ballot is written only while its poll is open, checked in the write itself: a tap's
# handler reads the poll first, and with updates handled concurrently (and the heartbeat's
# deadline closes) a close can commit between that read and the write. After the close an
# anonymous poll's ballots have new ids, its drafts are gone: the write finds nothing.
_OPEN = "EXISTS (SELECT 1 FROM polls WHERE polls.id = ballots.poll_id AND closed_at IS NULL)"


async def set_draft(
    db: Database, ballot_id: int, draft: list[int], chat_id: int, message_id: int
) -> bool:
    """The ranking so far, and the message it was tapped on (the one later edits go to).
    False if the poll closed (or the ballot went) meanwhile: nothing was written."""
    changed = await db.changes(
        f"UPDATE ballots SET draft = ?, chat_id = ?, message_id = ? WHERE id = ? AND {_OPEN}",
        (json.dumps(draft), chat_id, message_id, ballot_id),
    )
    return changed > 0


async def submit(
    db: Database, ballot_id: int, ranking: list[int], stakeholder_group: str | None, now: datetime
) -> bool | None:
    """Replace the counted ranking with `ranking`; True if this is the ballot's first submission,
    None if the poll closed (or the ballot went) meanwhile: nothing was written."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            f"SELECT submitted_at FROM ballots WHERE id = ? AND {_OPEN}", (ballot_id,)
        )
        row = await cursor.fetchone()
        if row is None:
            return None
        await conn.execute("DELETE FROM ballot_ranks WHERE ballot_id = ?", (ballot_id,))
        await conn.executemany(
            "INSERT INTO ballot_ranks (ballot_id, option_id, rank) VALUES (?, ?, ?)",
            [(ballot_id, option_id, rank) for rank, option_id in enumerate(ranking, 1)],
        )
        await conn.execute(
            "UPDATE ballots SET submitted_at = ?, stakeholder_group = ? WHERE id = ?",
            (to_db_time(now), stakeholder_group, ballot_id),
        )
    return row[0] is None


async def voter_count(db: Database, poll_id: int) -> int:
    row = await db.fetchone(
        "SELECT count(*) FROM ballots WHERE poll_id = ? AND submitted_at IS NOT NULL", (poll_id,)
    )
    return int(row[0]) if row else 0


async def ballot_messages(
    db: Database, poll_id: int
) -> list[tuple[int, int, int | None, str | None]]:
    """(chat_id, message_id, user_id, the member's language) of every ballot message of the
    poll, by chat: never in the ballots' own order, which outbox rows made from this list
    would keep after an anonymous poll's ballots are unlinked from their members."""
    rows = await db.fetchall(
        "SELECT b.chat_id, b.message_id, b.user_id, u.language FROM ballots b"
        " LEFT JOIN users u ON u.id = b.user_id"
        " WHERE b.poll_id = ? AND b.message_id IS NOT NULL ORDER BY b.chat_id",
        (poll_id,),
    )
    return [(r["chat_id"], r["message_id"], r["user_id"], r["language"]) for r in rows]


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
