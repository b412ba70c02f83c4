"""/meeting in one message (coordinators) and /meetings (everyone in the forum).

`schedule` is the one code path that creates a meeting series, for the one-message form here and
for the step-by-step dialog (handlers/meetings/dialog.py, which owns the /meeting command). The
buttons under a meeting are handlers/meetings/rsvp.py's; reminders handlers/meetings/reminders.py's.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import Services
from bot.forums import FormError
from bot.i18n import N_
from bot.ics import calendar_event, calendar_file, calendar_name
from bot.meetings import SeriesDraft, parse_meeting_form
from bot.recurrence import HORIZON, occurrences
from bot.roles import Access, Role
from db import dialogs
from db import meeting_attendees as attendees_db
from db import meetings as meetings_db
from db import outbox as outbox_db
from db.meeting_attendees import ANSWERS
from db.meetings import MeetingRow
from db.outbox import Attachment
from handlers import outgoing as outbox
from handlers.common import command_text, guarded, refusal, reply
from handlers.context import ForumContext
from handlers.meetings import rsvp
from handlers.meetings.render import (
    CAPTION_LIMIT,
    admin_rows,
    announcement_head,
    meeting_text,
    rsvp_keyboard,
    send_calendar,
)
from handlers.outgoing import outgoing

log = logging.getLogger(__name__)


MEETING_FORM = N_(
    "Send the meeting in one message, for example:\n<code>/meeting National SCP Forum, "
    "spring session\nstarts: 2027-03-15 09:00\nplace: Ministry of Environment, Room 3\n"
    "every: 6 months</code>\nOptional lines: duration: 3h, link: https://…, reminders: "
    "30d, 7d, 1d, 1h. Times are in the forum's time zone (%(zone)s)."
)


async def new_meeting(update: Update, context: ForumContext) -> None:
    """`/meeting Title` + `starts:` (+ place, link, every, duration, reminders); guarded and
    routed by handlers/meetings/dialog.py, which owns the command (alone in private: a dialog)."""
    actor, services = context.actor, context.services
    forum, tr = actor.forum, actor.tr
    assert forum is not None
    text = command_text(update)
    if not text:
        await reply(update, tr._(MEETING_FORM, zone=forum.timezone))
        return
    try:
        draft = parse_meeting_form(text, timezone=forum.timezone, now=services.clock())
    except FormError as error:
        await reply(update, tr._(error.message, **error.params))
        return
    await schedule(update, context, draft)


async def schedule(
    update: Update,
    context: ForumContext,
    draft: SeriesDraft,
    *,
    claim: tuple[int, int, str] | None = None,
) -> MeetingRow | None:
    """Create the series, announce it to every member once, then answer with the calendar file.

    The one code path of the one-message form and of the dialog's "Create". `claim` (user id,
    chat id, dialog kind) is the dialog's draft: deleted in the same transaction, so a second
    tap creates nothing (None then)."""
    actor, services = context.actor, context.services
    forum, tr = actor.forum, actor.tr
    assert forum is not None
    now = services.clock()
    first = occurrences(
        draft.first_start, draft.timezone, draft.every_months, draft.duration, 0, now + HORIZON
    )
    # The series, its occurrences and every member's announcement commit together: a crash
    # leaves either a meeting everyone will hear of, or no meeting (commit, then talk).
    async with outbox_db.batch(
        services.db, forum_id=forum.id, kind="meeting_new", now=now, created_by=actor.user_id
    ) as batch:
        if claim and not await dialogs.take(
            batch.conn, user_id=claim[0], chat_id=claim[1], kind=claim[2]
        ):
            return None
        series_id = await meetings_db.create_series(
            batch.conn,
            forum_id=forum.id,
            title=draft.title,
            place=draft.place,
            link=draft.link,
            first_start_local=draft.first_start.strftime("%Y-%m-%d %H:%M"),
            timezone=draft.timezone,
            duration_s=int(draft.duration.total_seconds()),
            every_months=draft.every_months,
            reminders=[int(lead.total_seconds()) for lead in draft.reminders],
            created_by=actor.user_id,
            now=now,
            occurrences=first,
        )
        meeting = await meetings_db.first_occurrence(batch.conn, series_id)
        assert meeting is not None
        await _announce(services, batch, meeting, now, exclude=actor.user_id)
    outbox.kick(context.bot, services)
    if draft.every_months:
        repeat = tr.n_(
            "Every %(months)s month.",
            "Every %(months)s months.",
            draft.every_months,
            months=draft.every_months,
        )
    else:
        repeat = tr._("A single meeting.")
    await reply(
        update,
        tr._(
            "Meeting scheduled: <b>%(title)s</b>, %(time)s. %(repeat)s Members "
            "are reminded before it, in their language and time zone.",
            title=draft.title,
            time=tr.datetime(meeting.starts_at, forum.timezone),
            repeat=repeat,
        ),
    )
    await send_calendar(update, context, meeting)
    return meeting


async def _announce(
    services: Services, batch: outbox_db.Batch, meeting: MeetingRow, now: datetime, *, exclude: int
) -> None:
    """Tell every member but the creator of a new meeting (series), once, with its calendar file.

    The once-only record is `meeting_notices` at the occurrence's first revision (0): later
    change notices claim the revisions after it. Rendering is pure (a new meeting has no
    answers), so it happens inside the caller's transaction.
    """
    calendar = calendar_file([calendar_event(meeting, now)], name=meeting.title)
    counts = dict.fromkeys(ANSWERS, 0)
    for person in await attendees_db.attendees(batch.conn, meeting.forum_id):
        if person.user_id == exclude or not await attendees_db.claim_notice(
            batch.conn, meeting.id, person.user_id, meeting.revision, now
        ):
            continue
        tr = services.catalogs.translator(person.language)
        head = announcement_head(tr, meeting.every_months)
        zone = person.timezone or meeting.timezone
        text = head + "\n" + meeting_text(tr, meeting, zone, counts, None)
        markup = rsvp_keyboard(tr, meeting, None)
        file = Attachment(document=calendar, document_name=calendar_name(meeting))
        if len(text) <= CAPTION_LIMIT:  # the file rides along
            await batch.add(outgoing(person.user_id, person.user_id, text, markup, **file))
            continue
        await batch.add(outgoing(person.user_id, person.user_id, text, markup))
        caption = tr._("Open this file to add the meeting to your calendar.")
        await batch.add(outgoing(person.user_id, person.user_id, caption, part=1, **file))


@guarded("meetings")
async def list_meetings(update: Update, context: ForumContext) -> None:
    """The forum's next meetings; the soonest with RSVP buttons and its calendar file."""
    actor, services = context.actor, context.services
    if actor.forum is None or actor.role is None:
        forum = actor.forum.name if actor.forum else None
        await reply(update, refusal(actor.tr, Access.EVERYONE, "meetings", forum, actor.role))
        return
    meetings = await meetings_db.upcoming(services.db, actor.forum.id, services.clock(), limit=3)
    if not meetings:
        await reply(
            update, actor.tr._("%(forum)s has no meetings scheduled.", forum=actor.forum.name)
        )
        return
    for meeting in meetings:
        answer = await attendees_db.rsvp_of(services.db, meeting.id, actor.user_id)
        counts = await attendees_db.rsvp_counts(services.db, meeting.id)
        markup = None if meeting.cancelled else rsvp_keyboard(actor.tr, meeting, answer)
        if markup and actor.role is Role.COORDINATOR and meeting.starts_at > services.clock():
            markup = InlineKeyboardMarkup([*markup.inline_keyboard, *admin_rows(actor.tr, meeting)])
        await reply(update, meeting_text(actor.tr, meeting, actor.timezone, counts, answer), markup)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [(0, CommandHandler("meetings", list_meetings)), *rsvp.handlers()]
