"""The outbox worker: sends what db/outbox.py holds, paced, and reports progress.

`kick` starts a drain unless one is running; the drain sends every due row and ends when the
queue is empty, waiting (through `services.sleep`, on monotonic time, so tests run on virtual
time and a step of the wall clock changes nothing) until deferred rows fall due. Each message is
claimed ('sending') before it goes out and its outcome recorded after. What can go twice:

- at a crash or stop, the rows in flight (at most `IN_FLIGHT`): they are sent again at start-up,
  so nobody is skipped;
- a try that timed out, since Telegram may have delivered it before the answer was lost: the
  message is tried once more, never a third time. If that try fails too, the row ends
  'unconfirmed' ("possibly delivered" in the coordinator's report); if it succeeds, the report
  says the member may have it twice.

A busy database (another process holding the write lock past busy_timeout, a full disk) is a
fault like a 5xx: the drain waits and tries again, and an outcome is written, however long that
takes, before the drain looks at its row again: no row is left 'sending', none sent twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from datetime import timedelta
from functools import partial
from typing import Any

from telegram import InlineKeyboardMarkup, InputFile, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application, ExtBot

from app.ratelimit import Lane, LaneArgs, LaneRateLimiter
from bot.context import Services
from bot.pacing import Pacer
from bot.persist import Backoff, persist, transient
from db import ballots as ballots_db
from db import forums as forums_db
from db import outbox_sending as sending_db
from db import users as users_db
from db.outbox_sending import OutboxRow
from handlers.broadcast.progress import Progress
from handlers.common import retry_seconds, unless_unchanged
from handlers.outgoing import kick
from handlers.polls import ballot as ballots

IN_FLIGHT = 8  # messages on the wire at once: enough to keep up the pace over HTTP latency
BATCH = 200
# Seconds of sending before the drain looks at the queue again: fair order (db/outbox_sending.py,
# `due`) only helps a ballot queued mid-broadcast if the drain looks again soon, and a look costs
# a few milliseconds (one read per open broadcast), not a scan of the rows waiting.
LOOK_AGAIN = 0.5
MAX_ATTEMPTS = 5  # for 5xx and timeouts; a 429 or a migrated group does not count
MAX_TIMEOUTS = 2  # tries that timed out: each may have been delivered, so no third
IDLE_POLL = 2.0  # seconds: longest sleep while rows wait for their retry time
STOP_GRACE = 5.0  # real seconds a stop waits for the outcomes of messages on the wire
log = logging.getLogger(__name__)


async def resume(application: Application) -> None:
    """At start-up: what was in flight when the bot stopped goes out again, then the rest."""
    services: Services = application.bot_data["services"]
    requeued = await sending_db.requeue_in_flight(services.db)
    if requeued:
        log.info(
            "outbox: %s messages were in flight at the last stop; sending them again", requeued
        )
    kick(application.bot, services)


async def drain(bot: ExtBot[Any], services: Services) -> None:
    in_flight: dict[asyncio.Task[None], int] = {}  # task → chat id
    try:
        await _drain(bot, services, in_flight)
    except asyncio.CancelledError:
        # Stopping: let the messages already on the wire be recorded while the database is
        # still open; what is left pending goes out after the restart. A database that stays
        # busy must not hold the stop up: rows not recorded by then stay 'sending' and go out
        # again at the next start (the in-flight window, at most IN_FLIGHT messages).
        if in_flight:
            _, late = await asyncio.wait(list(in_flight), timeout=STOP_GRACE)
            for task in late:
                task.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)
        raise


async def _drain(
    bot: ExtBot[Any], services: Services, in_flight: dict[asyncio.Task[None], int]
) -> None:
    # With the bot-wide limiter (app/ratelimit.py) it owns the overall budget, shared with
    # replies; the drain keeps only its per-chat pacing, so one chat does not fill IN_FLIGHT.
    pacer = Pacer(services.monotonic, overall=not isinstance(bot.rate_limiter, LaneRateLimiter))
    progress = Progress(bot, services)
    busy = Backoff(services, "the outbox")
    while True:
        try:
            if not await _look(bot, services, pacer, progress, in_flight):
                await progress.report()  # the last word: finished broadcasts get their report
                return
        except sqlite3.OperationalError as exc:
            if not transient(exc):
                raise
            await busy.wait(exc)  # nothing claimed is lost: claims are single statements
        else:
            busy.reset()


async def _look(
    bot: ExtBot[Any],
    services: Services,
    pacer: Pacer,
    progress: Progress,
    in_flight: dict[asyncio.Task[None], int],
) -> bool:
    """One look at the queue: send what is due, else wait for what is on the wire or due
    later. False when nothing is left to do."""
    db, watch = services.db, services.watch
    watch.look()  # a step of the wall clock is logged as soon as the drain sees it
    sent_any, since = False, services.monotonic()
    for row in await sending_db.due(db, watch.steady(), BATCH):
        if sent_any and services.monotonic() - since >= LOOK_AGAIN:
            break  # new rows may have come, and some go before the rest of these
        if row.chat_id in in_flight.values() or pacer.chat_wait(row.chat_id) > 0:
            continue  # this chat must wait; others need not
        while (wait := pacer.overall_wait()) > 0:
            await services.sleep(wait)
        while len(in_flight) >= IN_FLIGHT:
            await asyncio.wait(list(in_flight), return_when=asyncio.FIRST_COMPLETED)
        if not await sending_db.claim(db, row.id):
            continue
        pacer.spend(row.chat_id)
        task = asyncio.create_task(_send(bot, services, pacer, row))
        in_flight[task] = row.chat_id
        task.add_done_callback(in_flight.pop)
        sent_any = True
        await progress.maybe_report()
    if sent_any:
        return True
    if in_flight:
        await asyncio.wait(list(in_flight), return_when=asyncio.FIRST_COMPLETED)
        return True
    await progress.maybe_report()
    next_due = await sending_db.next_due(db)
    if next_due is None:
        return False
    delay = (next_due - watch.steady()).total_seconds()
    await services.sleep(min(max(delay, 0.05), IDLE_POLL))
    return True


async def _send(bot: ExtBot[Any], services: Services, pacer: Pacer, row: OutboxRow) -> None:
    """One message; its outcome is written back to its row, however long the database is busy."""
    try:
        message = await _deliver(bot, services, row)
    except Exception as exc:
        if not isinstance(exc, TelegramError):  # a bug: say where, then record it as failed
            log.exception("outbox row %s", row.id)
        await persist(services, partial(_failed, services, pacer, row, exc))
        return
    now = services.clock()
    await persist(services, lambda: sending_db.finish(services.db, row.id, "sent", now))
    if row.on_sent and message is not None:  # an edit records nothing: its message is known
        try:
            await persist(services, lambda: _record(services, row, message))
        except Exception:  # the message is out; what it should have recorded is a bug
            log.exception("outbox row %s sent, but %s not recorded", row.id, row.on_sent)


async def _failed(services: Services, pacer: Pacer, row: OutboxRow, exc: Exception) -> None:
    """Record why a send failed, and what comes next: a retry, or the row's last state.
    Every write here is idempotent, so `persist` may run it again after a busy database."""
    db, now, steady = services.db, services.clock(), services.watch.steady()
    # After a timeout the message may be in the chat already: a row that ends without a
    # confirmed delivery is 'unconfirmed' (possibly delivered), not 'failed'.
    failed = "unconfirmed" if row.timeouts else "failed"
    if isinstance(exc, RetryAfter):
        wait = retry_seconds(exc.retry_after)
        pacer.hold(row.chat_id, wait)
        await sending_db.retry_later(db, row.id, steady + timedelta(seconds=wait))
    elif isinstance(exc, Forbidden):  # blocked the bot, or removed it from the group
        await sending_db.finish(db, row.id, "blocked", now, str(exc))
        if row.user_id is not None:
            await users_db.set_active(db, row.user_id, False, now)
    elif isinstance(exc, ChatMigrated):  # the group became a supergroup: follow it
        await forums_db.migrate_chat(db, row.chat_id, exc.new_chat_id)
        await sending_db.retry_later(db, row.id, steady, chat_id=exc.new_chat_id)
    elif isinstance(exc, BadRequest):  # chat not found, text refused: retrying will not help
        await sending_db.finish(db, row.id, failed, now, str(exc))
    elif isinstance(exc, TimedOut) and (
        row.timeouts + 1 >= MAX_TIMEOUTS or row.attempts + 1 >= MAX_ATTEMPTS
    ):
        log.warning("outbox row %s timed out again: possibly delivered, not sent again", row.id)
        await sending_db.finish(db, row.id, "unconfirmed", now, str(exc), timed_out=True)
    elif isinstance(exc, TelegramError):  # 5xx, timeouts, network: back off, a bounded number
        if row.attempts + 1 >= MAX_ATTEMPTS:
            await sending_db.finish(db, row.id, failed, now, str(exc))
        else:
            backoff = timedelta(seconds=min(60, 2 ** (row.attempts + 1)))
            await sending_db.retry_later(
                db,
                row.id,
                steady + backoff,
                failed=True,
                timed_out=isinstance(exc, TimedOut),
                error=str(exc),
            )
    else:  # a bug: record it rather than leave the row 'sending'
        await sending_db.finish(db, row.id, failed, now, repr(exc))


def lane(bot: ExtBot[Any], row: OutboxRow) -> LaneArgs | None:
    """The limiter's lane for a row (None without our limiter: PTB refuses the argument then).
    No retries inside the limiter: a 429 comes back here, the row waits in the outbox
    (`retry_later`) and its place on the wire goes to another chat."""
    if not isinstance(bot.rate_limiter, LaneRateLimiter):
        return None
    return {"lane": Lane.BULK if row.bulk else Lane.URGENT, "max_retries": 0}


async def _deliver(bot: ExtBot[Any], services: Services, row: OutboxRow) -> Message | None:
    limits = lane(bot, row)
    markup = (
        InlineKeyboardMarkup.de_json(json.loads(row.reply_markup), bot)
        if row.reply_markup
        else None
    )
    if row.edit_message_id is not None:
        await _edit(bot, services, row, markup)
        return None
    if row.document is not None:
        document = InputFile(row.document, filename=row.document_name)
        return await bot.send_document(
            row.chat_id, document, caption=row.text, reply_markup=markup, rate_limit_args=limits
        )
    if row.photo is not None:
        return await bot.send_photo(
            row.chat_id, row.photo, caption=row.text, reply_markup=markup, rate_limit_args=limits
        )
    return await bot.send_message(
        row.chat_id, row.text, reply_markup=markup, rate_limit_args=limits
    )


async def _edit(
    bot: ExtBot[Any], services: Services, row: OutboxRow, markup: InlineKeyboardMarkup | None
) -> None:
    """An edit of a message sent before. A ballot (`on_sent` 'ballot:<poll>') is drawn again
    now, from the database: the member may have tapped since the edit was queued, and an edit
    drawn then would undo their taps on the screen. A ballot gone or closed is left alone."""
    text = row.text
    kind, _, argument = (row.on_sent or "").partition(":")
    if kind == "ballot" and row.user_id is not None:
        drawn = await ballots.current_ballot(services, int(argument), row.user_id)
        if drawn is None:
            return
        text, markup = drawn
    assert row.edit_message_id is not None
    with unless_unchanged():
        await bot.edit_message_text(
            text,
            row.chat_id,
            row.edit_message_id,
            reply_markup=markup,
            rate_limit_args=lane(bot, row),
        )


async def _record(services: Services, row: OutboxRow, message: Message) -> None:
    """What a sent message must leave behind: a ballot's message id, so taps can edit it."""
    kind, _, argument = (row.on_sent or "").partition(":")
    if kind == "ballot" and row.user_id is not None:
        # The ballot row was made when the message was queued; if the poll closed since, its
        # unsubmitted ballots are gone, and making one again would tie the member to the poll.
        ballot = await ballots_db.ballot_of(services.db, int(argument), row.user_id)
        if ballot is not None:
            await ballots_db.set_message(
                services.db, ballot.id, message.chat_id, message.message_id
            )
    else:
        raise ValueError(f"unknown on_sent {row.on_sent!r}")
