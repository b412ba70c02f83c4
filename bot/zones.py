"""The time zones a member may choose, their countries, and the names they go by (plain rules).

The zones and their countries come from tzdata's `zone.tab`; the names from the tz database
(each zone's city part, and the old names its links keep, e.g. Asia/Saigon) and from CLDR
through Babel (each locale's exemplar cities and country names). bot/timezones.py reads what a
member typed against them.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Mapping, Sequence
from functools import cache
from zoneinfo import available_timezones

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from bot.textmatch import fold

UTC_NAMES = ("UTC", "GMT", "Coordinated Universal Time", "Universal", "Zulu")
# Cities members often type that are no zone's own name (the capital, the bigger or the older
# spelling): the tz database names a zone after one city per region, CLDR adds no others.
COMMON_CITIES = {
    "Asia/Ho_Chi_Minh": ("Hanoi", "Ha Noi", "Hà Nội", "Da Nang", "Hue"),
    "Asia/Kolkata": (
        "Delhi",
        "New Delhi",
        "Mumbai",
        "Bombay",
        "Bengaluru",
        "Bangalore",
        "Chennai",
        "Madras",
        "Hyderabad",
    ),
    "Asia/Shanghai": ("Beijing", "Peking", "Guangzhou", "Shenzhen"),
    "Asia/Bangkok": ("Chiang Mai", "Phuket"),
    "Asia/Jakarta": ("Surabaya", "Bandung", "Yogyakarta"),
    "Asia/Makassar": ("Bali", "Denpasar"),
    "Asia/Manila": ("Cebu", "Quezon City", "Davao"),
    "Asia/Kuala_Lumpur": ("Penang", "Putrajaya"),
    "Asia/Phnom_Penh": ("Siem Reap",),
    "Asia/Yangon": ("Mandalay", "Naypyidaw"),
    "Asia/Colombo": ("Kandy", "Sri Jayawardenepura Kotte"),
    "Asia/Dhaka": ("Chittagong", "Chattogram"),
    "Asia/Karachi": ("Islamabad", "Lahore"),
    "Asia/Seoul": ("Busan",),
    "Asia/Tokyo": ("Osaka", "Kyoto"),
    "Asia/Dubai": ("Abu Dhabi",),
    "Asia/Riyadh": ("Jeddah", "Mecca"),
    "Europe/Istanbul": ("Ankara",),
    "Europe/Zurich": ("Geneva", "Bern"),
    "America/New_York": ("Washington",),
    "America/Toronto": ("Ottawa", "Montreal"),
    "America/Sao_Paulo": ("Brasilia", "Rio de Janeiro"),
    "Australia/Sydney": ("Canberra",),
}


# --- the tz database, as tzdata ships it ------------------------------------------------------


def _tzdata_text(name: str) -> str | None:
    try:
        return (importlib.resources.files("tzdata") / "zoneinfo" / name).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return None


@cache
def zone_countries() -> dict[str, tuple[str, ...]]:
    """Every zone a member may choose (zone.tab order) → its country codes; "UTC" too."""
    zones: dict[str, list[str]] = {}
    text = _tzdata_text("zone.tab")
    if text is not None:
        for line in text.splitlines():
            if line and not line.startswith("#"):
                country, _, zone, *_ = line.split("\t")
                zones.setdefault(zone, []).append(country)
    else:  # no tzdata package (a system zoneinfo): CLDR's table of each country's zones
        for country, names in sorted(get_global("territory_zones").items()):
            for zone in names:
                zones.setdefault(zone, []).append(country)
    loadable = available_timezones()
    table = {zone: tuple(c) for zone, c in zones.items() if zone in loadable}
    return {**table, "UTC": ()}


@cache
def links() -> dict[str, str]:
    """Old and alternative ids → the zone a member may choose (Asia/Saigon → Asia/Ho_Chi_Minh).

    Only names of the same place: the tz database also links zones whose clocks agreed since
    1970 (Asia/Phnom_Penh → Asia/Bangkok), but those have their own row in zone.tab and stay
    themselves; "Phnom Penh" must not also mean Bangkok."""
    raw: dict[str, str] = dict(get_global("zone_aliases"))
    for line in (_tzdata_text("tzdata.zi") or "").splitlines():
        if line.startswith("L "):
            _, target, name = line.split()[:3]
            raw[name] = target
    chosen = zone_countries()
    resolved: dict[str, str] = {}
    for name, target in raw.items():
        if name in chosen:  # Asia/Phnom_Penh links to Asia/Bangkok (same clocks), yet is its own
            continue
        for _ in range(4):  # links to links, rarely more than one step
            if target in chosen:
                resolved[name] = target
                break
            target = raw.get(target, "")
    return resolved


def canonical(zone: str) -> str | None:
    """The choosable zone an id names (itself, or where its link points), or None."""
    if zone in zone_countries():
        return zone
    return links().get(zone)


@cache
def country_zones_table() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for zone, countries in zone_countries().items():
        for country in countries:
            table.setdefault(country, []).append(zone)
    return {country: tuple(zones) for country, zones in table.items()}


def country_zones(country: str | None) -> tuple[str, ...]:
    """The zones of a country (ISO 3166 code), most populous first as zone.tab lists them."""
    return country_zones_table().get((country or "").upper(), ())


# --- names ------------------------------------------------------------------------------------


def city_of(zone: str) -> str:
    """ "America/Argentina/Buenos_Aires" → "Buenos Aires"."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def _locale(lang: str) -> Locale | None:
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return None


