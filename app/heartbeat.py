"""Work that falls due with time: closing polls, poll and meeting reminders, new occurrences.

The database is the source of truth: `run_due` looks at the rows and does what is due now, so a
deadline that passed while the bot was down is handled at the next start. PTB's JobQueue only
provides the heartbeat. Tests call `run_due` directly after moving the injected clock.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import datetime

from telegram.ext import Application, ContextTypes

from bot.context import Services
from db import retention
from handlers import outgoing as outbox
from handlers.meetings import reminders as meeting_reminders
from handlers.meetings import survey as meeting_survey
from handlers.polls import deadlines
from handlers.tips import subscriptions as tip_subscriptions

HEARTBEAT_SECONDS = 30
log = logging.getLogger(__name__)


async def run_due(application: Application) -> None:
    """Close due polls, send due reminders, keep meeting series materialised ahead."""
    services, bot = application.bot_data["services"], application.bot
    now = services.clock()
    # Each step on its own: a busy database or a bug in one (logged) must not keep the others,
    # or the outbox kick at the end, from running. What failed is still due next beat.
    await _step(application, "meeting series", meeting_reminders.extend_series(services))
    await _step(application, "meeting reminders", meeting_reminders.send_due_reminders(services))
    await _step(application, "meeting surveys", meeting_survey.send_surveys(services))
    await _step(application, "survey summaries", meeting_survey.send_summaries(services))
    await _step(application, "tips", tip_subscriptions.send_due_tips(services))
    # Purges go by the date, so not on a date that just jumped (bot/clock.py, ClockWatch):
    # deadlines and reminders above and below may follow the wall clock, deleting may not.
    if services.retention_due():
        await _step(application, "retention", _purge(services, now))
    await _step(application, "poll deadlines", deadlines.close_due(bot, services, now))
    await _step(application, "poll reminders", deadlines.remind_due(services, now))
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


async def heartbeat(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The JobQueue's repeating job."""
    await run_due(context.application)


def schedule(application: Application) -> None:
    """Start the heartbeat (the first run is at start-up, from post_init)."""
    assert application.job_queue is not None
    application.job_queue.run_repeating(
        heartbeat, interval=HEARTBEAT_SECONDS, first=HEARTBEAT_SECONDS, name="heartbeat"
    )
