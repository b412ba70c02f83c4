"""What the meetings' calendar asks for now: reminders due, occurrences to materialise. No
Telegram; reads db/meetings.py, writes nothing (the handlers write what they send in the same
transaction as its record).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.recurrence import HORIZON, due_leads, occurrence_start, occurrences
from db import meeting_attendees as attendees_db
from db import meetings as meetings_db
from db.connection import Database
from db.meeting_attendees import Attendee
from db.meetings import MeetingRow

Occurrence = tuple[int, datetime, datetime]  # (seq, start, end), UTC


@dataclass(frozen=True)
class DueReminder:
    """One meeting's reminder to send now, and to whom."""

    meeting: MeetingRow
    leads: list[int]  # every lead time (seconds) that has come due: recorded together
    people: list[Attendee]  # those who have not had the closest due one yet
    counts: dict[str, int]  # the RSVP tally every reminder shows
    with_calendar: bool  # the series' first (longest) reminder carries the calendar file


async def due_reminders(db: Database, now: datetime) -> AsyncIterator[DueReminder]:
    """Each meeting with a reminder due, one at a time (the caller records and queues each one
    before the next is read).

    The lead being sent is the closest due one: a bot that was down past several lead times sends
    one late reminder, not a burst (`attendees_db.record_due` records them all).
    """
    for meeting in await attendees_db.due_for_reminders(db, now):
        leads = due_leads(meeting.starts_at, meeting.reminders, now)
        if not leads:
            continue
        sending = min(leads)
        done = await attendees_db.reminded(db, meeting.id, sending)
        people = [
            person
            for person in await attendees_db.attendees(db, meeting.forum_id)
            if person.user_id not in done
        ]
        if not people:
            continue
        counts = await attendees_db.rsvp_counts(db, meeting.id)
        yield DueReminder(meeting, leads, people, counts, sending == meeting.reminders[0])


async def occurrences_to_add(db: Database, now: datetime) -> list[tuple[int, list[Occurrence]]]:
    """(series id, occurrences) that keep a year or so of every repeating series materialised.

    The last occurrence's date comes from the series' rule, not from its stored (possibly moved)
    start, so moving one meeting far ahead never stops the series.
    """
    plan = []
    for series in await meetings_db.repeating_series(db):
        first_local = datetime.strptime(series.first_start_local, "%Y-%m-%d %H:%M")
        last = occurrence_start(first_local, series.timezone, series.every_months, series.last_seq)
        if last >= now + HORIZON:
            continue
        more = occurrences(
            first_local,
            series.timezone,
            series.every_months,
            timedelta(seconds=series.duration_s),
            series.last_seq + 1,
            now + HORIZON,
        )
        plan.append((series.id, more))
    return plan