@cache
def zone_names(languages: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """Every choosable zone → the folded names a member may type for it, in these languages."""
    names: dict[str, set[str]] = {zone: {zone, city_of(zone)} for zone in zone_countries()}
    names["UTC"] |= set(UTC_NAMES)
    for zone, cities in COMMON_CITIES.items():
        names[zone] |= set(cities)
    for alias, zone in links().items():
        if not alias.startswith("Etc/"):  # Etc/GMT+7 is UTC−7: never offer it by its city part
            names[zone] |= {alias, city_of(alias)}
    by_country = country_zones_table()
    for lang in ("en", *languages):
        locale = _locale(lang)
        if locale is None:
            continue
        for cldr_id, info in locale.time_zones.items():
            cldr_zone = canonical(cldr_id)
            if cldr_zone and "city" in info:
                names[cldr_zone].add(info["city"])
        for country, name in locale.territories.items():
            for zone in by_country.get(country, ()):
                names[zone].add(name)
    return {zone: frozenset(fold(n) for n in values) for zone, values in names.items()}


def local_city(zone: str, lang: str) -> str:
    """The zone's city as CLDR names it in `lang` ("กรุงเทพ"), else its id's city part."""
    locale = _locale(lang)
    if locale is not None:
        for cldr_id in (zone, *(a for a, z in links().items() if z == zone)):
            city: str | None = locale.time_zones.get(cldr_id, {}).get("city")
            if city:
                return city
    return city_of(zone)


def country_of(text: str | None, languages: Sequence[str] = ()) -> str | None:
    """A country code from a forum's `country:` ("TH", "th", "Thailand", "ประเทศไทย"), or None."""
    if not text:
        return None
    table = country_zones_table()
    if text.strip().upper() in table:
        return text.strip().upper()
    wanted = fold(text)
    for lang in ("en", *languages):
        locale = _locale(lang)
        territories: Mapping[str, str] = locale.territories if locale else {}
        for code, name in territories.items():
            if code in table and fold(name) == wanted:
                return code
    return None


def region_of(language_code: str | None) -> str | None:
    """The country in a Telegram language code ("pt-br" → "BR"); None for "en" alone."""
    _, sep, region = (language_code or "").replace("_", "-").partition("-")
    region = region.upper()
    return region if sep and region in country_zones_table() else None
