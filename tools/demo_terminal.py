"""The demo's terminal: what a phone would show, typed input that spans lines, the files sent.

Kept apart from `tools/demo.py` (which builds the world and runs the loop) so each piece can be
driven by a test with scripted input and read back as text.

- **Input.** Telegram messages have several lines (`/newpoll` with its options, `/meeting`,
  `/tip add`, `/announce`); a terminal line has one. A line ending in `\\` continues the message
  on the next line, and `/paste` reads lines until one with `.` alone.
- **HTML as Telegram shows it.** The bot sends `parse_mode=HTML`; Telegram (and the fake) turns it
  into plain text and entities, and a phone shows bold and italic, links as their text, and
  `&lt;script&gt;` as the text `<script>`, which the member reads. The demo writes the message
  Telegram holds back as HTML (PTB's `text_html`) and walks it with the standard library's
  HTMLParser, so escaped text comes out as the literal characters, never stripped.
- **Files.** Documents and charts are saved to the demo's temporary folder, so they can be opened.
"""

from __future__ import annotations

import html
import os
from collections.abc import Awaitable, Callable, Iterable
from html.parser import HTMLParser
from pathlib import Path
from typing import TextIO

from telegram import Message

from fake_telegram import FakeTelegram

LineReader = Callable[[str], Awaitable[str | None]]
CONTINUED = "... "  # the prompt of a message's next line
SHOWN = ("sendMessage", "editMessageText", "sendDocument", "sendPhoto")
STYLES = {"b": "1", "strong": "1", "i": "3", "em": "3", "u": "4", "ins": "4"}
STYLES |= {"s": "9", "strike": "9", "del": "9"}


def use_color(stream: TextIO, environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """ANSI styles only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return stream.isatty() and not environ.get("NO_COLOR")


async def read_message(read_line: LineReader, prompt: str) -> str | None:
    """One message from the terminal: `\\` at the end of a line continues it; `/paste` ... `.`.

    None at the end of input. A message cut short by the end of input is sent as typed so far.
    """
    line = await read_line(prompt)
    if line is None:
        return None
    line = line.rstrip("\n")
    if line.strip() == "/paste":
        lines: list[str] = []
        while (more := await read_line(CONTINUED)) is not None and more.strip() != ".":
            lines.append(more.rstrip("\n"))
        return "\n".join(lines)
    parts = []
    while line.endswith("\\"):
        parts.append(line[:-1])
        more = await read_line(CONTINUED)
        if more is None:
            return "\n".join(parts)
        line = more.rstrip("\n")
    return "\n".join([*parts, line])


class _TelegramHtml(HTMLParser):
    """Telegram's HTML subset as a terminal shows it: styles as ANSI codes, links as text (url)."""

    def __init__(self, color: bool) -> None:
        super().__init__(convert_charrefs=True)  # entities arrive as the characters they mean
        self.color = color
        self.out: list[str] = []
        self.styles: list[str] = []  # the ANSI codes of the open tags, outermost first
        self.links: list[tuple[str, int]] = []  # (href, where its text starts in out)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in STYLES:
            self.styles.append(STYLES[tag])
            self._restyle()
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.out)))

    def handle_endtag(self, tag: str) -> None:
        if tag in STYLES and STYLES[tag] in self.styles:
            del self.styles[len(self.styles) - 1 - self.styles[::-1].index(STYLES[tag])]
            self._restyle()
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            if href and "".join(self.out[start:]).strip() != href:
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def _restyle(self) -> None:
        if self.color:
            self.out.append("\033[0m" + "".join(f"\033[{code}m" for code in self.styles))

    def text(self) -> str:
        self.close()
        return "".join(self.out) + ("\033[0m" if self.color and self.styles else "")


def render_html(text: str, *, color: bool) -> str:
    """What a member reads for a message sent with parse_mode=HTML."""
    parser = _TelegramHtml(color)
    parser.feed(text)
    return parser.text()


def message_html(message: dict) -> str:
    """A message's text (or caption) as Telegram holds it, text and entities, written as HTML."""
    try:
        parsed = Message.de_json(message, None)
    except (KeyError, TypeError, ValueError):  # not a full message: show its text as it is
        return html.escape(message.get("text") or message.get("caption") or "", quote=False)
    if parsed.text is not None:
        return parsed.text_html
    return parsed.caption_html if parsed.caption is not None else ""


