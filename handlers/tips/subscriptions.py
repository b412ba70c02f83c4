"""Tips by subscription: choose daily or weekly at a local hour, and the delivery itself.

The subscription is one row (db/tips.py) with the next delivery time in UTC. `send_due_tips` runs
from the heartbeat: it chooses and records the tip, then, in one transaction, moves the row to
the next slot (a conditional UPDATE, so a slot is claimed once even across a restart) and writes
the tip to the outbox, which sends it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import callbacks
from bot.context import Services
from bot.i18n import Translator
from bot.tips import FREQUENCIES, next_delivery, pick_tip
from db import forums as forums_db
from db import outbox as outbox_db
from db import tips as tips_db
from db.outbox import Outgoing
from db.tips import Subscription
from handlers.common import (
    answer_stale,
    chat_of,
    keyboard,
    member_button,
    pressed,
    unless_unchanged,
)
from handlers.context import ForumContext
from handlers.outgoing import outgoing
from handlers.render import hour_label, subscription_line, weekday_name
from handlers.settings_screen import settings_screen
from handlers.tips.library import render_tip, tip_keyboard

log = logging.getLogger(__name__)


def frequency_screen(
    tr: Translator, subscription: Subscription | None
) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [
            (tr._("Every day"), callbacks.make("tipsub", "freq", "daily")),
            (tr._("Every week"), callbacks.make("tipsub", "freq", "weekly")),
        ]
    ]
    if subscription is not None:
        rows.append([(tr._("Stop the tips"), callbacks.make("tipsub", "off"))])
    rows.append([(tr._("« Back"), callbacks.make("set", "menu", "main"))])
    text = subscription_line(tr, subscription) + "\n\n" + tr._("How often would you like a tip?")
    return text, keyboard(rows)


def hour_screen(tr: Translator, frequency: str, zone: str) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [
        (hour_label(tr, hour), callbacks.make("tipsub", "hour", frequency, hour))
        for hour in range(24)
    ]
    rows = [buttons[i : i + 4] for i in range(0, 24, 4)]
    rows.append([(tr._("« Back"), callbacks.make("tipsub", "menu"))])
    return tr._("At what time? (Your time zone: %(zone)s)", zone=zone), keyboard(rows)


def weekday_screen(tr: Translator, hour: int) -> tuple[str, InlineKeyboardMarkup]:
    names = [
        (weekday_name(tr, day), callbacks.make("tipsub", "day", hour, day)) for day in range(7)
    ]
    rows = [names[i : i + 2] for i in range(0, 7, 2)]
    rows.append([(tr._("« Back"), callbacks.make("tipsub", "freq", "weekly"))])
    return tr._("On which day?"), keyboard(rows)


async def on_subscription_button(update: Update, context: ForumContext) -> None:
    """The subscription screens; each value is re-checked before anything is stored."""
    query, actor, services = pressed(update), context.actor, context.services
    parsed = await member_button(update, context)
    if parsed is None:
        return
    tr, now = actor.tr, services.clock()
    current = await tips_db.subscription(services.db, actor.user_id)
    action, hour = parsed.action, parsed.int_arg(1)
    if action == "menu":
        screen = frequency_screen(tr, current)
        if parsed.arg(0) == "new":  # from under a tip: keep the tip, open the choice below it
            await query.answer()
            await context.bot.send_message(chat_of(update).id, screen[0], reply_markup=screen[1])
            return
    elif action == "freq" and (frequency := parsed.arg(0)) in FREQUENCIES:
        screen = hour_screen(tr, frequency, actor.timezone)
    elif action == "hour" and parsed.arg(0) == "weekly" and hour is not None and 0 <= hour < 24:
        screen = weekday_screen(tr, hour)
    elif action in ("hour", "day") and _valid_choice(parsed):
        weekday = parsed.int_arg(1) if action == "day" else None
        at = parsed.int_arg(0) if action == "day" else hour
        assert at is not None
        frequency = "weekly" if action == "day" else "daily"
        first = next_delivery(now, actor.timezone, frequency, at, weekday)
        await tips_db.subscribe(services.db, actor.user_id, frequency, at, weekday, first)
        await _back_to_settings(update, context, tr._("Subscribed."))
        return
    elif action == "off" and current is not None:
        await tips_db.unsubscribe(services.db, actor.user_id)
        await _back_to_settings(update, context, tr._("Tips stopped."))
        return
    else:
        await answer_stale(update, context)
        return
    await query.answer()
    with unless_unchanged():
        await query.edit_message_text(screen[0], reply_markup=screen[1])


def _valid_choice(parsed: callbacks.Callback) -> bool:
    if parsed.action == "hour":  # daily at an hour
        hour = parsed.int_arg(1)
        return parsed.arg(0) == "daily" and hour is not None and 0 <= hour < 24
    hour, day = parsed.int_arg(0), parsed.int_arg(1)
    return hour is not None and day is not None and 0 <= hour < 24 and 0 <= day < 7


async def _back_to_settings(update: Update, context: ForumContext, toast: str) -> None:
    await pressed(update).answer(toast)
    text, markup = await settings_screen(context)
    with unless_unchanged():
        await pressed(update).edit_message_text(text, reply_markup=markup)


async def send_due_tips(services: Services) -> None:
    """Queue every tip that is due. A member who was offline for days gets one tip, not many."""
    now = services.clock()
    by_forum: dict[int, list[tuple[Subscription, datetime, Outgoing]]] = {}
    for due in await tips_db.due_subscribers(services.db, now):
        sub = due.subscription
        following = next_delivery(now, due.timezone, sub.frequency, sub.hour, sub.weekday)
        if due.forum_id is None:  # not a member of any forum (cannot happen today): no tips
            continue
        forum_ids = [m.forum.id for m in await forums_db.memberships_of(services.db, sub.user_id)]
        pick = await pick_tip(services.db, services.tips, sub.user_id, forum_ids, services.clock())
        tr = services.catalogs.translator(due.language, due.forum_language)
        text = render_tip(tr, pick, lang=tr.lang, fallback=due.forum_language)
        message = outgoing(sub.user_id, sub.user_id, text, tip_keyboard(tr, None))
        by_forum.setdefault(due.forum_id, []).append((sub, following, message))
    for forum_id, tips in by_forum.items():
        async with outbox_db.batch(services.db, forum_id=forum_id, kind="tip", now=now) as batch:
            for sub, following, message in tips:
                # Moving the slot and queueing the tip commit together: a restart sends neither
                # twice nor never.
                if await tips_db.claim_delivery(batch.conn, sub.user_id, sub.next_at, following):
                    await batch.add(message)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [(0, CallbackQueryHandler(on_subscription_button, pattern=r"^tipsub:"))]
