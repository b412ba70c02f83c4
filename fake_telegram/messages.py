"""Messages: sendMessage, copyMessage, edits and deletes with Telegram's validation, and what a
user types (a text, an edit of it).

Each Bot API method is a function of the world and the decoded parameters, listed in METHODS.
"""

from __future__ import annotations

import copy
from typing import Any

from telegram.constants import InlineKeyboardButtonLimit, InlineKeyboardMarkupLimit, MessageLimit

from .markup import command_entities, format_text
from .wire import bad_request
from .world import FakeChat, FakeUser, World, chat_of

# Telegram's documented limits, from python-telegram-bot's copy of the Bot API documentation.
# Lengths are counted after entity parsing, in Unicode code points, as the Bot API server does
# (tdlib: `utf8_length(text) > message_text_length_max` → "Message is too long").
TEXT_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096
CAPTION_LIMIT = int(MessageLimit.CAPTION_LENGTH)  # 1024
CALLBACK_DATA_BYTES = (
    int(InlineKeyboardButtonLimit.MIN_CALLBACK_DATA),
    int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA),
)  # 1-64 bytes
BUTTONS_LIMIT = int(InlineKeyboardMarkupLimit.TOTAL_BUTTON_NUMBER)  # 100 per keyboard

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
# --- shared validation ---


def check_text(
    text: Any, parse_mode: Any, entities: Any, *, caption: bool = False
) -> tuple[str, list[dict]]:
    """Parse a text/caption and enforce Telegram's emptiness and length limits."""
    raw = "" if text is None else str(text)
    plain, parsed = format_text(raw, parse_mode, entities)
    if caption:
        if len(plain) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
    elif not plain.strip():
        raise bad_request("message text is empty")
    elif len(plain) > TEXT_LIMIT:
        raise bad_request("message is too long")
    return plain, parsed


def media_caption(params: dict) -> dict[str, Any]:
    """caption and caption_entities of a media message."""
    if params.get("caption") is None:
        return {}
    text, entities = check_text(
        params["caption"], params.get("parse_mode"), params.get("caption_entities"), caption=True
    )
    return {"caption": text or None, "caption_entities": entities or None}


def inline_markup(markup: Any) -> dict | None:
    """Validate an InlineKeyboardMarkup (None passes); anything else is a 400."""
    if markup is None:
        return None
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'can\'t parse inline keyboard button: field "inline_keyboard" '
            "must be an Array of Arrays"
        )
    buttons = [button for row in rows for button in row]
    if len(buttons) > BUTTONS_LIMIT:
        raise bad_request("reply markup is too long")
    for button in buttons:
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request("BUTTON_TEXT_INVALID")
        if "callback_data" in button:
            data = button["callback_data"]
            low, high = CALLBACK_DATA_BYTES
            if not isinstance(data, str) or not low <= len(data.encode()) <= high:
                raise bad_request("BUTTON_DATA_INVALID")
        elif "url" in button:
            if not str(button["url"]).startswith(("http://", "https://", "tg://")):
                raise bad_request("BUTTON_URL_INVALID")
        elif len(button) == 1:
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are "
                "unallowed in the inline keyboard"
            )
    checked: dict = markup  # a dict: its "inline_keyboard" was read above
    return checked


def any_markup(world: World, chat_id: int, markup: Any) -> dict | None:
    """Validate any reply_markup; return the inline one to store on the message."""
    if isinstance(markup, dict) and "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) and r for r in rows):
            raise bad_request("can't parse reply keyboard markup JSON object")
        # Telegram does not echo reply keyboards in Message; remember what the user sees.
        world.reply_keyboards[chat_id] = markup
        return None
    if isinstance(markup, dict) and markup.get("remove_keyboard"):
        world.reply_keyboards[chat_id] = None
        return None
    if isinstance(markup, dict) and markup.get("force_reply"):
        return None
    return inline_markup(markup)


def reply_target(world: World, chat_id: int, params: dict) -> dict | None:
    """The message being replied to (reply_parameters or reply_to_message_id), embedded."""
    reply = params.get("reply_parameters") or {}
    message_id = reply.get("message_id", params.get("reply_to_message_id"))
    if message_id is None:
        return None
    target_chat = reply.get("chat_id", chat_id)
    embedded = world.reply_copy(target_chat, int(message_id))
    allow = reply.get(
        "allow_sending_without_reply", params.get("allow_sending_without_reply", False)
    )
    if embedded is None and not allow:
        raise bad_request("message to be replied not found")
    return embedded


def send(world: World, chat_id: int, params: dict, **content: Any) -> dict:
    """Store a bot message with the common optional parts and return it."""
    markup = any_markup(world, chat_id, params.get("reply_markup"))
    reply = reply_target(world, chat_id, params)
    bot_id = world.bot_user["id"]
    return world.store_message(
        chat_id, bot_id, reply_to_message=reply, reply_markup=markup, **content
    )


