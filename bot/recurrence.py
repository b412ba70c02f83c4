"""When the meetings of a series fall: occurrences, reminder times. No Telegram.

A series is stored as its first start in local wall-clock time plus the zone, never as UTC: the
forum meets "at 09:00 in March and September", so every occurrence is computed from the first in
local time (month arithmetic, day clamped to the month's end) and only then turned into UTC. The
UTC offset changes with daylight saving time; the local time does not, and nothing drifts.
The /meeting form that produces a series is bot/meetings.py.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# Far enough for any real plan; keeps month arithmetic for later occurrences clear of year 9999.
MAX_AHEAD = timedelta(days=10 * 366)
HORIZON = timedelta(days=400)  # a repeating series' occurrences are materialised this far ahead


def localize(local: datetime, timezone: str) -> datetime:
    """A naive local wall-clock time in `timezone` → aware UTC.

    fold=0: in a DST overlap the earlier moment; in a gap zoneinfo moves it forward by the gap.
    """
    if local.tzinfo is not None:
        raise ValueError(f"expected a naive local time, got {local!r}")
    return local.replace(tzinfo=ZoneInfo(timezone), fold=0).astimezone(UTC)


EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def localize_typed(local: datetime, timezone: str) -> datetime:
    """localize() for a time someone typed, which may lie outside what UTC can hold.

    Year 1 east of Greenwich or year 9999 west of it has no UTC datetime (OverflowError). The
    nearest one that exists stands in: it compares with `now` as the real moment would, so
    the form's own range check answers ("must be in the future", "within ten years"). Callers
    must check the range before any arithmetic on the result.
    """
    try:
        return localize(local, timezone)
    except OverflowError:
        return EARLIEST if local.year == 1 else LATEST


def add_months(start: datetime, months: int) -> datetime:
    """`start` moved by whole calendar months, day clamped to the target month's last day.

    A calendar.monthrange helper rather than dateutil's relativedelta: same result, one obvious
    rule, and no reliance on a package we only have because matplotlib needs it.
    """
    year, month0 = divmod(start.year * 12 + start.month - 1 + months, 12)
    day = min(start.day, calendar.monthrange(year, month0 + 1)[1])
    return start.replace(year=year, month=month0 + 1, day=day)


def occurrence_start(
    first_start: datetime, timezone: str, every_months: int | None, n: int
) -> datetime:
    """The n-th occurrence (n=0 is the first) as aware UTC.

    Always computed from the first start, never from the previous occurrence: 31 Aug + 6 months is
    28/29 Feb, and + 12 months is 31 Aug again, not 28 Aug.
    """
    if n < 0 or (every_months is None and n != 0):
        raise ValueError(f"no occurrence {n} in this series")
    if every_months is not None and every_months < 1:
        raise ValueError(f"every_months must be at least 1, got {every_months}")
    return localize(add_months(first_start, n * (every_months or 0)), timezone)


def occurrences_between(
    first_start: datetime,
    timezone: str,
    every_months: int | None,
    start_utc: datetime,
    end_utc: datetime,
) -> list[tuple[int, datetime]]:
    """(n, start as aware UTC) for every occurrence starting in [start_utc, end_utc), in order."""
    if every_months is None:
        first = occurrence_start(first_start, timezone, None, 0)
        return [(0, first)] if start_utc <= first < end_utc else []
    # Jump close to the window instead of walking from the first meeting: occurrences two local
    # months before the window's start are surely before it, whatever the UTC offsets.
    window_local = start_utc.astimezone(ZoneInfo(timezone))
    months_ahead = (window_local.year - first_start.year) * 12 + (
        window_local.month - first_start.month
    )
    n = max(0, (months_ahead - 2) // every_months)
    found: list[tuple[int, datetime]] = []
    while True:
        when = occurrence_start(first_start, timezone, every_months, n)
        if when >= end_utc:
            # Occurrences are at least 28 local days apart and an offset change is hours, so
            # they are strictly increasing in UTC too: nothing later can fall in the window.
            return found
        if when >= start_utc:
            found.append((n, when))
        n += 1


def reminder_times(
    start_utc: datetime, reminders: tuple[timedelta, ...]
) -> list[tuple[timedelta, datetime]]:
    """(lead, when as UTC) for each lead time before a meeting starting at `start_utc`, earliest first."""
    return sorted(((lead, start_utc - lead) for lead in reminders), key=lambda pair: pair[1])


def occurrences(
    first_local: datetime,
    zone: str,
    every: int | None,
    duration: timedelta,
    start_seq: int,
    until: datetime,
) -> list[tuple[int, datetime, datetime]]:
    """(seq, start, end) from `start_seq` up to `until` (at least one), in UTC."""
    found: list[tuple[int, datetime, datetime]] = []
    seq = start_seq
    while True:
        start = occurrence_start(first_local, zone, every, seq)
        if found and start > until:
            return found
        found.append((seq, start, start + duration))
        if every is None:
            return found
        seq += 1


def due_leads(start_utc: datetime, reminders: tuple[int, ...], now: datetime) -> list[int]:
    """The lead times (seconds) of a meeting starting at `start_utc` whose moment has come."""
    return [
        int(lead.total_seconds())
        for lead, when in reminder_times(start_utc, tuple(timedelta(seconds=s) for s in reminders))
        if when <= now
    ]
