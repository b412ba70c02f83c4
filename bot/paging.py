"""Splitting a list into pages that fit one Telegram message (plain rules, no Telegram).

Telegram refuses a message over 4096 characters and a keyboard over 100 buttons, so every list
the bot shows (a forum's tips, the polls to choose from, one's forums) is shown a page at a time.
The pages are recomputed from the list on every tap: a list that changed in between is simply
paged anew, and a page number past the end shows the last page.
"""

from __future__ import annotations

from collections.abc import Sequence


def split_pages(sizes: Sequence[int], *, budget: int, per_page: int) -> list[range]:
    """Consecutive index ranges: at most `per_page` items and `budget` total size each.

    An item larger than the budget gets a page of its own (callers keep items short). An empty
    list is one empty page.
    """
    pages: list[range] = []
    start = used = 0
    for index, size in enumerate(sizes):
        if index > start and (index - start >= per_page or used + size > budget):
            pages.append(range(start, index))
            start, used = index, 0
        used += size
    pages.append(range(start, len(sizes)))
    return pages


def clamp(page: int, count: int) -> int:
    """A requested page number within 0..count-1."""
    return max(0, min(page, count - 1))
