"""◀ ▶ pages for every list the bot shows, and the `page:<list>:<args…>:<n>` buttons that turn them.

Telegram refuses a message over 4096 characters (`MessageLimit.MAX_TEXT_LENGTH`) and a keyboard
over 100 buttons (`InlineKeyboardMarkupLimit.TOTAL_BUTTON_NUMBER`): a forum's tips, the polls to
choose from and one's forums each show a page at a time (`bot/paging.py` splits them). A page
button edits the list's message into the page asked for. Each list's pager re-checks who may see
it, so forged page data shows nothing it should not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import InlineKeyboardMarkupLimit, MessageLimit
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import callbacks
from bot.i18n import Translator
from bot.paging import clamp, split_pages
from handlers.common import answer_stale, keyboard, pressed, unless_unchanged
from handlers.context import ForumContext

# Room for the list's heading, the "Page 2 of 5" line and a translation longer than English.
TEXT_BUDGET = int(MessageLimit.MAX_TEXT_LENGTH) - 400
LINES_PER_PAGE = 25  # a phone screen or two
BUTTONS_PER_PAGE = 10  # one per row, plus ◀ ▶: far below Telegram's 100
assert BUTTONS_PER_PAGE + 2 <= InlineKeyboardMarkupLimit.TOTAL_BUTTON_NUMBER

Row = list[tuple[str, str]]
Screen = tuple[str, InlineKeyboardMarkup | None]
Pager = Callable[[Update, ForumContext, tuple[str, ...], int], Awaitable[Screen | None]]


@dataclass(frozen=True)
class Page:
    """Which items of a list one page shows."""

    items: range
    number: int  # 0-based
    count: int

    def note(self, tr: Translator) -> str | None:
        """ "Page 2 of 5", or None for a list that fits one page."""
        if self.count < 2:
            return None
        return tr._("Page %(page)s of %(pages)s", page=self.number + 1, pages=self.count)

    def nav(self, kind: str, *args: object) -> Row:
        """◀ and ▶ where there is a page before or after; [] for a single page."""
        row: Row = []
        if self.number > 0:
            row.append(("◀", callbacks.make("page", kind, *args, self.number - 1)))
        if self.number < self.count - 1:
            row.append(("▶", callbacks.make("page", kind, *args, self.number + 1)))
        return row


def page_of(
    sizes: list[int], number: int, *, budget: int = TEXT_BUDGET, per_page: int = LINES_PER_PAGE
) -> Page:
    """Page `number` (clamped) of a list whose items have these sizes."""
    pages = split_pages(sizes, budget=budget, per_page=per_page)
    number = clamp(number, len(pages))
    return Page(pages[number], number, len(pages))


def text_page(
    tr: Translator, heading: str, lines: list[str], number: int, kind: str, *args: object
) -> tuple[str, Row]:
    """A page of lines under a heading, with its "Page x of y" line, and its ◀ ▶ row."""
    # Measured on the HTML source, never shorter than the text Telegram counts after parsing.
    budget = TEXT_BUDGET - len(heading)
    page = page_of([len(line) + 1 for line in lines], number, budget=budget)
    body = [heading, *(lines[i] for i in page.items)]
    if note := page.note(tr):
        body += ["", note]
    return "\n".join(body), page.nav(kind, *args)


# List name → the function that renders one of its pages (None: not for this person). Each list's
# module registers its pager with `@pager_for(...)` when it is imported (they all import this one).
_PAGERS: dict[str, Pager] = {}


def pager_for(kind: str) -> Callable[[Pager], Pager]:
    """Register the decorated function as the pager of `page:<kind>:…` buttons."""

    def register(pager: Pager) -> Pager:
        if _PAGERS.setdefault(kind, pager) is not pager:
            raise ValueError(f"two pagers for page:{kind}")
        return pager

    return register


async def on_page_button(update: Update, context: ForumContext) -> None:
    """◀ or ▶ under a list: edit the message into the page asked for."""
    query = pressed(update)
    parsed = callbacks.parse(query.data)
    pager = _PAGERS.get(parsed.action) if parsed else None
    number = parsed.int_arg(len(parsed.args) - 1) if parsed and parsed.args else None
    if parsed is None or pager is None or number is None or context.actor.user is None:
        await answer_stale(update, context)
        return
    screen = await pager(update, context, parsed.args[:-1], number)
    if screen is None:
        await answer_stale(update, context)
        return
    await query.answer()
    with unless_unchanged():
        await query.edit_message_text(screen[0], reply_markup=screen[1])


def markup(rows: list[Row]) -> InlineKeyboardMarkup | None:
    """A keyboard of the non-empty rows, or None."""
    rows = [row for row in rows if row]
    return keyboard(rows) if rows else None


def handlers() -> list[tuple[int, BaseHandler]]:
    return [(0, CallbackQueryHandler(on_page_button, pattern=r"^page:"))]
