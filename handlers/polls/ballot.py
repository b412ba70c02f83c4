"""The ranking ballot: one private message per member and poll, edited in place as they tap.

Callback data: `poll:rank:<poll>:<option>`, `poll:undo:<poll>`, `poll:submit:<poll>`. Each tap is
re-checked against the database: the poll is open and of a forum the member votes in, the option
belongs to the poll and is not ranked yet.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden

from bot import callbacks
from bot.context import Services
from bot.i18n import Translator, escape
from bot.poll_texts import for_reader
from bot.polls import add_choice, shorten
from db import ballots as ballots_db
from db import forums as forums_db
from db import polls as polls_db
from db import users as users_db
from db.polls import BallotRow, OptionRow, PollRow
from handlers.buttons import Press, button
from handlers.common import answer_stale, unless_unchanged
from handlers.context import ForumContext
from handlers.polls.group_post import request_refresh


def render_ballot(
    tr: Translator, poll: PollRow, options: list[OptionRow], ballot: BallotRow, zone: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The ballot's text (ranking so far, status, deadline) and its buttons."""
    by_id = {option.id: option for option in options}
    lines = [
        tr._("<b>Poll %(number)s</b>: %(question)s", number=poll.number, question=poll.question),
        # Said on every ballot: `anonymous: no` means coordinators see each member's ranking.
        tr._("Anonymous: after the poll closes nobody can see how you ranked.")
        if poll.anonymous
        else tr._("Named: coordinators will see how you ranked."),
    ]
    if not poll.anonymous:  # and /results lists who voted (bot/poll_voters.py)
        lines.append(tr._("Members will see that you voted, not how."))
    lines.append("")
    # Every option whole here: the buttons below carry shortened labels.
    lines += [f"{o.position}. {escape(o.text)}" for o in options]
    lines.append("")
    if ballot.draft:
        ranking = " › ".join(str(by_id[o].position) for o in ballot.draft if o in by_id)
        lines.append(tr._("Your ranking: %(ranking)s", ranking=ranking))
    else:
        lines.append(tr._("You have not ranked any option yet."))
    lines.append("")
    if not poll.is_open:
        lines.append(tr._("This poll is closed."))
        return "\n".join(lines), None
    if ballot.submitted_at and ballot.draft == ballot.submitted:
        lines.append(
            tr._(
                "✅ Your ranking is submitted. You can change it until %(time)s.",
                time=tr.datetime(poll.closes_at, zone),
            )
        )
    elif ballot.submitted_at:
        lines.append(tr._("You changed your ranking: submit again to count the change."))
    else:
        lines.append(
            tr._(
                "Tap the options in order of preference, then submit. You may rank only some. "
                "Closes %(time)s.",
                time=tr.datetime(poll.closes_at, zone),
            )
        )
    rows = [
        [
            InlineKeyboardButton(
                f"{o.position}. {shorten(o.text)}",
                callback_data=callbacks.make("poll", "rank", poll.id, o.id),
            )
        ]
        for o in options
        if o.id not in ballot.draft
    ]
    rows.append(
        [
            InlineKeyboardButton(
                tr._("↩ Undo"), callback_data=callbacks.make("poll", "undo", poll.id)
            ),
            InlineKeyboardButton(
                tr._("✅ Submit"), callback_data=callbacks.make("poll", "submit", poll.id)
            ),
        ]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _ballot_for(
    services: Services, poll: PollRow, user_id: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    user = await users_db.get_user(services.db, user_id)
    tr = services.catalogs.translator(user.language if user else None)
    zone = user.timezone if user and user.timezone else await _forum_zone(services, poll)
    ballot = await ballots_db.open_ballot(services.db, poll.id, user_id)
    options = await polls_db.options_of(services.db, poll.id)
    poll, options = await for_reader(services.db, services.priorities, tr, poll, options)
    return render_ballot(tr, poll, options, ballot, zone)


async def current_ballot(
    services: Services, poll_id: int, user_id: int
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """The member's ballot as it stands now (for an edit queued earlier); None if the poll
    closed or the member has no ballot: never creates one."""
    poll = await polls_db.get_poll(services.db, poll_id)
    ballot = await ballots_db.ballot_of(services.db, poll_id, user_id) if poll else None
    if poll is None or ballot is None or not poll.is_open:
        return None
    user = await users_db.get_user(services.db, user_id)
    tr = services.catalogs.translator(user.language if user else None)
    zone = user.timezone if user and user.timezone else await _forum_zone(services, poll)
    options = await polls_db.options_of(services.db, poll.id)
    poll, options = await for_reader(services.db, services.priorities, tr, poll, options)
    return render_ballot(tr, poll, options, ballot, zone)


async def deliver_ballot(bot: Bot, services: Services, poll: PollRow, user_id: int) -> bool:
    """Send the member's ballot again now (they asked); False if they cannot be reached."""
    text, markup = await _ballot_for(services, poll, user_id)
    try:
        message = await bot.send_message(user_id, text, reply_markup=markup)
    except Forbidden:
        await users_db.set_active(services.db, user_id, False, services.clock())
        return False
    ballot = await ballots_db.ballot_of(services.db, poll.id, user_id)  # opened by _ballot_for
    assert ballot is not None
    await ballots_db.set_message(services.db, ballot.id, message.chat_id, message.message_id)
    return True


async def _forum_zone(services: Services, poll: PollRow) -> str:
    forum = await forums_db.get_forum(services.db, poll.forum_id)
    return forum.timezone if forum else "UTC"


async def may_vote_in(context: ForumContext, data: callbacks.Callback) -> PollRow | None:
    """A tap's `load`: the poll it names, if the caller votes in its forum (open or not)."""
    services, poll_id = context.services, data.int_arg(0)
    if not poll_id:
        return None
    return await polls_db.poll_for_voter(services.db, poll_id, context.actor.user_id)


@dataclass(frozen=True)
class Tap:
    """A tap on a ballot of an open poll: the member's ballot as it stands, and the options."""

    poll: PollRow
    ballot: BallotRow
    options: list[OptionRow]


async def _tap(press: Press[PollRow]) -> Tap | None:
    """The ballot tapped; None, once answered, if the poll closed or the member has none."""
    services, poll, tr = press.services, press.row, press.tr
    ballot = await ballots_db.ballot_of(services.db, poll.id, press.actor.user_id)
    if not poll.is_open or ballot is None:
        await press.query.answer(
            tr._("This poll is closed.")
            if not poll.is_open
            else tr._("This button is no longer valid.")
        )
        return None
    return Tap(poll, ballot, await polls_db.options_of(services.db, poll.id))


# A rank or an undo shows no toast: no text at all (an empty one would reach members as "[]",
# because PTB's Defaults turn "" into an empty list).


@button("poll", "rank", load=may_vote_in, answer=False)
async def rank(press: Press[PollRow]) -> None:
    """`poll:rank:<poll>:<option>`: the option next in the member's ranking."""
    tap = await _tap(press)
    if tap is None:
        return
    option = press.data.int_arg(1)
    new = add_choice(tap.ballot.draft, option, [o.id for o in tap.options]) if option else None
    if new is None:
        await answer_stale(press.update, press.context)
        return
    await _redraw(press, tap, new)


@button("poll", "undo", load=may_vote_in, answer=False)
async def undo(press: Press[PollRow]) -> None:
    """`poll:undo:<poll>`: the last choice off the ranking."""
    tap = await _tap(press)
    if tap is None:
        return
    if not tap.ballot.draft:
        await press.query.answer(press.tr._("There is nothing to undo."))
        return
    await _redraw(press, tap, tap.ballot.draft[:-1])


@button("poll", "submit", load=may_vote_in, answer=False)
async def submit(press: Press[PollRow]) -> None:
    """`poll:submit:<poll>`: the ranking counts; the first submit refreshes the group's count."""
    tap = await _tap(press)
    if tap is None:
        return
    tr, services, draft = press.tr, press.services, tap.ballot.draft
    if not draft:
        await press.query.answer(tr._("Rank at least one option first."))
        return
    if tap.ballot.submitted_at and draft == tap.ballot.submitted:
        await press.query.answer(tr._("Your ranking is already submitted."))
        return
    user = press.actor.user
    group = user.stakeholder_group if user else None
    first = await ballots_db.submit(services.db, tap.ballot.id, draft, group, services.clock())
    if first is None:  # the poll closed since the tap was read
        await press.query.answer(tr._("This poll is closed."))
        return
    if first:
        request_refresh(press.context.bot, services, tap.poll.id)
    await _redraw(press, tap, draft, tr._("Submitted. Thank you!"), reread=True)


TAPS = (rank, undo, submit)  # listed in the `poll:` table (handlers/polls/commands.py)


async def _redraw(
    press: Press[PollRow],
    tap: Tap,
    draft: list[int],
    answer: str | None = None,
    *,
    reread: bool = False,
) -> None:
    """Keep the new draft, answer the tap and show the ballot as it is now.

    A submit changed more than the draft (`reread`): the ballot is read back; a rank or an undo
    changed only the draft."""
    services, actor, query = press.services, press.actor, press.query
    tapped = press.message
    if not await ballots_db.set_draft(
        services.db, tap.ballot.id, draft, tapped.chat_id, tapped.message_id
    ):
        await press.query.answer(actor.tr._("This poll is closed."))  # since the tap was read
        return
    fresh = (
        await ballots_db.ballot_of(services.db, tap.poll.id, actor.user_id)
        if reread
        else replace(tap.ballot, draft=draft)
    )
    assert fresh is not None
    poll, options = await for_reader(
        services.db, services.priorities, actor.tr, tap.poll, tap.options
    )
    text, markup = render_ballot(actor.tr, poll, options, fresh, actor.timezone)
    shown = _shown(press, tap.ballot, poll, options)

    async def show() -> None:
        if shown == (text, markup):
            return
        with unless_unchanged():  # a rare race left: no error either
            await query.edit_message_text(text, reply_markup=markup)

    # The toast and the new ballot are independent: both on the wire at once halves the wait.
    await asyncio.gather(query.answer(answer), show())


def _shown(
    press: Press[PollRow], ballot: BallotRow, poll: PollRow, options: list[OptionRow]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """What the tapped message shows now, to skip an edit Telegram would refuse as "not
    modified". The copy in the update is what the member's phone had when they tapped: on the
    ballot message we drew last, a first tap's edit may not have reached the phone before a
    second tap (rank, then undo), so there it is the ballot as we last drew it. An older copy
    of the ballot (sent again with "Open my ballot") shows what it was tapped with."""
    tapped = press.message
    if (tapped.chat_id, tapped.message_id) == (ballot.chat_id, ballot.message_id):
        return render_ballot(press.tr, poll, options, ballot, press.actor.timezone)
    return tapped.text_html, tapped.reply_markup
