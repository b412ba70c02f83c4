"""A broadcast's progress message in the coordinator's chat, kept current while it is sent.

The outbox sender (app/outbox.py) reports every REPORT_EVERY seconds; /announce's Send
(handlers/broadcast/commands.py) shows the final report of a batch that finished before its progress
message was recorded.
"""

from __future__ import annotations

import logging
from collections import Counter

from telegram import Bot
from telegram.error import TelegramError

from bot.broadcast_report import progress_text
from bot.context import Services
from db import outbox as outbox_db
from handlers.common import unless_unchanged

REPORT_EVERY = 3.0  # seconds between edits of a progress message (the chat allows ~1/s)
log = logging.getLogger(__name__)


class Progress:
    """Keeps each open broadcast's progress message current, at most every REPORT_EVERY s."""

    def __init__(self, bot: Bot, services: Services) -> None:
        self.bot, self.services = bot, services
        self.last = services.monotonic()
        self.shown: dict[int, str] = {}  # broadcast → what its message shows now

    async def maybe_report(self) -> None:
        if self.services.monotonic() - self.last >= REPORT_EVERY:
            await self.report()

    async def report(self) -> None:
        """Edit each open broadcast's message; a finished one is closed with its final report."""
        services = self.services
        self.last = services.monotonic()
        for broadcast in await outbox_db.open_broadcasts(services.db):
            counts = await outbox_db.counts(services.db, broadcast.id)
            twice = await outbox_db.sent_after_timeout(services.db, broadcast.id)
            done = counts["pending"] + counts["sending"] == 0
            if done:
                finished = await outbox_db.mark_finished(
                    services.db, broadcast.id, services.clock()
                )
                if finished is None:
                    continue
                broadcast = finished  # as it stands now: its progress message may be new
            if broadcast.report_chat_id is None:
                continue
            tr = services.catalogs.translator(broadcast.report_language)
            text = progress_text(tr, counts, done=done, twice=twice)
            if broadcast.report_message_id is None:  # its sender records it, and reports if done
                continue
            if broadcast.report_message_id == outbox_db.NO_REPORT_MESSAGE:
                if done:  # the progress message never got out: the final report is a new one
                    await self._send_final(broadcast.report_chat_id, text)
                continue
            # Until this drain edits it, the message says what the Send wrote: all waiting.
            # Updates run concurrently, so a drain another Send started may look at it at once.
            shown = self.shown.get(broadcast.id) or progress_text(
                tr, Counter(pending=counts.total()), done=False
            )
            if shown == text:
                continue  # waiting on retries: an edit to the same text is a 400 from Telegram
            self.shown[broadcast.id] = text
            try:
                with unless_unchanged():
                    await self.bot.edit_message_text(
                        text,
                        chat_id=broadcast.report_chat_id,
                        message_id=broadcast.report_message_id,
                    )
            except TelegramError as exc:  # the report is a courtesy; the sending goes on
                log.warning("progress of broadcast %s not shown: %s", broadcast.id, exc)

    async def final_report(self, broadcast_id: int) -> None:
        """Show the final report of a broadcast that finished before its progress message was
        recorded: edit that message, or send a new one if it never got out."""
        services = self.services
        broadcast = await outbox_db.get_broadcast(services.db, broadcast_id)
        if broadcast is None or broadcast.report_chat_id is None:
            return
        counts = await outbox_db.counts(services.db, broadcast_id)
        twice = await outbox_db.sent_after_timeout(services.db, broadcast_id)
        text = progress_text(
            services.catalogs.translator(broadcast.report_language), counts, done=True, twice=twice
        )
        if broadcast.report_message_id in (None, outbox_db.NO_REPORT_MESSAGE):
            await self._send_final(broadcast.report_chat_id, text)
            return
        try:
            with unless_unchanged():
                await self.bot.edit_message_text(
                    text, chat_id=broadcast.report_chat_id, message_id=broadcast.report_message_id
                )
        except TelegramError as exc:
            log.warning("final report of broadcast %s not shown: %s", broadcast_id, exc)

    async def _send_final(self, chat_id: int, text: str) -> None:
        try:
            await self.bot.send_message(chat_id, text)
        except TelegramError as exc:
            log.warning("final report not sent: %s", exc)
