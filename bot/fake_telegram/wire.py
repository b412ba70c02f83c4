"""Bot API wire format: parameter decoding, Telegram-HTML parsing and the error types."""

from __future__ import annotations

import json
import re
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


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of MessageEntity offsets."""
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[dict]:
    """A bot_command entity for a leading /command or /command@bot, as Telegram adds it."""
    match = re.match(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?", text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]


_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_CHAR_REF = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));")
_NAMED_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_START_TAG = re.compile(r"<([a-zA-Z0-9-]*)")
_END_TAG = re.compile(r"</([a-zA-Z0-9-]*)\s*>")
_ATTRIBUTE = re.compile(r"""\s+([a-zA-Z0-9_-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def _decode_ref(match: re.Match[str]) -> str:
    """The character a matched &...; reference stands for."""
    if match.group(3):
        return _NAMED_REFS[match.group(3)]
    code = int(match.group(1)) if match.group(1) else int(match.group(2), 16)
    return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"


class _HtmlParser:
    """Telegram's HTML dialect → (plain text, entities); strict, so unescaped text is caught."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.out: list[str] = []
        self.u16 = 0  # running UTF-16 offset of the plain text
        self.stack: list[tuple[str, int, dict[str, str]]] = []
        self.entities: list[dict] = []

    def fail(self, reason: str, pos: int | None = None) -> ApiError:
        """Telegram's "can't parse entities" error, with a UTF-8 byte offset like tdlib's."""
        if pos is not None:
            reason = reason.replace("@", f"at byte offset {len(self.source[:pos].encode())}")
        return bad_request(f"can't parse entities: {reason}")

    def emit(self, text: str) -> None:
        """Append plain text."""
        self.out.append(text)
        self.u16 += utf16_len(text)

    def parse(self) -> tuple[str, list[dict]]:
        """Run the parser over the whole source."""
        src, i = self.source, 0
        while i < len(src):
            ch = src[i]
            if ch == "&":
                ref = _CHAR_REF.match(src, i)
                # Telegram itself would keep a bare "&"; rejecting it catches unescaped user text.
                if not ref:
                    raise self.fail("Character '&' must be escaped as &amp; @", i)
                self.emit(_decode_ref(ref))
                i = ref.end()
            elif ch != "<":
                j = i + 1
                while j < len(src) and src[j] not in "<&":
                    j += 1
                self.emit(src[i:j])
                i = j
            elif src.startswith("</", i):
                i = self.end_tag(i)
            else:
                i = self.start_tag(i)
        if self.stack:
            raise self.fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def start_tag(self, i: int) -> int:
        """Parse "<name attr=...>" at i; return the index after it."""
        match = _START_TAG.match(self.source, i)
        assert match is not None  # the pattern can match the empty name
        name = match.group(1).lower()
        if name not in _TAG_TYPES:
            raise self.fail(f'Unsupported start tag "{name}" @', i)
        attrs: dict[str, str] = {}
        pos = match.end()
        while attr := _ATTRIBUTE.match(self.source, pos):
            value = next((g for g in attr.groups()[1:] if g is not None), "")
            attrs[attr.group(1).lower()] = _CHAR_REF.sub(_decode_ref, value)
            pos = attr.end()
        close = re.compile(r"\s*>").match(self.source, pos)
        if not close:
            raise self.fail("Unclosed start tag @", i)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise self.fail('Tag "span" must have class "tg-spoiler" @', i)
        if name == "tg-emoji" and not attrs.get("emoji-id"):
            raise self.fail('Tag "tg-emoji" must have attribute "emoji-id" @', i)
        self.stack.append((name, self.u16, attrs))
        return close.end()

    def end_tag(self, i: int) -> int:
        """Parse "</name>" at i, emit the entity it closes; return the index after it."""
        match = _END_TAG.match(self.source, i)
        if not match:
            raise self.fail("Unclosed end tag @", i)
        name = match.group(1).lower()
        if not self.stack:
            raise self.fail("Unexpected end tag @", i)
        open_name, start, attrs = self.stack.pop()
        if name != open_name:
            raise self.fail(f'Unmatched end tag @, expected "</{open_name}>", found "</{name}>"', i)
        length = self.u16 - start
        entity: dict[str, Any] = {"type": _TAG_TYPES[name], "offset": start, "length": length}
        language = attrs.get("class", "")
        in_pre = bool(self.stack) and self.stack[-1][0] == "pre"
        if name == "code" and in_pre and language.startswith("language-"):
            self.stack[-1][2]["language"] = language.removeprefix("language-")
            return match.end()  # <pre><code class=language-x> is one pre entity
        if name == "pre" and attrs.get("language"):
            entity["language"] = attrs["language"]
        if name == "a":
            if not attrs.get("href"):
                return match.end()  # Telegram drops links without a target
            entity["url"] = attrs["href"]
        if name == "blockquote" and "expandable" in attrs:
            entity["type"] = "expandable_blockquote"
        if name == "tg-emoji":
            entity["custom_emoji_id"] = attrs["emoji-id"]
        if length > 0:
            self.entities.append(entity)
        return match.end()


def parse_html(source: str) -> tuple[str, list[dict]]:
    """Parse Telegram HTML into (plain text, entities); raise ApiError 400 if malformed."""
    return _HtmlParser(source).parse()


def format_text(text: str, parse_mode: Any, entities: Any) -> tuple[str, list[dict]]:
    """Apply parse_mode (HTML parsed; Markdown modes kept verbatim) or explicit entities."""
    if entities:
        return text, list(entities)
    if isinstance(parse_mode, str) and parse_mode.upper() == "HTML":
        return parse_html(text)
    return text, []
