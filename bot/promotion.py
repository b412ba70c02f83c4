"""Parsing `/promote` and `/demote` arguments. Plain Python, no Telegram."""

from __future__ import annotations

from dataclasses import dataclass

from bot.roles import Role


@dataclass(frozen=True)
class Target:
    user_id: int | None = None
    username: str | None = None


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
        elif word.startswith("@") and len(word) > 1:
            target = Target(username=word[1:])
        elif word.isdigit():
            target = Target(user_id=int(word))
        else:
            return target, None
    return target, role
