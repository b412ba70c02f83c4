"""What handlers put in the outbox, and how they wake its sender (app/outbox.py).

Handlers write rows (db/outbox.py) in their own transaction, then `kick`: the sender itself lives
in app/, a floor above, and is installed by the wiring as `services.drain`, so that no handler
imports it.
"""

from __future__ import annotations

import json
from typing import Any

from telegram import Bot, InlineKeyboardMarkup

from bot.context import Services
from db.outbox import Outgoing


def outgoing(
    chat_id: int,
    user_id: int | None,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    **more: Any,
) -> Outgoing:
    """An outbox message from what a handler would have passed to `send_message`."""
    as_json = json.dumps(markup.to_dict(), ensure_ascii=False) if markup is not None else None
    return Outgoing(chat_id, user_id, text, reply_markup=as_json, **more)


def kick(bot: Bot, services: Services) -> None:
    """Make sure a drain runs (after new rows were written, at start-up, on the heartbeat)."""
    if services.outbox_task is None or services.outbox_task.done():
        assert services.drain is not None, "the wiring installs the outbox sender"
        services.outbox_task = services.spawn(services.drain(bot, services), "outbox")
