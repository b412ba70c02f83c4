"""Telegram's text formatting: HTML parse_mode → text + entities, and back for assertions."""

from __future__ import annotations

import html
import re
from typing import Any

from .wire import ApiError, bad_request


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
    if parse_mode in (None, ""):
        return text, []
    # Telegram knows three modes; anything else (e.g. markup passed in the wrong place) is a 400.
    if not isinstance(parse_mode, str) or parse_mode.upper() not in PARSE_MODES:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    if parse_mode.upper() == "HTML":
        return parse_html(text)
    return text, []


PARSE_MODES = frozenset({"HTML", "MARKDOWN", "MARKDOWNV2"})


_HTML_TAGS = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "spoiler": "tg-spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "expandable_blockquote": "blockquote expandable",
    "text_link": "a",
    "custom_emoji": "tg-emoji",
}


def _tags(entity: dict) -> tuple[str, str]:
    """The opening and closing HTML of one formatting entity."""
    tag = _HTML_TAGS[entity["type"]]
    name = tag.split()[0]
    if entity["type"] == "text_link":
        return f'<a href="{html.escape(entity.get("url", ""))}">', "</a>"
    if entity["type"] == "custom_emoji":
        return f'<tg-emoji emoji-id="{entity.get("custom_emoji_id", "")}">', "</tg-emoji>"
    if entity["type"] == "pre" and entity.get("language"):
        return f'<pre><code class="language-{entity["language"]}">', "</code></pre>"
    return f"<{tag}>", f"</{name}>"


def to_html(text: str, entities: list[dict]) -> str:
    """Telegram HTML for a text with entities (inverse of parse_html), for readable asserts."""
    units = text.encode("utf-16-le")
    out: list[str] = []
    pos = 0

    def emit(end: int) -> None:
        nonlocal pos
        out.append(html.escape(units[2 * pos : 2 * end].decode("utf-16-le"), quote=False))
        pos = end

    stack: list[tuple[int, str]] = []  # (end offset, closing tag)
    formatting = [e for e in entities if e.get("type") in _HTML_TAGS]
    for entity in sorted(formatting, key=lambda e: (e["offset"], -e["length"])):
        while stack and stack[-1][0] <= entity["offset"]:
            end, closing = stack.pop()
            emit(end)
            out.append(closing)
        emit(entity["offset"])
        opening, closing = _tags(entity)
        out.append(opening)
        stack.append((entity["offset"] + entity["length"], closing))
    while stack:
        end, closing = stack.pop()
        emit(end)
        out.append(closing)
    emit(len(units) // 2)
    return "".join(out)
