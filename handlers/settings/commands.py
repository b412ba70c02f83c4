"""/settings and /language: the member's language, stakeholder group, time zone and current forum;
for coordinators, the forum's settings (handlers/settings/forum.py).

Every button is `set:<action>:<value>` in this module's table: `menu` opens a sub-screen, every
other action stores its value (re-checked against what may be chosen now), says "Saved." and
shows the settings again. The time zone's screens and typed answers are handlers/settings/timezones.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler

from bot import callbacks
from bot.forums import STAKEHOLDER_GROUPS
from bot.poll_report import MIN_GROUP_CHOICES
from db import forums as forums_db
from db import polls as polls_db
from db import retention
from db import users as users_db
from db.connection import Database
from db.retention import RETENTION_CHOICES
from handlers.buttons import Button, Press, button, members_only, routes
from handlers.common import TypedStep, guarded, keyboard, reply
from handlers.context import ForumContext
from handlers.paging import BUTTONS_PER_PAGE, page_of, pager_for
from handlers.render import draft_note, language_keyboard
from handlers.settings import timezones
from handlers.settings.forum import coordinates
from handlers.settings.screen import edit, member_value, saved, settings_screen

SUBMENUS = ("lang", "group", "tz", "forum", "main")


async def _require_member(update: Update, context: ForumContext) -> bool:
    if context.actor.user is None:
        await reply(
            update,
            context.actor.tr._(
                "Join a forum first with the invite link from your coordinator; then you can change "
                "your settings here."
            ),
        )
        return False
    return True


@guarded("settings")
async def show_settings(update: Update, context: ForumContext) -> None:
    """Show the member's settings with buttons to change them."""
    if await _require_member(update, context):
        text, markup = await settings_screen(context)
        await reply(update, text, markup)


@guarded("language")
async def choose_language(update: Update, context: ForumContext) -> None:
    """Jump straight to the language choice."""
    if await _require_member(update, context):
        await reply(update, *_language_screen(context))


def _language_screen(context: ForumContext) -> tuple[str, InlineKeyboardMarkup]:
    tr, catalogs = context.actor.tr, context.services.catalogs
    text = tr._("Choose your language:") + draft_note(tr, catalogs)
    return text, language_keyboard(catalogs, "set", selected=context.actor.lang)


