"""Which time zone a member means: a city or country in their spelling and language, a UTC
offset, or an IANA id (plain rules, no Telegram).

Members do not know IANA ids. They type "Bangkok", "กรุงเทพ", "Saigon", "ho chi minh", "東京",
"Thailand" or "GMT+7". The zones and the names they go by are bot/zones.py (tz database and
CLDR). Offsets are matched against each zone's offset *now*, so "UTC+1" in July finds London
and not Lagos.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TypeGuard
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.textmatch import fold
from bot.zones import zone_countries, zone_names

MAX_CHOICES = 10  # more matching zones than fit as buttons: ask for more of the name
_OFFSET = re.compile(r"(?:utc|gmt|ut)?\s*([+\-−])\s*(\d{1,2})(?:\s*[:.h]?\s*(\d{2}))?\s*(?:h)?")


@dataclass(frozen=True)
class Match:
    """What a typed text means: zones to choose from (one: found), and the offset if typed."""

    zones: tuple[str, ...]
    offset: int | None = None  # minutes east of UTC, when the text was an offset
    too_many: bool = False  # more than MAX_CHOICES places match: the member should type more


# --- offsets ----------------------------------------------------------------------------------


def parse_offset(text: str) -> int | None:
    """Minutes east of UTC from "GMT+7", "UTC+07:00", "+7", "UTC-3:30", "+0530"; else None."""
    cleaned = unicodedata.normalize("NFKC", text).strip().casefold()
    match = _OFFSET.fullmatch(cleaned)
    if match is None:
        return None
    sign, hours, minutes = match[1], int(match[2]), int(match[3] or 0)
    if hours > 14 or minutes >= 60:
        return None
    total = hours * 60 + minutes
    return -total if sign in "-−" else total


def offset_now(zone: str, now: datetime) -> int:
    """The zone's offset from UTC at `now`, in minutes."""
    delta = now.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)
    return int(delta.total_seconds() // 60)


def format_offset(minutes: int) -> str:
    """420 → "UTC+7", -210 → "UTC−3:30", 0 → "UTC"."""
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zones_at_offset(minutes: int, now: datetime, prefer: Iterable[str] = ()) -> tuple[str, ...]:
    """The choosable zones whose offset is `minutes` at `now`: `prefer`'s first, then by id."""
    found = {zone for zone in zone_countries() if offset_now(zone, now) == minutes}
    first = [zone for zone in dict.fromkeys(prefer) if zone in found]
    return (*first, *sorted(found - set(first)))


# --- what a member typed ----------------------------------------------------------------------


def find_zone(
    text: str,
    *,
    now: datetime,
    languages: Sequence[str] = (),
    prefer: Iterable[str] = (),
) -> Match:
    """The zones a typed text may mean: an IANA id (any case), an offset, a city or country.

    One zone: found. Several: the member chooses (`prefer`'s first). None: unknown, or an offset
    no zone has now (`offset` says which).
    """
    prefer = tuple(prefer)
    exact = _iana_id(text)
    if exact is not None:
        return Match((exact,))
    offset = parse_offset(text)
    if offset is not None:
        return Match(zones_at_offset(offset, now, prefer), offset=offset)
    wanted = fold(text)
    if not wanted:
        return Match(())
    names = zone_names(tuple(languages))
    for test in (
        lambda name: name == wanted,
        lambda name: name.startswith(wanted),
        lambda name: any(word.startswith(wanted) for word in name.split(" ")[1:]),
    ):
        found = [zone for zone, folded in names.items() if any(test(n) for n in folded)]
        if found:
            first = [zone for zone in prefer if zone in found]
            ordered = (*first, *(zone for zone in found if zone not in first))
            if len(ordered) > MAX_CHOICES:
                return Match((), too_many=True)
            return Match(ordered)
    return Match(())


@cache
def _lower_ids() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def _iana_id(text: str) -> str | None:
    """An IANA id typed in any case ("europe/berlin"), as the tz database spells it."""
    cleaned = text.strip().replace(" ", "_").lower()
    if "/" not in cleaned and cleaned.upper() not in ("UTC", "GMT"):
        return None  # "Japan", "Cuba", "EST": old ids; read them as the names they are
    name = _lower_ids().get(cleaned)
    if name is None or cleaned in ("localtime", "factory"):
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def is_choosable(zone: str | None) -> TypeGuard[str]:
    """Whether a zone id (from a button, so possibly forged) is one the bot offers or accepts."""
    return zone is not None and _iana_id(zone) == zone
