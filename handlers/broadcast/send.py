"""/announce's Send: one outbox row per recipient in their language (db/outbox.py), committed
with the draft's end, then handed over to the outbox sender, which reports progress in one edited
message (handlers/broadcast/progress.py)."""

from __future__ import annotations

import contextlib
import logging
from collections import Counter

from telegram import Update
from telegram.error import TelegramError

from bot.broadcast_report import progress_text
from db import dialogs
from db import outbox as outbox_db
from handlers import outgoing as outbox
from handlers.broadcast.draft import ANNOUNCE, AnnouncementDraft, recipients
from handlers.broadcast.progress import Progress
from handlers.common import chat_of, pressed, pressed_message
from handlers.context import ForumContext

log = logging.getLogger(__name__)


async def send(update: Update, context: ForumContext, draft: AnnouncementDraft) -> None:
    """Commit, then talk: the draft's end and every recipient's outbox row in one transaction,
    and only then the calls to Telegram, each of which may fail without losing anything."""
    query, actor, services = pressed(update), context.actor, context.services
    assert actor.forum is not None
    messages = await recipients(context, draft)
    if not messages:  # the draft stays: a wider audience may fix it
        await query.answer(actor.tr._("Nobody to send it to yet."), show_alert=True)
        return
    chat_id = chat_of(update).id
    async with outbox_db.batch(
        services.db,
        forum_id=actor.forum.id,
        kind="announcement",
        now=services.clock(),
        created_by=actor.user_id,
        report_chat_id=chat_id,
        report_language=actor.lang,
    ) as writing:
        # The draft is the once-only claim: a second tap, or one racing it, finds it gone.
        if await dialogs.take(writing.conn, user_id=actor.user_id, chat_id=chat_id, kind=ANNOUNCE):
            for message in messages:
                await writing.add(message)
    if writing.id is None:
        await query.answer(
            actor.tr._("This announcement is no longer open; start again with /announce.")
        )
        return
    try:  # the progress message first: the pacer does not count direct sends
        await _after_send(update, context, writing.id, len(messages))
    finally:
        outbox.kick(context.bot, services)


async def _after_send(update: Update, context: ForumContext, broadcast_id: int, count: int) -> None:
    """The courtesies after an announcement was committed: none of them can lose it."""
    query, tr, services = pressed(update), context.actor.tr, context.services
    with contextlib.suppress(TelegramError):  # e.g. "query is too old": the progress says it
        await query.answer()
    with contextlib.suppress(TelegramError):  # the preview stays as a record of what went out
        await query.edit_message_reply_markup(None)
    try:
        report = await pressed_message(query).reply_text(
            progress_text(tr, Counter(pending=count), done=False)
        )
    except TelegramError as exc:
        log.warning("progress message of broadcast %s not sent: %s", broadcast_id, exc)
        if await outbox_db.set_report_message(
            services.db, broadcast_id, outbox_db.NO_REPORT_MESSAGE
        ):
            await Progress(context.bot, services).final_report(broadcast_id)
        return
    if await outbox_db.set_report_message(services.db, broadcast_id, report.message_id):
        await Progress(context.bot, services).final_report(broadcast_id)