async def _submenu(
    update: Update, context: ForumContext, which: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    """The sub-screen `which` (one of SUBMENUS)."""
    actor, tr = context.actor, context.actor.tr
    back = [(tr._("« Back"), callbacks.make("set", "menu", "main"))]
    if which == "lang":
        return _language_screen(context)
    if which == "group":
        current = actor.user.stakeholder_group if actor.user else None
        rows = [
            [(("✅ " if key == current else "") + tr._(label), callbacks.make("set", "group", key))]
            for key, label in STAKEHOLDER_GROUPS.items()
        ]
        return tr._("Which stakeholder group do you belong to?"), keyboard([*rows, back])
    if which == "tz":
        return timezones.menu_screen(update, context)
    if which == "forum":
        return _forum_menu(context, 0)
    return await settings_screen(context)  # "main"


def _forum_menu(context: ForumContext, number: int) -> tuple[str, InlineKeyboardMarkup]:
    """Page `number` of the choice of current forum: a button per forum, ◀ ▶, back."""
    actor, tr = context.actor, context.actor.tr
    page = page_of([1] * len(actor.memberships), number, per_page=BUTTONS_PER_PAGE)
    rows = [
        [
            (
                ("✅ " if actor.forum and m.forum.id == actor.forum.id else "") + m.forum.name,
                callbacks.make("set", "forum", m.forum.id),
            )
        ]
        for m in actor.memberships[page.items.start : page.items.stop]
    ]
    back = [(tr._("« Back"), callbacks.make("set", "menu", "main"))]
    text = tr._("Which forum do your commands act on?")
    if note := page.note(tr):
        text += "\n" + note
    return text, keyboard([*rows, *([nav] if (nav := page.nav("setf")) else []), back])


@pager_for("setf")
async def forum_page(
    update: Update, context: ForumContext, args: tuple[str, ...], number: int
) -> tuple[str, InlineKeyboardMarkup] | None:
    """`page:setf:<n>`: another page of the choice of current forum (one's own forums)."""
    if args or len(context.actor.memberships) < 2:
        return None
    return _forum_menu(context, number)


@button("set", "menu", load=member_value(lambda _, which: which in SUBMENUS))
async def submenu(press: Press[callbacks.Callback]) -> None:
    """A sub-screen: language, stakeholder group, time zone, current forum, or back."""
    await edit(press.query, *await _submenu(press.update, press.context, press.data.arg(0)))


@button(
    "set",
    "lang",
    load=member_value(lambda c, lang: lang in c.services.catalogs.languages),
    answer=False,
)
async def set_language(press: Press[callbacks.Callback]) -> None:
    await _store(press, "language")
    await saved(press, menu=True)


@button("set", "group", load=member_value(lambda _, key: key in STAKEHOLDER_GROUPS), answer=False)
async def set_group(press: Press[callbacks.Callback]) -> None:
    await _store(press, "stakeholder_group")
    await saved(press)


def _a_forum_of_theirs(context: ForumContext, forum: str | None) -> bool:
    return bool(forum) and any(str(m.forum.id) == forum for m in context.actor.memberships)


@button("set", "forum", load=member_value(_a_forum_of_theirs), answer=False)
async def set_forum(press: Press[callbacks.Callback]) -> None:
    """The current forum: times may now follow another forum's zone, and the menu its role."""
    forum_id = press.data.int_arg(0)
    await users_db.set_field(
        press.services.db, press.actor.user_id, "current_forum_id", forum_id, press.services.clock()
    )
    await saved(press, menu=True, rescheduled=True)


@button(
    "set",
    "survey",
    load=member_value(lambda _, who: who in ("all", "rsvp")),
    check=coordinates,
    answer=False,
)
async def set_survey(press: Press[callbacks.Callback]) -> None:
    assert press.actor.forum is not None
    everyone = press.data.arg(0) == "all"
    await forums_db.set_survey_everyone(press.services.db, press.actor.forum.id, everyone)
    await saved(press)


def _forum_number(
    action: str, choices: tuple[int, ...], store: Callable[[Database, int, int], Awaitable[object]]
) -> Button[callbacks.Callback]:
    """A button of the forum's settings that stores one of `choices` with `store`."""

    async def choose(press: Press[callbacks.Callback]) -> None:
        value = press.data.int_arg(0)
        assert press.actor.forum is not None and value is not None
        await store(press.services.db, press.actor.forum.id, value)
        await saved(press)

    valid = members_only(lambda _, data: data.int_arg(0) in choices)
    return button("set", action, load=valid, check=coordinates, answer=False)(choose)


set_retention = _forum_number("keep", RETENTION_CHOICES, retention.set_retention)
# never fewer than 2 ballots (the schema agrees)
set_min_group = _forum_number("mingrp", MIN_GROUP_CHOICES, polls_db.set_min_group_ballots)


async def _store(press: Press[callbacks.Callback], field: str) -> None:
    """The member's own `field` set to the press's value."""
    db, now = press.services.db, press.services.clock()
    await users_db.set_field(db, press.actor.user_id, field, press.data.arg(0), now)


# What a typed message answers in this feature's dialogs (collected by handlers/text.py).
TYPED_STEPS = (TypedStep(timezones.TIMEZONE, timezones.on_timezone_input),)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("settings", show_settings)),
        (0, CommandHandler("language", choose_language)),
        (
            0,
            routes(
                submenu,
                set_language,
                set_group,
                timezones.set_zone,
                set_forum,
                set_survey,
                set_retention,
                set_min_group,
            ),
        ),
    ]
