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
from telegram.ext import BaseHandler

from bot import callbacks
from bot.i18n import Translator
from bot.paging import clamp, split_pages
from handlers.buttons import Button, Press, routes
from handlers.common import answer_stale, keyboard, unless_unchanged
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
# module registers its pager with `@pager_for(...)` when it is imported (they all import this one),
# before app/wiring.py asks for `handlers()`, which makes each pager a row of the button table.
_PAGERS: dict[str, Pager] = {}
_routed = False


def pager_for(kind: str) -> Callable[[Pager], Pager]:
    """Register the decorated function as the pager of `page:<kind>:…` buttons."""

    def register(pager: Pager) -> Pager:
        assert not _routed, f"page:{kind} registered after the page buttons were routed"
        if _PAGERS.setdefault(kind, pager) is not pager:
            raise ValueError(f"two pagers for page:{kind}")
        return pager

    return register


async def page_number(context: ForumContext, data: callbacks.Callback) -> int | None:
    """The page a ◀ ▶ button asks for (its last argument), pressed by someone the bot stored."""
    number = data.int_arg(len(data.args) - 1) if data.args else None
    return number if context.actor.user is not None else None


def page_button(kind: str, pager: Pager) -> Button[int]:
    """The `page:<kind>` button: the list's pager renders the page (None: not for this person),
    and the message is edited into it; the press is answered only once the page is there."""

    async def turn(press: Press[int]) -> None:
        screen = await pager(press.update, press.context, press.data.args[:-1], press.row)
        if screen is None:
            await answer_stale(press.update, press.context)
            return
        await press.query.answer()
        with unless_unchanged():
            await press.query.edit_message_text(screen[0], reply_markup=screen[1])

    return Button("page", kind, turn, load=page_number, answer=False)


def markup(rows: list[Row]) -> InlineKeyboardMarkup | None:
    """A keyboard of the non-empty rows, or None."""
    rows = [row for row in rows if row]
    return keyboard(rows) if rows else None


def handlers() -> list[tuple[int, BaseHandler]]:
    global _routed
    _routed = True
    return [(0, routes(*(page_button(kind, pager) for kind, pager in _PAGERS.items())))]
