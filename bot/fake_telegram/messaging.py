"""Bot API methods that send, edit and delete messages, with Telegram's validation."""

from __future__ import annotations

import mimetypes
from typing import Any

from telegram.constants import (
    CallbackQueryLimit,
    InlineKeyboardButtonLimit,
    InlineKeyboardMarkupLimit,
    MessageLimit,
)

from .actions import UserActions, new_file_ids
from .markup import format_text
from .wire import ApiError, bad_request

# Telegram's documented limits, from python-telegram-bot's copy of the Bot API documentation.
# Lengths are counted after entity parsing, in Unicode code points, as the Bot API server does
# (tdlib: `utf8_length(text) > message_text_length_max` → "Message is too long").
TEXT_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096
CAPTION_LIMIT = int(MessageLimit.CAPTION_LENGTH)  # 1024
ANSWER_TEXT_LIMIT = int(CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH)  # 200
CALLBACK_DATA_BYTES = (
    int(InlineKeyboardButtonLimit.MIN_CALLBACK_DATA),
    int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA),
)  # 1-64 bytes
BUTTONS_LIMIT = int(InlineKeyboardMarkupLimit.TOTAL_BUTTON_NUMBER)  # 100 per keyboard

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


class MessagingMethods(UserActions):
    """sendMessage, editMessageText, sendDocument & co; each `api_<Method>` takes decoded params."""

    # --- shared validation ---

    def target_chat(self, params: dict, key: str = "chat_id") -> int:
        """The chat a call is aimed at: 400 if missing, unknown or migrated to a supergroup."""
        chat_id = params.get(key)
        if chat_id is None or chat_id == "":
            raise bad_request(f"{key} is empty")
        if chat_id in self.migrated:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=self.migrated[chat_id],
            )
        if not isinstance(chat_id, int) or chat_id not in self._chats:
            raise bad_request("chat not found")
        return chat_id

    def writable_chat(self, params: dict) -> int:
        """A chat the bot may post to: also 403 while the user has blocked the bot."""
        chat_id = self.target_chat(params)
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def check_text(
        self, text: Any, parse_mode: Any, entities: Any, *, caption: bool = False
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

    def inline_markup(self, markup: Any) -> dict | None:
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
        return markup

    def any_markup(self, chat_id: int, markup: Any) -> dict | None:
        """Validate any reply_markup; return the inline one to store on the message."""
        if isinstance(markup, dict) and "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) and r for r in rows):
                raise bad_request("can't parse reply keyboard markup JSON object")
            # Telegram does not echo reply keyboards in Message; remember what the user sees.
            self.reply_keyboards[chat_id] = markup
            return None
        if isinstance(markup, dict) and markup.get("remove_keyboard"):
            self.reply_keyboards[chat_id] = None
            return None
        if isinstance(markup, dict) and markup.get("force_reply"):
            return None
        return self.inline_markup(markup)

    def reply_target(self, chat_id: int, params: dict) -> dict | None:
        """The message being replied to (reply_parameters or reply_to_message_id), embedded."""
        reply = params.get("reply_parameters") or {}
        message_id = reply.get("message_id", params.get("reply_to_message_id"))
        if message_id is None:
            return None
        target_chat = reply.get("chat_id", chat_id)
        embedded = self.reply_copy(target_chat, int(message_id))
        allow = reply.get(
            "allow_sending_without_reply", params.get("allow_sending_without_reply", False)
        )
        if embedded is None and not allow:
            raise bad_request("message to be replied not found")
        return embedded

    def _send(self, chat_id: int, params: dict, **content: Any) -> dict:
        """Store a bot message with the common optional parts and return it."""
        markup = self.any_markup(chat_id, params.get("reply_markup"))
        reply = self.reply_target(chat_id, params)
        return self.store_message(
            chat_id, self.bot_user["id"], reply_to_message=reply, reply_markup=markup, **content
        )

    # --- sending ---

    def api_sendMessage(self, params: dict) -> dict:
        """sendMessage."""
        chat_id = self.writable_chat(params)
        text, entities = self.check_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        return self._send(chat_id, params, text=text, entities=entities or None)

    def _upload(self, params: dict, field: str, prefix: str) -> tuple[str, str, str, int]:
        """Accept an uploaded file, a known file_id or a URL; (file_id, unique_id, name, size)."""
        value = params.get(field)
        if isinstance(value, dict) and "content" in value:
            file_id, unique_id = new_file_ids(prefix)
            self.files[file_id] = value
            return file_id, unique_id, value["filename"], len(value["content"])
        if isinstance(value, str) and value in self.files:
            known = self.files[value]
            return value, f"U{value}", known["filename"], len(known["content"])
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            file_id, unique_id = new_file_ids(prefix)
            name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
            self.files[file_id] = {"filename": name, "content": b""}
            return file_id, unique_id, name, 0
        if value:
            raise bad_request("wrong file identifier/HTTP URL specified")
        raise bad_request(f"there is no {field} in the request")

    def _caption(self, params: dict) -> dict[str, Any]:
        """caption and caption_entities of a media message."""
        if params.get("caption") is None:
            return {}
        text, entities = self.check_text(
            params["caption"],
            params.get("parse_mode"),
            params.get("caption_entities"),
            caption=True,
        )
        return {"caption": text or None, "caption_entities": entities or None}

    def api_sendDocument(self, params: dict) -> dict:
        """sendDocument (multipart upload, file_id or URL)."""
        chat_id = self.writable_chat(params)
        file_id, unique_id, name, size = self._upload(params, "document", "BQACAgIAAx")
        document = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "file_name": name,
            "mime_type": mimetypes.guess_type(name)[0] or "application/octet-stream",
            "file_size": size,
        }
        return self._send(chat_id, params, document=document, **self._caption(params))

    def api_sendPhoto(self, params: dict) -> dict:
        """sendPhoto: Telegram answers with several sizes; the largest is the upload."""
        chat_id = self.writable_chat(params)
        file_id, unique_id, _name, size = self._upload(params, "photo", "AgACAgIAAx")
        thumb_id, thumb_unique = new_file_ids("AgACAgIAAx")
        photo = [
            {
                "file_id": thumb_id,
                "file_unique_id": thumb_unique,
                "width": 320,
                "height": 180,
                "file_size": max(1, size // 10),
            },
            {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "width": 1280,
                "height": 720,
                "file_size": size,
            },
        ]
        return self._send(chat_id, params, photo=photo, **self._caption(params))

    def api_copyMessage(self, params: dict) -> dict:
        """copyMessage: answers only {"message_id"}, as Telegram does."""
        chat_id = self.writable_chat(params)
        source = self.stored(self.target_chat(params, "from_chat_id"), params.get("message_id"))
        if source is None:
            raise bad_request("message to copy not found")
        keys = ("text", "entities", "caption", "caption_entities", "document", "photo", "sticker")
        content = {key: source[key] for key in keys if key in source}
        if "caption" in params:
            content.pop("caption_entities", None)
            content.update(self._caption(params))
        message = self._send(chat_id, params, **content)
        return {"message_id": message["message_id"]}

    def api_sendChatAction(self, params: dict) -> bool:
        """sendChatAction."""
        self.writable_chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    # --- editing and deleting ---

    def _editable(self, params: dict) -> dict:
        """The stored bot message an edit is aimed at."""
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # inline messages are not modelled
        message = self.stored(self.writable_chat(params), params.get("message_id"))
        if message is None:
            raise bad_request("message to edit not found")
        if not self.is_bot_message(message):
            raise bad_request("message can't be edited")
        return message

    def api_editMessageText(self, params: dict) -> dict:
        """editMessageText; omitting reply_markup removes the inline keyboard, as on Telegram."""
        message = self._editable(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        text, entities = self.check_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        markup = self.inline_markup(params.get("reply_markup"))
        current = (message["text"], message.get("entities", []), message.get("reply_markup"))
        if (text, entities, markup) == current:
            raise bad_request(NOT_MODIFIED)
        message["text"] = text
        self._set(message, "entities", entities or None)
        self._set(message, "reply_markup", markup)
        message["edit_date"] = self.now()
        return message

    def api_editMessageCaption(self, params: dict) -> dict:
        """editMessageCaption of a media message; as on Telegram, a text message has none, and
        omitting reply_markup removes the inline keyboard."""
        message = self._editable(params)
        if "text" in message:
            raise bad_request("there is no caption in the message to edit")
        caption = self._caption({**params, "caption": params.get("caption") or ""})
        markup = self.inline_markup(params.get("reply_markup"))
        current = (
            message.get("caption"),
            message.get("caption_entities"),
            message.get("reply_markup"),
        )
        if (caption["caption"], caption["caption_entities"], markup) == current:
            raise bad_request(NOT_MODIFIED)
        for key, value in caption.items():
            self._set(message, key, value)
        self._set(message, "reply_markup", markup)
        message["edit_date"] = self.now()
        return message

    def api_editMessageReplyMarkup(self, params: dict) -> dict:
        """editMessageReplyMarkup; no markup removes the keyboard."""
        message = self._editable(params)
        markup = self.inline_markup(params.get("reply_markup"))
        if markup == message.get("reply_markup"):
            raise bad_request(NOT_MODIFIED)
        self._set(message, "reply_markup", markup)
        message["edit_date"] = self.now()
        return message

    @staticmethod
    def _set(message: dict, key: str, value: Any) -> None:
        """Set or drop an optional Message field."""
        if value is None:
            message.pop(key, None)
        else:
            message[key] = value

    def api_deleteMessage(self, params: dict) -> bool:
        """deleteMessage."""
        chat_id = self.target_chat(params)
        if self._store.get(chat_id, {}).pop(params.get("message_id"), None) is None:
            raise bad_request("message to delete not found")
        return True

    def api_answerCallbackQuery(self, params: dict) -> bool:
        """answerCallbackQuery: each query may be answered once; the toast is recorded.

        `callback_answers` keeps what the member saw (text None: no toast), so tests can check
        every toast of a run, e.g. for "[]" or an empty alert.
        """
        query = self.callback_queries.get(str(params.get("callback_query_id")))
        if query is None or query["answered"]:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if text is not None and len(str(text)) > ANSWER_TEXT_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")  # what Telegram answers here, in capitals
        query["answered"], query["answer"] = True, params
        self.callback_answers.append(
            {
                "query_id": str(params["callback_query_id"]),
                "user_id": query.get("user_id"),
                "text": None if text is None else str(text),
                "show_alert": bool(params.get("show_alert", False)),
            }
        )
        return True
