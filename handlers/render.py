"""Rendering pieces several handler modules share."""

from __future__ import annotations

from datetime import time

from babel.dates import format_time, get_day_names
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.forums import STAKEHOLDER_GROUPS
from bot.i18n import Catalogs, Translator, language_autonym
from bot.roles import ROLE_LABELS
from db.tips import Subscription


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


def language_keyboard(
    catalogs: Catalogs, feature: str, *, selected: str | None = None, first: str | None = None
) -> InlineKeyboardMarkup:
    """Two language buttons a row, each named in its own language; `selected` is ticked and
    machine-drafted translations are marked 🤖 (see `draft_note`)."""
    languages = catalogs.languages
    ordered = [first, *(lang for lang in languages if lang != first)] if first else languages
    buttons = [
        InlineKeyboardButton(
            ("✅ " if lang == selected else "")
            + language_autonym(lang)
            + (" 🤖" if lang in catalogs.machine_drafted else ""),
            callback_data=callbacks.make(feature, "lang", lang),
        )
        for lang in ordered
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def draft_note(tr: Translator, catalogs: Catalogs) -> str:
    """The line under a language choice that explains the 🤖 mark (empty when none is drafted)."""
    if not catalogs.machine_drafted:
        return ""
    return "\n\n<i>" + tr._("🤖 machine translation, not yet reviewed by a native speaker") + "</i>"


def hour_label(tr: Translator, hour: int) -> str:
    """08:00 / 8:00 AM, as the reader's locale writes a time of day."""
    return format_time(time(hour), "short", locale=tr.locale)


def weekday_name(tr: Translator, weekday: int) -> str:
    name: str = get_day_names("wide", locale=tr.locale)[weekday]
    return name


def subscription_line(tr: Translator, subscription: Subscription | None) -> str:
    """One line for /settings and /mydata: how the member gets tips."""
    if subscription is None:
        return tr._("Tips: not subscribed (/tip sends one whenever you like)")
    at = hour_label(tr, subscription.hour)
    if subscription.weekday is None:
        return tr._("Tips: every day at %(time)s", time=at)
    return tr._(
        "Tips: every week, %(weekday)s at %(time)s",
        weekday=weekday_name(tr, subscription.weekday),
        time=at,
    )
