"""The one-message /meeting form: reading and checking it into a `SeriesDraft`. No Telegram.

```
/meeting National SCP Forum, spring session
starts: 2027-03-15 09:00        (required; the forum's time zone, local wall clock)
place: Ministry of Environment, Room 3   (optional)
link: https://meet.example.org/scp       (optional)
every: 6 months                 (optional; default 6 months; 1-24 months, or "none" for one meeting)
duration: 3h                    (optional; default 3h; 15m to 24h, e.g. 90m, 1d, 1d 2h)
reminders: 30d, 7d, 1d, 1h      (optional; these are the default; "none" for none)
```

The dialog (handlers/meetings/dialog.py) checks each typed answer with these same rules. When
the occurrences of a series fall is bot/recurrence.py's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from bot.forums import FormError
from bot.i18n import N_, Nn_
from bot.recurrence import MAX_AHEAD, localize_typed

MAX_TITLE = 200
MAX_PLACE = 300
MAX_LINK = 500
MAX_REMINDERS = 6
DEFAULT_DURATION = timedelta(hours=3)
MIN_DURATION, MAX_DURATION = timedelta(minutes=15), timedelta(hours=24)
DEFAULT_EVERY_MONTHS = 6
MAX_EVERY_MONTHS = 24
DEFAULT_REMINDERS = (timedelta(days=30), timedelta(days=7), timedelta(days=1), timedelta(hours=1))
# The shortest a month can be. A lead time beyond `every_months` of these could fall before the
# previous meeting of the series; checking against it needs no calendar, leap-year or DST analysis.
SHORTEST_MONTH = timedelta(days=28)
KEYS = {
    "starts": "starts",
    "start": "starts",
    "place": "place",
    "link": "link",
    "every": "every",
    "duration": "duration",
    "reminders": "reminders",
    "reminder": "reminders",
    "remind": "reminders",  # the poll form's word; members will type it here too
}
_NONE = {"none", "no", "never", "once", "-"}
# '3h', '90m', '1d', '1d 2h', '2h 30m': each unit at most once, largest first (what
# format_duration writes). polls.parse_duration reads one unit only, hence this superset.
_SPAN = re.compile(r"^(?:(\d{1,4})\s*d)?\s*(?:(\d{1,4})\s*h)?\s*(?:(\d{1,4})\s*m)?$")
_EVERY = re.compile(r"^(\d{1,3})\s*(months?|years?)?$")
_EVERY_WORDS = {"monthly": 1, "quarterly": 3, "yearly": 12, "annually": 12}
# Characters that would end an href attribute or a link in a message. Whitespace, quotes and <>\
# are not valid in a URL unencoded (only ' is, and real meeting links percent-encode it anyway).
_LINK_FORBIDDEN = re.compile(r"[\s\"'<>\\\x00-\x1f\x7f]")


@dataclass(frozen=True)
class SeriesDraft:
    title: str
    first_start: datetime  # naive: local wall-clock time in `timezone`, minute precision
    timezone: str
    duration: timedelta = DEFAULT_DURATION
    every_months: int | None = DEFAULT_EVERY_MONTHS  # None: a single meeting
    place: str | None = None
    link: str | None = None
    reminders: tuple[timedelta, ...] = DEFAULT_REMINDERS  # longest first, distinct, > 0


def parse_meeting_form(text: str, *, timezone: str, now: datetime) -> SeriesDraft:
    """Title on the first line, then `key: value` lines (see the module docstring).

    `timezone` is the forum's zone; `now` is aware. A start inside a DST gap is kept as typed
    (its first occurrence moves forward as zoneinfo does); one inside an overlap means the first.
    """
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    # "/meeting" followed straight by "starts: …" means the title was forgotten, not that the
    # meeting is called "starts: 2027-03-15 09:00".
    if not lines or _setting(lines[0]) is not None:
        raise FormError(N_("The meeting needs a title on the first line."))
    title = validate_title(lines[0])
    fields: dict[str, str] = {}
    for line in lines[1:]:
        setting = _setting(line)
        if setting is None:
            raise FormError(
                N_(
                    "I don't understand the line “%(line)s”. "
                    "Use starts:, place:, link:, every:, duration: or reminders:."
                ),
                line=line,
            )
        key, value = setting
        fields[key] = value  # like the other forms: a repeated line overrides the earlier one
    if not fields.get("starts"):
        raise FormError(
            N_("When does the meeting start? Add a line like starts: 2027-03-15 09:00.")
        )
    first_start = parse_wall_clock(fields["starts"])
    first_utc = localize_typed(first_start, timezone)
    if first_utc <= now:
        raise FormError(N_("The first meeting must start in the future."))
    if first_utc > now + MAX_AHEAD:
        raise FormError(N_("The first meeting must start within the next ten years."))
    every = parse_every(fields["every"]) if "every" in fields else DEFAULT_EVERY_MONTHS
    duration = (
        parse_meeting_duration(fields["duration"]) if "duration" in fields else DEFAULT_DURATION
    )
    if "reminders" in fields:
        reminders = parse_reminders(fields["reminders"])
        validate_reminders(reminders, every)
    else:
        # The defaults are ours, not the member's: a monthly series quietly drops the 30-day one
        # instead of failing a form the member never wrote reminders into.
        reminders = tuple(lead for lead in DEFAULT_REMINDERS if _fits(lead, every))
    place = " ".join(fields.get("place", "").split()) or None
    if place is not None and len(place) > MAX_PLACE:
        raise FormError(
            Nn_(
                "The place can be at most %(max)s character long.",
                "The place can be at most %(max)s characters long.",
                "max",
            ),
            max=MAX_PLACE,
        )
    return SeriesDraft(
        title=title,
        first_start=first_start,
        timezone=timezone,
        duration=duration,
        every_months=every,
        place=place,
        link=parse_link(fields.get("link", "")),
        reminders=reminders,
    )


def _setting(line: str) -> tuple[str, str] | None:
    """('starts', '2027-03-15 09:00') for a known `key: value` line, else None."""
    key, sep, value = line.partition(":")
    canonical = KEYS.get(key.strip().lower())
    if not sep or canonical is None:
        return None
    return canonical, value.strip()


def validate_title(title: str) -> str:
    """A meeting title: 1-200 characters on one line."""
    title = " ".join(title.split())
    if not title:
        raise FormError(N_("The meeting needs a title on the first line."))
    if len(title) > MAX_TITLE:
        raise FormError(
            Nn_(
                "A meeting title can be at most %(max)s character long.",
                "A meeting title can be at most %(max)s characters long.",
                "max",
            ),
            max=MAX_TITLE,
        )
    return title


def parse_wall_clock(text: str) -> datetime:
    """'2027-03-15 09:00' → naive local datetime.

    Not polls.parse_local_time: that one reads a date alone as 23:59 (fine for a poll deadline,
    wrong for a meeting) and returns UTC, which loses the typed time inside a DST gap.
    """
    text = " ".join(text.split())
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError:
        raise FormError(
            N_("I can't read the time “%(text)s”. Write it like 2027-03-15 09:00."), text=text
        ) from None


def parse_every(text: str) -> int | None:
    """'6 months', '1 month', '6', '1 year', 'monthly' → months; 'none' → None (one meeting)."""
    value = " ".join(text.split()).lower()
    if value in _NONE:
        return None
    months = _EVERY_WORDS.get(value)
    if months is None:
        match = _EVERY.match(value)
        if not match:
            raise FormError(
                N_(
                    "I don't understand “every: %(value)s”. "
                    "Write every: 6 months, or every: none for a single meeting."
                ),
                value=text.strip(),
            )
        months = int(match[1]) * (12 if (match[2] or "").startswith("year") else 1)
    if not 1 <= months <= MAX_EVERY_MONTHS:
        raise FormError(
            Nn_(
                "A series can repeat every 1 to %(max)s month.",
                "A series can repeat every 1 to %(max)s months.",
                "max",
            ),
            max=MAX_EVERY_MONTHS,
        )
    return months


def parse_span(text: str) -> timedelta | None:
    """'3h', '90m', '1d', '1d 2h' → timedelta; None if not in that form."""
    match = _SPAN.match(text.strip().lower())
    if not match or not any(match.groups()):
        return None
    days, hours, minutes = (int(group or 0) for group in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def parse_meeting_duration(text: str) -> timedelta:
    duration = parse_span(text)
    if duration is None:
        raise FormError(
            N_("I can't read the duration “%(text)s”. Write it like 3h, 90m or 1d."),
            text=text.strip(),
        )
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise FormError(N_("A meeting can last from 15 minutes to 24 hours."))
    return duration


def parse_reminders(text: str) -> tuple[timedelta, ...]:
    """'30d, 7d, 1d, 1h' → lead times, longest first, duplicates dropped; 'none' → ()."""
    if text.strip().lower() in _NONE:
        return ()
    leads = set()
    for item in text.replace(";", ",").split(","):
        lead = parse_span(item)
        if lead is None or lead <= timedelta(0):
            raise FormError(
                N_(
                    "I can't read the reminders “%(text)s”. "
                    "Write lead times like 30d, 7d, 1d, 1h, or none."
                ),
                text=text.strip(),
            )
        leads.add(lead)
    if len(leads) > MAX_REMINDERS:
        raise FormError(
            Nn_(
                "A meeting can have at most %(max)s reminder.",
                "A meeting can have at most %(max)s reminders.",
                "max",
            ),
            max=MAX_REMINDERS,
        )
    return tuple(sorted(leads, reverse=True))


def validate_reminders(reminders: tuple[timedelta, ...], every_months: int | None) -> None:
    """In a series, no reminder may come before the previous meeting; a single meeting keeps all."""
    if every_months is None:
        return
    for lead in reminders:
        if not _fits(lead, every_months):
            raise FormError(
                N_(
                    "A reminder can't come before the previous meeting of the series: "
                    "the longest lead time is %(max)s."
                ),
                max=format_duration(every_months * SHORTEST_MONTH),
            )


def _fits(lead: timedelta, every_months: int | None) -> bool:
    return every_months is None or lead <= every_months * SHORTEST_MONTH


def parse_link(text: str) -> str | None:
    """An http(s) URL of at most 500 characters; '' or 'none' → None."""
    link = text.strip()
    if not link or link.lower() in _NONE:
        return None
    try:
        parts = urlsplit(link)
        ok = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. a malformed IPv6 host or port
        ok = False
    if not ok or len(link) > MAX_LINK or _LINK_FORBIDDEN.search(link):
        raise FormError(
            Nn_(
                "The link must be a web address starting with https:// or http://, "
                "at most %(max)s character long.",
                "The link must be a web address starting with https:// or http://, "
                "at most %(max)s characters long.",
                "max",
            ),
            max=MAX_LINK,
        )
    return link


def format_duration(delta: timedelta) -> str:
    """'3h', '90m', '1d', '1d 2h': whole days, then the rest in hours if whole, else minutes.

    The form's own notation, so parse_span(format_duration(d)) == d.
    """
    minute = timedelta(minutes=1)
    if delta < timedelta(0) or delta % minute:
        raise ValueError(f"not a whole number of minutes: {delta!r}")
    days, rest = divmod(delta // minute, 24 * 60)
    parts = [f"{days}d"] if days else []
    if rest:
        parts.append(f"{rest // 60}h" if rest % 60 == 0 else f"{rest}m")
    return " ".join(parts) or "0m"
