"""The preview of a /newpoll draft: the ballot as members will see it, under its settings.

Rendered with `ballots.render_ballot` on stand-in rows, so the preview cannot drift from the
ballot members get. The buttons: `np:send`, `np:edit`, `np:drop` (handlers/polls/dialog.py),
and the languages' (handlers/polls/languages.py).
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot import callbacks
from bot.i18n import Translator
from bot.polls import PollDraft
from db.polls import BallotRow, OptionRow, PollRow
from handlers.common import keyboard
from handlers.polls.ballot import render_ballot

Row = list[tuple[str, str]]


def render(
    tr: Translator,
    draft: PollDraft,
    number: int,
    zone: str,
    count: int,
    languages: tuple[list[str], list[Row]] = ([], []),
) -> tuple[str, InlineKeyboardMarkup]:
    """The preview's text and buttons; `languages` is the line naming the poll's languages and
    their buttons (handlers/polls/languages.py), shown above the ballot and under "Send"."""
    poll = PollRow(
        id=0,
        forum_id=0,
        number=number,
        question=draft.question,
        closes_at=draft.closes_at,
        closed_at=None,
        hide_results=draft.hide_results,
        anonymous=draft.anonymous,
        remind_before_s=int(draft.remind_before.total_seconds()),
        group_chat_id=None,
        group_message_id=None,
    )
    options = [OptionRow(n, n, text) for n, text in enumerate(draft.options, 1)]
    ballot = BallotRow(0, 0, None, [], [], None, None, None)
    shown, _ = render_ballot(tr, poll, options, ballot, zone)
    lines = [
        tr._("<b>Preview</b>: nothing is sent until you tap “Send”."),
        tr._("Closes: %(time)s.", time=tr.datetime(draft.closes_at, zone)),
        tr._("Results: hidden from members until the poll closes.")
        if draft.hide_results
        else tr._("Results: members can see them while the poll is open."),
    ]
    if draft.remind_before:
        hours = int(draft.remind_before.total_seconds() // 3600)
        lines.append(
            tr.n_(
                "Reminder: %(count)s hour before closing, to those who have not voted.",
                "Reminder: %(count)s hours before closing, to those who have not voted.",
                hours,
            )
            if hours
            else tr._("Reminder: shortly before closing, to those who have not voted.")
        )
    else:
        lines.append(tr._("Reminder: none."))
    for line, near in draft.unknown:
        lines.append(
            tr._(
                "⚠️ “%(line)s” is not a setting — meant “%(key)s:”? The line is left out.",
                line=line,
                key=near,
            )
            if near
            else tr._(
                "⚠️ “%(line)s” is not a setting (they are closes, anonymous, results, remind). "
                "The line is left out.",
                line=line,
            )
        )
    lines += languages[0]
    lines += ["", tr._("Members will see:"), "", shown]
    rows = [
        [
            (
                tr.n_("✅ Send to %(count)s member", "✅ Send to %(count)s members", count),
                callbacks.make("np", "send"),
            )
        ],
        *languages[1],
        [
            (tr._("✏️ Edit"), callbacks.make("np", "edit")),
            (tr._("✖ Discard"), callbacks.make("np", "drop")),
        ],
    ]
    return "\n".join(lines), keyboard(rows)
