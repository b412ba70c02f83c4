"""/meeting (coordinators), /meetings, RSVP buttons, calendar files, and meeting reminders.

Callback data: `mtg:rsvp:<meeting>:<going|maybe|no>` and `mtg:ics:<meeting>`; both re-checked
against the database (a member of the meeting's forum; the occurrence not cancelled or over).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.context import Services
from bot.forums import FormError
from bot.i18n import N_, Translator
from bot.ics import CalendarEvent, calendar_file, filename
from bot.meeting_schedule import due_reminders, occurrences_to_add
from bot.meetings import SeriesDraft, parse_meeting_form
from bot.recurrence import HORIZON, occurrences
from bot.roles import Access, Role
from db import dialogs
from db import forums as forums_db
from db import meetings as meetings_db
from db import outbox as outbox_db
from db.meetings import ANSWERS, MeetingRow
from db.outbox import Attachment, Outgoing
from handlers import outgoing as outbox
from handlers.common import (
    answer_stale,
    command_text,
    guarded,
    message_of,
    pressed,
    pressed_message,
    refusal,
    reply,
    unless_unchanged,
)
from handlers.context import ForumContext
from handlers.outgoing import outgoing

CAPTION_LIMIT = 1024  # Telegram's, for a file's caption
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
    await _send_calendar(update, context, meeting)
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
    for person in await meetings_db.attendees(batch.conn, meeting.forum_id):
        if person.user_id == exclude or not await meetings_db.claim_notice(
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


def meeting_text(
    tr: Translator,
    meeting: MeetingRow,
    zone: str,
    counts: dict[str, int],
    answer: str | None,
    *,
    cancelled_line: bool = True,
) -> str:
    """Title, time in the reader's zone (and the forum's), place, link, RSVPs. A notice that
    opens with the cancellation leaves out `cancelled_line`, so it says it once."""
    lines = [tr._("<b>%(title)s</b>", title=meeting.title)]
    if meeting.cancelled and cancelled_line:
        lines.append(tr._("This meeting is cancelled."))
    lines.append(tr._("Starts %(time)s", time=tr.datetime(meeting.starts_at, zone)))
    if zone != meeting.timezone:
        lines.append(
            tr._("Forum time: %(time)s", time=tr.datetime(meeting.starts_at, meeting.timezone))
        )
    if meeting.place:
        lines.append(tr._("Place: %(place)s", place=meeting.place))
    if meeting.link:
        lines.append(tr._("Online: %(link)s", link=meeting.link))
    lines.append(tr._("Going: %(going)s · Maybe: %(maybe)s · Not going: %(no)s", **counts))
    if answer:
        lines.append(tr._("Your answer: %(answer)s", answer=tr._(ANSWER_LABELS[answer])))
    return "\n".join(lines)


ANSWER_LABELS = {"going": N_("Going"), "maybe": N_("Maybe"), "no": N_("Not going")}


def rsvp_keyboard(tr: Translator, meeting: MeetingRow, answer: str | None) -> InlineKeyboardMarkup:
    """Going / maybe / not going (the current answer marked), and the calendar file."""
    row = [
        InlineKeyboardButton(
            ("● " if key == answer else "") + tr._(label),
            callback_data=callbacks.make("mtg", "rsvp", meeting.id, key),
        )
        for key, label in ANSWER_LABELS.items()
    ]
    ics = InlineKeyboardButton(
        tr._("📅 Calendar file"), callback_data=callbacks.make("mtg", "ics", meeting.id)
    )
    return InlineKeyboardMarkup([row, [ics]])


def admin_rows(tr: Translator, meeting: MeetingRow) -> list[list[InlineKeyboardButton]]:
    """The coordinator's extra buttons under a meeting in /meetings."""

    def button(label: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=callbacks.make("mtga", action, meeting.id))

    rows = [
        [
            button(tr._("🕑 Move"), "move"),
            button(tr._("📍 Place"), "place"),
            button(tr._("✖ Cancel"), "cancel"),
        ]
    ]
    if meeting.every_months:
        rows.append([button(tr._("✖ Cancel the whole series"), "series")])
    return rows


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
        answer = await meetings_db.rsvp_of(services.db, meeting.id, actor.user_id)
        counts = await meetings_db.rsvp_counts(services.db, meeting.id)
        markup = None if meeting.cancelled else rsvp_keyboard(actor.tr, meeting, answer)
        if markup and actor.role is Role.COORDINATOR and meeting.starts_at > services.clock():
            markup = InlineKeyboardMarkup([*markup.inline_keyboard, *admin_rows(actor.tr, meeting)])
        await reply(update, meeting_text(actor.tr, meeting, actor.timezone, counts, answer), markup)


