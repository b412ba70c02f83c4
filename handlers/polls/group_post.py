"""The poll's announcement in the forum's group: question, options, deadline, live voter count."""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.context import Services
from bot.poll_texts import for_reader
from db import ballots as ballots_db
from db import forums as forums_db
from db import polls as polls_db
from db.polls import PollRow
from handlers.common import retry_seconds

log = logging.getLogger(__name__)
REFRESH_ATTEMPTS = 5  # 1 + 2 + 4 + 8 s of backoff: past a short Telegram outage
POLL_LINK = "poll-"  # deep-link payload prefix: /start poll-<id> opens the ballot in private


async def announcement(
    bot: Bot, services: Services, poll: PollRow
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The poll as the forum's group sees it, in the forum's language and zone."""
    forum = await forums_db.get_forum(services.db, poll.forum_id)
    assert forum is not None
    tr = services.catalogs.translator(forum.language)
    options = await polls_db.options_of(services.db, poll.id)
    poll, options = await for_reader(services.db, services.priorities, tr, poll, options)
    voted = await ballots_db.voter_count(services.db, poll.id)
    eligible = await polls_db.eligible_count(services.db, poll.forum_id)
    lines = [
        tr._("<b>Poll %(number)s</b>: %(question)s", number=poll.number, question=poll.question),
        "",
    ]
    lines += [tr._("%(position)s. %(option)s", position=o.position, option=o.text) for o in options]
    lines.append("")
    if poll.is_open:
        lines.append(tr._("Closes %(time)s.", time=tr.datetime(poll.closes_at, forum.timezone)))
    elif poll.cancelled_at is not None:
        lines.append(tr._("Cancelled: this poll has no results."))
    else:
        lines.append(tr._("Closed."))
    lines.append(
        tr.n_(
            "Voted: %(voted)s of %(eligible)s member.",
            "Voted: %(voted)s of %(eligible)s members.",
            eligible,
            voted=voted,
            eligible=eligible,
        )
    )
    if not poll.is_open:
        return "\n".join(lines), None
    link = f"https://t.me/{bot.username}?start={POLL_LINK}{poll.id}"
    return "\n".join(lines), InlineKeyboardMarkup(
        [[InlineKeyboardButton(tr._("Rank privately"), url=link)]]
    )


async def refresh_announcement(bot: Bot, services: Services, poll: PollRow) -> None:
    """Keep the voter count (and, at close, the results) on the group's announcement current.

    A courtesy that never fails the action that asked for it: a vote or a close is committed
    before this runs. Transient errors (5xx, timeouts, 429) are retried with backoff on the
    services' clock; what still fails is logged, and the next refresh tries again.
    """
    if poll.group_chat_id is None or poll.group_message_id is None:
        return
    text, markup = await announcement(bot, services, poll)
    for attempt in range(REFRESH_ATTEMPTS):
        try:
            await bot.edit_message_text(
                text, poll.group_chat_id, poll.group_message_id, reply_markup=markup
            )
            return
        except (ChatMigrated, Forbidden):  # the group changed or removed the bot
            return
        except BadRequest as exc:  # deleted by a group admin, or unchanged: nothing to retry
            if "not modified" not in str(exc) and "not found" not in str(exc):
                log.warning("poll %s: group post not updated: %s", poll.id, exc)
            return
        except RetryAfter as exc:
            await services.sleep(retry_seconds(exc.retry_after))
        except TelegramError as exc:  # 5xx, timeout: Telegram may answer the next time
            log.info("poll %s: group post update failed (%s), retrying", poll.id, exc)
            await services.sleep(2.0**attempt)
    log.warning("poll %s: group post not updated after %s attempts", poll.id, REFRESH_ATTEMPTS)


def request_refresh(bot: Bot, services: Services, poll_id: int) -> None:
    """Update the voter count soon, in the background, coalescing votes that arrive meanwhile.

    A group may receive about 20 messages a minute, so the rate limiter can hold an edit for
    seconds; done inline, that would stall the update loop for every member tapping a ballot.
    """
    services.stale_announcements.add(poll_id)
    if poll_id not in services.refreshing_announcements:
        services.refreshing_announcements.add(poll_id)
        services.spawn(_refresh_while_stale(bot, services, poll_id), name=f"announce-{poll_id}")


async def _refresh_while_stale(bot: Bot, services: Services, poll_id: int) -> None:
    try:
        while poll_id in services.stale_announcements:
            services.stale_announcements.discard(poll_id)
            poll = await polls_db.get_poll(services.db, poll_id)
            if poll is not None:
                await refresh_announcement(bot, services, poll)
    finally:
        services.refreshing_announcements.discard(poll_id)
