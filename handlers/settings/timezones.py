"""Choosing one's time zone in /settings: the member's country's zones as buttons, and a typed
city, country or UTC offset turned into buttons (`bot/timezones.py` does the matching).

Every zone button is `set:tz:<IANA id>` (at most 39 bytes; `set:tz:?` asks for a typed one),
declared here (`set_zone`) in handlers/settings/commands.py's table, which re-checks the id before it is
stored. Long lists (the zones at an offset, a big country's
zones) page with `page:tz:m:<n>` (the menu) and `page:tz:o:<minutes>:<n>` (an offset).
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot import callbacks
from bot.i18n import N_, Translator
from bot.textmatch import fold
from bot.timezones import find_zone, format_offset, is_choosable, offset_now, zones_at_offset
from bot.tips import moved_delivery
from bot.zones import city_of, country_of, country_zones, local_city, region_of
from db import tips as tips_db
from db import users as users_db
from handlers.buttons import Press, button
from handlers.common import chat_of, is_private, keyboard, message_of, reply
from handlers.context import ForumContext
from handlers.dialogs import expect_here
from handlers.middleware import resolve_actor
from handlers.paging import BUTTONS_PER_PAGE, page_of, pager_for
from handlers.settings.screen import member_value, saved, settings_screen

TIMEZONE = "timezone"  # the typed-zone step of /settings (handlers/settings/commands.py answers it)
# Offered in the menu after the forum's and the member's country's zones.
COMMON_ZONES = ("UTC", "Asia/Bangkok", "Asia/Jakarta", "Asia/Tokyo", "Asia/Kolkata")
MAX_TYPED = 60  # of a typed text repeated back in an answer
MAX_OFFSET = 14 * 60  # Kiribati's UTC+14 is the furthest any zone is from UTC

ASK = N_(
    "Type your city or country (for example Bangkok, Hanoi or Indonesia), an offset such as "
    "UTC+7, or an IANA name such as Asia/Bangkok. Send /cancel to stop."
)


def member_country(update: Update, context: ForumContext) -> str | None:
    """The member's country: their forum's, else the region of Telegram's language code."""
    forum = context.actor.forum
    if forum is not None and forum.country:
        return country_of(forum.country, (forum.language, context.actor.lang))
    user = update.effective_user
    return region_of(user.language_code if user else None)


def preferred(update: Update, context: ForumContext) -> tuple[str, ...]:
    """Zones to list first: the forum's, then the member's country's."""
    forum = context.actor.forum
    own = (forum.timezone,) if forum else ()
    return tuple(dict.fromkeys((*own, *country_zones(member_country(update, context)))))


def zone_label(context: ForumContext, zone: str) -> str:
    """ "Asia/Bangkok · กรุงเทพ (UTC+7)": the id (what other screens show), the city in the
    member's language where it differs, and the offset now."""
    if zone == "UTC":
        return zone
    city = local_city(zone, context.actor.lang)
    name = zone if fold(city) == fold(city_of(zone)) else f"{zone} · {city}"
    return f"{name} ({format_offset(offset_now(zone, context.services.clock()))})"


def _zone_rows(
    context: ForumContext, zones: tuple[str, ...], number: int, *args: object
) -> tuple[list[list[tuple[str, str]]], str | None]:
    """A button per zone on page `number`, ◀ ▶ under them, and the "Page x of y" line."""
    page = page_of([1] * len(zones), number, per_page=BUTTONS_PER_PAGE)
    rows = [
        [(zone_label(context, zone), callbacks.make("set", "tz", zone))]
        for zone in zones[page.items.start : page.items.stop]
    ]
    if nav := page.nav("tz", *args):
        rows.append(nav)
    return rows, page.note(context.actor.tr)