# --- sending ---


def send_message(world: World, params: dict) -> dict:
    """sendMessage."""
    chat_id = world.writable_chat(params)
    text, entities = check_text(
        params.get("text"), params.get("parse_mode"), params.get("entities")
    )
    return send(world, chat_id, params, text=text, entities=entities or None)


def copy_message(world: World, params: dict) -> dict:
    """copyMessage: answers only {"message_id"}, as Telegram does."""
    chat_id = world.writable_chat(params)
    source = world.stored(world.target_chat(params, "from_chat_id"), params.get("message_id"))
    if source is None:
        raise bad_request("message to copy not found")
    keys = ("text", "entities", "caption", "caption_entities", "document", "photo", "sticker")
    content = {key: source[key] for key in keys if key in source}
    if "caption" in params:
        content.pop("caption_entities", None)
        content.update(media_caption(params))
    message = send(world, chat_id, params, **content)
    return {"message_id": message["message_id"]}


# --- editing and deleting ---


def editable(world: World, params: dict) -> dict:
    """The stored bot message an edit is aimed at."""
    if params.get("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")  # inline messages are not modelled
    message = world.stored(world.writable_chat(params), params.get("message_id"))
    if message is None:
        raise bad_request("message to edit not found")
    if not world.is_bot_message(message):
        raise bad_request("message can't be edited")
    return message


def _set(message: dict, key: str, value: Any) -> None:
    """Set or drop an optional Message field."""
    if value is None:
        message.pop(key, None)
    else:
        message[key] = value


def edit_message_text(world: World, params: dict) -> dict:
    """editMessageText; omitting reply_markup removes the inline keyboard, as on Telegram."""
    message = editable(world, params)
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    text, entities = check_text(
        params.get("text"), params.get("parse_mode"), params.get("entities")
    )
    markup = inline_markup(params.get("reply_markup"))
    current = (message["text"], message.get("entities", []), message.get("reply_markup"))
    if (text, entities, markup) == current:
        raise bad_request(NOT_MODIFIED)
    message["text"] = text
    _set(message, "entities", entities or None)
    _set(message, "reply_markup", markup)
    message["edit_date"] = world.now()
    return message


def edit_message_caption(world: World, params: dict) -> dict:
    """editMessageCaption of a media message; as on Telegram, a text message has none, and
    omitting reply_markup removes the inline keyboard."""
    message = editable(world, params)
    if "text" in message:
        raise bad_request("there is no caption in the message to edit")
    new = media_caption({**params, "caption": params.get("caption") or ""})
    markup = inline_markup(params.get("reply_markup"))
    current = (message.get("caption"), message.get("caption_entities"), message.get("reply_markup"))
    if (new["caption"], new["caption_entities"], markup) == current:
        raise bad_request(NOT_MODIFIED)
    for key, value in new.items():
        _set(message, key, value)
    _set(message, "reply_markup", markup)
    message["edit_date"] = world.now()
    return message


def edit_message_reply_markup(world: World, params: dict) -> dict:
    """editMessageReplyMarkup; no markup removes the keyboard."""
    message = editable(world, params)
    markup = inline_markup(params.get("reply_markup"))
    if markup == message.get("reply_markup"):
        raise bad_request(NOT_MODIFIED)
    _set(message, "reply_markup", markup)
    message["edit_date"] = world.now()
    return message


def delete_message(world: World, params: dict) -> bool:
    """deleteMessage."""
    if not world.delete_message(world.target_chat(params), params.get("message_id")):
        raise bad_request("message to delete not found")
    return True


METHODS = {
    "sendMessage": send_message,
    "copyMessage": copy_message,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
}

# --- what users do (sync, so tests can script them between awaits) ---


def send_text(
    world: World,
    user: FakeUser,
    text: str,
    *,
    chat: FakeChat | None = None,
    reply_to: int | None = None,
) -> dict:
    """The user sends a text message (a leading /command gets its bot_command entity)."""
    reply = None
    if reply_to is not None:
        reply = world.reply_copy(chat_of(user, chat), reply_to)
        if reply is None:
            raise LookupError(f"no message {reply_to} to reply to")
    entities = command_entities(text) or None
    return world.post_as_user(user, chat, text=text, entities=entities, reply_to_message=reply)


def edit_text(
    world: World, user: FakeUser, message_id: int, text: str, *, chat: FakeChat | None = None
) -> dict:
    """The user edits one of their own text messages; enqueues an edited_message update."""
    chat_id = chat_of(user, chat)
    message = world.stored(chat_id, message_id)
    if message is None or message.get("from", {}).get("id") != user.id:
        raise LookupError(f"no message {message_id} of user {user.id} in chat {chat_id}")
    message["text"] = text
    message.pop("entities", None)
    if entities := command_entities(text):
        message["entities"] = entities
    message["edit_date"] = world.now()
    world.enqueue("edited_message", message)
    return copy.deepcopy(message)
