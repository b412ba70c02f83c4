"""A poll's deadline and reminder, when they fall due (called by the heartbeat, app/heartbeat.py).

The poll is closed and its results queued once its deadline passes; results a crash lost on the
way are queued again. Members who have not ranked get one reminder, claimed in the same
transaction as the messages, so a restart never sends it twice.
"""

from __future__ import annotations

from datetime import datetime

from telegram import Bot

from bot import callbacks
from bot.context import Services
from db import forums as forums_db
from db import outbox as outbox_db
from db import poll_closing as closing_db
from db.polls import PollRow
from handlers import outgoing as outbox
from handlers.common import keyboard
from handlers.polls.closing import finish_poll, queue_results


async def close_due(bot: Bot, services: Services, now: datetime) -> None:
    for poll in await closing_db.due_to_close(services.db, now):
        await finish_poll(bot, services, poll)
    for poll in await closing_db.results_owed(services.db):  # closed, results lost on the way
        await queue_results(bot, services, poll)


async def remind_due(services: Services, now: datetime) -> None:
    for poll in await closing_db.due_reminders(services.db, now):
        await _remind_voters(services, poll)


async def _remind_voters(services: Services, poll: PollRow) -> None:
    """Members who have not ranked yet get a short reminder whose button re-sends their ballot
    (`poll:open`, as from /polls): not a second full ballot under the first."""
    forum = await forums_db.get_forum(services.db, poll.forum_id)
    assert forum is not None
    messages = []
    for voter in await closing_db.non_voters(services.db, poll):
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
        if await closing_db.claim_reminder(batch.conn, poll.id, now):
            for message in messages:
                await batch.add(message)
