"""/polls and /closepoll, and the `poll:` buttons: `open` (from /polls and reminders) sends the
ballot again; `close` (/closepoll's "Which poll?") asks first, `shut` closes, `keep` does not.
The ballot's own taps (`rank`, `undo`, `submit`) are in handlers/polls/ballot.py; creating a poll
is in create.py, closing one in closing.py."""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler

from bot import callbacks
from bot.i18n import Translator
from bot.poll_texts import for_reader
from bot.roles import Access
from db import polls as polls_db
from db.polls import PollRow
from handlers.buttons import Press, button, routes
from handlers.common import confirmation, guarded, is_private, keyboard, refusal, reply
from handlers.context import ForumContext
from handlers.polls import ballot as ballots
from handlers.polls.choice import pick_poll, poll_of_forum
from handlers.polls.closing import finish_poll
from handlers.polls.report import results_message


@guarded("polls")
async def list_polls(update: Update, context: ForumContext) -> None:
    """The forum's recent polls; open ones with a button to (re)open the ballot."""
    actor, services = context.actor, context.services
    actor = context.actor
    if actor.forum is None or actor.role is None:  # everyone may ask, but only of their forum
        forum = actor.forum.name if actor.forum else None
        await reply(update, refusal(actor.tr, Access.EVERYONE, "polls", forum, actor.role))
        return
    polls = (await polls_db.polls_of(services.db, actor.forum.id))[:10]
    if not polls:
        await reply(update, actor.tr._("%(forum)s has no polls yet.", forum=actor.forum.name))
        return
    tr, lines, rows = actor.tr, [], []
    votes = await polls_db.may_vote(services.db, actor.forum.id, actor.user_id)
    for poll in polls:
        poll, _ = await for_reader(services.db, services.priorities, tr, poll, [])
        when = tr.datetime(poll.closes_at, actor.timezone)
        if poll.closed_at is None:  # open
            state = tr._("open until %(time)s", time=when)
        elif poll.cancelled_at:
            state = tr._("cancelled %(time)s", time=tr.datetime(poll.closed_at, actor.timezone))
        else:
            state = tr._("closed %(time)s", time=tr.datetime(poll.closed_at, actor.timezone))
        lines.append(
            tr._(
                "%(number)s. %(question)s — %(state)s",
                number=poll.number,
                question=poll.question,
                state=state,
            )
        )
        if poll.is_open and votes:
            rows.append(
                [
                    (
                        tr._("Rank: poll %(number)s", number=poll.number),
                        callbacks.make("poll", "open", poll.id),
                    )
                ]
            )
    lines.append(tr._("Results of a closed poll: /results followed by its number."))
    await reply(update, "\n".join(lines), keyboard(rows) if rows else None)


async def open_ballot(update: Update, context: ForumContext, poll_id: int | None) -> None:
    """Send the member their ballot: from /polls or the group's "Rank privately" link."""
    actor, services = context.actor, context.services
    poll = await polls_db.get_poll(services.db, poll_id) if poll_id else None
    if poll is None or not await polls_db.may_vote(services.db, poll.forum_id, actor.user_id):
        text = actor.tr._(
            "This poll is not one you can vote in. Join its forum first with the "
            "invite link from your coordinator."
        )
    elif not poll.is_open:
        text = actor.tr._("Poll %(number)s is closed. See /results %(number)s.", number=poll.number)
    else:
        if update.callback_query:
            await update.callback_query.answer()
        await ballots.deliver_ballot(context.bot, services, poll, actor.user_id)
        return
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, text)


def close_question(tr: Translator, poll: PollRow) -> tuple[str, InlineKeyboardMarkup]:
    """The confirmation /closepoll asks for: closing cannot be undone."""
    text = tr._(
        "Close poll %(number)s “%(question)s” now? Members can no longer change their ranking, "
        "and the results go out. This cannot be undone.",
        number=poll.number,
        question=poll.question,
    )
    return confirmation(
        text,
        (
            tr._("✅ Close poll %(number)s now", number=poll.number),
            callbacks.make("poll", "shut", poll.id),
        ),
        (tr._("Keep it open"), callbacks.make("poll", "keep", poll.id)),
    )


@guarded("closepoll")
async def close_poll(update: Update, context: ForumContext) -> None:
    """`/closepoll [number]`: asks for confirmation, then closes (`poll:shut`)."""
    poll = await pick_poll(update, context, feature="poll", action="close", open_only=True)
    if poll is not None:
        await reply(update, *close_question(context.actor.tr, poll))


async def _close_and_report(update: Update, context: ForumContext, poll: PollRow) -> None:
    # Who closes it in private is answered with the results below: no second copy for them.
    told = context.actor.user_id if is_private(update) else None
    if await finish_poll(context.bot, context.services, poll, told=told):
        closed = await polls_db.get_poll(context.services.db, poll.id)
        assert closed is not None
        await reply(update, context.actor.tr._("Poll %(number)s is closed.", number=poll.number))
        if told is None:  # in the group: its copy of the results comes through the outbox
            return
        text = await results_message(
            context.services, closed, context.actor.tr, context.actor.timezone
        )
        await reply(update, text)


async def open_poll(context: ForumContext, data: callbacks.Callback) -> PollRow | None:
    """The poll a close button names, while it is open and of the caller's forum."""
    poll = await poll_of_forum(context, data)
    return poll if poll is not None and poll.is_open else None


async def coordinates(context: ForumContext, poll: PollRow) -> bool:
    """Whether the caller coordinates the forum now (not when the button was drawn)."""
    return context.actor.role == "coordinator"


@button("poll", "open", answer=False)
async def send_ballot(press: Press[callbacks.Callback]) -> None:
    """`poll:open:<id>`: the ballot again, or an alert saying why not."""
    await open_ballot(press.update, press.context, press.data.int_arg(0))


@button("poll", "close", load=open_poll, check=coordinates)
async def ask_close(press: Press[PollRow]) -> None:
    text, markup = close_question(press.tr, press.row)
    await press.query.edit_message_text(text, reply_markup=markup)


@button("poll", "keep", load=open_poll, check=coordinates)
async def keep_open(press: Press[PollRow]) -> None:
    await press.query.edit_message_text(
        press.tr._("Poll %(number)s stays open.", number=press.row.number)
    )


@button("poll", "shut", load=open_poll, check=coordinates)
async def shut(press: Press[PollRow]) -> None:
    await _close_and_report(press.update, press.context, press.row)
    with contextlib.suppress(TelegramError):  # the question is answered; a courtesy
        await press.query.edit_message_reply_markup(None)


def handlers() -> list[tuple[int, BaseHandler]]:
    buttons = routes(send_ballot, ask_close, keep_open, shut, *ballots.TAPS)
    return [
        (0, CommandHandler("polls", list_polls)),
        (0, CommandHandler("closepoll", close_poll)),
        (0, buttons),
    ]