async def on_meeting_button(update: Update, context: ForumContext) -> None:
    """RSVP (updates the message in place) or the calendar file."""
    query, actor, services = pressed(update), context.actor, context.services
    parsed = callbacks.parse(query.data)
    meeting_id = parsed.int_arg(0) if parsed else None
    meeting = await meetings_db.get_meeting(services.db, meeting_id) if meeting_id else None
    if (
        parsed is None
        or meeting is None
        or await forums_db.role_in(services.db, meeting.forum_id, actor.user_id) is None
    ):
        await answer_stale(update, context)
        return
    now = services.clock()
    if parsed.action == "ics":
        await query.answer()
        await _send_calendar(update, context, meeting)
        return
    answer = parsed.arg(1)
    if parsed.action != "rsvp" or answer not in ANSWERS:
        await answer_stale(update, context)
        return
    if meeting.cancelled or meeting.ends_at <= now:
        await query.answer(actor.tr._("This meeting is cancelled or over; answers are closed."))
        return
    await meetings_db.set_rsvp(services.db, meeting.id, actor.user_id, answer, now)
    counts = await meetings_db.rsvp_counts(services.db, meeting.id)
    await query.answer(actor.tr._("Thank you, noted."))
    message, tr = pressed_message(query), actor.tr
    text = _head(message.text or message.caption or "", meeting.title) + meeting_text(
        tr, meeting, actor.timezone, counts, answer
    )
    rows: Sequence[Sequence[InlineKeyboardButton]] = rsvp_keyboard(
        tr, meeting, answer
    ).inline_keyboard
    had_admin_rows = any(
        str(button.callback_data).startswith("mtga:")
        for row in (message.reply_markup.inline_keyboard if message.reply_markup else ())
        for button in row
    )
    if had_admin_rows and actor.role is Role.COORDINATOR:  # /meetings, a coordinator's copy
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


def calendar_event(meeting: MeetingRow, now: datetime) -> CalendarEvent:
    return CalendarEvent(
        uid=f"meeting-{meeting.series_id}-{meeting.seq}@scp-forum-bot",
        sequence=meeting.revision,
        title=meeting.title,
        start=meeting.starts_at,
        end=meeting.ends_at,
        timezone=meeting.timezone,
        place=meeting.place,
        link=meeting.link,
        description=None,
        cancelled=meeting.cancelled,
        stamp=now,
    )


def calendar_name(meeting: MeetingRow) -> str:
    """Named after the forum's local date (a 06:00 Bangkok meeting is still on its own day)."""
    return filename(meeting.title, meeting.starts_at.astimezone(ZoneInfo(meeting.timezone)))


async def _send_calendar(update: Update, context: ForumContext, meeting: MeetingRow) -> None:
    data = calendar_file([calendar_event(meeting, context.services.clock())], name=meeting.title)
    await message_of(update).reply_document(
        InputFile(data, filename=calendar_name(meeting)),
        caption=context.actor.tr._("Open this file to add the meeting to your calendar."),
    )


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
                if await meetings_db.record_due(
                    batch.conn, meeting.id, person.user_id, due.leads, now
                ):
                    await batch.add(message)


async def _reminder(
    services: Services,
    meeting: MeetingRow,
    person: meetings_db.Attendee,
    counts: dict[str, int],
    calendar: bytes | None,
) -> Outgoing:
    tr = services.catalogs.translator(person.language)
    answer = await meetings_db.rsvp_of(services.db, meeting.id, person.user_id)
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


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("meetings", list_meetings)),
        (0, CallbackQueryHandler(on_meeting_button, pattern=r"^mtg:")),
    ]


def announcement_head(tr: Translator, every_months: int | None) -> str:
    """The first line of a new meeting's announcement (also shown in the dialog's preview)."""
    if not every_months:
        return tr._("📅 New meeting:")
    return tr.n_(
        "📅 New meeting series, every %(months)s month:",
        "📅 New meeting series, every %(months)s months:",
        every_months,
        months=every_months,
    )
