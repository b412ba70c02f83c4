"""bot.recurrence: the /meeting form, occurrences in local wall-clock time, reminder times."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.forums import FormError
from bot.meetings import (
    DEFAULT_REMINDERS,
    SeriesDraft,
    format_duration,
    parse_meeting_form,
    parse_span,
)
from bot.recurrence import occurrence_start, occurrences_between, reminder_times

PROPERTY = settings(max_examples=200, deadline=None)
MINUTE = timedelta(minutes=1)
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ZONES = [
    "Europe/Berlin",
    "America/Santiago",
    "Australia/Sydney",
    "Asia/Tehran",
    "Asia/Bangkok",
    "America/New_York",
    "Pacific/Chatham",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "UTC",
]
CONTRACT = (
    "National SCP Forum, spring session\n"
    "starts: 2027-03-15 09:00\n"
    "place: Ministry of Environment, Room 3\n"
    "every: 6 months"
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(when: datetime, zone: str) -> datetime:
    """An aware UTC moment as naive wall-clock time in `zone`."""
    return when.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def starts(first: datetime, zone: str, every: int | None, count: int) -> list[datetime]:
    return [occurrence_start(first, zone, every, n) for n in range(count)]


# --- occurrences: hand-worked examples -----------------------------------------------------


def test_end_of_month_clamps_without_drift():
    first = datetime(2026, 8, 31, 10, 0)
    got = [local(s, "Europe/Berlin") for s in starts(first, "Europe/Berlin", 6, 5)]
    assert got == [
        datetime(2026, 8, 31, 10, 0),
        datetime(2027, 2, 28, 10, 0),
        datetime(2027, 8, 31, 10, 0),  # back to the 31st: computed from the first, not the 28th
        datetime(2028, 2, 29, 10, 0),  # leap year
        datetime(2028, 8, 31, 10, 0),
    ]
    # Summer time in August (+02), winter time in February (+01): UTC moves, local time does not.
    assert starts(first, "Europe/Berlin", 6, 2) == [utc(2026, 8, 31, 8), utc(2027, 2, 28, 9)]


def test_sydney_keeps_nine_oclock_across_dst():
    first = datetime(2027, 1, 15, 9, 0)
    got = starts(first, "Australia/Sydney", 6, 3)
    assert got == [utc(2027, 1, 14, 22), utc(2027, 7, 14, 23), utc(2028, 1, 14, 22)]  # +11, +10
    assert {local(s, "Australia/Sydney").time().isoformat() for s in got} == {"09:00:00"}


def test_tehran_half_hour_offset_and_abolished_dst():
    # Iran kept DST (+04:30 in summer) until 2022 and has been +03:30 all year since.
    first = datetime(2021, 1, 10, 9, 0)
    assert starts(first, "Asia/Tehran", 6, 6) == [
        utc(2021, 1, 10, 5, 30),
        utc(2021, 7, 10, 4, 30),
        utc(2022, 1, 10, 5, 30),
        utc(2022, 7, 10, 4, 30),
        utc(2023, 1, 10, 5, 30),
        utc(2023, 7, 10, 5, 30),
    ]


def test_santiago_midnight_gap_and_overlap():
    # Chile springs forward at local midnight: 2026-09-06 00:00-00:59 does not exist.
    assert occurrence_start(datetime(2026, 9, 6, 0, 30), "America/Santiago", None, 0) == utc(
        2026, 9, 6, 4, 30
    )
    assert local(utc(2026, 9, 6, 4, 30), "America/Santiago") == datetime(2026, 9, 6, 1, 30)
    # It falls back at midnight too: 2027-04-03 23:30 happens twice; the first (-03) is taken.
    assert occurrence_start(datetime(2027, 4, 3, 23, 30), "America/Santiago", None, 0) == utc(
        2027, 4, 4, 2, 30
    )


def test_a_later_occurrence_in_a_dst_gap_moves_forward_then_comes_back():
    first = datetime(2026, 9, 28, 2, 30)  # Berlin; 2027-03-28 02:30 is in the spring-forward gap
    got = [local(s, "Europe/Berlin") for s in starts(first, "Europe/Berlin", 6, 3)]
    assert got == [
        datetime(2026, 9, 28, 2, 30),
        datetime(2027, 3, 28, 3, 30),  # as zoneinfo moves it
        datetime(2027, 9, 28, 2, 30),  # the series itself still says 02:30
    ]


def test_single_meeting_has_only_occurrence_zero():
    first = datetime(2027, 3, 15, 9, 0)
    assert occurrence_start(first, "Asia/Bangkok", None, 0) == utc(2027, 3, 15, 2)
    with pytest.raises(ValueError):
        occurrence_start(first, "Asia/Bangkok", None, 1)
    with pytest.raises(ValueError):
        occurrence_start(first, "Asia/Bangkok", 6, -1)
    assert occurrences_between(first, "Asia/Bangkok", None, NOW, utc(2030, 1, 1)) == [
        (0, utc(2027, 3, 15, 2))
    ]
    assert (
        occurrences_between(first, "Asia/Bangkok", None, utc(2027, 3, 15, 2, 1), utc(2030, 1, 1))
        == []
    )


def test_occurrences_between_is_half_open():
    first = datetime(2027, 3, 15, 9, 0)
    march, september = utc(2027, 3, 15, 9), utc(2027, 9, 15, 9)
    assert occurrences_between(first, "UTC", 6, march, september) == [(0, march)]
    assert occurrences_between(first, "UTC", 6, march + timedelta(minutes=1), september) == []
    assert occurrences_between(first, "UTC", 6, utc(2030, 1, 1), utc(2031, 1, 1)) == [
        (6, utc(2030, 3, 15, 9)),
        (7, utc(2030, 9, 15, 9)),
    ]
    assert occurrences_between(first, "UTC", 6, utc(2020, 1, 1), march) == []


def test_reminder_times_earliest_first():
    start = utc(2027, 3, 15, 2)
    assert reminder_times(start, DEFAULT_REMINDERS) == [
        (timedelta(days=30), utc(2027, 2, 13, 2)),
        (timedelta(days=7), utc(2027, 3, 8, 2)),
        (timedelta(days=1), utc(2027, 3, 14, 2)),
        (timedelta(hours=1), utc(2027, 3, 15, 1)),
    ]
    assert reminder_times(start, (timedelta(hours=1), timedelta(days=2))) == [
        (timedelta(days=2), utc(2027, 3, 13, 2)),
        (timedelta(hours=1), utc(2027, 3, 15, 1)),
    ]
    assert reminder_times(start, ()) == []


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(hours=3), "3h"),
        (timedelta(minutes=90), "90m"),
        (timedelta(days=1), "1d"),
        (timedelta(hours=26), "1d 2h"),
        (timedelta(days=1, minutes=90), "1d 90m"),
        (timedelta(days=30), "30d"),
        (timedelta(0), "0m"),
    ],
)
def test_format_duration(delta, text):
    assert format_duration(delta) == text
    assert parse_span(text) == delta


def test_format_duration_rejects_seconds_and_negatives():
    for bad in (timedelta(seconds=30), timedelta(minutes=-5)):
        with pytest.raises(ValueError):
            format_duration(bad)


# --- occurrences: properties ---------------------------------------------------------------


@st.composite
def series(draw) -> tuple[datetime, str, int]:
    """A first start (often on the 28th-31st, often at DST-prone hours), a zone, an interval."""
    year = draw(st.integers(2000, 2080))
    month = draw(st.integers(1, 12))
    day = draw(st.one_of(st.integers(28, 31), st.integers(1, 31)))
    day = min(day, calendar.monthrange(year, month)[1])
    hour = draw(st.one_of(st.sampled_from([0, 1, 2, 3, 23]), st.integers(0, 23)))
    minute = draw(st.sampled_from([0, 15, 30, 45, 59]))
    first = datetime(year, month, day, hour, minute)
    return first, draw(st.sampled_from(ZONES)), draw(st.integers(1, 24))


def intended(first: datetime, every: int, n: int) -> datetime:
    """Occurrence n as the calendar says it, before any DST adjustment."""
    year, month0 = divmod(first.year * 12 + first.month - 1 + n * every, 12)
    day = min(first.day, calendar.monthrange(year, month0 + 1)[1])
    return first.replace(year=year, month=month0 + 1, day=day)


def check_occurrence(first: datetime, zone: str, every: int, n: int) -> str:
    """Assert occurrence n keeps the first's local day (clamped) and time; say which case it was."""
    tz = ZoneInfo(zone)
    got = occurrence_start(first, zone, every, n)
    assert got.utcoffset() == timedelta(0)
    wall = local(got, zone)
    want = intended(first, every, n)
    assert want.month - 1 == (first.month - 1 + n * every) % 12
    assert want.day == min(first.day, calendar.monthrange(want.year, want.month)[1])
    assert (want.hour, want.minute) == (first.hour, first.minute)
    before = want.replace(tzinfo=tz, fold=0).utcoffset()
    after = want.replace(tzinfo=tz, fold=1).utcoffset()
    if local(want.replace(tzinfo=tz).astimezone(UTC), zone) == want:
        assert wall == want  # same day, same hour:minute
        # In an overlap (fold=1 has the other offset) the first of the two moments is taken.
        assert got == min(
            want.replace(tzinfo=tz, fold=0).astimezone(UTC),
            want.replace(tzinfo=tz, fold=1).astimezone(UTC),
        )
        return "plain" if before == after else "overlap"
    # That wall-clock time does not exist: zoneinfo moves it forward by the gap's length.
    assert after > before
    assert wall == want + (after - before)
    return "gap"


