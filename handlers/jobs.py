"""Work that falls due with time: closing polls, poll and meeting reminders, new occurrences.

The database is the source of truth: `run_due` looks at the rows and does what is due now, so a
deadline that passed while the bot was down is handled at the next start. PTB's JobQueue only
provides the heartbeat. Tests call `run_due` directly after moving the injected clock.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import datetime

from telegram import Bot
from telegram.ext import Application, ContextTypes

from bot import callbacks
from bot.context import Services
from db import forums as forums_db
from db import outbox as outbox_db
from db import polls as polls_db
from db import retention
from db.polls import PollRow
from handlers import meeting_survey, meetings, outbox, tip_subscriptions
from handlers.common import keyboard
from handlers.polls import finish_poll, queue_results

HEARTBEAT_SECONDS = 30
log = logging.getLogger(__name__)


async def run_due(application: Application) -> None:
    """Close due polls, send due reminders, keep meeting series materialised ahead."""
    services, bot = application.bot_data["services"], application.bot
    now = services.clock()
    # Each step on its own: a busy database or a bug in one (logged) must not keep the others,
    # or the outbox kick at the end, from running. What failed is still due next beat.
    await _step(application, "meeting series", meetings.extend_series(services))
    await _step(application, "meeting reminders", meetings.send_due_reminders(services))
    await _step(application, "meeting surveys", meeting_survey.send_surveys(services))
    await _step(application, "survey summaries", meeting_survey.send_summaries(services))
    await _step(application, "tips", tip_subscriptions.send_due_tips(services))
    # Purges go by the date, so not on a date that just jumped (bot/clock.py, ClockWatch):
    # deadlines and reminders above and below may follow the wall clock, deleting may not.
    if services.retention_due():
        await _step(application, "retention", _purge(services, now))
    await _step(application, "poll deadlines", _close_due(bot, services, now))
    await _step(application, "poll reminders", _remind_due(services, now))
    if services.db.checkpoint_owed:  # a backup blocked the one after a poll's close
        await _step(application, "checkpoint", services.db.checkpoint())
    # What the steps above queued, and rows whose retry time came while no drain was running.
    outbox.kick(bot, services)


async def _step(application: Application, name: str, work: Awaitable[object]) -> None:
    try:
        await work
    except Exception as exc:
        log.warning("heartbeat: %s failed; it is tried again at the next beat", name)
        # To the error handlers, as PTB does for a job's exception (they log it; tests see it).
        await application.process_error(None, exc)


async def _purge(services: Services, now: datetime) -> None:
    deleted = await retention.enforce(services.db, now)
    log.info("retention: deleted %s feedback items and %s closed polls", *deleted)


async def _close_due(bot: Bot, services: Services, now: datetime) -> None:
    for poll in await polls_db.due_to_close(services.db, now):
        await finish_poll(bot, services, poll)
    for poll in await polls_db.results_owed(services.db):  # closed, results lost on the way
        await queue_results(bot, services, poll)


async def _remind_due(services: Services, now: datetime) -> None:
    for poll in await polls_db.due_reminders(services.db, now):
        await _remind_voters(services, poll)


async def _remind_voters(services: Services, poll: PollRow) -> None:
    """Members who have not ranked yet get a short reminder whose button re-sends their ballot
    (`poll:open`, as from /polls): not a second full ballot under the first."""
    forum = await forums_db.get_forum(services.db, poll.forum_id)
    assert forum is not None
    messages = []
    for voter in await polls_db.non_voters(services.db, poll):
        tr = services.catalogs.translator(voter.language)
        text = tr._(
            "Reminder: poll %(number)s closes %(time)s and you have not submitted your "
            "ranking yet.",
            number=poll.number,
            time=tr.datetime(poll.closes_at, voter.timezone or forum.timezone),
        )
        button = [(tr._("🗳 Open my ballot"), callbacks.make("poll", "open", poll.id))]
        messages.append(outbox.outgoing(voter.user_id, voter.user_id, text, keyboard([button])))
    now = services.clock()
    async with outbox_db.batch(
        services.db, forum_id=poll.forum_id, kind="poll_reminder", now=now, poll_id=poll.id
    ) as batch:
        if await polls_db.claim_reminder(batch.conn, poll.id, now):
            for message in messages:
                await batch.add(message)


async def heartbeat(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The JobQueue's repeating job."""
    await run_due(context.application)


def schedule(application: Application) -> None:
    """Start the heartbeat (the first run is at start-up, from post_init)."""
    assert application.job_queue is not None
    application.job_queue.run_repeating(
        heartbeat, interval=HEARTBEAT_SECONDS, first=HEARTBEAT_SECONDS, name="heartbeat"
    )