def menu_screen(
    update: Update, context: ForumContext, number: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    """The /settings time zone menu: the forum's zone, the member's country's, a few common ones,
    a button to type another, and back."""
    tr = context.actor.tr
    zones = tuple(dict.fromkeys((*preferred(update, context), *COMMON_ZONES)))
    rows, note = _zone_rows(context, zones, number, "m")
    rows.append([(tr._("Type another…"), callbacks.make("set", "tz", "?"))])
    rows.append([(tr._("« Back"), callbacks.make("set", "menu", "main"))])
    text = tr._("Which time zone should I show times in?")
    return text + (f"\n{note}" if note else ""), keyboard(rows)


def offset_screen(
    update: Update, context: ForumContext, minutes: int, number: int = 0
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The zones at `minutes` from UTC now, as buttons; or a sentence saying there are none."""
    tr = context.actor.tr
    zones = zones_at_offset(minutes, context.services.clock(), preferred(update, context))
    if not zones:
        return no_zone_at(tr, minutes), None
    rows, note = _zone_rows(context, zones, number, "o", minutes)
    text = tr._(
        "These time zones are at %(offset)s now. Which one is yours?", offset=_shown(minutes)
    )
    return text + (f"\n{note}" if note else ""), keyboard(rows)


def _shown(minutes: int) -> str:
    return format_offset(minutes) if minutes else "UTC+0"


def no_zone_at(tr: Translator, minutes: int) -> str:
    return tr._(
        "No time zone is at %(offset)s now. Check the offset (for example UTC+7 or UTC-3:30), "
        "or type your city.",
        offset=_shown(minutes),
    )


def typed_answer(
    update: Update, context: ForumContext, typed: str
) -> tuple[str | None, tuple[str, InlineKeyboardMarkup | None] | None]:
    """(the zone, None) when the text names one; (None, the answer to send) otherwise: the
    candidates as buttons, or why there are none. Nothing is stored here."""
    actor, tr = context.actor, context.actor.tr
    languages = (actor.lang, *((actor.forum.language,) if actor.forum else ()))
    match = find_zone(
        typed, now=context.services.clock(), languages=languages, prefer=preferred(update, context)
    )
    shown = typed.strip()[:MAX_TYPED]
    if match.offset is not None:
        return None, offset_screen(update, context, match.offset)
    if len(match.zones) == 1:
        return match.zones[0], None
    if match.zones:
        rows, _ = _zone_rows(context, match.zones, 0)
        text = tr._("Several places match “%(typed)s”. Which one is yours?", typed=shown)
        return None, (text, keyboard(rows))
    if match.too_many:
        text = tr._("Many places match “%(typed)s”. Please type more of the name.", typed=shown)
        return None, (text, None)
    text = tr._("I don't know the time zone “%(zone)s”.", zone=shown) + " " + tr._(ASK)
    return None, (text, None)


@pager_for("tz")
async def zone_page(
    update: Update, context: ForumContext, args: tuple[str, ...], number: int
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """`page:tz:m:<n>` (the menu) and `page:tz:o:<minutes>:<n>` (an offset's zones), for
    members, in private; forged arguments show nothing."""
    if context.actor.user is None or not is_private(update):
        return None
    if args == ("m",):
        return menu_screen(update, context, number)
    if len(args) == 2 and args[0] == "o":
        sign, digits = (-1, args[1][1:]) if args[1].startswith("-") else (1, args[1])
        minutes = callbacks.parse_id(digits)
        if minutes is not None and minutes <= MAX_OFFSET:
            screen = offset_screen(update, context, sign * minutes, number)
            return screen if screen[1] is not None else None
    return None


async def save_zone(update: Update, context: ForumContext, zone: str) -> None:
    """Store the member's zone, move their next tip to it, and end a typed-zone step."""
    actor, services = context.actor, context.services
    now = services.clock()
    current = await tips_db.subscription(services.db, actor.user_id)
    await users_db.set_timezone(
        services.db,
        actor.user_id,
        zone,
        now,
        next_tip_at=moved_delivery(current, zone, now),
        chat_id=chat_of(update).id,
        step=TIMEZONE,
    )


@button(
    "set", "tz", load=member_value(lambda _, zone: zone == "?" or is_choosable(zone)), answer=False
)
async def set_zone(press: Press[callbacks.Callback]) -> None:
    """A zone's button, or "Type another…" (then the next message is the zone)."""
    zone = press.data.arg(0)
    assert zone is not None
    if zone != "?":
        await save_zone(press.update, press.context, zone)
        await saved(press)
        return
    await expect_here(press.update, press.context, TIMEZONE, {})
    await press.query.answer()
    await press.message.reply_text(press.tr._(ASK))


async def on_timezone_input(update: Update, context: ForumContext, data: dict) -> None:
    """A typed city, country, UTC offset or IANA name: one zone is saved; several are offered as
    buttons and an unknown one is explained, and the step waits for another answer."""
    actor = context.actor
    zone, answer = typed_answer(update, context, message_of(update).text or "")
    if zone is None:
        assert answer is not None
        await reply(update, *answer)
        return
    await save_zone(update, context, zone)
    context.actor = await resolve_actor(update, context)
    text, markup = await settings_screen(context)
    await reply(update, actor.tr._("Saved.") + "\n\n" + text, markup)
