"""A poll's languages: the one it was written in, and translations its coordinator added.

Kept apart from db/polls.py: a poll's rows there hold its own language; this module holds what
lets each member read it in theirs (migration 0015). bot/poll_texts.py decides what a reader sees.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import aiosqlite

from db.connection import Database


@dataclass(frozen=True)
class PollLanguages:
    """What a poll has besides its own rows; an old poll has no origin (language None)."""

    language: str | None = None  # the poll's own language
    default_question: bool = False  # the catalog's default question: each reader's language
    refs: dict[int, str] = field(default_factory=dict)  # option id -> catalog item id
    texts: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # added by hand


async def record(
    conn: aiosqlite.Connection,
    poll_id: int,
    *,
    language: str,
    default_question: bool,
    texts: dict[str, tuple[str, list[str]]],
) -> None:
    """A new poll's origin and added translations, in the caller's (the poll's) transaction."""
    await conn.execute(
        "INSERT INTO poll_origins (poll_id, language, default_question) VALUES (?, ?, ?)",
        (poll_id, language, int(default_question)),
    )
    await conn.executemany(
        "INSERT INTO poll_texts (poll_id, language, question, options) VALUES (?, ?, ?, ?)",
        [
            (poll_id, lang, question, json.dumps(options, ensure_ascii=False))
            for lang, (question, options) in texts.items()
        ],
    )


async def refs_in(conn: aiosqlite.Connection, poll_id: int) -> dict[int, str]:
    """Option id -> catalog item id, for the options that came from a catalog."""
    cursor = await conn.execute(
        "SELECT id, ref FROM poll_options WHERE poll_id = ? AND ref IS NOT NULL", (poll_id,)
    )
    return {row[0]: row[1] for row in await cursor.fetchall()}


async def load(db: Database, poll_id: int) -> PollLanguages:
    # One query, not three: every ballot a member taps is drawn from these (bench/taps.py).
    rows = await db.fetchall(
        "SELECT 'origin' AS kind, language AS a, default_question AS b, NULL AS c"
        " FROM poll_origins WHERE poll_id = ?"
        " UNION ALL SELECT 'ref', id, ref, NULL FROM poll_options"
        " WHERE poll_id = ? AND ref IS NOT NULL"
        " UNION ALL SELECT 'text', language, question, options FROM poll_texts WHERE poll_id = ?",
        (poll_id, poll_id, poll_id),
    )
    origin = next((row for row in rows if row["kind"] == "origin"), None)
    return PollLanguages(
        language=origin["a"] if origin else None,
        default_question=bool(origin["b"]) if origin else False,
        refs={row["a"]: row["b"] for row in rows if row["kind"] == "ref"},
        texts={row["a"]: (row["b"], json.loads(row["c"])) for row in rows if row["kind"] == "text"},
    )
