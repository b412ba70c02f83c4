"""The buttons under a meeting: going / maybe / not going, and its calendar file.

Callback data: `mtg:rsvp:<meeting>:<going|maybe|no>` and `mtg:ics:<meeting>`; both re-checked
against the database (a member of the meeting's forum; for an answer, the occurrence not
cancelled or over).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import BaseHandler

from bot import callbacks
from bot.roles import Role
from db import forums as forums_db
from db import meeting_attendees as attendees_db
from db import meetings as meetings_db
from db.meeting_attendees import ANSWERS
from db.meetings import MeetingRow
from handlers.buttons import Press, button, by_id, routes
from handlers.common import unless_unchanged
from handlers.context import ForumContext
from handlers.meetings.render import (
    CAPTION_LIMIT,
    admin_rows,
    meeting_text,
    rsvp_keyboard,
    send_calendar,
)


async def attends(context: ForumContext, meeting: MeetingRow) -> bool:
    """Whether the caller is (still) a member of the meeting's forum."""
    return (
        await forums_db.role_in(context.services.db, meeting.forum_id, context.actor.user_id)
        is not None
    )


async def answered(context: ForumContext, data: callbacks.Callback) -> MeetingRow | None:
    """The meeting an RSVP button names, if its answer is one we know."""
    if data.arg(1) not in ANSWERS:
        return None
    return await by_id(meetings_db.get_meeting)(context, data)


@button("mtg", "ics", load=by_id(meetings_db.get_meeting), check=attends)
async def calendar(press: Press[MeetingRow]) -> None:
    """The meeting's calendar file."""
    await send_calendar(press.update, press.context, press.row)


@button("mtg", "rsvp", load=answered, check=attends, answer=False)
async def rsvp(press: Press[MeetingRow]) -> None:
    """Going, maybe or not going: noted, and the message updated in place."""
    query, meeting, services, tr = press.query, press.row, press.services, press.tr
    answer, now = str(press.data.arg(1)), services.clock()
    if meeting.cancelled or meeting.ends_at <= now:
        await query.answer(tr._("This meeting is cancelled or over; answers are closed."))
        return
    await attendees_db.set_rsvp(services.db, meeting.id, press.actor.user_id, answer, now)
    counts = await attendees_db.rsvp_counts(services.db, meeting.id)
    await query.answer(tr._("Thank you, noted."))
    await _refresh(press, counts, answer)


async def _refresh(press: Press[MeetingRow], counts: dict[str, int], answer: str) -> None:
    """The pressed message with the new tally and answer (and a coordinator's buttons kept)."""
    query, message, meeting, tr = press.query, press.message, press.row, press.tr
    text = _head(message.text or message.caption or "", meeting.title) + meeting_text(
        tr, meeting, press.actor.timezone, counts, answer
    )
    rows: Sequence[Sequence[InlineKeyboardButton]] = rsvp_keyboard(
        tr, meeting, answer
    ).inline_keyboard
    had_admin_rows = any(
        str(button.callback_data).startswith("mtga:")
        for row in (message.reply_markup.inline_keyboard if message.reply_markup else ())
        for button in row
    )
    if had_admin_rows and press.actor.role is Role.COORDINATOR:  # /meetings, a coordinator's copy
        rows = (*rows, *admin_rows(tr, meeting))
    markup = InlineKeyboardMarkup(rows)
    with unless_unchanged():
        if message.text is not None:
            await query.edit_message_text(text, reply_markup=markup)
        elif len(text) <= CAPTION_LIMIT:  # an announcement or reminder with its calendar file
            await query.edit_message_caption(caption=text, reply_markup=markup)
        else:
            await query.edit_message_reply_markup(markup)


def _head(shown: str, title: str) -> str:
    """What a message says above the meeting itself ("🔔 Reminder", "📅 New meeting:", "🕑 This
    meeting has moved: …"), as HTML, so that an answer there refreshes the meeting's lines (its
    tally) and keeps the rest. The meeting's lines start with its title (one line)."""
    lines = shown.split("\n")
    if title not in lines:
        return ""
    return "".join(html.escape(line, quote=False) + "\n" for line in lines[: lines.index(title)])


def handlers() -> list[tuple[int, BaseHandler]]:
    return [(0, routes(calendar, rsvp))]
