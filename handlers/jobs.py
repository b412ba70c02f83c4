"""Work that falls due with time: closing polls, poll and meeting reminders, new occurrences.

The database is the source of truth: `run_due` looks at the rows and does what is due now, so a
deadline that passed while the bot was down is handled at the next start. PTB's JobQueue only
provides the heartbeat. Tests call `run_due` directly after moving the injected clock.
"""

from __future__ import annotations

import logging

from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from db import polls as polls_db
from db import retention
from db import users as users_db
from handlers import ballots, meeting_survey, meetings, outbox, tip_subscriptions
from handlers.polls import finish_poll

HEARTBEAT_SECONDS = 30
log = logging.getLogger(__name__)


async def run_due(application: Application) -> None:
    """Close due polls, send due reminders, keep meeting series materialised ahead."""
    services, bot = application.bot_data["services"], application.bot
    now = services.clock()
    await meetings.extend_series(services)
    await meetings.send_due_reminders(bot, services)
    await meeting_survey.send_surveys(bot, services)
    await meeting_survey.send_summaries(bot, services)
    await tip_subscriptions.send_due_tips(bot, services)
    outbox.kick(application)  # rows whose retry time came while no drain was running
    if services.retention_due(now):
        deleted = await retention.enforce(services.db, now)
        log.info("retention: deleted %s feedback items and %s closed polls", *deleted)
    for poll in await polls_db.due_to_close(services.db, now):
        await finish_poll(bot, services, poll)
    for poll in await polls_db.due_reminders(services.db, now):
        if not await polls_db.claim_reminder(services.db, poll.id, now):
            continue
        for voter in await polls_db.non_voters(services.db, poll):
            tr = services.catalogs.translator(voter.language)
            try:
                await bot.send_message(
                    voter.user_id,
                    tr._(
                        "Reminder: poll %(number)s closes %(time)s and you have not submitted your "
                        "ranking yet.",
                        number=poll.number,
                        time=tr.datetime(poll.closes_at, voter.timezone or "UTC"),
                    ),
                )
                await ballots.deliver_ballot(bot, services, poll, voter.user_id)
            except Forbidden:
                await users_db.set_active(services.db, voter.user_id, False, now)
            except TelegramError as exc:
                log.warning("reminder of poll %s to %s failed: %s", poll.id, voter.user_id, exc)


async def heartbeat(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The JobQueue's repeating job."""
    await run_due(context.application)


def schedule(application: Application) -> None:
    """Start the heartbeat (the first run is at start-up, from post_init)."""
    assert application.job_queue is not None
    application.job_queue.run_repeating(
        heartbeat, interval=HEARTBEAT_SECONDS, first=HEARTBEAT_SECONDS, name="heartbeat"
    )
