"""Telling members about a change to a meeting: cancelled, moved, new place or link.

`tell` runs inside the transaction that makes the change (`outbox.batch`): the change and every
member's notice commit together, so a crash never leaves a cancelled meeting nobody heard of
(commit, then talk). Each member is told once per change: `meeting_notices` is keyed by the
occurrence's revision, which every change bumps.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime

from bot.context import Services
from bot.ics import calendar_event, calendar_file, calendar_name
from db import meeting_attendees as attendees_db
from db import meetings as meetings_db
from db import outbox as outbox_db
from db.meetings import MeetingRow
from db.outbox import Attachment
from handlers.meetings.render import CAPTION_LIMIT, meeting_text, rsvp_keyboard
from handlers.outgoing import outgoing

CHANGES = ("cancelled", "moved", "place")


def notices(
    services: Services, meeting: MeetingRow, now: datetime
) -> AbstractAsyncContextManager[outbox_db.Batch]:
    """The transaction of a change to `meeting` and its notices (`tell` inside it)."""
    return outbox_db.batch(services.db, forum_id=meeting.forum_id, kind="meeting_notice", now=now)


async def tell(
    services: Services,
    batch: outbox_db.Batch,
    meeting_ids: list[int],
    change: str,
    now: datetime,
    *,
    moved_from: datetime | None = None,
) -> None:
    """One notice per reachable member about the first of `meeting_ids` (as changed in this
    transaction). A cancellation carries a calendar file that cancels every one of them (same
    UIDs, the new SEQUENCE, METHOD:CANCEL), so one message also clears a whole series."""
    assert change in CHANGES
    conn = batch.conn
    changed = [m for i in meeting_ids if (m := await meetings_db.get_meeting(conn, i))]
    if not changed:
        return
    meeting = changed[0]
    calendar = _cancelling_calendar(changed, now) if change == "cancelled" else None
    counts = await attendees_db.rsvp_counts(conn, meeting.id)
    for person in await attendees_db.attendees(conn, meeting.forum_id):
        if not await attendees_db.claim_notice(
            conn, meeting.id, person.user_id, meeting.revision, now
        ):
            continue
        tr = services.catalogs.translator(person.language)
        zone = person.timezone or meeting.timezone
        if change == "cancelled":
            head = tr._("❌ This meeting is cancelled.")
        elif change == "moved" and moved_from is not None:
            head = tr._(
                "🕑 This meeting has moved: %(old)s → %(new)s.",
                old=tr.datetime(moved_from, zone),
                new=tr.datetime(meeting.starts_at, zone),
            )
        elif change == "moved":
            head = tr._("🕑 This meeting has moved.")
        else:
            head = tr._("📍 This meeting has a new place or link.")
        answer = await attendees_db.rsvp_of(conn, meeting.id, person.user_id)
        body = meeting_text(tr, meeting, zone, counts, answer, cancelled_line=False)
        text = head + "\n" + body
        markup = None if meeting.cancelled else rsvp_keyboard(tr, meeting, answer)
        if calendar is None:
            await batch.add(outgoing(person.user_id, person.user_id, text, markup))
            continue
        file = Attachment(document=calendar, document_name=calendar_name(meeting))
        if len(text) <= CAPTION_LIMIT:
            await batch.add(outgoing(person.user_id, person.user_id, text, markup, **file))
            continue
        await batch.add(outgoing(person.user_id, person.user_id, text, markup))
        caption = tr._("Open this file to remove the meeting from your calendar.")
        await batch.add(outgoing(person.user_id, person.user_id, caption, part=1, **file))


def _cancelling_calendar(meetings: list[MeetingRow], now: datetime) -> bytes:
    """Every cancelled occurrence with its UID and new SEQUENCE (STATUS:CANCELLED each, and
    METHOD:CANCEL since all are)."""
    return calendar_file([calendar_event(m, now) for m in meetings], name=meetings[0].title)
