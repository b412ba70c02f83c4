"""The order of the /members list and its pages. Plain Python, no Telegram.

A page must stay within Telegram's 4096 characters (counted in UTF-16 code units, after the HTML
is parsed) and 100 buttons. Pages are measured on the HTML source, which is never shorter than
what Telegram counts, so a page of long, escaped names still fits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.forums import STAKEHOLDER_GROUPS

PAGE_BUDGET = 3600  # for the lines; the page's title and counts take the rest of 4096
PAGE_ITEMS = 30  # people per page: readable on a phone, and few buttons (≤ 30 + 2)
_ROLE_ORDER = {"coordinator": 0, "observer": 1, "member": 2}
_GROUP_ORDER = {key: index for index, key in enumerate(STAKEHOLDER_GROUPS)}


@dataclass(frozen=True)
class Section:
    """A stakeholder group (or the removed people): its header, the header repeated on a page
    that starts in the middle of it, and one line per person with the id a button acts on."""

    header: str
    continued: str
    lines: Sequence[tuple[str, int | None]]


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def group_rank(group: str | None) -> int:
    """Stakeholder groups in the order of the onboarding buttons; "not chosen" last."""
    return _GROUP_ORDER.get(group or "", len(_GROUP_ORDER))


def person_key(role: str | None, name: str, user_id: int) -> tuple[int, str, int]:
    """Within a group: coordinators, observers, members; then by name; then by id."""
    return (_ROLE_ORDER.get(role or "", 3), name.casefold(), user_id)


def paginate(
    sections: Iterable[Section], *, budget: int = PAGE_BUDGET, per_page: int = PAGE_ITEMS
) -> list[list[tuple[str, int | None]]]:
    """Pages of (line, id or None); each page within `budget` and `per_page` people, and a
    section's header at its start or repeated where a page starts inside it."""
    pages: list[list[tuple[str, int | None]]] = []
    page: list[tuple[str, int | None]] = []
    used = people = 0
    for section in sections:
        begun = on_page = False
        for text, user_id in section.lines:
            header = section.continued if begun else section.header
            need = utf16_len(text) + 1 + (0 if on_page else utf16_len(header) + 1)
            if page and (used + need > budget or people >= per_page):
                pages.append(page)
                page, used, people, on_page = [], 0, 0, False
            if not on_page:
                page.append((header, None))
                used += utf16_len(header) + 1
                begun = on_page = True
            page.append((text, user_id))
            used += utf16_len(text) + 1
            people += 1
    if page:
        pages.append(page)
    return pages or [[]]
