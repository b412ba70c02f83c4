"""Inline buttons: a user taps one (a callback_query update) and the bot answers the query.

Every query is remembered in `world.callback_queries` and every toast in
`world.callback_answers`, so tests can check that each tap was answered, once, and what it said.
"""

from __future__ import annotations

import copy

from telegram.constants import CallbackQueryLimit

from .views import buttons
from .wire import bad_request
from .world import FakeChat, FakeUser, World, chat_of

ANSWER_TEXT_LIMIT = int(CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH)  # 200


def answer_callback_query(world: World, params: dict) -> bool:
    """answerCallbackQuery: each query may be answered once; the toast is recorded.

    `callback_answers` keeps what the member saw (text None: no toast), so tests can check
    every toast of a run, e.g. for "[]" or an empty alert.
    """
    query = world.callback_queries.get(str(params.get("callback_query_id")))
    if query is None or query["answered"]:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = params.get("text")
    if text is not None and len(str(text)) > ANSWER_TEXT_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")  # what Telegram answers here, in capitals
    query["answered"], query["answer"] = True, params
    world.callback_answers.append(
        {
            "query_id": str(params["callback_query_id"]),
            "user_id": query.get("user_id"),
            "text": None if text is None else str(text),
            "show_alert": bool(params.get("show_alert", False)),
        }
    )
    return True


METHODS = {"answerCallbackQuery": answer_callback_query}

# --- what users do ---


def _bot_message(world: World, chat_id: int, message_id: int) -> dict:
    """A stored message the bot sent, or LookupError."""
    message = world.stored(chat_id, message_id)
    if message is None or not world.is_bot_message(message):
        raise LookupError(f"no bot message {message_id} in chat {chat_id}")
    return message


def tap(
    world: World,
    user: FakeUser,
    message_id: int,
    button: int | str,
    *,
    chat: FakeChat | None = None,
) -> dict:
    """Press an inline button (1-based index, or the first whose text starts with a label)."""
    chat_id = chat_of(user, chat)
    found = buttons(_bot_message(world, chat_id, message_id))
    if isinstance(button, int):
        if not 1 <= button <= len(found):
            raise LookupError(f"message {message_id} has no button #{button}: {found}")
        chosen = found[button - 1]
    else:
        labelled = [b for b in found if b.get("text", "").startswith(button)]
        if not labelled:
            raise LookupError(f"message {message_id} has no button {button!r}: {found}")
        chosen = labelled[0]
    if "callback_data" not in chosen:
        raise ValueError(f"button {chosen!r} is not a callback button")
    return send_callback(world, user, message_id, chosen["callback_data"], chat=chat)


def send_callback(
    world: World, user: FakeUser, message_id: int, data: str, *, chat: FakeChat | None = None
) -> dict:
    """A callback_query with arbitrary data on an existing bot message."""
    chat_id = chat_of(user, chat)
    message = _bot_message(world, chat_id, message_id)
    query_id = str(4_000_000_000_000_000 + len(world.callback_queries) + 1)
    query = {
        "id": query_id,
        "from": user.to_json(),
        "message": copy.deepcopy(message),
        "chat_instance": str(abs(chat_id) * 7919),  # stable per chat, like Telegram's
        "data": data,
    }
    world.callback_queries[query_id] = {"answered": False, "answer": None, "user_id": user.id}
    world.enqueue("callback_query", query)
    return query
