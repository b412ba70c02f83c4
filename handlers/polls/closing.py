"""Closing a poll (/closepoll or its deadline): the ballots say so, the results are queued once
to the group or the members, and the group's post shows the close."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from functools import partial

from telegram import Bot, InlineKeyboardMarkup

from bot import callbacks
from bot.context import Services
from bot.forums import STAKEHOLDER_GROUPS
from bot.poll_report import shown_groups
from bot.poll_texts import for_reader
from db import ballots as ballots_db
from db import forums as forums_db
from db import outbox as outbox_db
from db import poll_closing as closing_db
from db import polls as polls_db
from db.outbox import Outgoing
from db.polls import PollRow
from handlers import outgoing as outbox
from handlers.common import keyboard
from handlers.polls.group_post import request_refresh
from handlers.polls.report import results_message

log = logging.getLogger(__name__)


async def finish_poll(
    bot: Bot, services: Services, poll: PollRow, *, told: int | None = None
) -> bool:
    """Close a poll (manually or at its deadline): ballots show it, the group gets the results."""
    messages = await ballots_db.ballot_messages(services.db, poll.id)  # before they are de-linked
    forum = await forums_db.get_forum(services.db, poll.forum_id)
    assert forum is not None
    # An anonymous poll keeps a ballot's group only where a breakdown may show it.
    relabel = partial(shown_groups, known=list(STAKEHOLDER_GROUPS), minimum=forum.min_group_ballots)
    if not await closing_db.close(services.db, poll.id, services.clock(), relabel):
        return False
    closed = await polls_db.get_poll(services.db, poll.id)
    assert closed is not None
    # Every ballot says it closed (no ranking left on it) and links the results; a tap on an
    # old copy is answered "closed" anyway. Through the outbox, in the results' batch: a direct
    # call per ballot held the closing update for minutes with thousands of ballots, and in the
    # limiter's reply lane would have gone before every member's tap.
    said: dict[str | None, tuple[str, InlineKeyboardMarkup]] = {}
    edits = []
    for chat_id, message_id, _, language in messages:
        if language not in said:
            said[language] = await _closed_ballot(services, closed, language)
        text, markup = said[language]
        # No user id: the row needs none to edit, and keeps no more about the voter than that.
        edits.append(
            outbox.outgoing(chat_id, None, text, markup, edit_message_id=message_id, part=1)
        )
    try:
        await queue_results(bot, services, closed, told=told, edits=edits)
    except sqlite3.OperationalError as exc:  # busy: the close stands, the heartbeat queues them
        log.warning("poll %s: results not queued yet (%s)", poll.id, exc)
    # In the background: a close is committed, and a slow or failing group edit must neither
    # hold the update loop nor turn "closed" into "sorry".
    request_refresh(bot, services, closed.id)
    return True


async def _closed_ballot(
    services: Services, poll: PollRow, language: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    """What a ballot message becomes at the close, in its member's language."""
    tr = services.catalogs.translator(language)
    poll, _ = await for_reader(services.db, services.priorities, tr, poll, [])
    text = "\n\n".join(
        (
            tr._(
                "<b>Poll %(number)s</b>: %(question)s", number=poll.number, question=poll.question
            ),
            tr._(
                "This poll is closed. See its results with the button below or /results %(number)s.",
                number=poll.number,
            ),
        )
    )
    return text, keyboard([[(tr._("📊 Results"), callbacks.make("res", "show", poll.id))]])


async def queue_results(
    bot: Bot,
    services: Services,
    poll: PollRow,
    *,
    told: int | None = None,
    edits: Sequence[Outgoing] = (),
) -> None:
    """A closed poll's results, queued once: the claim and the rows commit together. They go
    to the forum's group if it has one, else to every member in private; coordinators always
    get them in private (except `told`, who closed the poll in a private chat and was answered
    with them). Each private copy is in the reader's language and zone. Called right after the
    close and, for a close whose results never got queued (a crash or a busy database between
    the two), by the heartbeat. `edits`: the ballot messages' edits at the close, queued once
    with the results."""
    forum = await forums_db.get_forum(services.db, poll.forum_id)
    assert forum is not None
    chats = await forums_db.group_chats(services.db, poll.forum_id)
    readers = [
        r
        for r in await forums_db.readers(services.db, poll.forum_id)
        if (r.role == "coordinator" or not chats) and r.user_id != told
    ]
    # Counted after the close commits, so a vote submitted a moment before is in the message;
    # once per language and zone, not once per member.
    texts: dict[tuple[str | None, str], str] = {}

    async def text_for(language: str | None, zone: str) -> str:
        if (language, zone) not in texts:
            tr = services.catalogs.translator(language)
            texts[language, zone] = await results_message(services, poll, tr, zone)
        return texts[language, zone]

    rows = [
        outbox.outgoing(chat_id, None, await text_for(forum.language, forum.timezone))
        for chat_id in chats
    ]
    for reader in readers:
        text = await text_for(reader.language, reader.timezone or forum.timezone)
        rows.append(outbox.outgoing(reader.user_id, reader.user_id, text))
    async with outbox_db.batch(
        services.db, forum_id=forum.id, kind="results", now=services.clock()
    ) as batch:
        if await closing_db.claim_results(batch.conn, poll.id, services.clock()):
            for row in (*rows, *edits):
                await batch.add(row)
    outbox.kick(bot, services)
