"""Queries on the outbox: bulk messages written before they are sent, and their progress.

A batch (a broadcast and its rows) is written in the caller's transaction, with the caller's
once-only claim (`Batch.conn`). The sender's side (due rows, claim, outcome) is
db/outbox_sending.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

import aiosqlite

from db.connection import Database, to_db_time

# broadcasts.report_message_id: NULL while the progress message is on its way (its sender
# records it); this when it could not be sent, so the drain sends the final report as a new one.
NO_REPORT_MESSAGE = 0
FLUSH_ROWS = 1000  # rows a batch holds in memory before it writes them (`Batch.flush`)


class Attachment(TypedDict):
    """A file for an `Outgoing` (passed on as `**attachment`)."""

    document: bytes
    document_name: str


@dataclass(frozen=True)
class Outgoing:
    """One message to write to the outbox. With `document` it is a file whose caption is `text`;
    with `photo` (a Telegram file id) a photo, likewise; otherwise a text message."""

    chat_id: int
    user_id: int | None  # None: a group chat
    text: str
    reply_markup: str | None = None  # JSON of an InlineKeyboardMarkup
    photo: str | None = None
    document: bytes | None = None
    document_name: str | None = None
    on_sent: str | None = None  # what to record once it is sent, e.g. 'ballot:7'
    part: int = 0  # a second message to the same chat in one batch goes after the first
    edit_message_id: int | None = None  # edit this message of the chat instead of sending one


@dataclass(frozen=True)
class Broadcast:
    id: int
    forum_id: int
    report_chat_id: int | None
    report_message_id: int | None
    report_language: str | None


class Batch:
    """Rows being written in one transaction (see `batch`). `conn` is there so the caller can
    claim its once-only records (a reminder, a tip slot) in the same transaction: a crash then
    leaves either both the claim and the messages, or neither, never a claim without messages."""

    def __init__(self, conn: aiosqlite.Connection, broadcast: tuple[Any, ...]):
        self.conn, self._broadcast = conn, broadcast
        self.id: int | None = None
        self.count = 0
        self._rows: list[tuple[Any, ...]] = []  # added, not yet written (`flush`)

    def for_poll(self, poll_id: int) -> None:
        """Mark the broadcast as a poll's deliveries when the poll is made in this transaction."""
        assert self.id is None, "before the first message"
        self._broadcast = (*self._broadcast[:-1], poll_id)

    async def add(self, message: Outgoing) -> None:
        if self.id is None:  # the broadcast row exists only if something is sent
            cursor = await self.conn.execute(
                "INSERT INTO broadcasts (forum_id, kind, created_by, created_at, report_chat_id,"
                " report_message_id, report_language, poll_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                self._broadcast,
            )
            self.id = cursor.lastrowid
        m = message
        self._rows.append(
            (
                *(self.id, m.chat_id, m.part, m.user_id, m.text, m.reply_markup, m.photo),
                *(m.document, m.document_name, m.on_sent, m.edit_message_id),
            )
        )
        self.count += 1
        if len(self._rows) >= FLUSH_ROWS:
            await self.flush()

    async def flush(self) -> None:
        """Write the rows added so far: one executemany, where a statement per row cost a trip
        to the database thread each (0.95 s for 5,000 members, the transaction open throughout,
        every other handler's write waiting for it)."""
        if self._rows:
            await self.conn.executemany(
                "INSERT INTO outbox (broadcast_id, chat_id, part, user_id, text, reply_markup,"
                " photo, document, document_name, on_sent, edit_message_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self._rows,
            )
            self._rows.clear()


