"""/export: a choice of CSV files for coordinators and observers, for their forum only.

Poll ballots and results (handlers/polls/results.py), meetings (answers, ratings, comments),
feedback (coordinators: every item, signed ones with the member's name; observers: only how
many items per month and topic, never a text or a name) and
membership counts by stakeholder group and language (no personal data). UTF-8 with BOM.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InputFile, Update
from telegram.ext import BaseHandler, CommandHandler

from bot import callbacks
from bot.csvfile import csv_bytes
from bot.polls import shorten
from bot.roles import Role
from db import feedback as feedback_db
from db import forums as forums_db
from db import meeting_survey as meeting_survey_db
from db import polls as polls_db
from db.connection import to_db_time
from handlers.buttons import Press, button, routes
from handlers.common import (
    answer_stale,
    command_text,
    guarded,
    is_private,
    keyboard,
    message_of,
    reply,
)
from handlers.context import ForumContext
from handlers.polls.choice import pick_poll
from handlers.polls.export import send_poll_export

KINDS = ("meetings", "feedback", "members")


@guarded("export")  # the files name people: never in a group
async def export(update: Update, context: ForumContext) -> None:
    """`/export` offers the files; `/export 3`, `/export meetings|feedback|members` send one."""
    arg = command_text(update).lower()
    if arg in KINDS:
        await SENDERS[arg](update, context)
    elif arg:
        poll = await pick_poll(update, context, feature="res", action="export")
        if poll is not None:
            await send_poll_export(update, context, poll)
    else:
        await _menu(update, context)


async def _menu(update: Update, context: ForumContext) -> None:
    actor, services = context.actor, context.services
    assert actor.forum is not None
    tr = actor.tr
    polls = (await polls_db.polls_of(services.db, actor.forum.id))[:5]
    feedback_label = (
        tr._("Feedback")
        if actor.role is Role.COORDINATOR
        else tr._("Feedback: counts by month and topic")
    )
    rows = [
        [
            (
                tr._(
                    "Poll %(number)s: %(question)s", number=p.number, question=shorten(p.question)
                ),
                callbacks.make("res", "export", p.id),
            )
        ]
        for p in polls
    ]
    rows += [
        [(tr._("Meetings: answers and ratings"), callbacks.make("exp", "meetings"))],
        [(feedback_label, callbacks.make("exp", "feedback"))],
        [(tr._("Members by stakeholder group and language"), callbacks.make("exp", "members"))],
    ]
    await reply(update, tr._("Which file would you like?"), keyboard(rows))


async def _analyst(context: ForumContext, data: callbacks.Callback) -> bool:
    """A coordinator or observer of their current forum, checked again at the press."""
    actor = context.actor
    return actor.forum is not None and actor.role in (Role.COORDINATOR, Role.OBSERVER)


async def _send_file(press: Press[callbacks.Callback]) -> None:
    """`exp:<kind>` from the menu: the file, in the private chat only."""
    if not is_private(press.update):  # forged in a group, the file would reach all its members
        await answer_stale(press.update, press.context)
        return
    await press.query.answer()
    await SENDERS[press.data.action](press.update, press.context)


meetings_file = button("exp", "meetings", check=_analyst, answer=False)(_send_file)
feedback_file = button("exp", "feedback", check=_analyst, answer=False)(_send_file)
members_file = button("exp", "members", check=_analyst, answer=False)(_send_file)


async def _send_csv(
    update: Update, header: list[str], rows: Sequence[Sequence[object]], name: str, caption: str
) -> None:
    """One CSV file (UTF-8 with BOM) in the chat the request came from."""
    await message_of(update).reply_document(
        InputFile(csv_bytes(header, rows), filename=name), caption=caption
    )


async def _meetings_export(update: Update, context: ForumContext) -> None:
    """`/export meetings`: RSVPs and ratings per occurrence, and the anonymous comments."""
    actor, services = context.actor, context.services
    assert actor.forum is not None
    rows = await meeting_survey_db.report(services.db, actor.forum.id)
    comments = await meeting_survey_db.feedback(services.db, actor.forum.id)
    header = ["meeting", "starts_utc", "cancelled", "going", "maybe", "not_going", "ratings"]
    await _send_csv(
        update,
        [*header, "average_rating"],
        [
            [
                r["title"],
                r["starts_at"],
                int(r["cancelled"]),
                r["going"],
                r["maybe"],
                r["no"],
                r["ratings"],
                r["average"] if r["average"] is not None else "",
            ]
            for r in rows
        ],
        "meetings.csv",
        actor.tr._("Meetings: answers and ratings per meeting."),
    )
    await _send_csv(
        update,
        ["meeting", "starts_utc", "comment"],
        [[r["title"], r["starts_at"], r["comment"]] for r in comments],
        "meeting-comments.csv",
        actor.tr._("Meetings: every comment (anonymous)."),
    )


async def _feedback_export(update: Update, context: ForumContext) -> None:
    """Coordinators: every feedback item, with the name when signed. Observers: counts only."""
    actor, services = context.actor, context.services
    assert actor.forum is not None
    if actor.role is not Role.COORDINATOR:
        await _feedback_counts_export(update, context)
        return
    items = await feedback_db.everything(services.db, actor.forum.id)
    rows = [
        [
            item.id,
            to_db_time(item.created_at),
            item.topic,
            (item.author_name or "") if item.signed else "",
            int(item.signed),
            int(item.photo_file_id is not None),
            item.text,
        ]
        for item in items
    ]
    header = ["number", "created_utc", "topic", "signed_by", "signed", "photo", "text"]
    await _send_csv(update, header, rows, "feedback.csv", actor.tr._("Feedback: one row per item."))


async def _feedback_counts_export(update: Update, context: ForumContext) -> None:
    """An observer's feedback file: items per month and topic; no text, no name, no number."""
    actor, services = context.actor, context.services
    assert actor.forum is not None
    rows = await feedback_db.counts_by_month(services.db, actor.forum.id)
    caption = actor.tr._("Feedback: how many items per month and topic (no text, no names).")
    await _send_csv(update, ["month_utc", "topic", "items"], rows, "feedback-counts.csv", caption)


async def _members_export(update: Update, context: ForumContext) -> None:
    """How many members per stakeholder group, language and role: counts, no people."""
    actor, services = context.actor, context.services
    assert actor.forum is not None
    rows = await forums_db.membership_counts(services.db, actor.forum.id)
    header = ["stakeholder_group", "language", "role", "members"]
    caption = actor.tr._("Members by stakeholder group, language and role (counts only).")
    await _send_csv(update, header, rows, "members.csv", caption)


SENDERS = {"meetings": _meetings_export, "feedback": _feedback_export, "members": _members_export}


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("export", export)),
        (0, routes(meetings_file, feedback_file, members_file)),
    ]
