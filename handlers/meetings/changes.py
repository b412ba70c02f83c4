"""The typed steps of a coordinator's change: a meeting's new start, its new place or link.

Opened by the `mtga:move`, `mtga:placeone` and `mtga:placeall` buttons (handlers/meetings/
admin.py) as a pending step whose draft is a `ChangeDraft`; the answer is read by
bot/meeting_changes.py and the change is written with every member's notice in one transaction
(handlers/meetings/notices.py). The meeting and the caller's rights are re-checked at the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update

from bot.forums import FormError
from bot.meeting_changes import new_start, parse_new_place
from bot.roles import Role
from db import dialogs
from db import forums as forums_db
from db import meetings as meetings_db
from db.meetings import MeetingRow
from handlers import outgoing as outbox
from handlers.buttons import Press
from handlers.common import TypedStep, chat_of, message_of, reply
from handlers.context import ForumContext
from handlers.dialogs import expect_here
from handlers.meetings.notices import notices, tell

MOVE, PLACE = "mtg_move", "mtg_place"
ONE, SERIES = "one", "series"  # what a new place is for


@dataclass(frozen=True)
class ChangeDraft:
    """A pending move or new place: of which meeting, and (a place) for it alone or its series."""

    meeting: int
    scope: str = SERIES


async def meeting_ahead(context: ForumContext, meeting_id: int | None) -> MeetingRow | None:
    """The meeting, while it is still ahead and not cancelled."""
    meeting = await meetings_db.get_meeting(context.services.db, meeting_id) if meeting_id else None
    if meeting is None or meeting.cancelled or meeting.starts_at <= context.services.clock():
        return None
    return meeting


async def coordinates(context: ForumContext, meeting: MeetingRow) -> bool:
    """Whether the caller coordinates the meeting's forum now (not when the button was drawn)."""
    role = await forums_db.role_in(context.services.db, meeting.forum_id, context.actor.user_id)
    return role == Role.COORDINATOR


async def ask_for(press: Press[MeetingRow], kind: str, scope: str) -> None:
    """Open the typed step `kind` (a new start, or a new place for `scope`)."""
    tr, meeting = press.tr, press.row
    await expect_here(press.update, press.context, kind, ChangeDraft(meeting.id, scope))
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
    meeting = await _editable(update, context, dialogs.Pending(MOVE, data).draft(ChangeDraft))
    if meeting is None:
        return
    now = services.clock()
    try:
        start = await new_start(services.db, actor.tr, meeting, message_of(update).text or "", now)
    except FormError as error:
        await reply(update, actor.tr._(error.message, **error.params))
        return
    end = start + (meeting.ends_at - meeting.starts_at)
    async with notices(services, meeting, now) as batch:
        await meetings_db.move(batch.conn, meeting.id, start, end, now)
        await tell(services, batch, [meeting.id], "moved", now, moved_from=meeting.starts_at)
    await _done(update, context)
    await reply(
        update,
        actor.tr._(
            "Moved to %(time)s. Members were told.", time=actor.tr.datetime(start, meeting.timezone)
        ),
    )


async def on_place_input(update: Update, context: ForumContext, data: dict) -> None:
    """The new place (and link) of one meeting or of its whole series (the step's `scope`)."""
    actor, services = context.actor, context.services
    draft = dialogs.Pending(PLACE, data).draft(ChangeDraft)
    meeting = await _editable(update, context, draft)
    if meeting is None or draft is None:
        return
    try:
        place, link = parse_new_place(message_of(update).text or "")
    except FormError as error:
        await reply(update, actor.tr._(error.message, **error.params))
        return
    now, only_this = services.clock(), draft.scope == ONE
    async with notices(services, meeting, now) as batch:
        if only_this:
            ids = await meetings_db.set_meeting_place(batch.conn, meeting.id, place, link)
        else:
            ids = await meetings_db.set_place(batch.conn, meeting.series_id, place, link, now)
        await tell(services, batch, ids[:1], "place", now)
    await _done(update, context)
    if only_this:
        await reply(update, actor.tr._("Saved for this meeting only. Members were told."))
    else:
        await reply(update, actor.tr._("Saved. Members were told."))


async def _editable(
    update: Update, context: ForumContext, draft: ChangeDraft | None
) -> MeetingRow | None:
    """The meeting of a pending move/place step, if the caller may still change it."""
    services, actor = context.services, context.actor
    meeting = await meeting_ahead(context, draft.meeting if draft else None)
    if meeting is None or not await coordinates(context, meeting):
        await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_of(update).id)
        await reply(update, actor.tr._("This meeting can no longer be changed."))
        return None
    return meeting


async def _done(update: Update, context: ForumContext) -> None:
    """The step is answered: close it and send the notices queued with the change."""
    actor, services = context.actor, context.services
    await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_of(update).id)
    outbox.kick(context.bot, services)


# What a typed message answers in this feature's dialogs (collected by handlers/text.py).
TYPED_STEPS = (TypedStep(MOVE, on_move_input), TypedStep(PLACE, on_place_input))
