"""The /settings message as stored now, and what every settings button does after saving.

Shared by handlers/settings/commands.py (the table of `set:` buttons),
handlers/settings/timezones.py (the zone's button and typed answer) and
handlers/tips/subscriptions.py (back from the tips' screens).
"""

from __future__ import annotations

from collections.abc import Callable

from telegram import CallbackQuery, InlineKeyboardMarkup

from bot import callbacks
from bot.context import Services
from bot.roles import Role
from bot.tips import moved_delivery
from db import tips as tips_db
from handlers.buttons import Load, Press, members_only
from handlers.common import keyboard, unless_unchanged
from handlers.context import ForumContext
from handlers.menus import refresh_user_menu
from handlers.middleware import resolve_actor
from handlers.render import group_name, role_name, subscription_line
from handlers.settings.forum import forum_settings


async def settings_screen(context: ForumContext) -> tuple[str, InlineKeyboardMarkup]:
    """The settings message: every setting on one line each, and buttons to change them."""
    actor, tr = context.actor, context.actor.tr
    user = actor.user
    assert user is not None
    subscription = await tips_db.subscription(context.services.db, actor.user_id)
    zone = user.timezone or tr._("%(zone)s (the forum's)", zone=actor.timezone)
    lines = [
        tr._("<b>Your settings</b>"),
        tr._(
            "Forum: %(forum)s (%(role)s)",
            forum=actor.forum.name if actor.forum else "—",
            role=role_name(tr, actor.role),
        ),
        tr._("Language: %(language)s", language=tr.language_name(actor.lang)),
        tr._("Stakeholder group: %(group)s", group=group_name(tr, user.stakeholder_group)),
        tr._("Time zone: %(zone)s", zone=zone),
        subscription_line(tr, subscription),
    ]
    rows = [
        [
            (tr._("Language"), callbacks.make("set", "menu", "lang")),
            (tr._("Stakeholder group"), callbacks.make("set", "menu", "group")),
        ],
        [
            (tr._("Time zone"), callbacks.make("set", "menu", "tz")),
            (tr._("Tips"), callbacks.make("tipsub", "menu")),
        ],
    ]
    if len(actor.memberships) > 1:
        rows.append([(tr._("Current forum"), callbacks.make("set", "menu", "forum"))])
    if actor.role is Role.COORDINATOR and actor.forum:  # a setting of the forum, not the person
        forum_lines, forum_rows = forum_settings(tr, actor.forum)
        lines += forum_lines
        rows += forum_rows
    return "\n".join(lines), keyboard(rows)


def member_value(valid: Callable[[ForumContext, str | None], bool]) -> Load[callbacks.Callback]:
    """A `load` for a member's button whose value (the data's first argument) `valid` accepts."""
    return members_only(lambda context, data: valid(context, data.arg(0)))


async def saved(
    press: Press[callbacks.Callback], *, menu: bool = False, rescheduled: bool = False
) -> None:
    """Say "Saved.", show the settings again as stored now, then do what follows from the change:
    the next tip in the (new) forum's zone, the command menu in the new language or role."""
    update, context, before = press.update, press.context, press.actor
    context.actor = await resolve_actor(update, context)
    await press.query.answer(context.actor.tr._("Saved."))
    await edit(press.query, *await settings_screen(context))
    if rescheduled:  # times may now follow another forum's zone
        await _reschedule_tips(press.services, before.user_id, context.actor.timezone)
    if menu:
        await refresh_user_menu(
            context.bot,
            context.actor.tr,
            before.user_id,
            context.actor.role,
            is_admin=before.is_admin,
        )


async def _reschedule_tips(services: Services, user_id: int, timezone: str) -> None:
    """After the member's time zone changed: the next tip at the same local hour, in the new zone."""
    current = await tips_db.subscription(services.db, user_id)
    first = moved_delivery(current, timezone, services.clock())
    if current is not None and first is not None:
        await tips_db.subscribe(
            services.db, user_id, current.frequency, current.hour, current.weekday, first
        )


async def edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup) -> None:
    with unless_unchanged():  # tapping the value that is already set changes nothing
        await query.edit_message_text(text, reply_markup=markup)
