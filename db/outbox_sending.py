"""The sender's side of the outbox (app/outbox.py): which rows are due, the claim of one row
before it is sent, and its outcome. What is written there, and the broadcasts' progress, is
db/outbox.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from db.connection import Database, from_db_time, to_db_time

# pending → sending → sent | blocked | failed | unconfirmed, or back to pending for a retry.
# 'unconfirmed' is "possibly delivered": its tries timed out, so Telegram may have delivered it.
STATES = ("pending", "sending", "sent", "blocked", "failed", "unconfirmed")
FINAL = ("sent", "blocked", "failed", "unconfirmed")


@dataclass(frozen=True)
class OutboxRow:
    id: int
    broadcast_id: int
    chat_id: int
    user_id: int | None
    text: str
    attempts: int
    timeouts: int = 0  # tries that timed out: each may have been delivered
    reply_markup: str | None = None
    photo: str | None = None
    document: bytes | None = None
    document_name: str | None = None
    on_sent: str | None = None
    edit_message_id: int | None = None


async def requeue_in_flight(db: Database) -> int:
    """At start-up: rows that were being sent go back to the queue (maybe twice), and every
    retry time is dropped: it was on the last run's steady clock (see `due`), not this one's."""
    async with db.transaction() as conn:
        cursor = await conn.execute("UPDATE outbox SET state = 'pending' WHERE state = 'sending'")
        await conn.execute(
            "UPDATE outbox SET not_before = NULL WHERE state = 'pending' AND not_before IS NOT NULL"
        )
        return cursor.rowcount


async def due(db: Database, now: datetime, limit: int) -> list[OutboxRow]:
    """Pending rows to send now. `now` is the drain's steady time (`ClockWatch.steady`), the
    time line retry times are written on: a step of the wall clock moves neither."""
    rows = await db.fetchall(
        "SELECT id, broadcast_id, chat_id, user_id, text, attempts, timeouts, reply_markup,"
        " photo, document, document_name, on_sent, edit_message_id FROM outbox"
        " WHERE state = 'pending' AND (not_before IS NULL OR not_before <= ?)"
        # A photo's text (part 1) waits for the photo (part 0), even when that is retried.
        " AND NOT EXISTS (SELECT 1 FROM outbox AS earlier WHERE"
        " earlier.broadcast_id = outbox.broadcast_id AND earlier.chat_id = outbox.chat_id"
        " AND earlier.part < outbox.part AND earlier.state IN ('pending', 'sending'))"
        # Queue order, not retry time: a message retried after a 429 or a 5xx goes out as soon
        # as it is due again, instead of after everything that was never tried.
        " ORDER BY id LIMIT ?",
        (to_db_time(now), limit),
    )
    return [OutboxRow(*row) for row in rows]


async def next_due(db: Database) -> datetime | None:
    """When the next pending row falls due (steady time), the epoch for "now"; None: no row."""
    row = await db.fetchone(
        "SELECT COUNT(*) AS n, MIN(COALESCE(not_before, '')) AS at FROM outbox"
        " WHERE state = 'pending'"
    )
    if row is None or not row["n"]:
        return None
    return from_db_time(row["at"]) if row["at"] else datetime.fromtimestamp(0, UTC)


async def claim(db: Database, row_id: int) -> bool:
    """pending → sending; False if another drain took it first."""
    changed = await db.changes(
        "UPDATE outbox SET state = 'sending' WHERE id = ? AND state = 'pending'",
        (row_id,),
    )
    return changed == 1


async def finish(
    db: Database,
    row_id: int,
    state: str,
    now: datetime,
    error: str | None = None,
    *,
    timed_out: bool = False,
) -> None:
    """sending → sent, blocked, failed or unconfirmed. The content goes: it is a copy (a signed
    feedback's name, a member's answer) that nobody needs once delivered, and /forget could not
    find it. `timed_out` counts a last try that timed out. Idempotent, so it can be retried."""
    assert state in FINAL
    await db.execute(
        "UPDATE outbox SET state = ?, error = ?, sent_at = CASE WHEN ? = 'sent' THEN ? END,"
        " timeouts = timeouts + ?, text = '', reply_markup = NULL, photo = NULL, document = NULL,"
        " document_name = NULL WHERE id = ? AND state = 'sending'",
        (state, error, state, to_db_time(now), int(timed_out), row_id),
    )


async def retry_later(
    db: Database,
    row_id: int,
    not_before: datetime,
    *,
    failed: bool = False,
    timed_out: bool = False,
    chat_id: int | None = None,
    error: str | None = None,
) -> None:
    """sending → pending again, not before the given (steady) time. `failed` counts an attempt
    (a 429 or a migrated group is not the message's fault), `timed_out` a try that may have
    been delivered; `chat_id` follows a group that migrated. Idempotent, like `finish`."""
    await db.execute(
        "UPDATE outbox SET state = 'pending', not_before = ?, attempts = attempts + ?,"
        " timeouts = timeouts + ?, chat_id = COALESCE(?, chat_id), error = COALESCE(?, error)"
        " WHERE id = ? AND state = 'sending'",
        (to_db_time(not_before), int(failed), int(timed_out), chat_id, error, row_id),
    )
