"""Which poll a command means: the number typed, else the forum's latest (open) poll, else
"Which poll?" with one button per open poll (paged). /results, /export, /closepoll and /editpoll
ask it; the buttons it draws lead back to them (`CHOICES`)."""

from __future__ import annotations

from telegram import Update

from bot import callbacks
from bot.callbacks import parse_id
from bot.i18n import Translator
from bot.polls import shorten
from db import polls as polls_db
from db.polls import PollRow
from handlers.common import command_text, reply
from handlers.context import ForumContext
from handlers.paging import BUTTONS_PER_PAGE, Screen, markup, page_of, pager_for


async def pick_poll(
    update: Update, context: ForumContext, *, feature: str, action: str, open_only: bool = False
) -> PollRow | None:
    """The poll a command means: the number given, else the forum's most recent (open) poll.

    With several open polls and no number, offer one button each (`feature:action:<id>`) and
    return None; also None, after saying why, when there is no such poll.
    """
    actor, services = context.actor, context.services
    assert actor.forum is not None
    tr, arg = actor.tr, command_text(update)
    if arg:
        number = parse_id(arg)
        poll = (
            await polls_db.poll_by_number(services.db, actor.forum.id, number) if number else None
        )
        if poll is None or (open_only and not poll.is_open):
            typed = shorten(arg)  # as typed, but never longer than a message may be
            await reply(
                update,
                tr._("There is no open poll with the number %(number)s.", number=typed)
                if open_only
                else tr._("There is no poll with the number %(number)s.", number=typed),
            )
            return None
        return poll
    polls = await polls_db.polls_of(services.db, actor.forum.id)
    open_polls = [poll for poll in polls if poll.is_open]
    if len(open_polls) > 1:
        await reply(update, *poll_choice(tr, open_polls, feature, action, 0))
        return None
    candidates = open_polls if open_only else polls
    if not candidates:
        await reply(
            update,
            tr._("There is no open poll.")
            if open_only
            else tr._("%(forum)s has no polls yet.", forum=actor.forum.name),
        )
        return None
    return candidates[0]


CHOICES = {
    ("res", "show"),
    ("res", "export"),
    ("poll", "close"),
    ("pm", "menu"),
}  # what "Which poll?" leads to


def poll_choice(
    tr: Translator, open_polls: list[PollRow], feature: str, action: str, number: int
) -> Screen:
    """ "Which poll?": page `number` of one button per open poll (`feature:action:<id>`)."""
    page = page_of([1] * len(open_polls), number, per_page=BUTTONS_PER_PAGE)
    rows = [
        [(f"{p.number}. {shorten(p.question)}", callbacks.make(feature, action, p.id))]
        for p in open_polls[page.items.start : page.items.stop]
    ]
    text = tr._("Which poll?")
    if note := page.note(tr):
        text += "\n" + note
    return text, markup([*rows, page.nav("poll", feature, action)])


@pager_for("poll")
async def choice_page(
    update: Update, context: ForumContext, args: tuple[str, ...], number: int
) -> Screen | None:
    """`page:poll:<feature>:<action>:<n>`: another page of the choice, for the forum's members."""
    actor = context.actor
    if tuple(args) not in CHOICES or actor.forum is None or actor.role is None:
        return None
    polls = await polls_db.polls_of(context.services.db, actor.forum.id)
    feature, action = args  # one of CHOICES
    return poll_choice(actor.tr, [p for p in polls if p.is_open], feature, action, number)


async def poll_of_forum(context: ForumContext, data: callbacks.Callback) -> PollRow | None:
    """A button's `load`: the poll its data names, if it is of the caller's current forum."""
    actor, poll_id = context.actor, data.int_arg(0)
    poll = await polls_db.get_poll(context.services.db, poll_id) if poll_id else None
    if poll is None or actor.forum is None or poll.forum_id != actor.forum.id:
        return None
    return poll
