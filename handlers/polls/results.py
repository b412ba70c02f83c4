"""/results: the counted ranking as text and chart; `res:show|export:<poll>` from "Which poll?".

The text is written in handlers/polls/report.py, the CSV files in handlers/polls/export.py.
"""

from __future__ import annotations

from telegram import InputFile, Update
from telegram.ext import BaseHandler, CommandHandler

from bot.chart_worker import draw_chart, start_worker
from bot.forums import STAKEHOLDER_GROUPS
from bot.poll_report import OTHERS
from bot.poll_texts import for_reader
from bot.polls import members_may_see
from bot.roles import Access
from db.polls import PollRow
from handlers.buttons import Press, button, routes
from handlers.common import (
    answer_stale,
    guarded,
    is_private,
    keyboard,
    message_of,
    private_chat_hint,
    refusal,
    reply,
)
from handlers.context import ForumContext
from handlers.polls.choice import pick_poll, poll_of_forum
from handlers.polls.export import send_poll_export
from handlers.polls.report import count_for, group_label, results_message
from handlers.polls.voters import who_voted_row


def _may_see(context: ForumContext, poll: PollRow) -> bool:
    """Coordinators and observers always; members once closed, or if results are not hidden."""
    actor = context.actor
    if actor.forum is None or poll.forum_id != actor.forum.id or actor.role is None:
        return False
    return actor.role in ("coordinator", "observer") or members_may_see(poll)


@guarded("results")
async def show_results(update: Update, context: ForumContext) -> None:
    """`/results [number]`."""
    actor = context.actor
    if actor.forum is None or actor.role is None:  # everyone may ask, but only of their forum
        forum = actor.forum.name if actor.forum else None
        await reply(update, refusal(actor.tr, Access.EVERYONE, "results", forum, actor.role))
        return
    poll = await pick_poll(update, context, feature="res", action="show")
    if poll is not None:
        await _send_results(update, context, poll)


async def _send_results(update: Update, context: ForumContext, poll: PollRow) -> None:
    """The results, as text and chart, to whoever may see them; in a group, to all its members."""
    actor, services = context.actor, context.services
    if not _may_see(context, poll):
        await reply(
            update,
            actor.tr._(
                "The results of poll %(number)s are hidden until it closes.", number=poll.number
            ),
        )
        return
    if not is_private(update) and not members_may_see(poll):  # a coordinator's or observer's
        await reply(update, private_chat_hint(actor.tr, "results", context.bot.username))
        return
    start_worker()  # drawing the chart, later, starts while the results are counted
    counted = await count_for(services, poll, actor.tr)  # once, for the text and the chart
    text = await results_message(services, poll, actor.tr, actor.timezone, counted)
    who = who_voted_row(context, poll) if is_private(update) else None
    await reply(update, text, keyboard([who]) if who else None)
    options, ballots, result, _ = counted
    poll, _ = await for_reader(services.db, services.priorities, actor.tr, poll, [])
    if ballots:
        labels = {key: group_label(actor.tr, key) for key in (*STAKEHOLDER_GROUPS, OTHERS)}
        heading = actor.tr._("Poll %(number)s", number=poll.number)
        axis = actor.tr._("Borda points")
        png = await draw_chart(options, result, labels, axis, heading, poll.question, actor.tr.lang)
        await message_of(update).reply_photo(
            InputFile(png, filename=f"poll-{poll.number}.png"),
            caption=actor.tr._(
                "Poll %(number)s: Borda points by stakeholder group.", number=poll.number
            ),
        )


async def analyses(context: ForumContext, poll: PollRow) -> bool:
    """Whether the caller may export (as /export): a coordinator or an observer."""
    return context.actor.role in ("coordinator", "observer")


@button("res", "show", load=poll_of_forum, answer=False)
async def show(press: Press[PollRow]) -> None:
    """`res:show:<id>`: the results; pressed in the group by someone who is no member, refused."""
    actor = press.actor
    if actor.role is None:
        assert actor.forum is not None  # the poll was found in it
        await press.query.answer(
            refusal(actor.tr, Access.EVERYONE, "results", actor.forum.name, None)
        )
        return
    await press.query.answer()
    await _send_results(press.update, press.context, press.row)


@button("res", "export", load=poll_of_forum, check=analyses, answer=False)
async def export(press: Press[PollRow]) -> None:
    """`res:export:<id>`: as /export, never into a group."""
    if not is_private(press.update):
        await answer_stale(press.update, press.context)
        return
    await press.query.answer()
    await send_poll_export(press.update, press.context, press.row)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("results", show_results)),
        (0, routes(show, export)),
    ]
