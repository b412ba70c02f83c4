"""Which tip topic a member typed: `/tip พลังงาน` means the same as `/tip energy` (plain rules).

A topic is known by its key (`energy`, `eco_efficiency`), its English label and its label in the
member's language (`bot.tips.TOPICS`, translated through the messages catalog).
"""

from __future__ import annotations

from collections.abc import Callable

from bot.textmatch import best_keys
from bot.tips import TOPICS


def topic_names(translate: Callable[[str], str]) -> dict[str, list[str]]:
    """Every topic key → the names a member may type for it (key, English, their language)."""
    return {key: [key, label, translate(label)] for key, label in TOPICS.items()}


def match_topics(typed: str, translate: Callable[[str], str]) -> list[str]:
    """The topic keys `typed` may mean: one (found), several (ambiguous) or none (unknown)."""
    return best_keys(typed, topic_names(translate))
