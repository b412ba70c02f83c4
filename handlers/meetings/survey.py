"""After a meeting: an anonymous 1-5 rating and an optional comment; a summary for coordinators.

Those who answered "going" or "maybe" are asked once (`meeting_surveys`, which records that
someone was asked and answered, never what). Ratings are stored without a user id. Callback data:
`mtgs:rate:<meeting>:<1-5>`. The comment is the member's next message (pending `mtg_comment`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import NamedTuple

from telegram import Update
from telegram.ext import BaseHandler

from bot import callbacks
from bot.context import Services
from bot.i18n import Translator, escape
from bot.polls import shorten
from db import dialogs
from db import forums as forums_db
from db import meeting_survey as feedback_db
from db import outbox as outbox_db
from db.meetings import MeetingRow
from handlers.buttons import Press, button, routes
from handlers.common import TypedStep, answer_stale, chat_of, keyboard, message_of, reply
from handlers.context import ForumContext
from handlers.dialogs import expect_here
from handlers.outgoing import outgoing

COMMENT = "mtg_comment"
MAX_MESSAGE = 4000  # Telegram allows 4096; leave room
log = logging.getLogger(__name__)


async def send_surveys(services: Services) -> None:
    """Ask each going/maybe member of every meeting that just ended, once."""
    now = services.clock()
    for meeting in await feedback_db.ended_without_survey(services.db, now):
        people = await feedback_db.survey_recipients(services.db, meeting)
        async with outbox_db.batch(
            services.db, forum_id=meeting.forum_id, kind="survey", now=now
        ) as batch:
            for person in people:
                if not await feedback_db.claim_survey(batch.conn, meeting.id, person.user_id, now):
                    continue
                tr = services.catalogs.translator(person.language)
                stars = [
                    (f"{n} ★", callbacks.make("mtgs", "rate", meeting.id, n)) for n in range(1, 6)
                ]
                question = tr._(
                    "How was “%(title)s”? Rate it from 1 to 5. Your answer is anonymous.",
                    title=meeting.title,
                )
                await batch.add(
                    outgoing(person.user_id, person.user_id, question, keyboard([stars]))
                )


class Rating(NamedTuple):
    """A star tapped: which meeting, how many stars."""

    meeting: int
    stars: int


@dataclass(frozen=True)
class CommentDraft:
    """The pending comment after a rating: only the meeting, never who rated it how."""

    meeting: int


async def rating(context: ForumContext, data: callbacks.Callback) -> Rating | None:
    """The rating a star button carries, if it is one we draw."""
    meeting_id, stars = data.int_arg(0), data.int_arg(1)
    if not meeting_id or stars is None or stars not in range(1, 6):
        return None
    return Rating(meeting_id, stars)


@button("mtgs", "rate", load=rating, answer=False)
async def rate(press: Press[Rating]) -> None:
    """A star tapped: store the rating (once), then invite a comment."""
    services, tr, given = press.services, press.tr, press.row
    if not await feedback_db.rate(
        services.db, given.meeting, press.actor.user_id, given.stars, services.clock()
    ):  # never asked, or answered already
        await answer_stale(press.update, press.context)
        return
    # Only the meeting: nothing may point from the member to their rating, not even this step.
    await expect_here(press.update, press.context, COMMENT, CommentDraft(given.meeting))
    await press.query.answer(tr._("Thank you!"))
    await press.query.edit_message_text(
        tr._(
            "Thank you! Your rating: %(rating)s ★. To add a comment, type it now (it stays "
            "anonymous), or send /cancel.",
            rating=given.stars,
        )
    )


async def on_comment_input(update: Update, context: ForumContext, data: dict) -> None:
    """The optional comment after a rating."""
    actor, services = context.actor, context.services
    draft = dialogs.Pending(COMMENT, data).draft(CommentDraft)
    meeting_id = draft.meeting if draft else 0
    if await feedback_db.answered_survey(services.db, meeting_id, actor.user_id):
        await feedback_db.add_comment(
            services.db, meeting_id, message_of(update).text or "", services.clock()
        )
    await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_of(update).id)
    await reply(update, actor.tr._("Thank you, your comment was saved."))


async def send_summaries(services: Services) -> None:
    """Three days after a surveyed meeting, its coordinators get the ratings and comments."""
    now = services.clock()
    for meeting in await feedback_db.due_summaries(services.db, now):
        given = await feedback_db.ratings(services.db, meeting.id)
        said = await feedback_db.comments(services.db, meeting.id)
        messages = [
            outgoing(
                user_id,
                user_id,
                _summary(services.catalogs.translator(language), meeting, given, said),
            )
            for user_id, language in await forums_db.coordinators(services.db, meeting.forum_id)
        ]
        async with outbox_db.batch(
            services.db, forum_id=meeting.forum_id, kind="survey_summary", now=now
        ) as batch:
            if await feedback_db.claim_summary(batch.conn, meeting.id, now):
                for message in messages:
                    await batch.add(message)


def _summary(tr: Translator, meeting: MeetingRow, given: list[int], said: list[str]) -> str:
    average = sum(given) / len(given) if given else 0
    lines = [
        tr.n_(
            "Feedback on “%(title)s” (%(date)s): %(count)s rating, average %(average)s of 5.",
            "Feedback on “%(title)s” (%(date)s): %(count)s ratings, average %(average)s of 5.",
            len(given),
            title=meeting.title,
            date=tr.datetime(meeting.starts_at, meeting.timezone),
            average=round(average, 1),
        )
    ]
    for comment in said:
        line = f"– {escape(shorten(comment, 300))}"
        # Whole, escaped comments while they fit one message: never cut an entity.
        if sum(len(x) + 1 for x in lines) + len(line) < MAX_MESSAGE:
            lines.append(line)
    return "\n".join(lines)


# What a typed message answers in this feature's dialogs (collected by handlers/text.py).
TYPED_STEPS = (TypedStep(COMMENT, on_comment_input),)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [(0, routes(rate))]
