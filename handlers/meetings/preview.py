"""What the /meeting dialog draws: the repeat step's buttons, and its last step, the announcement
as members will see it, before "✅ Create".

The preview is rendered from the `SeriesDraft` the one-message form's rules read (see
handlers/meetings/dialog.py), with the functions that render the real announcement (render.py).
"""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardMarkup

from bot import callbacks
from bot.i18n import Translator
from bot.meetings import SeriesDraft
from bot.recurrence import occurrence_start
from db.meeting_attendees import ANSWERS
from db.meetings import MeetingRow
from handlers.common import keyboard
from handlers.meetings.render import announcement_head, meeting_text


def preview(
    tr: Translator, draft: SeriesDraft, forum_id: int, zone: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The announcement members will get, in the coordinator's language and `zone`."""
    starts = occurrence_start(draft.first_start, draft.timezone, draft.every_months, 0)
    meeting = MeetingRow(
        id=0,
        series_id=0,
        seq=0,
        forum_id=forum_id,
        title=draft.title,
        place=draft.place,
        link=draft.link,
        timezone=draft.timezone,
        starts_at=starts,
        ends_at=starts + draft.duration,
        revision=0,
        cancelled=False,
        reminders=tuple(int(lead.total_seconds()) for lead in draft.reminders),
        every_months=draft.every_months,
    )
    head = announcement_head(tr, draft.every_months)
    shown = meeting_text(tr, meeting, zone, dict.fromkeys(ANSWERS, 0), None)
    text = "\n".join(
        [
            tr._("<b>Preview</b>: nothing is sent until you tap “Create”."),
            _reminders_line(tr, draft.reminders),
            "",
            tr._("Members will see:"),
            "",
            head,
            shown,
        ]
    )
    markup = keyboard(
        [
            [
                (tr._("✅ Create"), callbacks.make("mtgd", "make")),
                (tr._("✖ Discard"), callbacks.make("mtgd", "drop")),
            ]
        ]
    )
    return text, markup


def _reminders_line(tr: Translator, leads: tuple[timedelta, ...]) -> str:
    if not leads:
        return tr._("Reminders: none.")
    parts = []
    for lead in leads:
        minutes = int(lead.total_seconds()) // 60
        if minutes % (24 * 60) == 0:
            parts.append(tr.n_("%(count)s day", "%(count)s days", minutes // (24 * 60)))
        elif minutes % 60 == 0:
            parts.append(tr.n_("%(count)s hour", "%(count)s hours", minutes // 60))
        else:
            parts.append(tr.n_("%(count)s minute", "%(count)s minutes", minutes))
    return tr._("Reminders: %(leads)s before it.", leads=", ".join(parts))


def repeat_keyboard(tr: Translator, repeats: tuple[int, ...]) -> InlineKeyboardMarkup:
    """The repeat step's buttons: once, every month, … every year."""
    labels = {
        0: tr._("Only once"),
        1: tr._("Every month"),
        12: tr._("Every year"),
    }
    buttons = [
        (
            labels.get(months) or tr.n_("Every %(count)s month", "Every %(count)s months", months),
            callbacks.make("mtgd", "every", months),
        )
        for months in repeats
    ]
    return keyboard([buttons[:1], buttons[1:3], buttons[3:]])
