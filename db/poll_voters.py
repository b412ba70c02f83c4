"""Who voted in a named poll (`anonymous: no`): the only polls whose ballots keep their member.

An anonymous poll's ballots lose their member at the close (db/poll_closing.py `_seal`), and
while it is open nothing here may read them: every query below checks `anonymous = 0` itself,
so a caller's slip cannot turn it into a list of who voted in an anonymous poll.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.connection import Database


@dataclass(frozen=True)
class NamedBallot:
    first_name: str  # '' for a member who has since deleted their data (/forget)
    username: str | None
    stakeholder_group: str | None
    positions: list[int]  # option positions (1-based), best first


async def voter_names(db: Database, poll_id: int) -> list[tuple[str, str | None]]:
    """(first name, username) of everyone who submitted a ballot in a named poll, by name."""
    rows = await db.fetchall(
        "SELECT u.first_name, u.username FROM ballots b JOIN polls p ON p.id = b.poll_id"
        " JOIN users u ON u.id = b.user_id"
        " WHERE b.poll_id = ? AND p.anonymous = 0 AND b.submitted_at IS NOT NULL"
        " ORDER BY u.first_name COLLATE NOCASE, u.username COLLATE NOCASE, u.id",
        (poll_id,),
    )
    return [(r["first_name"], r["username"]) for r in rows]


async def named_ballots(db: Database, poll_id: int) -> list[NamedBallot]:
    """A named poll's submitted ballots with their members, by name (not in voting order)."""
    rows = await db.fetchall(
        "SELECT b.id, coalesce(u.first_name, '') AS first_name, u.username,"
        " b.stakeholder_group, o.position FROM ballots b JOIN polls p ON p.id = b.poll_id"
        " LEFT JOIN users u ON u.id = b.user_id"
        " JOIN ballot_ranks r ON r.ballot_id = b.id JOIN poll_options o ON o.id = r.option_id"
        " WHERE b.poll_id = ? AND p.anonymous = 0 AND b.submitted_at IS NOT NULL"
        " ORDER BY first_name COLLATE NOCASE, u.username COLLATE NOCASE, b.id, r.rank",
        (poll_id,),
    )
    ballots: dict[int, NamedBallot] = {}
    for row in rows:
        ballots.setdefault(
            row["id"],
            NamedBallot(row["first_name"], row["username"], row["stakeholder_group"], []),
        ).positions.append(row["position"])
    return list(ballots.values())
