"""Bot API wire format: parameter decoding and the error types."""

from __future__ import annotations

import json
from typing import Any


class ApiError(Exception):
    """A Bot API error answer, raised inside method implementations and turned into JSON."""

    def __init__(self, error_code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict:
        """The JSON body Telegram would answer with."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str, **parameters: Any) -> ApiError:
    """A 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {reason}", parameters or None)


class InjectedTimeout(Exception):
    """Raised by FakeTelegram.handle for an injected timeout; each transport goes silent its way."""


# Parameters whose value PTB JSON-encodes (objects and arrays).
JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "media",
        "results",
        "permissions",
        "menu_button",
        "explanation_entities",
        "options",
        "reaction",
        "message_ids",
        "rights",
        "question_entities",
        "text_entities",
    }
)
# Parameters that are integers on the wire (chat ids may also be "@channelname").
INT_PARAMS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "reply_to_message_id",
        "cache_time",
        "message_thread_id",
        "max_connections",
        "until_date",
        "width",
        "height",
        "duration",
        "open_period",
        "close_date",
    }
)
# Free-text parameters: never coerced, even when they look like numbers, booleans or JSON.
STR_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "url",
        "parse_mode",
        "language_code",
        "description",
        "short_description",
        "name",
        "query",
        "emoji",
        "action",
        "secret_token",
        "inline_message_id",
        "file_id",
        "title",
        "question",
        "ip_address",
        "custom_title",
        "sticker",
        "document",
        "photo",
        "explanation",
    }
)


def decode_value(name: str, value: Any) -> Any:
    """Decode one parameter value from its wire form; already-typed values pass through."""
    if not isinstance(value, str):
        return value  # a JSON body already carries typed values
    if name in JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None
    if name in INT_PARAMS:
        try:
            return int(value)
        except ValueError:
            pass
        try:
            return float(value)  # timeouts may be fractional
        except ValueError:
            return value  # "@channelname"
    if name in STR_PARAMS:
        return value
    if value in ("true", "false"):
        return value == "true"
    return value


def decode_params(params: dict[str, Any]) -> dict[str, Any]:
    """Decode every parameter of a request."""
    return {name: decode_value(name, value) for name, value in params.items()}
