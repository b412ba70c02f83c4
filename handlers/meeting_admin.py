"""Coordinators change meetings: move or cancel one occurrence, cancel a series, new place/link.

Every member the bot can reach is told once per change (`meeting_notices`, keyed by the
occurrence's revision), in their language and zone, with the RSVP buttons and calendar file.
Callback data: `mtga:<move|cancel|cancelok|keep|series|seriesok|place|placeone|placeall>:<meeting
id>`; `place` on a series first asks "this meeting or the whole series?".
"""

from __future__ import annotations

import logging
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import callbacks
from bot.context import ForumContext, Services
from bot.forums import FormError
from bot.i18n import N_
from bot.polls import parse_local_time
from bot.recurrence import MAX_AHEAD, occurrence_start, parse_link
from bot.roles import Role
from db import dialogs
from db import forums as forums_db
from db import meetings as meetings_db
from db import outbox as outbox_db
from db.meetings import MeetingRow
from handlers import outbox
from handlers.common import (
    TypedStep,
    answer_stale,
    chat_of,
    keyboard,
    message_of,
    pressed,
    pressed_message,
    reply,
)
from handlers.meeting_notices import tell
from handlers.meetings import admin_rows, meeting_text, rsvp_keyboard

MOVE, PLACE = "mtg_move", "mtg_place"
ACTIONS = (
    "cancel",
    "series",
    "cancelok",
    "seriesok",
    "keep",
    "move",
    "place",
    "placeone",
    "placeall",
)
ONE, SERIES = "one", "series"  # what a new place is for
log = logging.getLogger(__name__)


async def on_admin_button(update: Update, context: ForumContext) -> None:
    """Coordinators' meeting buttons; re-checked: a coordinator of the meeting's forum."""
    query, actor, services = pressed(update), context.actor, context.services
    parsed = callbacks.parse(query.data)
    meeting_id = parsed.int_arg(0) if parsed else None
    meeting = await meetings_db.get_meeting(services.db, meeting_id) if meeting_id else None
    now, tr = services.clock(), actor.tr
    if (
        parsed is None
        or parsed.action not in ACTIONS  # checked before the query is answered: answers once
        or meeting is None
        or meeting.cancelled
        or meeting.starts_at <= now
        or await forums_db.role_in(services.db, meeting.forum_id, actor.user_id) != Role.COORDINATOR
    ):
        await answer_stale(update, context)
        return
    await query.answer()
    action, when = parsed.action, tr.datetime(meeting.starts_at, meeting.timezone)
    if action in ("cancel", "series"):
        question = (
            tr._(
                "Cancel “%(title)s” on %(time)s? Members will be told.",
                title=meeting.title,
                time=when,
            )
            if action == "cancel"
            else tr._(
                "Cancel every coming meeting of “%(title)s”? Members will be told.",
                title=meeting.title,
            )
        )
        confirm = "cancelok" if action == "cancel" else "seriesok"
        await query.edit_message_text(
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
    elif action == "cancelok":
        async with _notices(services, meeting, now) as batch:
            if await meetings_db.cancel(batch.conn, meeting.id, now):
                await tell(services, batch, [meeting.id], "cancelled", now)
        outbox.kick(context.bot, services)
        await query.edit_message_text(
            tr._(
                "Cancelled: “%(title)s” on %(time)s. Members were told.",
                title=meeting.title,
                time=when,
            )
        )
    elif action == "seriesok":
        async with _notices(services, meeting, now) as batch:
            ids = await meetings_db.cancel_series(batch.conn, meeting.series_id, now)
            await tell(services, batch, ids, "cancelled", now)  # one message a member
        outbox.kick(context.bot, services)
        await query.edit_message_text(
            tr._("The series “%(title)s” is cancelled. Members were told.", title=meeting.title)
        )
    elif action == "keep":
        answer = await meetings_db.rsvp_of(services.db, meeting.id, actor.user_id)
        counts = await meetings_db.rsvp_counts(services.db, meeting.id)
        rows = [*rsvp_keyboard(tr, meeting, answer).inline_keyboard, *admin_rows(tr, meeting)]
        await query.edit_message_text(
            meeting_text(tr, meeting, actor.timezone, counts, answer),
            reply_markup=InlineKeyboardMarkup(rows),
        )
    elif action == "place" and meeting.every_months:
        await query.edit_message_text(
            tr._(
                "A new place or link for “%(title)s”: for this meeting (%(time)s) only, or for "
                "the whole series?",
                title=meeting.title,
                time=when,
            ),
            reply_markup=keyboard(
                [
                    [(tr._("This meeting only"), callbacks.make("mtga", "placeone", meeting.id))],
                    [(tr._("The whole series"), callbacks.make("mtga", "placeall", meeting.id))],
                    [(tr._("Keep it"), callbacks.make("mtga", "keep", meeting.id))],
                ]
            ),
        )
    elif action in ("move", "place", "placeone", "placeall"):
        kind = MOVE if action == "move" else PLACE
        await dialogs.expect(
            services.db,
            user_id=actor.user_id,
            chat_id=chat_of(update).id,
            kind=kind,
            data={"meeting": meeting.id, "scope": ONE if action == "placeone" else SERIES},
            now=now,
        )
        await pressed_message(query).reply_text(
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
        start = parse_local_time(message_of(update).text or "", meeting.timezone)
        if start <= now:
            raise FormError(N_("The new start must be in the future."))
        if start > now + MAX_AHEAD:  # as for a new meeting; year 9999 would overflow later
            raise FormError(N_("The new start must be within the next ten years."))
        await _check_within_series(context, meeting, start)
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


async def _check_within_series(context: ForumContext, meeting: MeetingRow, start: datetime) -> None:
    """A moved occurrence stays between its neighbours in the series, or the coordinator is asked
    again: a typo (2037 for 2027) must not put one meeting after the ones that follow it."""
    tr, db = context.actor.tr, context.services.db
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


async def on_place_input(update: Update, context: ForumContext, data: dict) -> None:
    """The new place (and link) of one meeting or of its whole series (the step's `scope`)."""
    actor, services = context.actor, context.services
    meeting = await _editable(update, context, data)
    if meeting is None:
        return
    lines = [line.strip() for line in (message_of(update).text or "").splitlines() if line.strip()]
    place, link = None, None
    try:
        if lines and lines[0].lower() != "none":
            if lines[0].lower().startswith(("http://", "https://")):
                link = parse_link(lines[0])
            else:
                place = lines[0][:300]
                link = parse_link(lines[1]) if len(lines) > 1 else None
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
    return [(0, CallbackQueryHandler(on_admin_button, pattern=r"^mtga:"))]
