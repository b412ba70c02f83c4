"""How a meeting looks in a message: its lines, the RSVP and coordinator buttons, its calendar file.

Shared by /meetings, the announcement of a new meeting, reminders, change notices and the
dialog's preview, so a member sees one meeting the same way wherever it appears.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from bot import callbacks
from bot.i18n import N_, Translator
from bot.ics import calendar_event, calendar_file, calendar_name
from db.meetings import MeetingRow
from handlers.common import message_of
from handlers.context import ForumContext

CAPTION_LIMIT = 1024  # Telegram's, for a file's caption


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


async def send_calendar(update: Update, context: ForumContext, meeting: MeetingRow) -> None:
    """The meeting's calendar file, as a reply to the update's message."""
    data = calendar_file([calendar_event(meeting, context.services.clock())], name=meeting.title)
    await message_of(update).reply_document(
        InputFile(data, filename=calendar_name(meeting)),
        caption=context.actor.tr._("Open this file to add the meeting to your calendar."),
    )
