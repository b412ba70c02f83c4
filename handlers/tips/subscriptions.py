"""Tips by subscription: choose daily or weekly at a local hour, and the delivery itself.

The subscription is one row (db/tips.py) with the next delivery time in UTC. `send_due_tips` runs
from the heartbeat: it chooses and records the tip, then, in one transaction, moves the row to
the next slot (a conditional UPDATE, so a slot is claimed once even across a restart) and writes
the tip to the outbox, which sends it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.ext import BaseHandler

from bot import callbacks
from bot.context import Services
from bot.i18n import Translator
from bot.tips import FREQUENCIES, next_delivery, pick_tip
from db import forums as forums_db
from db import outbox as outbox_db
from db import tips as tips_db
from db.outbox import Outgoing
from db.tips import Subscription
from handlers.buttons import Press, button, members_only, routes
from handlers.common import (
    chat_of,
    keyboard,
    unless_unchanged,
)
from handlers.context import ForumContext
from handlers.outgoing import outgoing
from handlers.render import hour_label, subscription_line, weekday_name
from handlers.settings.screen import settings_screen
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


@button("tipsub", "menu", load=members_only())
async def menu(press: Press[callbacks.Callback]) -> None:
    """Daily, weekly or stop; from under a tip (`new`), in a new message below it."""
    current = await tips_db.subscription(press.services.db, press.actor.user_id)
    text, markup = frequency_screen(press.tr, current)
    if press.data.arg(0) == "new":  # from under a tip: keep the tip, open the choice below it
        await press.context.bot.send_message(chat_of(press.update).id, text, reply_markup=markup)
        return
    await _show(press, (text, markup))


@button("tipsub", "freq", load=members_only(lambda _, data: data.arg(0) in FREQUENCIES))
async def frequency(press: Press[callbacks.Callback]) -> None:
    frequency = press.data.arg(0)
    assert frequency is not None
    await _show(press, hour_screen(press.tr, frequency, press.actor.timezone))


def _an_hour(data: callbacks.Callback, index: int) -> int | None:
    hour = data.int_arg(index)
    return hour if hour is not None and 0 <= hour < 24 else None


def _daily_or_weekly(_: ForumContext, data: callbacks.Callback) -> bool:
    return data.arg(0) in ("daily", "weekly") and _an_hour(data, 1) is not None


@button("tipsub", "hour", load=members_only(_daily_or_weekly), answer=False)
async def hour(press: Press[callbacks.Callback]) -> None:
    """Daily: subscribed at that hour. Weekly: then the day."""
    at = _an_hour(press.data, 1)
    assert at is not None
    if press.data.arg(0) == "weekly":
        await press.query.answer()
        await _show(press, weekday_screen(press.tr, at))
    else:
        await _subscribe(press, "daily", at, None)


def _hour_and_day(_: ForumContext, data: callbacks.Callback) -> bool:
    day = data.int_arg(1)
    return _an_hour(data, 0) is not None and day is not None and 0 <= day < 7


@button("tipsub", "day", load=members_only(_hour_and_day), answer=False)
async def day(press: Press[callbacks.Callback]) -> None:
    at, weekday = press.data.int_arg(0), press.data.int_arg(1)
    assert at is not None
    await _subscribe(press, "weekly", at, weekday)


async def subscribed(context: ForumContext, data: callbacks.Callback) -> Subscription | None:
    """The presser's subscription, if they are a member and have one."""
    if context.actor.user is None:
        return None
    return await tips_db.subscription(context.services.db, context.actor.user_id)


@button("tipsub", "off", load=subscribed, answer=False)
async def stop(press: Press[Subscription]) -> None:
    await tips_db.unsubscribe(press.services.db, press.actor.user_id)
    await _back_to_settings(press, press.tr._("Tips stopped."))


async def _subscribe(
    press: Press[callbacks.Callback], frequency: str, at: int, weekday: int | None
) -> None:
    """Store the subscription with its first delivery, and back to the settings."""
    first = next_delivery(press.services.clock(), press.actor.timezone, frequency, at, weekday)
    await tips_db.subscribe(press.services.db, press.actor.user_id, frequency, at, weekday, first)
    await _back_to_settings(press, press.tr._("Subscribed."))


async def _show(press: Press[Any], screen: tuple[str, InlineKeyboardMarkup]) -> None:
    with unless_unchanged():
        await press.query.edit_message_text(screen[0], reply_markup=screen[1])


async def _back_to_settings(press: Press[Any], toast: str) -> None:
    await press.query.answer(toast)
    text, markup = await settings_screen(press.context)
    with unless_unchanged():
        await press.query.edit_message_text(text, reply_markup=markup)


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
    return [(0, routes(menu, frequency, hour, day, stop))]
