"""Heartbeat jobs of meetings: the reminders before each meeting, and series kept materialised.

Which reminder is due for whom is bot/meeting_schedule.py's; here each is rendered in the
member's language and zone and queued in the transaction that records it (see record_due).
"""

from __future__ import annotations

from bot.context import Services
from bot.ics import calendar_event, calendar_file, calendar_name
from bot.meeting_schedule import due_reminders, occurrences_to_add
from db import meeting_attendees as attendees_db
from db import meetings as meetings_db
from db import outbox as outbox_db
from db.meetings import MeetingRow
from db.outbox import Outgoing
from handlers.meetings.render import CAPTION_LIMIT, meeting_text, rsvp_keyboard
from handlers.outgoing import outgoing


async def send_due_reminders(services: Services) -> None:
    """Every member gets each reminder once, in their language and zone (see record_due)."""
    now = services.clock()
    async for due in due_reminders(services.db, now):
        meeting = due.meeting
        calendar = (
            calendar_file([calendar_event(meeting, now)], name=meeting.title)
            if due.with_calendar
            else None
        )
        messages = [
            await _reminder(services, meeting, person, due.counts, calendar)
            for person in due.people
        ]
        async with outbox_db.batch(
            services.db, forum_id=meeting.forum_id, kind="meeting_reminder", now=now
        ) as batch:
            for person, message in zip(due.people, messages, strict=True):
                if await attendees_db.record_due(
                    batch.conn, meeting.id, person.user_id, due.leads, now
                ):
                    await batch.add(message)


async def _reminder(
    services: Services,
    meeting: MeetingRow,
    person: attendees_db.Attendee,
    counts: dict[str, int],
    calendar: bytes | None,
) -> Outgoing:
    tr = services.catalogs.translator(person.language)
    answer = await attendees_db.rsvp_of(services.db, meeting.id, person.user_id)
    text = (
        tr._("🔔 Reminder")
        + "\n"
        + meeting_text(tr, meeting, person.timezone or meeting.timezone, counts, answer)
    )
    markup = rsvp_keyboard(tr, meeting, answer)
    if (
        calendar is not None and len(text) <= CAPTION_LIMIT
    ):  # a caption's limit: the file rides along
        return outgoing(
            person.user_id,
            person.user_id,
            text,
            markup,
            document=calendar,
            document_name=calendar_name(meeting),
        )
    return outgoing(person.user_id, person.user_id, text, markup)


async def extend_series(services: Services) -> None:
    """Keep a year or so of occurrences materialised for every repeating series."""
    for series_id, more in await occurrences_to_add(services.db, services.clock()):
        await meetings_db.add_occurrences(services.db, series_id, more)
