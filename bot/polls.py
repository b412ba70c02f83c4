"""Rules for ranked polls: the one-message /newpoll form, deadlines, ballot drafts. No Telegram.

```
/newpoll Which priorities should the forum take up first?
Institutionalise green public procurement
Develop national eco-labelling
closes: 2027-01-15 17:00        (optional, forum's time zone; default 7 days)
anonymous: no                   (optional; default yes)
results: visible                (optional; default hidden until the poll closes)
remind: 12h                     (optional; default 24h before closing; "no" for none)
```
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.forums import FormError
from bot.i18n import N_, Nn_
from bot.recurrence import localize_typed
from db.polls import PollRow

MIN_OPTIONS, MAX_OPTIONS = 2, 12
MAX_QUESTION = 300  # Telegram polls allow 300 characters: members know that length
# 12 options of 150 characters, listed whole, plus the ranking so far fit one 4096-character
# message (Telegram's own polls allow 100 per option).
MAX_OPTION = 150
DEFAULT_DURATION = timedelta(days=7)
DEFAULT_REMINDER = timedelta(hours=24)
MAX_DURATION = timedelta(days=366)
SETTINGS = ("closes", "anonymous", "results", "remind")
_YES = {"yes", "y", "on", "true", "1"}
_NO = {"no", "n", "off", "false", "0", "none"}
_DURATION = re.compile(r"^(\d{1,4})\s*([mhd])$")
_LIST_MARKER = re.compile(r"^(?:[-•*]|\d{1,2}[.)])\s+")
_KEY = re.compile(r"^[^\W\d_]{2,20}$")  # one word: "Closing", "anonymus" (not "Goal 12")
_SETTING_LIKE = re.compile(r"^(?:\d{4}-\d{2}-\d{2}.*|\d{1,4}\s*[mhd]|yes|no|hidden|visible)$", re.I)


@dataclass(frozen=True)
class PollDraft:
    question: str
    options: list[str]
    closes_at: datetime  # aware, UTC
    hide_results: bool = True
    anonymous: bool = True
    remind_before: timedelta = DEFAULT_REMINDER
    # Lines that look like a misspelt setting ("Closing: 10 Jan 2027"): left out, shown in the
    # preview with the nearest setting's name (or None), never made an option.
    unknown: tuple[tuple[str, str | None], ...] = ()


def unknown_setting(line: str) -> tuple[str, str | None] | None:
    """(line, nearest setting or None) if `key: value` reads as a misspelt setting: the key is one
    word and either near a setting's name or followed by a setting's kind of value."""
    key, sep, value = line.partition(":")
    key = key.strip().lower()
    if not sep or key in SETTINGS or not _KEY.match(key):
        return None
    near = difflib.get_close_matches(key, SETTINGS, n=1, cutoff=0.6)
    if near or _SETTING_LIKE.match(value.strip()):
        return line, near[0] if near else None
    return None


def merge_form(old: str, new: str) -> str:
    """A correction of a previewed form: a whole new form, or only `key: value` lines (known or
    misspelt settings), which replace the old lines of those keys, misspelt ones included."""
    lines = [line.strip() for line in new.strip().splitlines() if line.strip()]
    if not lines or not all(_setting_key(line) for line in lines):
        return new
    keys = {_setting_key(line) for line in lines}
    kept = [line for line in old.strip().splitlines() if _setting_key(line) not in keys]
    return "\n".join([*kept, *lines])


def _setting_key(line: str) -> str | None:
    key, sep, _ = line.strip().partition(":")
    if sep and key.strip().lower() in SETTINGS:
        return key.strip().lower()
    flagged = unknown_setting(line.strip())
    return flagged[1] if flagged and flagged[1] else None


def parse_duration(text: str) -> timedelta | None:
    """'30m', '12h', '7d' → timedelta; None if not in that form."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        return None
    amount, unit = int(match[1]), match[2]
    return {"m": timedelta(minutes=amount), "h": timedelta(hours=amount)}.get(
        unit, timedelta(days=amount)
    )


def parse_local_time(text: str, timezone: str) -> datetime:
    """'2027-01-15 17:00' (or a date alone: end of that day) in the forum's zone → aware UTC.

    Check the range of the result before computing with it: a moment beyond what UTC can hold
    comes back as datetime.min or datetime.max (recurrence.localize_typed).
    """
    text = " ".join(text.split())
    for fmt, end_of_day in (("%Y-%m-%d %H:%M", False), ("%Y-%m-%d", True)):
        try:
            naive = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if end_of_day:
            naive = naive.replace(hour=23, minute=59)
        # fold=0: in a DST overlap the earlier moment; in a gap zoneinfo moves it forward.
        # Year 1 or 9999 in a far zone has no UTC datetime: the nearest stands in (see there).
        return localize_typed(naive, timezone)
    raise FormError(
        N_("I can't read the time “%(text)s”. Write it like 2027-01-15 17:00."), text=text
    )


