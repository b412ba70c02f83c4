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
    bulk: bool = False  # its broadcast's kind is in BULK_KINDS (1 from SQLite): the bulk lane


async def requeue_in_flight(db: Database) -> int:
    """At start-up: rows that were being sent go back to the queue (maybe twice), and every
    retry time is dropped: it was on the last run's steady clock (see `due`), not this one's."""
    async with db.transaction() as conn:
        cursor = await conn.execute("UPDATE outbox SET state = 'pending' WHERE state = 'sending'")
        await conn.execute(
            "UPDATE outbox SET not_before = NULL WHERE state = 'pending' AND not_before IS NOT NULL"
        )
        return cursor.rowcount


# The order the drain is offered due rows in (`due`). Two lanes: a time-critical message loses
# its point if it comes minutes late (a ballot while members are voting, a reminder before a
# deadline or a meeting, the results, a change to a poll or a meeting), so it goes before bulk
# that may well take minutes anyway (an announcement, tips, surveys and their summaries,
# feedback for coordinators). A kind in neither list counts as urgent: a new kind is never
# starved behind an announcement, at worst it shares the urgent lane.
URGENT_KINDS = (
    "ballot",
    "poll_reminder",
    "poll_deadline",  # a poll's deadline moved: the ballots are edited
    "poll_fix",  # a poll's text corrected: likewise
    "poll_cancelled",
    "results",
    "meeting_reminder",
    "meeting_notice",  # a meeting cancelled, moved, or its place changed
    "meeting_new",  # a new meeting's date and its RSVP buttons: a meeting notice too
)
BULK_KINDS = ("announcement", "tip", "survey", "survey_summary", "feedback")
_BULK = ", ".join(f"'{kind}'" for kind in BULK_KINDS)

# A row may go when it is pending and due (its retry time, on the drain's steady clock, has
# come), and a photo's text (part 1) waits for the photo (part 0), even when that is retried.
_READY = (
    "state = 'pending' AND (not_before IS NULL OR not_before <= ?)"
    " AND NOT EXISTS (SELECT 1 FROM outbox AS earlier WHERE"
    " earlier.broadcast_id = outbox.broadcast_id AND earlier.chat_id = outbox.chat_id"
    " AND earlier.part < outbox.part AND earlier.state IN ('pending', 'sending'))"
)
_COLUMNS = (
    "id, broadcast_id, chat_id, user_id, text, attempts, timeouts, reply_markup, photo,"
    " document, document_name, on_sent, edit_message_id,"
    f" (SELECT kind IN ({_BULK}) FROM broadcasts WHERE id = outbox.broadcast_id) AS bulk"
)


async def due(db: Database, now: datetime, limit: int) -> list[OutboxRow]:
    """Pending rows to send now, at most one per chat, in fair order. `now` is the drain's
    steady time (`ClockWatch.steady`), the time line retry times are written on: a step of the
    wall clock moves neither.

    Fair queuing: the urgent lane before bulk; within a lane, one row of each forum per round
    (round-robin between forums), a forum's open broadcasts taking turns (round-robin between
    batches within a forum). A 5,000-row announcement in forum A thus delays forum B's ballots
    by about one row per ballot, not by 5,000 rows. Within its broadcast a row keeps its place
    by id: one retried after a 429 or a 5xx goes out as soon as it is due again.

    Per chat, only its earliest due row is offered (messages to one chat keep their id order),
    at the best place of any of its due rows: a member's ballot behind their own announcement
    row takes that row along, so both go out at once instead of after the announcement.

    Each open broadcast is read by index, its first `limit` due rows only: the cost of a look
    grows with the number of open broadcasts, not with the rows waiting. With 5,000 + 5,000 rows
    waiting in two forums: about 3 ms, where the old `ORDER BY id` took 5 ms and one query with
    window functions over every due row (the same order in SQL) 32 ms."""
    steady = to_db_time(now)
    broadcasts = await db.fetchall(
        f"SELECT id, forum_id, kind IN ({_BULK}) AS bulk FROM broadcasts AS b WHERE EXISTS"
        " (SELECT 1 FROM outbox WHERE broadcast_id = b.id AND state = 'pending') ORDER BY id"
    )
    places: list[tuple[int, int, int, int, int]] = []  # (lane, forum, turn, broadcast, chat)
    for broadcast in broadcasts:
        rows = await db.fetchall(
            f"SELECT chat_id FROM outbox WHERE broadcast_id = ? AND {_READY} ORDER BY id LIMIT ?",
            (broadcast["id"], steady, limit),
        )
        lane, forum = broadcast["bulk"], broadcast["forum_id"]
        places += [
            (lane, forum, turn, broadcast["id"], r["chat_id"]) for turn, r in enumerate(rows)
        ]
    places.sort()  # by lane, forum, then the forum's broadcasts in turn
    rounds: dict[tuple[int, int], int] = {}
    fair = []
    for lane, forum, _, _, chat in places:
        rounds[lane, forum] = turn = rounds.get((lane, forum), -1) + 1
        fair.append((lane, turn, forum, chat))
    fair.sort()  # by lane, then round by round, one row of each forum per round
    chats = list(dict.fromkeys(chat for *_, chat in fair))[:limit]
    if not chats:
        return []
    marks = ", ".join("?" * len(chats))
    heads = await db.fetchall(
        f"SELECT {_COLUMNS} FROM outbox WHERE id IN (SELECT MIN(id) FROM outbox"
        f" WHERE chat_id IN ({marks}) AND {_READY} GROUP BY chat_id)",
        (*chats, steady),
    )
    place = {chat: index for index, chat in enumerate(chats)}
    return sorted((OutboxRow(*row) for row in heads), key=lambda row: place[row.chat_id])


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
