"""bot.ics: calendar files for meetings (pure, no I/O)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.ics import CalendarEvent, calendar_file, filename

STAMP = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
THAI_TITLE = "การประชุมเวทีระดับชาติ, สมัยที่ 1; Plenary"


def make_event(**changes) -> CalendarEvent:
    fields = {
        "uid": "meeting-12-3@scp-forum-bot",
        "sequence": 2,
        "title": THAI_TITLE,
        # 09:00–12:30 in Bangkok (UTC+7)
        "start": datetime(2027, 3, 15, 2, 0, tzinfo=UTC),
        "end": datetime(2027, 3, 15, 5, 30, tzinfo=UTC),
        "timezone": "Asia/Bangkok",
        "place": "ศูนย์ประชุม, ห้อง 3; ชั้น 2",
        "link": "https://meet.example.org/abc?x=1,2;3",
        "description": "วาระ:\n1. เปิดประชุม\n2. 会议; اجتماع, end",
        "stamp": STAMP,
    }
    fields.update(changes)
    return CalendarEvent(**fields)


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def only_event(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


# --- round trip -------------------------------------------------------------------------------


def test_round_trip_fields():
    calendar = parse(calendar_file([make_event()], name="SCP Forum"))
    assert str(calendar["PRODID"]) == "-//SCP Forum Bot//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    event = only_event(calendar)
    assert str(event["UID"]) == "meeting-12-3@scp-forum-bot"
    assert event.decoded("SEQUENCE") == 2
    assert str(event["SUMMARY"]) == THAI_TITLE
    assert str(event["LOCATION"]) == "ศูนย์ประชุม, ห้อง 3; ชั้น 2"
    assert str(event["URL"]) == "https://meet.example.org/abc?x=1,2;3"
    assert str(event["DESCRIPTION"]) == (
        "วาระ:\n1. เปิดประชุม\n2. 会议; اجتماع, end\n\nhttps://meet.example.org/abc?x=1,2;3"
    )
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTAMP") == STAMP


def test_start_and_end_are_wall_clock_in_the_forum_zone():
    data = calendar_file([make_event()], name="SCP Forum")
    assert b"DTSTART;TZID=Asia/Bangkok:20270315T090000\r\n" in data
    assert b"DTEND;TZID=Asia/Bangkok:20270315T123000\r\n" in data
    event = only_event(parse(data))
    assert event["DTSTART"].params["TZID"] == "Asia/Bangkok"
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start.replace(tzinfo=None) == datetime(2027, 3, 15, 9, 0)
    assert end.replace(tzinfo=None) == datetime(2027, 3, 15, 12, 30)
    assert start == datetime(2027, 3, 15, 2, 0, tzinfo=UTC)
    assert end == datetime(2027, 3, 15, 5, 30, tzinfo=UTC)
    assert b"DTSTAMP:20270301T080000Z\r\n" in data


def test_one_vtimezone_per_zone_used_sorted_and_before_events():
    events = [
        make_event(uid="a@x", timezone="Europe/Berlin"),
        make_event(uid="b@x"),
        make_event(uid="c@x", timezone="Europe/Berlin"),
        make_event(uid="d@x", timezone="UTC"),  # UTC is written with Z and needs none
    ]
    data = calendar_file(events, name="n")
    calendar = parse(data)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == [
        "Asia/Bangkok",
        "Europe/Berlin",
    ]
    assert data.index(b"BEGIN:VTIMEZONE") < data.index(b"BEGIN:VEVENT")
    assert b"DTSTART:20270315T020000Z\r\n" in data
    assert calendar.get_missing_tzids() == set()
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == ["a@x", "b@x", "c@x", "d@x"]


def test_daylight_saving_zone_gets_summer_time():
    event = make_event(
        timezone="Europe/Berlin",
        start=datetime(2027, 7, 15, 8, 0, tzinfo=UTC),
        end=datetime(2027, 7, 15, 9, 0, tzinfo=UTC),
    )
    data = calendar_file([event], name="n")
    assert b"DTSTART;TZID=Europe/Berlin:20270715T100000\r\n" in data
    (vtimezone,) = parse(data).walk("VTIMEZONE")
    assert [c.name for c in vtimezone.subcomponents] == ["STANDARD", "DAYLIGHT", "STANDARD"]
    assert only_event(parse(data)).decoded("DTSTART") == event.start


def test_non_utc_aware_inputs_are_converted():
    tz = timezone(timedelta(hours=7))
    event = make_event(
        start=datetime(2027, 3, 15, 9, 0, tzinfo=tz),
        end=datetime(2027, 3, 15, 12, 30, tzinfo=tz),
        stamp=datetime(2027, 3, 1, 15, 0, tzinfo=tz),
    )
    assert calendar_file([event], name="n") == calendar_file([make_event()], name="n")


def test_calendar_name_is_escaped():
    data = calendar_file([make_event()], name="ฟอรั่ม SCP, การประชุม; 2027")
    assert "X-WR-CALNAME:ฟอรั่ม SCP\\, การประชุม\\; 2027\r\n".encode() in data
    assert "NAME:ฟอรั่ม SCP\\, การประชุม\\; 2027\r\n".encode() in data


def test_optional_fields():
    data = calendar_file([make_event(place=None, link=None, description=None)], name="n")
    event = only_event(parse(data))
    for prop in ("LOCATION", "URL", "DESCRIPTION"):
        assert prop not in event
    link_only = only_event(parse(calendar_file([make_event(description=None)], name="n")))
    assert str(link_only["DESCRIPTION"]) == "https://meet.example.org/abc?x=1,2;3"
    text_only = only_event(parse(calendar_file([make_event(link=None)], name="n")))
    assert str(text_only["DESCRIPTION"]).endswith("end")
    assert "URL" not in text_only


# --- stability and cancellation ---------------------------------------------------------------


def test_same_input_gives_identical_bytes():
    events = [make_event(), make_event(uid="m-2@x", timezone="Europe/Berlin")]
    assert calendar_file(events, name="n") == calendar_file(list(events), name="n")


def test_moving_an_occurrence_keeps_its_uid_and_bumps_sequence():
    before = make_event()
    moved = dataclasses.replace(
        before,
        start=before.start + timedelta(days=1),
        end=before.end + timedelta(days=1),
        sequence=before.sequence + 1,
    )
    old = only_event(parse(calendar_file([before], name="n")))
    new = only_event(parse(calendar_file([moved], name="n")))
    assert str(old["UID"]) == str(new["UID"]) == "meeting-12-3@scp-forum-bot"
    assert new.decoded("SEQUENCE") == old.decoded("SEQUENCE") + 1
    assert new.decoded("DTSTART") - old.decoded("DTSTART") == timedelta(days=1)


def test_cancelled_event():
    data = calendar_file([make_event(cancelled=True, sequence=3)], name="n")
    assert b"METHOD:CANCEL\r\n" in data
    assert b"STATUS:CANCELLED\r\n" in data
    calendar = parse(data)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(only_event(calendar)["STATUS"]) == "CANCELLED"


def test_method_is_publish_unless_every_event_is_cancelled():
    mixed = [make_event(uid="a@x", cancelled=True), make_event(uid="b@x")]
    data = calendar_file(mixed, name="n")
    assert b"METHOD:PUBLISH\r\n" in data
    assert [str(e["STATUS"]) for e in parse(data).walk("VEVENT")] == ["CANCELLED", "CONFIRMED"]
    both = [make_event(uid="a@x", cancelled=True), make_event(uid="b@x", cancelled=True)]
    assert b"METHOD:CANCEL\r\n" in calendar_file(both, name="n")


def test_empty_calendar():
    data = calendar_file([], name="n")
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")
    assert b"METHOD:PUBLISH\r\n" in data
    assert parse(data).walk("VEVENT") == []


# --- wire format ------------------------------------------------------------------------------


def test_lines_are_folded_at_75_octets_and_end_in_crlf():
    long_title = "การประชุมเวทีระดับชาติว่าด้วยการผลิตและการบริโภคที่ยั่งยืน, " * 4
    data = calendar_file([make_event(title=long_title)], name="n")
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")
    assert data.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")
    lines = data.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # something was folded
    for line in lines:
        line.decode("utf-8")  # folded between characters, never inside one
    assert str(only_event(parse(data))["SUMMARY"]) == long_title


def test_text_escaping_on_the_wire():
    data = calendar_file([make_event(title="a, b; c\nd\\e")], name="n")
    assert b"SUMMARY:a\\, b\\; c\\nd\\\\e\r\n" in data
    assert str(only_event(parse(data))["SUMMARY"]) == "a, b; c\nd\\e"


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"start": datetime(2027, 3, 15, 2, 0)},
        {"end": datetime(2027, 3, 15, 5, 0)},
        {"stamp": datetime(2027, 3, 1)},
        {"end": datetime(2027, 3, 15, 1, 0, tzinfo=UTC)},
        {"uid": ""},
        {"uid": "a\nb"},
        {"sequence": -1},
        {"link": "https://x.org/a b"},
        {"link": "https://x.org/\r\nX-EVIL:1"},
    ],
)
def test_invalid_events_are_rejected(changes):
    with pytest.raises(ValueError):
        make_event(**changes)


def test_unknown_zone_is_rejected():
    with pytest.raises(KeyError):  # zoneinfo.ZoneInfoNotFoundError
        make_event(timezone="Mars/Olympus_Mons")


def test_duplicate_uids_are_rejected():
    with pytest.raises(ValueError):
        calendar_file([make_event(), make_event()], name="n")


def test_fields_are_keyword_only():
    with pytest.raises(TypeError):
        CalendarEvent("u", 0)  # type: ignore[misc]


# --- filename ---------------------------------------------------------------------------------

DAY = datetime(2027, 3, 15, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("National SCP Forum: Spring Session", "national-scp-forum-spring-session-2027-03-15.ics"),
        (
            "  Working group #3 — Plastics & Packaging!  ",
            "working-group-3-plastics-packaging-2027-03-15.ics",
        ),
        ("Réunion du forum", "reunion-du-forum-2027-03-15.ics"),
        ("การประชุมเวทีระดับชาติ", "meeting-2027-03-15.ics"),
        ("可持续消费与生产论坛", "meeting-2027-03-15.ics"),
        ("اجتماع المنتدى", "meeting-2027-03-15.ics"),
        ("การประชุม 2027", "meeting-2027-03-15.ics"),
        ("", "meeting-2027-03-15.ics"),
        ("../../etc/passwd", "etc-passwd-2027-03-15.ics"),
    ],
)
def test_filename(title, expected):
    assert filename(title, DAY) == expected


def test_filename_uses_the_date_of_start_as_given():
    late_utc = datetime(2027, 3, 14, 23, 0, tzinfo=UTC)  # 06:00 on the 15th in Bangkok
    assert filename("Forum", late_utc) == "forum-2027-03-14.ics"
    local = late_utc.astimezone(ZoneInfo("Asia/Bangkok"))
    assert filename("Forum", local) == "forum-2027-03-15.ics"


def test_long_filename_is_cut_at_a_word_to_80_chars():
    title = "National Sustainable Consumption and Production Stakeholder Forum Annual Plenary"
    name = filename(title, DAY)
    assert len(name) <= 80
    assert name.endswith("-2027-03-15.ics")
    slug = name.removesuffix("-2027-03-15.ics")
    assert "national-sustainable-consumption-and-production".startswith(slug[:20])
    assert title.lower().replace(" ", "-").startswith(slug)
    assert not slug.endswith("-")
    unbroken = filename("x" * 200, DAY)
    assert len(unbroken) == 80
    assert unbroken == "x" * 65 + "-2027-03-15.ics"
