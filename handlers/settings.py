"""/settings and /language: the member's language, stakeholder group, time zone and current forum;
for coordinators, the forum's settings (meeting surveys, retention, the smallest group in results)."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.context import Services
from bot.forums import STAKEHOLDER_GROUPS
from bot.i18n import Translator
from bot.poll_report import MIN_GROUP_CHOICES
from bot.roles import Role
from bot.timezones import is_choosable
from bot.tips import next_delivery
from db import dialogs, retention
from db import forums as forums_db
from db import polls as polls_db
from db import tips as tips_db
from db import users as users_db
from db.retention import RETENTION_CHOICES
from handlers import timezones
from handlers.common import (
    TypedStep,
    answer_stale,
    chat_of,
    guarded,
    keyboard,
    member_button,
    message_of,
    pressed,
    pressed_message,
    reply,
    unless_unchanged,
)
from handlers.context import ForumContext
from handlers.menus import refresh_user_menu
from handlers.middleware import resolve_actor
from handlers.paging import BUTTONS_PER_PAGE, page_of, pager_for
from handlers.render import (
    draft_note,
    group_name,
    language_keyboard,
    role_name,
    subscription_line,
)

TIMEZONE = "timezone"


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
        everyone = actor.forum.survey_everyone
        # Not nested inside the outer _(): Babel's extractor does not see nested calls.
        who = tr._("every member") if everyone else tr._("those who said going or maybe")
        lines.append(tr._("Survey after meetings: %(who)s", who=who))
        rows.append(
            [
                (
                    tr._("Ask everyone after meetings")
                    if not everyone
                    else tr._("Ask only those who said going or maybe"),
                    callbacks.make("set", "survey", "all" if not everyone else "rsvp"),
                )
            ]
        )
        line, buttons = _min_group_setting(tr, actor.forum.min_group_ballots)
        lines.append(line)
        rows.append(buttons)
        kept = _years(tr, actor.forum.retention_days)
        lines.append(tr._("Feedback and closed polls are kept for %(period)s.", period=kept))
        rows.append(
            [
                (
                    ("✅ " if days == actor.forum.retention_days else "") + _years(tr, days),
                    callbacks.make("set", "keep", days),
                )
                for days in RETENTION_CHOICES
            ]
        )
    return "\n".join(lines), keyboard(rows)


def _min_group_setting(tr: Translator, minimum: int) -> tuple[str, list[tuple[str, str]]]:
    """The smallest stakeholder group poll results show, and a button per choice."""
    line = tr.n_(
        "Poll results show a stakeholder group only with at least %(count)s ballot.",
        "Poll results show a stakeholder group only with at least %(count)s ballots.",
        minimum,
    )
    buttons = [
        (
            ("✅ " if n == minimum else "") + tr.n_("%(count)s ballot", "%(count)s ballots", n),
            callbacks.make("set", "mingrp", n),
        )
        for n in MIN_GROUP_CHOICES
    ]
    return line, buttons


def _years(tr: Translator, days: int) -> str:
    years = round(days / 365)
    return tr.n_("%(count)s year", "%(count)s years", years)


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
    update: Update, context: ForumContext, which: str
) -> tuple[str, InlineKeyboardMarkup] | None:
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
    if which == "main":
        return await settings_screen(context)
    return None


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


async def on_settings_button(update: Update, context: ForumContext) -> None:
    """Buttons of the settings message; every value is re-checked before it is stored."""
    query, actor, services = pressed(update), context.actor, context.services
    parsed = await member_button(update, context)
    if parsed is None:
        return
    value, now = parsed.arg(0), services.clock()
    if parsed.action == "menu":
        screen = await _submenu(update, context, value or "")
        if screen is None:
            await answer_stale(update, context)
            return
        await query.answer()
        await _edit(query, *screen)
        return
    if parsed.action == "lang" and value in services.catalogs.languages:
        await users_db.set_field(services.db, actor.user_id, "language", value, now)
    elif parsed.action == "group" and value in STAKEHOLDER_GROUPS:
        await users_db.set_field(services.db, actor.user_id, "stakeholder_group", value, now)
    elif parsed.action == "tz" and value == "?":
        await dialogs.expect(
            services.db,
            user_id=actor.user_id,
            chat_id=chat_of(update).id,
            kind=TIMEZONE,
            data={},
            now=now,
        )
        await query.answer()
        await pressed_message(query).reply_text(actor.tr._(timezones.ASK))
        return
    elif parsed.action == "tz" and is_choosable(value):
        await _save_zone(update, context, value)
    elif (
        parsed.action == "forum"
        and value
        and any(str(m.forum.id) == value for m in actor.memberships)
    ):
        await users_db.set_field(services.db, actor.user_id, "current_forum_id", int(value), now)
    elif (
        parsed.action == "survey"
        and value in ("all", "rsvp")
        and actor.forum
        and (actor.role is Role.COORDINATOR)
    ):
        await forums_db.set_survey_everyone(services.db, actor.forum.id, value == "all")
    elif (
        parsed.action == "keep"
        and (days := parsed.int_arg(0)) in RETENTION_CHOICES
        and actor.forum
        and actor.role is Role.COORDINATOR
    ):
        await retention.set_retention(services.db, actor.forum.id, days)
    elif (
        parsed.action == "mingrp"
        and (least := parsed.int_arg(0))
        in MIN_GROUP_CHOICES  # never fewer than 2 (the schema agrees)
        and actor.forum
        and actor.role is Role.COORDINATOR
    ):
        await polls_db.set_min_group_ballots(services.db, actor.forum.id, least)
    else:
        await answer_stale(update, context)
        return
    context.actor = await resolve_actor(update, context)
    await query.answer(context.actor.tr._("Saved."))
    await _edit(query, *await settings_screen(context))
    if parsed.action == "forum":  # times may now follow another forum's zone
        await _reschedule_tips(services, actor.user_id, context.actor.timezone)
    if parsed.action in ("lang", "forum"):
        await refresh_user_menu(
            context.bot,
            context.actor.tr,
            actor.user_id,
            context.actor.role,
            is_admin=actor.is_admin,
        )


async def on_timezone_input(update: Update, context: ForumContext, data: dict) -> None:
    """A typed city, country, UTC offset or IANA name: one zone is saved; several are offered as
    buttons and an unknown one is explained, and the step waits for another answer."""
    actor = context.actor
    zone, answer = timezones.typed_answer(update, context, message_of(update).text or "")
    if zone is None:
        assert answer is not None
        await reply(update, *answer)
        return
    await _save_zone(update, context, zone)
    context.actor = await resolve_actor(update, context)
    text, markup = await settings_screen(context)
    await reply(update, actor.tr._("Saved.") + "\n\n" + text, markup)


async def _save_zone(update: Update, context: ForumContext, zone: str) -> None:
    """Store the member's zone, move their next tip to it, and end a typed-zone step."""
    actor, services = context.actor, context.services
    now = services.clock()
    current = await tips_db.subscription(services.db, actor.user_id)
    next_tip_at = (
        next_delivery(now, zone, current.frequency, current.hour, current.weekday)
        if current
        else None
    )
    await users_db.set_timezone(
        services.db,
        actor.user_id,
        zone,
        now,
        next_tip_at=next_tip_at,
        chat_id=chat_of(update).id,
        step=TIMEZONE,
    )


async def _reschedule_tips(services: Services, user_id: int, timezone: str) -> None:
    """After the member's time zone changed: the next tip at the same local hour, in the new zone."""
    current = await tips_db.subscription(services.db, user_id)
    if current is not None:
        first = next_delivery(
            services.clock(), timezone, current.frequency, current.hour, current.weekday
        )
        await tips_db.subscribe(
            services.db, user_id, current.frequency, current.hour, current.weekday, first
        )


async def _edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup) -> None:
    with unless_unchanged():  # tapping the value that is already set changes nothing
        await query.edit_message_text(text, reply_markup=markup)


# What a typed message answers in this feature's dialogs (collected by handlers/text.py).
TYPED_STEPS = (TypedStep(TIMEZONE, on_timezone_input),)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("settings", show_settings)),
        (0, CommandHandler("language", choose_language)),
        (0, CallbackQueryHandler(on_settings_button, pattern=r"^set:")),
    ]
