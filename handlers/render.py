"""Rendering pieces several handler modules share."""

from __future__ import annotations

from bot.forums import STAKEHOLDER_GROUPS
from bot.i18n import Translator
from bot.roles import ROLE_LABELS


def role_name(tr: Translator, role: str | None) -> str:
    """A role in the reader's language."""
    return tr._(ROLE_LABELS[role]) if role in ROLE_LABELS else "—"


def group_name(tr: Translator, key: str | None) -> str:
    """A stakeholder group in the reader's language; a dash when not chosen."""
    return tr._(STAKEHOLDER_GROUPS[key]) if key in STAKEHOLDER_GROUPS else "—"


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


def add_to_group_link(bot_username: str, code: str) -> str:
    """Adds the bot to a group and sends `/start <code>` there, which links the group."""
    return f"https://t.me/{bot_username}?startgroup={code}"
