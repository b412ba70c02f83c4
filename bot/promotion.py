"""Naming a member in `/promote`, `/demote` and `/remove`. Plain Python, no Telegram.

A typed @username is only a name to check: usernames change hands, so the handlers resolve it
through Telegram (handlers/members.py) and never act on the stored one alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.roles import Role

# Telegram user ids have at most 52 significant bits; ASCII digits only ("²".isdigit() is True).
_USER_ID = re.compile(r"^[0-9]{1,16}$")
MAX_USER_ID = 2**53 - 1
_USERNAME = re.compile(r"^@[A-Za-z0-9_]{1,32}$")


@dataclass(frozen=True)
class Target:
    user_id: int | None = None
    username: str | None = None


def parse_user_id(word: str) -> int | None:
    """A Telegram user id typed by a person, or None if it cannot be one."""
    if not _USER_ID.match(word):
        return None
    value = int(word)
    return value if 0 < value <= MAX_USER_ID else None


def parse_target(word: str) -> Target | None:
    """`@username` or a numeric id; None for anything else."""
    if _USERNAME.match(word):
        return Target(username=word[1:])
    user_id = parse_user_id(word)
    return Target(user_id=user_id) if user_id is not None else None


def parse_promotion(text: str, *, default_role: Role) -> tuple[Target | None, Role | None]:
    """`@username|id [coordinator|observer]` in any order; (None, …) when no target is named.

    The role is None when a word is neither a target nor a known role (a typo to report).
    """
    target: Target | None = None
    role: Role | None = default_role
    for word in text.split():
        lowered = word.lower()
        if lowered in (Role.COORDINATOR, Role.OBSERVER, Role.MEMBER):
            role = Role(lowered)
        elif (named := parse_target(word)) is not None:
            target = named
        else:
            return target, None
    return target, role
