"""A coordinator's changes to a meeting, as typed: its new start, its new place or link. No
Telegram; reads db/meetings.py for the neighbours a moved meeting must stay between.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.forums import FormError
from bot.i18n import N_, Translator
from bot.meetings import MAX_PLACE, parse_link
from bot.polls import parse_local_time
from bot.recurrence import MAX_AHEAD, occurrence_start
from db import meetings as meetings_db
from db.connection import Database
from db.meetings import MeetingRow


async def new_start(
    db: Database, tr: Translator, meeting: MeetingRow, text: str, now: datetime
) -> datetime:
    """The typed new start of a meeting being moved; FormError says what is wrong with it."""
    start = parse_local_time(text, meeting.timezone)
    if start <= now:
        raise FormError(N_("The new start must be in the future."))
    if start > now + MAX_AHEAD:  # as for a new meeting; year 9999 would overflow later
        raise FormError(N_("The new start must be within the next ten years."))
    await _check_within_series(db, tr, meeting, start)
    return start


async def _check_within_series(
    db: Database, tr: Translator, meeting: MeetingRow, start: datetime
) -> None:
    """A moved occurrence stays between its neighbours in the series, or the coordinator is asked
    again: a typo (2037 for 2027) must not put one meeting after the ones that follow it."""
    previous, following = await meetings_db.neighbours(db, meeting)
    if following is None and meeting.every_months:
        first_local = await meetings_db.first_start_local(db, meeting.series_id)
        if first_local is not None:
            next_start = occurrence_start(
                first_local, meeting.timezone, meeting.every_months, meeting.seq + 1
            )
            following = replace(meeting, seq=meeting.seq + 1, starts_at=next_start)
    if following is not None and start >= following.starts_at:
        raise FormError(
            N_(
                "That is on or after the next meeting of this series (%(next)s). Send a time "
                "before it, or cancel this meeting instead. Send /cancel to stop."
            ),
            next=tr.datetime(following.starts_at, meeting.timezone),
        )
    if previous is not None and start <= previous.starts_at:
        raise FormError(
            N_(
                "That is on or before the previous meeting of this series (%(previous)s). Send a "
                "later time, or /cancel to stop."
            ),
            previous=tr.datetime(previous.starts_at, meeting.timezone),
        )


def parse_new_place(text: str) -> tuple[str | None, str | None]:
    """A coordinator's new (place, link): the place on one line and, if there is one, the link on
    the next; a link alone; or "none" for neither."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    place, link = None, None
    if lines and lines[0].lower() != "none":
        if lines[0].lower().startswith(("http://", "https://")):
            link = parse_link(lines[0])
        else:
            place = lines[0][:MAX_PLACE]
            link = parse_link(lines[1]) if len(lines) > 1 else None
    return place, link
