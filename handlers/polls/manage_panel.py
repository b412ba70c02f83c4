"""The /editpoll panel, and what every `pm:` button and the `editpoll` typed step share.

A `pm:` button (`manage_button`) names a poll; every press is re-checked against the database:
the poll exists and the presser coordinates its forum (else "no longer valid"), and the poll is
still open (else an alert says it was closed or cancelled, and nothing changes). The typed step
(`EditPollDraft`) waits for a closing time or a corrected text (handlers/polls/manage.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message

from bot import callbacks
from bot.i18n import Translator
from db import poll_manage as manage_db
from db import polls as polls_db
from db.polls import PollRow
from handlers.buttons import Button, Press, button, by_id
from handlers.common import keyboard, unless_unchanged
from handlers.context import ForumContext

EDITPOLL = "editpoll"  # the dialog step waiting for a typed deadline or text
DEADLINE = "closes"  # the step's `field` when it waits for a closing time
Screen = tuple[str, InlineKeyboardMarkup]


@dataclass(frozen=True)
class EditPollDraft:
    """The `editpoll` step: which poll, and what the typed message will change."""

    poll: int
    field: str | int  # DEADLINE, or the position of the text to fix (0: the question)
    seen: int | None = None  # with DEADLINE: the deadline shown (`stamp`) when it began


def stamp(moment: datetime) -> int:
    """A deadline as a button or step carries it: a second tap on an old screen changes nothing."""
    return int(moment.timestamp())


def coordinates(context: ForumContext, poll: PollRow) -> bool:
    """Whether the presser coordinates the poll's forum (whichever forum is their current)."""
    return any(
        m.forum.id == poll.forum_id and m.role == "coordinator" for m in context.actor.memberships
    )


async def _may_manage(context: ForumContext, poll: PollRow) -> bool:
    return coordinates(context, poll)


def manage_button(
    action: str, *, answer: bool = True
) -> Callable[[Callable[[Press[PollRow]], Awaitable[None]]], Button[Any]]:
    """Declare a `pm:<action>:<poll>…` button; its handler runs only while the poll is open.
    `answer`: answer the press (no text) first; False: the handler answers it itself."""

    def declare(handle: Callable[[Press[PollRow]], Awaitable[None]]) -> Button[Any]:
        async def run(press: Press[PollRow]) -> None:
            if not press.row.is_open:
                await press.query.answer(_ended(press.tr, press.row), show_alert=True)
                return
            if answer:
                await press.query.answer()
            await handle(press)

        return button("pm", action, load=by_id(polls_db.get_poll), check=_may_manage, answer=False)(
            run
        )

    return declare


def _ended(tr: Translator, poll: PollRow) -> str:
    if poll.cancelled_at:
        return tr._("Poll %(number)s was cancelled.", number=poll.number)
    return tr._("Poll %(number)s is closed: it can no longer change.", number=poll.number)


async def show(query: CallbackQuery, screen: Screen) -> None:
    """The pressed message becomes `screen` (a panel, a question)."""
    shown = query.message
    if (
        isinstance(shown, Message)
        and shown.text_html == screen[0]
        and shown.reply_markup == screen[1]
    ):
        return  # a second tap on a screen that already shows it: Telegram would refuse
    with unless_unchanged():
        await query.edit_message_text(screen[0], reply_markup=screen[1])


async def panel(context: ForumContext, poll: PollRow) -> Screen:
    tr, services = context.actor.tr, context.services
    submitted = await manage_db.submitted_count(services.db, poll.id)
    eligible = await polls_db.eligible_count(services.db, poll.forum_id)
    text = "\n".join(
        (
            tr._(
                "⚙️ <b>Poll %(number)s</b>: %(question)s", number=poll.number, question=poll.question
            ),
            tr._("Closes %(time)s.", time=tr.datetime(poll.closes_at, context.actor.timezone)),
            tr.n_(
                "%(count)s of %(eligible)s member has submitted a ballot.",
                "%(count)s of %(eligible)s members have submitted a ballot.",
                eligible,
                count=submitted,
                eligible=eligible,
            ),
        )
    )
    fix = tr._("✏️ Fix text (locked: ballots are in)") if submitted else tr._("✏️ Fix text")
    rows = [
        [(tr._("⏰ Change deadline"), callbacks.make("pm", "dl", poll.id))],
        [(fix, callbacks.make("pm", "fix", poll.id))],
        [(tr._("🗑 Cancel poll"), callbacks.make("pm", "ask", poll.id))],
    ]
    return text, keyboard(rows)


@manage_button("menu")
async def show_panel(press: Press[PollRow]) -> None:
    """◀ Back, Keep the poll: the panel again."""
    await show(press.query, await panel(press.context, press.row))
