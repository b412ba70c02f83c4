"""Work that falls due with time: closing polls, poll and meeting reminders, new occurrences.

The database is the source of truth: `run_due` looks at the rows and does what is due now, so a
deadline that passed while the bot was down is handled at the next start. PTB's JobQueue only
provides the heartbeat. Tests call `run_due` directly after moving the injected clock.
"""

from __future__ import annotations

import logging

from telegram.ext import Application, ContextTypes

from bot.context import Services
from bot.i18n import Translator
from db import outbox as outbox_db
from db import polls as polls_db
from db import retention
from db.polls import PollRow
from handlers import ballots, meeting_survey, meetings, outbox, tip_subscriptions
from handlers.polls import finish_poll

HEARTBEAT_SECONDS = 30
log = logging.getLogger(__name__)


async def run_due(application: Application) -> None:
    """Close due polls, send due reminders, keep meeting series materialised ahead."""
    services, bot = application.bot_data["services"], application.bot
    now = services.clock()
    await meetings.extend_series(services)
    await meetings.send_due_reminders(services)
    await meeting_survey.send_surveys(services)
    await meeting_survey.send_summaries(services)
    await tip_subscriptions.send_due_tips(services)
    if services.retention_due(now):
        deleted = await retention.enforce(services.db, now)
        log.info("retention: deleted %s feedback items and %s closed polls", *deleted)
    for poll in await polls_db.due_to_close(services.db, now):
        await finish_poll(bot, services, poll)
    for poll in await polls_db.due_reminders(services.db, now):
        await _remind_voters(services, poll)
    if services.db.checkpoint_owed:  # a backup blocked the one after a poll's close
        await services.db.checkpoint()
    # What the steps above queued, and rows whose retry time came while no drain was running.
    outbox.kick(bot, services)


async def _remind_voters(services: Services, poll: PollRow) -> None:
    """Members who have not ranked yet get their ballot again, under a reminder line."""

    def lead(tr: Translator, zone: str) -> str:
        return tr._(
            "Reminder: poll %(number)s closes %(time)s and you have not submitted your "
            "ranking yet.",
            number=poll.number,
            time=tr.datetime(poll.closes_at, zone),
        )

    voters = await polls_db.non_voters(services.db, poll)
    messages = [await ballots.queued_ballot(services, poll, v.user_id, lead) for v in voters]
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
