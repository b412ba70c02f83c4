"""Coordinators change meetings: move or cancel one occurrence, cancel a series, new place/link.

Every member the bot can reach is told once per change (`meeting_notices`, keyed by the
occurrence's revision), in their language and zone, with the RSVP buttons and calendar file.
Callback data: `mtga:<move|cancel|cancelok|keep|series|seriesok|place|placeone|placeall>:<meeting
id>`; `place` on a series first asks "this meeting or the whole series?".
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler

from bot import callbacks
from bot.context import Services
from bot.forums import FormError
from bot.meeting_changes import new_start, parse_new_place
from bot.roles import Role
from db import dialogs
from db import forums as forums_db
from db import meetings as meetings_db
from db import outbox as outbox_db
from db.meetings import MeetingRow
from handlers import outgoing as outbox
from handlers.buttons import Press, button, routes
from handlers.common import (
    TypedStep,
    chat_of,
    keyboard,
    message_of,
    reply,
)
from handlers.context import ForumContext
from handlers.meetings.notices import tell
from handlers.meetings.render import admin_rows, meeting_text, rsvp_keyboard

MOVE, PLACE = "mtg_move", "mtg_place"
ONE, SERIES = "one", "series"  # what a new place is for
log = logging.getLogger(__name__)


async def meeting_ahead(context: ForumContext, data: callbacks.Callback) -> MeetingRow | None:
    """The meeting a button names, while it is still ahead and not cancelled."""
    meeting_id = data.int_arg(0)
    meeting = await meetings_db.get_meeting(context.services.db, meeting_id) if meeting_id else None
    if meeting is None or meeting.cancelled or meeting.starts_at <= context.services.clock():
        return None
    return meeting


async def coordinates(context: ForumContext, meeting: MeetingRow) -> bool:
    """Whether the caller coordinates the meeting's forum now (not when the button was drawn)."""
    role = await forums_db.role_in(context.services.db, meeting.forum_id, context.actor.user_id)
    return role == Role.COORDINATOR


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
    async with _notices(services, meeting, now) as batch:
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
    async with _notices(services, meeting, now) as batch:
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
    answer = await meetings_db.rsvp_of(db, meeting.id, actor.user_id)
    counts = await meetings_db.rsvp_counts(db, meeting.id)
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
        await _ask_for(press, PLACE, SERIES)
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
    await _ask_for(press, PLACE, ONE)


@button("mtga", "placeall", load=meeting_ahead, check=coordinates)
async def place_all(press: Press[MeetingRow]) -> None:
    await _ask_for(press, PLACE, SERIES)


@button("mtga", "move", load=meeting_ahead, check=coordinates)
async def move(press: Press[MeetingRow]) -> None:
    await _ask_for(press, MOVE, SERIES)


async def _ask_for(press: Press[MeetingRow], kind: str, scope: str) -> None:
    """Open the typed step `kind` (a new start, or a new place for `scope`)."""
    tr, meeting = press.tr, press.row
    await dialogs.expect(
        press.services.db,
        user_id=press.actor.user_id,
        chat_id=press.message.chat.id,
        kind=kind,
        data={"meeting": meeting.id, "scope": scope},
        now=press.services.clock(),
    )
    await press.message.reply_text(
        tr._(
            "Send the new start, for example 2027-03-16 10:00, in the forum's time zone "
            "(%(zone)s). Send /cancel to stop.",
            zone=meeting.timezone,
        )
        if kind == MOVE
        else tr._(
            "Send the new place on one line and, if there is one, the online link on the "
            "next (https://…). Send “none” to remove both. Send /cancel to stop."
        )
    )


async def on_move_input(update: Update, context: ForumContext, data: dict) -> None:
    """The new start of a meeting being moved."""
    actor, services = context.actor, context.services
    meeting = await _editable(update, context, data)
    if meeting is None:
        return
    now = services.clock()
    try:
        start = await new_start(services.db, actor.tr, meeting, message_of(update).text or "", now)
    except FormError as error:
        await reply(update, actor.tr._(error.message, **error.params))
        return
    end = start + (meeting.ends_at - meeting.starts_at)
    async with _notices(services, meeting, now) as batch:
        await meetings_db.move(batch.conn, meeting.id, start, end, now)
        await tell(services, batch, [meeting.id], "moved", now, moved_from=meeting.starts_at)
    await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_of(update).id)
    outbox.kick(context.bot, services)
    await reply(
        update,
        actor.tr._(
            "Moved to %(time)s. Members were told.", time=actor.tr.datetime(start, meeting.timezone)
        ),
    )


async def on_place_input(update: Update, context: ForumContext, data: dict) -> None:
    """The new place (and link) of one meeting or of its whole series (the step's `scope`)."""
    actor, services = context.actor, context.services
    meeting = await _editable(update, context, data)
    if meeting is None:
        return
    try:
        place, link = parse_new_place(message_of(update).text or "")
    except FormError as error:
        await reply(update, actor.tr._(error.message, **error.params))
        return
    now, only_this = services.clock(), data.get("scope") == ONE
    async with _notices(services, meeting, now) as batch:
        if only_this:
            ids = await meetings_db.set_meeting_place(batch.conn, meeting.id, place, link)
        else:
            ids = await meetings_db.set_place(batch.conn, meeting.series_id, place, link, now)
        await tell(services, batch, ids[:1], "place", now)
    await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_of(update).id)
    outbox.kick(context.bot, services)
    if only_this:
        await reply(update, actor.tr._("Saved for this meeting only. Members were told."))
    else:
        await reply(update, actor.tr._("Saved. Members were told."))


async def _editable(update: Update, context: ForumContext, data: dict) -> MeetingRow | None:
    """The meeting of a pending move/place step, if the caller may still change it."""
    services, actor = context.services, context.actor
    meeting = await meetings_db.get_meeting(services.db, int(data.get("meeting", 0)))
    if (
        meeting is None
        or meeting.cancelled
        or meeting.starts_at <= services.clock()
        or await forums_db.role_in(services.db, meeting.forum_id, actor.user_id) != Role.COORDINATOR
    ):
        await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_of(update).id)
        await reply(update, actor.tr._("This meeting can no longer be changed."))
        return None
    return meeting


def _notices(
    services: Services, meeting: MeetingRow, now: datetime
) -> AbstractAsyncContextManager[outbox_db.Batch]:
    """The transaction of a change and its notices (see `meeting_notices.tell`)."""
    return outbox_db.batch(services.db, forum_id=meeting.forum_id, kind="meeting_notice", now=now)


# What a typed message answers in this feature's dialogs (collected by handlers/text.py).
TYPED_STEPS = (TypedStep(MOVE, on_move_input), TypedStep(PLACE, on_place_input))


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
