"""What the bot did, as tests read it: recorded calls, surviving messages, buttons, HTML.

Functions of the world, bound as methods of FakeTelegram (`fake.messages(chat_id)`).
"""

from __future__ import annotations

import copy

from .markup import to_html
from .world import Call, World


def calls_to(world: World, method: str | None = None, *, chat_id: int | None = None) -> list[Call]:
    """Recorded calls (successful and failed) filtered by method and/or chat id."""
    return [
        call
        for call in world.calls
        if (method is None or call.method.lower() == method.lower())
        and (chat_id is None or call.params.get("chat_id") == chat_id)
    ]


def messages(world: World, chat_id: int) -> list[dict]:
    """Messages the bot sent to a chat that still exist, oldest first, edits applied."""
    return [copy.deepcopy(m) for m in world.chat_messages(chat_id) if world.is_bot_message(m)]


def user_messages(world: World, chat_id: int, user_id: int) -> list[dict]:
    """Messages a user sent to a chat that still exist, oldest first, edits applied."""
    return [
        copy.deepcopy(message)
        for message in world.chat_messages(chat_id)
        if message.get("from", {}).get("id") == user_id
    ]


def last_message(world: World, chat_id: int) -> dict:
    """The bot's latest surviving message in a chat."""
    found = messages(world, chat_id)
    assert found, f"the bot has no messages in chat {chat_id}"
    return found[-1]


def buttons(message: dict) -> list[dict]:
    """The inline keyboard's buttons flattened row by row; [] if there is none."""
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def html(message: dict) -> str:
    """A message's text (or caption) as Telegram HTML, rebuilt from its entities."""
    if "text" in message:
        return to_html(message["text"], message.get("entities", []))
    return to_html(message.get("caption", ""), message.get("caption_entities", []))