@PROPERTY
@given(series(), st.integers(0, 40))
def test_occurrence_keeps_local_time_and_clamped_day(case, n):
    check_occurrence(*case, n)


@cache
def transitions(zone: str) -> list[tuple[datetime, timedelta]]:
    """(first local wall-clock minute the change affects, new offset - old offset), 2020-2040."""
    tz, found = ZoneInfo(zone), []
    day = utc(2020, 1, 1, 12)
    while day.year < 2041:
        following = day + timedelta(days=1)
        if day.astimezone(tz).utcoffset() != following.astimezone(tz).utcoffset():
            low, high = 0, 24 * 60  # bisect to the first UTC minute with the new offset
            while high - low > 1:
                middle = (low + high) // 2
                if (day + middle * MINUTE).astimezone(tz).utcoffset() == day.astimezone(
                    tz
                ).utcoffset():
                    low = middle
                else:
                    high = middle
            low, high = day + low * MINUTE, day + high * MINUTE
            old, new = low.astimezone(tz).utcoffset(), high.astimezone(tz).utcoffset()
            found.append((high.replace(tzinfo=None) + min(old, new), new - old))
        day = following
    return found


DST_ZONES = [zone for zone in ZONES if zone not in ("Asia/Bangkok", "UTC")]


@PROPERTY
@given(st.sampled_from(DST_ZONES), st.data(), st.integers(1, 24), st.integers(0, 40))
def test_occurrences_that_fall_in_a_dst_gap_or_overlap(zone, data, every, n):
    """Random series rarely hit a DST change, so aim occurrence n at one (when its day allows)."""
    change, delta = data.draw(st.sampled_from(transitions(zone)))
    target = change + timedelta(minutes=data.draw(st.integers(0, abs(delta) // MINUTE - 1)))
    year, month0 = divmod(target.year * 12 + target.month - 1 - n * every, 12)
    assume(target.day <= calendar.monthrange(year, month0 + 1)[1])
    first = target.replace(year=year, month=month0 + 1)
    assert check_occurrence(first, zone, every, n) == ("gap" if delta > timedelta(0) else "overlap")


@PROPERTY
@given(
    series(),
    st.integers(0, 40),
    st.integers(0, 40),
    st.integers(-3000, 3000),
    st.integers(-3000, 3000),
)
def test_occurrences_between_matches_direct_computation(case, a, b, shift_a, shift_b):
    first, zone, every = case
    window_start = occurrence_start(first, zone, every, min(a, b)) + timedelta(hours=shift_a)
    window_end = occurrence_start(first, zone, every, max(a, b)) + timedelta(hours=shift_b)
    direct = [(n, occurrence_start(first, zone, every, n)) for n in range(max(a, b) + 6)]
    # Strictly increasing, so the window holds exactly the directly computed ones inside it.
    assert all(x[1] < y[1] for x, y in pairwise(direct))
    expected = [(n, when) for n, when in direct if window_start <= when < window_end]
    assert occurrences_between(first, zone, every, window_start, window_end) == expected


@PROPERTY
@given(st.integers(0, 9999 * 24 * 60))
def test_format_duration_round_trips(minutes):
    delta = timedelta(minutes=minutes)
    assert parse_span(format_duration(delta)) == delta


@PROPERTY
@given(st.lists(st.integers(1, 400 * 24 * 60), unique=True, max_size=6))
def test_reminder_times_are_ordered_and_complete(minutes):
    start = utc(2027, 3, 15, 2)
    leads = tuple(timedelta(minutes=m) for m in minutes)
    got = reminder_times(start, leads)
    assert sorted(lead for lead, _ in got) == sorted(leads)
    assert all(when == start - lead for lead, when in got)
    assert [when for _, when in got] == sorted(when for _, when in got)


# --- the /meeting form ---------------------------------------------------------------------


def parse(text: str, zone: str = "Asia/Bangkok") -> SeriesDraft:
    return parse_meeting_form(text, timezone=zone, now=NOW)


def test_contract_example_with_defaults():
    draft = parse(CONTRACT)
    assert draft == SeriesDraft(
        title="National SCP Forum, spring session",
        first_start=datetime(2027, 3, 15, 9, 0),
        timezone="Asia/Bangkok",
        duration=timedelta(hours=3),
        every_months=6,
        place="Ministry of Environment, Room 3",
        link=None,
        reminders=(timedelta(days=30), timedelta(days=7), timedelta(days=1), timedelta(hours=1)),
    )
    assert occurrence_start(draft.first_start, draft.timezone, draft.every_months, 1) == utc(
        2027, 9, 15, 2
    )


def test_every_setting_written_out():
    draft = parse(
        "  Autumn session  \n"
        "Starts:  2027-03-15   9:00\n"
        "link: https://meet.example.org/scp?room=3\n"
        "every: 12 months\n"
        "duration: 2h 30m\n"
        "reminders: 1h, 14d, 2d 12h, 14d\n"
    )
    assert draft.title == "Autumn session"
    assert draft.first_start == datetime(2027, 3, 15, 9, 0)
    assert draft.link == "https://meet.example.org/scp?room=3"
    assert draft.every_months == 12
    assert draft.duration == timedelta(hours=2, minutes=30)
    assert draft.reminders == (timedelta(days=14), timedelta(days=2, hours=12), timedelta(hours=1))
    assert draft.place is None


@pytest.mark.parametrize(
    ("every", "months"),
    [("6 months", 6), ("1 month", 1), ("3", 3), ("1 year", 12), ("24 months", 24), ("none", None)],
)
def test_every_values(every, months):
    assert parse(f"Forum\nstarts: 2027-03-15 09:00\nevery: {every}").every_months == months


def test_monthly_series_drops_the_default_30_day_reminder():
    draft = parse("Forum\nstarts: 2027-03-15 09:00\nevery: 1 month")
    assert draft.reminders == (timedelta(days=7), timedelta(days=1), timedelta(hours=1))


def test_single_meeting_keeps_long_lead_times():
    draft = parse("Forum\nstarts: 2027-03-15 09:00\nevery: none\nreminders: 90d, 1d")
    assert draft.every_months is None
    assert draft.reminders == (timedelta(days=90), timedelta(days=1))


def test_reminders_none_and_link_none():
    draft = parse("Forum\nstarts: 2027-03-15 09:00\nreminders: none\nlink: none")
    assert draft.reminders == () and draft.link is None


def test_start_in_a_dst_gap_or_overlap():
    gap = parse("Forum\nstarts: 2027-03-28 02:30", zone="Europe/Berlin")
    assert gap.first_start == datetime(2027, 3, 28, 2, 30)  # kept as typed
    assert occurrence_start(gap.first_start, gap.timezone, gap.every_months, 0) == utc(
        2027, 3, 28, 1, 30
    )  # 03:30 CEST
    overlap = parse("Forum\nstarts: 2027-10-31 02:30", zone="Europe/Berlin")
    assert occurrence_start(overlap.first_start, overlap.timezone, None, 0) == utc(
        2027, 10, 31, 0, 30
    )  # the first 02:30, still CEST


def test_past_is_judged_in_utc():
    # NOW is 12:00 UTC, i.e. 19:00 in Bangkok.
    assert parse("Forum\nstarts: 2026-11-01 19:01").first_start == datetime(2026, 11, 1, 19, 1)
    with pytest.raises(FormError) as error:
        parse("Forum\nstarts: 2026-11-01 19:00")
    assert error.value.message == "The first meeting must start in the future."
    assert parse("Forum\nstarts: 2026-11-01 12:01", zone="UTC").first_start.minute == 1


TIME = "I can't read the time “%(text)s”. Write it like 2027-03-15 09:00."
UNKNOWN_LINE = (
    "I don't understand the line “%(line)s”. "
    "Use starts:, place:, link:, every:, duration: or reminders:."
)
EVERY_RANGE = "A series can repeat every 1 to %(max)s months."
DURATION = "I can't read the duration “%(text)s”. Write it like 3h, 90m or 1d."
DURATION_RANGE = "A meeting can last from 15 minutes to 24 hours."
REMINDERS = "I can't read the reminders “%(text)s”. Write lead times like 30d, 7d, 1d, 1h, or none."
LEAD = "A reminder can't come before the previous meeting of the series: the longest lead time is %(max)s."
LINK = "The link must be a web address starting with https:// or http://, at most %(max)s characters long."
START = "starts: 2027-03-15 09:00"


@pytest.mark.parametrize(
    ("text", "message", "params"),
    [
        ("", "The meeting needs a title on the first line.", {}),
        (START, "The meeting needs a title on the first line.", {}),
        (
            "x" * 201 + "\n" + START,
            "A meeting title can be at most %(max)s characters long.",
            {"max": 200},
        ),
        (
            "Forum\nplace: Room 3",
            "When does the meeting start? Add a line like starts: 2027-03-15 09:00.",
            {},
        ),
        (
            "Forum\nstarts:",
            "When does the meeting start? Add a line like starts: 2027-03-15 09:00.",
            {},
        ),
        ("Forum\nstarts: next Tuesday", TIME, {"text": "next Tuesday"}),
        ("Forum\nstarts: 2027-03-15", TIME, {"text": "2027-03-15"}),  # a meeting needs a time
        ("Forum\nstarts: 2027-02-30 09:00", TIME, {"text": "2027-02-30 09:00"}),
        ("Forum\nstarts: 2025-03-15 09:00", "The first meeting must start in the future.", {}),
        (
            "Forum\nstarts: 2040-03-15 09:00",
            "The first meeting must start within the next ten years.",
            {},
        ),
        (f"Forum\n{START}\nroom: 3", UNKNOWN_LINE, {"line": "room: 3"}),
        (f"Forum\n{START}\nsecond title line", UNKNOWN_LINE, {"line": "second title line"}),
        (f"Forum\n{START}\nevery: 0 months", EVERY_RANGE, {"max": 24}),
        (f"Forum\n{START}\nevery: 25 months", EVERY_RANGE, {"max": 24}),
        (f"Forum\n{START}\nevery: 3 years", EVERY_RANGE, {"max": 24}),
        (
            f"Forum\n{START}\nevery: fortnight",
            "I don't understand “every: %(value)s”. "
            "Write every: 6 months, or every: none for a single meeting.",
            {"value": "fortnight"},
        ),
        (f"Forum\n{START}\nduration: long", DURATION, {"text": "long"}),
        (f"Forum\n{START}\nduration: 3 hours", DURATION, {"text": "3 hours"}),
        (f"Forum\n{START}\nduration: 10m", DURATION_RANGE, {}),
        (f"Forum\n{START}\nduration: 1d 1m", DURATION_RANGE, {}),
        (f"Forum\n{START}\nreminders: soon", REMINDERS, {"text": "soon"}),
        (f"Forum\n{START}\nreminders: 1d, 0h", REMINDERS, {"text": "1d, 0h"}),
        (f"Forum\n{START}\nreminders: 1d,", REMINDERS, {"text": "1d,"}),
        (
            f"Forum\n{START}\nreminders: 1m, 2m, 3m, 4m, 5m, 6m, 7m",
            "A meeting can have at most %(max)s reminders.",
            {"max": 6},
        ),
        (f"Forum\n{START}\nevery: 1 month\nreminders: 30d", LEAD, {"max": "28d"}),
        (f"Forum\n{START}\nreminders: 200d", LEAD, {"max": "168d"}),
        (f"Forum\n{START}\nlink: meet.example.org", LINK, {"max": 500}),
        (f"Forum\n{START}\nlink: ftp://example.org/x", LINK, {"max": 500}),
        (f"Forum\n{START}\nlink: https://", LINK, {"max": 500}),
        (f'Forum\n{START}\nlink: https://example.org/"><b>', LINK, {"max": 500}),
        (f"Forum\n{START}\nlink: https://example.org/" + "a" * 481, LINK, {"max": 500}),
        (
            f"Forum\n{START}\nplace: " + "p" * 301,
            "The place can be at most %(max)s characters long.",
            {"max": 300},
        ),
    ],
)
def test_form_errors(text, message, params):
    with pytest.raises(FormError) as error:
        parse(text)
    assert error.value.message == message
    assert error.value.params == params


def test_limits_are_inclusive():
    draft = parse(
        "t" * 200 + "\n"
        f"{START}\n"
        "place: " + "p" * 300 + "\n"
        "link: https://example.org/" + "a" * 480 + "\n"
        "every: 24 months\n"
        "duration: 24h\n"
        "reminders: 672d"
    )
    assert len(draft.title) == 200 and len(draft.place) == 300 and len(draft.link) == 500
    assert draft.every_months == 24 and draft.duration == timedelta(hours=24)
    assert draft.reminders == (timedelta(days=672),)
    assert parse(f"Forum\n{START}\nduration: 15m").duration == timedelta(minutes=15)