@asynccontextmanager
async def batch(
    db: Database,
    *,
    forum_id: int,
    kind: str,
    now: datetime,
    created_by: int | None = None,
    report_chat_id: int | None = None,
    report_message_id: int | None = None,
    report_language: str | None = None,
    poll_id: int | None = None,
) -> AsyncIterator[Batch]:
    """`async with outbox.batch(db, ...) as batch: await batch.add(...)`: one broadcast (kind
    'announcement', 'ballot', 'reminder', ...) and its messages, committed together.

    `poll_id` marks a poll's ballots and reminders: their rows say who got that poll's ballot,
    so closing an anonymous poll deletes them (`delete_poll_deliveries`).

    The transaction holds the database: read and render everything before entering, and use
    only `batch.conn` inside (another `db.` call would wait for the lock forever)."""
    broadcast = (forum_id, kind, created_by, to_db_time(now), report_chat_id, report_message_id)
    async with db.transaction() as conn:
        writing = Batch(conn, (*broadcast, report_language, poll_id))
        yield writing
        await writing.flush()


async def delete_poll_deliveries(conn: aiosqlite.Connection, poll_id: int) -> None:
    """Delete a poll's ballot and reminder broadcasts with every row (in the caller's
    transaction); rows still pending are not sent, which is right for a closed poll."""
    await conn.execute("DELETE FROM broadcasts WHERE poll_id = ?", (poll_id,))


async def create_broadcast(
    db: Database,
    *,
    forum_id: int,
    kind: str,
    created_by: int,
    report_chat_id: int,
    report_message_id: int,
    report_language: str,
    messages: list[Outgoing],
    now: datetime,
) -> int:
    """An announcement: the broadcast and one pending row per message, in one transaction."""
    async with batch(
        db,
        forum_id=forum_id,
        kind=kind,
        now=now,
        created_by=created_by,
        report_chat_id=report_chat_id,
        report_message_id=report_message_id,
        report_language=report_language,
    ) as writing:
        for message in messages:
            await writing.add(message)
    assert writing.id is not None
    return writing.id


async def counts(db: Database, broadcast_id: int) -> Counter[str]:
    rows = await db.fetchall(
        "SELECT state, COUNT(*) AS n FROM outbox WHERE broadcast_id = ? GROUP BY state",
        (broadcast_id,),
    )
    return Counter({row["state"]: row["n"] for row in rows})


async def sent_after_timeout(db: Database, broadcast_id: int) -> int:
    """Sent rows an earlier try of which timed out: those members may have it twice."""
    row = await db.fetchone(
        "SELECT COUNT(*) FROM outbox WHERE broadcast_id = ? AND state = 'sent' AND timeouts > 0",
        (broadcast_id,),
    )
    return row[0] if row else 0


async def open_broadcasts(db: Database) -> list[Broadcast]:
    """Broadcasts whose final report was not written yet."""
    rows = await db.fetchall(
        "SELECT id, forum_id, report_chat_id, report_message_id, report_language FROM broadcasts"
        " WHERE finished_at IS NULL ORDER BY id"
    )
    return [Broadcast(*row) for row in rows]


async def get_broadcast(db: Database, broadcast_id: int) -> Broadcast | None:
    row = await db.fetchone(
        "SELECT id, forum_id, report_chat_id, report_message_id, report_language FROM broadcasts"
        " WHERE id = ?",
        (broadcast_id,),
    )
    return Broadcast(*row) if row else None


async def mark_finished(db: Database, broadcast_id: int, now: datetime) -> Broadcast | None:
    """Close a broadcast once; returns it as it stands at that moment (None if already closed).

    Read in the same statement, so a progress message recorded a moment earlier is seen here,
    and one recorded a moment later sees `finished_at` (see `set_report_message`)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE broadcasts SET finished_at = ? WHERE id = ? AND finished_at IS NULL"
            " RETURNING id, forum_id, report_chat_id, report_message_id, report_language",
            (to_db_time(now), broadcast_id),
        )
        row = await cursor.fetchone()
    return Broadcast(*row) if row else None


async def set_report_message(db: Database, broadcast_id: int, message_id: int) -> bool:
    """Record the progress message sent after the broadcast was committed (NO_REPORT_MESSAGE if
    it could not be sent).

    Returns True when the broadcast had already finished, so its final report is the caller's
    to show (the drain found no message to edit)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE broadcasts SET report_message_id = ? WHERE id = ? RETURNING finished_at",
            (message_id, broadcast_id),
        )
        row = await cursor.fetchone()
    return bool(row and row[0])
