"""A member's own data: everything the database holds about them, and deleting it.

`personal_rows` finds rows by the columns that point at a person, in every table, so a table
added later is covered without touching this module (tests/test_privacy.py checks that the
list of columns is still complete).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from db.connection import Database

# Columns that hold a Telegram user id (a private chat's id is the user's id).
PERSON_COLUMNS = (
    *("user_id", "created_by", "linked_by", "chat_id", "report_chat_id"),
    *("author_id", "coordinator_id", "used_by", "removed_by"),
)


async def personal_rows(db: Database, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row that mentions this person, by table (the user row itself under "users")."""
    found: dict[str, list[dict[str, Any]]] = {}
    for table in await _tables(db):
        columns = [row["name"] for row in await db.fetchall(f"PRAGMA table_info({table})")]
        keys = [c for c in columns if c in PERSON_COLUMNS or (table == "users" and c == "id")]
        if not keys:
            continue
        where = " OR ".join(f"{key} = ?" for key in keys)
        rows = await db.fetchall(f"SELECT * FROM {table} WHERE {where}", [user_id] * len(keys))
        if rows:
            found[table] = [dict(row) for row in rows]
    # The member's answers to coordinators' replies point at their feedback, not at them.
    answers = await db.fetchall(
        "SELECT r.* FROM feedback_replies r JOIN feedback f ON f.id = r.feedback_id"
        " WHERE f.author_id = ? AND r.from_member = 1",
        (user_id,),
    )
    if answers:
        found["feedback_replies"] = [dict(row) for row in answers]
    return found


@dataclass(frozen=True)
class Summary:
    """What /mydata says in words before the file: counts and names, never a ranking."""

    forums: list[tuple[str, str]]  # (forum name, role), in the order they joined
    feedback_sent: int
    polls_voted: list[tuple[str, str]]  # (forum name, question), newest first; submitted only


async def summary(db: Database, user_id: int) -> Summary:
    """The member's forums and roles, how much feedback they sent, and the polls they voted in.

    A closed anonymous poll's ballots no longer name anyone, so it cannot be listed: the query
    reads only `ballots.user_id`, exactly what the JSON file shows."""
    forums = await db.fetchall(
        "SELECT f.name, m.role FROM memberships m JOIN forums f ON f.id = m.forum_id"
        " WHERE m.user_id = ? ORDER BY m.joined_at, f.id",
        (user_id,),
    )
    feedback = await db.fetchone(
        "SELECT count(*) AS n FROM feedback WHERE author_id = ?", (user_id,)
    )
    polls = await db.fetchall(
        "SELECT f.name, p.question FROM ballots b JOIN polls p ON p.id = b.poll_id"
        " JOIN forums f ON f.id = p.forum_id"
        " WHERE b.user_id = ? AND b.submitted_at IS NOT NULL ORDER BY p.created_at DESC, p.id DESC",
        (user_id,),
    )
    return Summary(
        forums=[(r["name"], r["role"]) for r in forums],
        feedback_sent=feedback["n"] if feedback else 0,
        polls_voted=[(r["name"], r["question"]) for r in polls],
    )


async def last_coordinator_of(db: Database, user_id: int) -> list[str]:
    """Names of forums this person is the only coordinator of (they must hand over first)."""
    rows = await db.fetchall(
        "SELECT f.name FROM memberships m JOIN forums f ON f.id = m.forum_id"
        " WHERE m.user_id = ? AND m.role = 'coordinator' AND NOT EXISTS ("
        "   SELECT 1 FROM memberships o WHERE o.forum_id = m.forum_id"
        "   AND o.role = 'coordinator' AND o.user_id <> m.user_id)",
        (user_id,),
    )
    return [row["name"] for row in rows]


async def forget(db: Database, user_id: int) -> None:
    """Delete the person's data in one transaction.

    Ballots in open polls are withdrawn (someone who rejoins could otherwise vote twice); those
    in closed polls stay, without the person, like an anonymous poll's at close. Rows they
    created for their forum (polls, meetings, forum tips) stay, without their name; the foreign
    keys do the rest (CASCADE for their own rows, SET NULL for authorship).
    """
    async with db.transaction() as conn:
        await conn.execute(
            "DELETE FROM ballots WHERE user_id = ?"
            " AND poll_id IN (SELECT id FROM polls WHERE closed_at IS NULL)",
            (user_id,),
        )
        await conn.execute(
            "UPDATE ballots SET user_id = NULL, draft = '[]', chat_id = NULL, message_id = NULL,"
            " submitted_at = substr(submitted_at, 1, 10) WHERE user_id = ?",
            (user_id,),
        )
        await conn.execute("DELETE FROM pending_inputs WHERE user_id = ?", (user_id,))
        # Signed feedback becomes anonymous; the foreign key then unlinks it (no more relay).
        await conn.execute("UPDATE feedback SET signed = 0 WHERE author_id = ?", (user_id,))
        await conn.execute(
            "DELETE FROM outbox WHERE chat_id = ? OR user_id = ?", (user_id, user_id)
        )
        await conn.execute(
            "UPDATE broadcasts SET report_chat_id = NULL, report_message_id = NULL"
            " WHERE report_chat_id = ?",
            (user_id,),
        )
        await conn.execute("DELETE FROM users WHERE id = ?", (user_id,))


async def _tables(db: Database) -> list[str]:
    rows = await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    )
    return [row["name"] for row in rows]
