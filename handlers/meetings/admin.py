"""Coordinators change meetings: move or cancel one occurrence, cancel a series, new place/link.

Every member the bot can reach is told once per change (`meeting_notices`, keyed by the
occurrence's revision), in their language and zone, with the RSVP buttons and calendar file.
Callback data: `mtga:<move|cancel|cancelok|keep|series|seriesok|place|placeone|placeall>:<meeting
id>`; `place` on a series first asks "this meeting or the whole series?". The new start or place
is typed: those steps are handlers/meetings/changes.py.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from telegram import InlineKeyboardMarkup
from telegram.ext import BaseHandler

from bot import callbacks
from db import meeting_attendees as attendees_db
from db import meetings as meetings_db
from db.meetings import MeetingRow
from handlers import outgoing as outbox
from handlers.buttons import Press, button, routes
from handlers.common import keyboard
from handlers.context import ForumContext
from handlers.meetings import changes
from handlers.meetings.changes import MOVE, ONE, PLACE, SERIES, ask_for, coordinates
from handlers.meetings.notices import notices, tell
from handlers.meetings.render import admin_rows, meeting_text, rsvp_keyboard

log = logging.getLogger(__name__)


async def meeting_ahead(context: ForumContext, data: callbacks.Callback) -> MeetingRow | None:
    """The meeting a button names, while it is still ahead and not cancelled."""
    return await changes.meeting_ahead(context, data.int_arg(0))


def _when(press: Press[MeetingRow]) -> str:
    return press.tr.datetime(press.row.starts_at, press.row.timezone)


def _confirm(press: Press[MeetingRow], question: str, confirm: str) -> Awaitable[object]:
    tr, meeting = press.tr, press.row
    return press.query.edit_message_text(
        question,
        reply_markup=keyboard(
            [
                [
                    (tr._("✖ Yes, cancel"), callbacks.make("mtga", confirm, meeting.id)),
                    (tr._("Keep it"), callbacks.make("mtga", "keep", meeting.id)),
                ]
            ]
        ),
    )


@button("mtga", "cancel", load=meeting_ahead, check=coordinates)
async def ask_cancel(press: Press[MeetingRow]) -> None:
    question = press.tr._(
        "Cancel “%(title)s” on %(time)s? Members will be told.",
        title=press.row.title,
        time=_when(press),
    )
    await _confirm(press, question, "cancelok")


@button("mtga", "series", load=meeting_ahead, check=coordinates)
async def ask_cancel_series(press: Press[MeetingRow]) -> None:
    question = press.tr._(
        "Cancel every coming meeting of “%(title)s”? Members will be told.", title=press.row.title
    )
    await _confirm(press, question, "seriesok")


@button("mtga", "cancelok", load=meeting_ahead, check=coordinates)
async def cancel(press: Press[MeetingRow]) -> None:
    services, meeting, now = press.services, press.row, press.services.clock()
    async with notices(services, meeting, now) as batch:
        if await meetings_db.cancel(batch.conn, meeting.id, now):
            await tell(services, batch, [meeting.id], "cancelled", now)
    outbox.kick(press.context.bot, services)
    await press.query.edit_message_text(
        press.tr._(
            "Cancelled: “%(title)s” on %(time)s. Members were told.",
            title=meeting.title,
            time=_when(press),
        )
    )


@button("mtga", "seriesok", load=meeting_ahead, check=coordinates)
async def cancel_series(press: Press[MeetingRow]) -> None:
    services, meeting, now = press.services, press.row, press.services.clock()
    async with notices(services, meeting, now) as batch:
        ids = await meetings_db.cancel_series(batch.conn, meeting.series_id, now)
        await tell(services, batch, ids, "cancelled", now)  # one message a member
    outbox.kick(press.context.bot, services)
    await press.query.edit_message_text(
        press.tr._("The series “%(title)s” is cancelled. Members were told.", title=meeting.title)
    )


@button("mtga", "keep", load=meeting_ahead, check=coordinates)
async def keep(press: Press[MeetingRow]) -> None:
    """Back to the meeting as the coordinator's /meetings shows it."""
    db, meeting, actor, tr = press.services.db, press.row, press.actor, press.tr
    answer = await attendees_db.rsvp_of(db, meeting.id, actor.user_id)
    counts = await attendees_db.rsvp_counts(db, meeting.id)
    rows = [*rsvp_keyboard(tr, meeting, answer).inline_keyboard, *admin_rows(tr, meeting)]
    await press.query.edit_message_text(
        meeting_text(tr, meeting, actor.timezone, counts, answer),
        reply_markup=InlineKeyboardMarkup(rows),
    )


@button("mtga", "place", load=meeting_ahead, check=coordinates)
async def place(press: Press[MeetingRow]) -> None:
    """A new place: for a series, first "this meeting or the whole series?"."""
    tr, meeting = press.tr, press.row
    if not meeting.every_months:
        await ask_for(press, PLACE, SERIES)
        return
    await press.query.edit_message_text(
        tr._(
            "A new place or link for “%(title)s”: for this meeting (%(time)s) only, or for "
            "the whole series?",
            title=meeting.title,
            time=_when(press),
        ),
        reply_markup=keyboard(
            [
                [(tr._("This meeting only"), callbacks.make("mtga", "placeone", meeting.id))],
                [(tr._("The whole series"), callbacks.make("mtga", "placeall", meeting.id))],
                [(tr._("Keep it"), callbacks.make("mtga", "keep", meeting.id))],
            ]
        ),
    )


@button("mtga", "placeone", load=meeting_ahead, check=coordinates)
async def place_one(press: Press[MeetingRow]) -> None:
    await ask_for(press, PLACE, ONE)


@button("mtga", "placeall", load=meeting_ahead, check=coordinates)
async def place_all(press: Press[MeetingRow]) -> None:
    await ask_for(press, PLACE, SERIES)


@button("mtga", "move", load=meeting_ahead, check=coordinates)
async def move(press: Press[MeetingRow]) -> None:
    await ask_for(press, MOVE, SERIES)


# The typed steps these buttons open (collected by handlers/text.py).
TYPED_STEPS = changes.TYPED_STEPS


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (
            0,
            routes(
                ask_cancel,
                ask_cancel_series,
                cancel,
                cancel_series,
                keep,
                place,
                place_one,
                place_all,
                move,
            ),
        )
    ]
