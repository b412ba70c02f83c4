"""Who voted in a named poll: the "👥 Who voted" button under private /results, a paged list.

`pv:who:<poll>` sends the first page; `page:who:<poll>:<n>` turns pages (handlers/paging.py).
Both re-check the reader: in the poll's forum, a coordinator or a member who may see its results
(`bot.poll_voters.may_see_names`), in a private chat (the button is not in `IN_GROUPS`), and
the poll is named. Names only, in alphabetical order: who voted, never how.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from bot import callbacks
from bot.i18n import Translator
from bot.poll_voters import may_see_names
from bot.polls import members_may_see
from db import poll_voters as voters_db
from db import polls as polls_db
from db.polls import PollRow
from handlers.buttons import Press, button, routes
from handlers.common import reply
from handlers.context import ForumContext
from handlers.paging import Row, Screen, markup, pager_for, text_page


def who_voted_row(context: ForumContext, poll: PollRow) -> list[tuple[str, str]] | None:
    """The button for the results message, where this reader may use it; else None."""
    if not _may_see(context, poll):
        return None
    return [(context.actor.tr._("👥 Who voted"), callbacks.make("pv", "who", poll.id))]


def _may_see(context: ForumContext, poll: PollRow) -> bool:
    actor = context.actor
    role = next((m.role for m in actor.memberships if m.forum.id == poll.forum_id), None)
    if not may_see_names(poll.anonymous, role):
        return False
    return role == "coordinator" or members_may_see(poll)


async def _screen(context: ForumContext, poll: PollRow, number: int) -> Screen:
    tr = context.actor.tr
    names = await voters_db.voter_names(context.services.db, poll.id)
    heading = tr.n_(
        "<b>Poll %(number)s</b>: %(count)s member voted (who, not how):",
        "<b>Poll %(number)s</b>: %(count)s members voted (who, not how):",
        len(names),
        number=poll.number,
        count=len(names),
    )
    lines = [_name(tr, first, username) for first, username in names]
    if not lines:
        return heading, None
    text, nav = text_page(tr, heading, lines, number, "who", poll.id)
    rows: list[Row] = [nav]
    return text, markup(rows)


def _name(tr: Translator, first: str, username: str | None) -> str:
    if username:
        return tr._("• %(name)s (@%(username)s)", name=first, username=username)
    return tr._("• %(name)s", name=first)


async def _poll(context: ForumContext, poll_id: int | None) -> PollRow | None:
    poll = await polls_db.get_poll(context.services.db, poll_id) if poll_id else None
    return poll if poll is not None and _may_see(context, poll) else None


async def named_poll(context: ForumContext, data: callbacks.Callback) -> PollRow | None:
    """The button's `load`: the poll, if this reader may see who voted in it."""
    return await _poll(context, data.int_arg(0))


@button("pv", "who", load=named_poll)
async def who(press: Press[PollRow]) -> None:
    """`pv:who:<poll>`: the first page of who voted, as a new message under the results."""
    await reply(press.update, *await _screen(press.context, press.row, 0))


@pager_for("who")
async def who_page(
    update: Update, context: ForumContext, args: tuple[str, ...], number: int
) -> Screen | None:
    """`page:who:<poll>:<n>`: another page, for the same readers."""
    poll = await _poll(context, callbacks.parse_id(args[0]) if len(args) == 1 else None)
    return await _screen(context, poll, number) if poll else None


def handlers() -> list[tuple[int, BaseHandler]]:
    return [(0, routes(who))]