class FileShelf:
    """Copies of the documents and photos the bot sent, in the demo's temporary folder."""

    def __init__(self, fake: FakeTelegram, folder: Path) -> None:
        self.fake = fake
        self.folder = folder

    def save(self, message: dict) -> Path | None:
        """The saved copy of a message's document or (largest) photo; None for a text."""
        if "document" in message:
            file_id, name = message["document"]["file_id"], message["document"].get("file_name")
        elif "photo" in message:
            file_id, name = message["photo"][-1]["file_id"], None
        else:
            return None
        upload = self.fake.files.get(file_id, {})
        name = Path(name or upload.get("filename") or "photo.png").name
        path = self.folder / f"{message['chat']['id']}-{message['message_id']}-{name}"
        if not path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(upload.get("content", b""))
        return path

    def sent_to(self, chat_id: int) -> list[tuple[dict, Path]]:
        """Every file the bot sent to this chat, oldest first, each with its saved copy."""
        found = []
        for call in self.fake.calls:
            if not (call.ok and call.method in ("sendDocument", "sendPhoto")):
                continue
            message = call.result
            if isinstance(message, dict) and message.get("chat", {}).get("id") == chat_id:
                path = self.save(message)
                if path is not None:
                    found.append((message, path))
        return found


class Terminal:
    """Prints what the bot sends to the chat being watched, with numbered buttons."""

    def __init__(self, fake: FakeTelegram, color: bool, shelf: FileShelf) -> None:
        self.fake = fake
        self.color = color
        self.shelf = shelf
        self.seen = 0

    def show_new(self, chat_id: int) -> None:
        calls, self.seen = self.fake.calls[self.seen :], len(self.fake.calls)
        others: dict[int | None, int] = {}  # None: a call without a chat
        for call in calls:
            if call.ok and call.method == "answerCallbackQuery" and call.params.get("text"):
                print(self.dim(f"  ⓘ {call.params['text']}"))  # the toast a phone shows
                continue
            if (
                call.ok
                and call.method == "editMessageReplyMarkup"
                and isinstance(call.result, dict)
            ):
                if call.result.get("chat", {}).get("id") == chat_id:
                    self.print_buttons(call.result)
                continue
            if not call.ok or call.method not in SHOWN:
                continue
            target = (
                call.result.get("chat", {}).get("id") if isinstance(call.result, dict) else None
            )
            if target != chat_id:
                others[target] = others.get(target, 0) + 1
                continue
            prefix = "bot (edited)" if call.method == "editMessageText" else "bot"
            self.print_message(prefix, call.result)
        for target, count in others.items():
            name = self._chat_name(target)
            noun = "message" if count == 1 else "messages"  # the demo's own English, not tr
            print(self.dim(f"  ({count} {noun} sent to {name})"))

    def print_message(self, prefix: str, message: dict) -> None:
        text = self.render(message_html(message))
        path = self.shelf.save(message)
        if "document" in message:
            text = f"[file {message['document'].get('file_name')} → {path}] {text}"
        elif "photo" in message:
            text = f"[chart image → {path}] {text}"
        print(f"{self.bold(prefix + ':')} {text}")
        self.print_buttons(message)

    def print_files(self, chat_id: int) -> None:
        """`/files`: what the bot sent in this chat, with the paths of the saved copies."""
        files = self.shelf.sent_to(chat_id)
        if not files:
            print("  no files in this chat yet")
        for message, path in files:
            kind = "chart" if "photo" in message else "file"
            caption = self.render(message_html(message)).split("\n")[0]
            print(f"  {kind} {path}" + (f"  ({caption})" if caption else ""))

    def print_buttons(self, message: dict) -> None:
        """One line per keyboard row, as a phone shows them; numbers run across rows."""
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        index = 0
        for row in rows:
            labels = []
            for button in row:
                index += 1
                label = button["text"] + (f" → {button['url']}" if button.get("url") else "")
                labels.append(f"[#{index} {label}]")
            print("  " + "  ".join(labels))

    def render(self, text: str) -> str:
        return render_html(text, color=self.color).replace("\n", "\n     ")

    def bold(self, text: str) -> str:
        return f"\033[1m{text}\033[0m" if self.color else text

    def dim(self, text: str) -> str:
        return f"\033[2m{text}\033[0m" if self.color else text

    def _chat_name(self, chat_id: int | None) -> str:
        try:
            chat = self.fake.chat(chat_id) if chat_id is not None else None
        except LookupError:
            chat = None
        if chat is None:
            return str(chat_id)
        if chat.type == "private":
            return self.fake.user(chat.id).first_name
        return chat.title or str(chat_id)


def scripted(lines: Iterable[str]) -> LineReader:
    """A LineReader over fixed lines (for tests and piped input that is already in memory)."""
    pending = iter(lines)

    async def read_line(prompt: str) -> str | None:
        return next(pending, None)

    return read_line