def parse_poll_form(
    text: str, *, timezone: str, now: datetime, preset: list[str] | tuple[str, ...] = ()
) -> PollDraft:
    """Question on the first line, one option a line, optional `key: value` settings.

    `preset` options (picked from a priority catalog) come first, before any typed ones.
    """
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        raise FormError(N_("The poll needs a question on the first line."))
    question, options, settings = lines[0], list(preset), {}
    unknown: list[tuple[str, str | None]] = []
    for line in lines[1:]:
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() in SETTINGS:
            settings[key.strip().lower()] = value.strip()
        elif flagged := unknown_setting(line):
            unknown.append(flagged)
        else:
            # "1. Foo", "- Foo", "• Foo" from a pasted list: drop the marker, keep "3R policies".
            options.append(_LIST_MARKER.sub("", line) or line)
    validate_question(question)
    validate_options(options)
    closes_at = now + DEFAULT_DURATION
    if "closes" in settings:
        relative = parse_duration(settings["closes"])
        closes_at = now + relative if relative else parse_local_time(settings["closes"], timezone)
    validate_deadline(closes_at, now)
    return PollDraft(
        question=question,
        options=options,
        closes_at=closes_at,
        hide_results=_switch(settings.get("results", "hidden"), "results", {"hidden"}, {"visible"}),
        anonymous=_switch(settings.get("anonymous", "yes"), "anonymous", _YES, _NO),
        remind_before=_reminder(settings.get("remind"), closes_at - now),
        unknown=tuple(unknown),
    )


def validate_question(question: str) -> None:
    """FormError if the question is too long to read on a phone (MAX_QUESTION)."""
    if len(question) > MAX_QUESTION:
        raise FormError(
            Nn_(
                "The question can be at most %(max)s character long.",
                "The question can be at most %(max)s characters long.",
                "max",
            ),
            max=MAX_QUESTION,
        )


def validate_options(options: list[str]) -> None:
    """2-12 distinct options of at most 300 characters."""
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise FormError(
            Nn_(
                "A poll needs 2 to 12 options, one per line; this one has %(count)s option.",
                "A poll needs 2 to 12 options, one per line; this one has %(count)s options.",
            ),
            count=len(options),
        )
    for option in options:
        if len(option) > MAX_OPTION:
            raise FormError(
                Nn_(
                    "An option can be at most %(max)s character long.",
                    "An option can be at most %(max)s characters long.",
                    "max",
                ),
                max=MAX_OPTION,
            )
    if len({option.casefold() for option in options}) < len(options):
        raise FormError(N_("Two options are the same; each option must be different."))


def validate_deadline(closes_at: datetime, now: datetime) -> None:
    if closes_at <= now + timedelta(minutes=5):
        raise FormError(N_("The closing time must be in the future (at least 5 minutes away)."))
    if closes_at > now + MAX_DURATION:
        raise FormError(N_("A poll can stay open for at most a year."))


def _switch(value: str, key: str, on: set[str], off: set[str]) -> bool:
    lowered = value.lower()
    if lowered in on:
        return True
    if lowered in off:
        return False
    raise FormError(N_("I don't understand “%(key)s: %(value)s”."), key=key, value=value)


def _reminder(value: str | None, open_for: timedelta) -> timedelta:
    if value is None:
        return DEFAULT_REMINDER if open_for > DEFAULT_REMINDER else timedelta(0)
    if value.lower() in _NO:
        return timedelta(0)
    lead = parse_duration(value)
    if lead is None or lead >= open_for:
        raise FormError(
            N_("The reminder must be a lead time shorter than the poll, such as 24h or 2d.")
        )
    return lead


def add_choice(draft: list[int], option_id: int, option_ids: list[int]) -> list[int] | None:
    """The draft with `option_id` as the next preference; None if it is not a valid next choice."""
    if option_id not in option_ids or option_id in draft:
        return None
    return [*draft, option_id]


def shorten(text: str, limit: int = 40) -> str:
    """A button label: whole words up to `limit` characters, then an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:-") + "…"


def members_may_see(poll: PollRow) -> bool:
    """Whether every member of the forum may see the results: closed, or open and not hidden."""
    return not poll.is_open or not poll.hide_results
