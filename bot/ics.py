"""iCalendar (.ics, RFC 5545) files for forum meetings, so members can add them to their calendars.

Pure: no clock, no I/O. The same events give byte-identical bytes, so a file can be regenerated
at any time. Each occurrence has a stable UID and a SEQUENCE the caller bumps whenever the
occurrence changes, so re-importing a file updates the entry rather than duplicating it.

Times are written in the forum's zone (``DTSTART;TZID=Asia/Bangkok:...``) with a VTIMEZONE
generated from zoneinfo for each zone used, so calendars show the wall-clock time the forum
meets at. The VTIMEZONE lists the zone's actual transitions (as RDATEs) from the January before
the earliest event to two Januaries after the latest, which keeps it short and reproducible.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from db.meetings import MeetingRow

# icalendar is imported when a calendar file is written: ~0.1 s and ~2.5 MB at start otherwise,
# for a file only meeting notices carry (bench/footprint.py).
if TYPE_CHECKING:
    from icalendar import Event

PRODID = "-//SCP Forum Bot//EN"
MAX_FILENAME = 80
_FALLBACK_SLUG = "meeting"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, kw_only=True)
class CalendarEvent:
    """One meeting occurrence as it goes into a calendar file.

    Keyword-only: ``cancelled`` has a default but is listed before ``stamp``, which does not.
    """

    uid: str  # stable per occurrence, e.g. "meeting-12-3@scp-forum-bot"
    sequence: int  # bumped each time the occurrence changes (moved, edited, cancelled)
    title: str
    start: datetime  # aware (converted to UTC; written in `timezone`)
    end: datetime  # aware
    timezone: str  # IANA zone of the forum, e.g. "Asia/Bangkok"
    place: str | None
    link: str | None  # online meeting URL → URL, and appended to DESCRIPTION
    description: str | None
    cancelled: bool = False  # STATUS:CANCELLED (and METHOD:CANCEL when all are)
    stamp: datetime  # DTSTAMP, aware; injected so output is reproducible

    def __post_init__(self) -> None:
        if not self.uid.strip() or _CONTROL.search(self.uid):
            raise ValueError(f"bad UID {self.uid!r}")
        if self.sequence < 0:
            raise ValueError(f"SEQUENCE must be >= 0, not {self.sequence}")
        for name in ("start", "end", "stamp"):
            value = getattr(self, name)
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"{name} must be an aware datetime, not {value!r}")
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        ZoneInfo(self.timezone)  # raises ZoneInfoNotFoundError (a KeyError) for an unknown zone
        if self.link is not None and (
            not self.link or " " in self.link or _CONTROL.search(self.link)
        ):
            raise ValueError(
                f"link must be a URL without spaces or control characters: {self.link!r}"
            )


def calendar_file(events: Sequence[CalendarEvent], *, name: str) -> bytes:
    """One VCALENDAR with a VEVENT per event and a VTIMEZONE per zone used, as UTF-8 bytes.

    METHOD is CANCEL when there are events and every one is cancelled, else PUBLISH.
    Events keep their given order; VTIMEZONEs come first, sorted by TZID.
    Raises ValueError if two events share a UID.
    """
    from icalendar import Calendar, Timezone, vText  # at the first calendar file (see above)

    uids = [event.uid for event in events]
    if len(set(uids)) != len(uids):
        raise ValueError(f"duplicate UIDs in one calendar: {sorted(uids)}")

    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    all_cancelled = bool(events) and all(event.cancelled for event in events)
    calendar.add("METHOD", "CANCEL" if all_cancelled else "PUBLISH")
    calendar.add("NAME", vText(name))  # RFC 7986
    calendar.add("X-WR-CALNAME", vText(name))  # what most clients read

    for event in events:
        calendar.add_component(_vevent(event))

    if events:
        first = min(_local(event.start, event.timezone).date() for event in events)
        last = max(_local(event.end, event.timezone).date() for event in events)
        zones = [
            Timezone.from_tzid(
                tzid,
                first_date=date(first.year - 1, 1, 1),
                last_date=date(last.year + 2, 1, 1),
            )
            for tzid in sorted(calendar.get_missing_tzids())  # UTC needs none
        ]
        calendar.subcomponents[:0] = zones  # before the events that refer to them
    ical: bytes = calendar.to_ical()  # folded at 75 octets, CRLF line endings
    return ical


def filename(title: str, start: datetime) -> str:
    """A safe ASCII file name such as ``national-scp-forum-spring-session-2027-03-15.ics``.

    The date is ``start.date()`` as given: pass the start in the forum's zone for its local date.
    Accents are dropped (``Réunion`` → ``reunion``); titles with no ASCII letters left (Thai,
    Chinese, Arabic, ...) become ``meeting-<date>.ics``. At most 80 characters.
    """
    suffix = f"-{start.date().isoformat()}.ics"
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    room = MAX_FILENAME - len(suffix)
    if len(slug) > room:  # cut at a word boundary where there is one
        head = slug[:room]
        if slug[room] != "-" and "-" in head:
            head = head.rsplit("-", 1)[0]
        slug = head.strip("-")
    if not re.search(r"[a-z]", slug):  # nothing left but digits is no name either
        slug = _FALLBACK_SLUG
    return f"{slug}{suffix}"


def _vevent(event: CalendarEvent) -> Event:
    from icalendar import Event  # loaded by calendar_file already

    vevent = Event()
    vevent.add("UID", event.uid)
    vevent.add("SEQUENCE", event.sequence)
    vevent.add("DTSTAMP", event.stamp.astimezone(UTC))
    vevent.add("DTSTART", _local(event.start, event.timezone))
    vevent.add("DTEND", _local(event.end, event.timezone))
    vevent.add("SUMMARY", event.title)
    if event.place:
        vevent.add("LOCATION", event.place)
    if event.link:
        vevent.add("URL", event.link)
    description = "\n\n".join(part for part in (event.description, event.link) if part)
    if description:
        vevent.add("DESCRIPTION", description)
    vevent.add("STATUS", "CANCELLED" if event.cancelled else "CONFIRMED")
    return vevent


def _local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


def calendar_event(meeting: MeetingRow, now: datetime) -> CalendarEvent:
    """A meeting occurrence as its calendar entry: one UID per occurrence, its revision as SEQUENCE."""
    return CalendarEvent(
        uid=f"meeting-{meeting.series_id}-{meeting.seq}@scp-forum-bot",
        sequence=meeting.revision,
        title=meeting.title,
        start=meeting.starts_at,
        end=meeting.ends_at,
        timezone=meeting.timezone,
        place=meeting.place,
        link=meeting.link,
        description=None,
        cancelled=meeting.cancelled,
        stamp=now,
    )


def calendar_name(meeting: MeetingRow) -> str:
    """Named after the forum's local date (a 06:00 Bangkok meeting is still on its own day)."""
    return filename(meeting.title, meeting.starts_at.astimezone(ZoneInfo(meeting.timezone)))
