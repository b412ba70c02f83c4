"""/editpoll: a coordinator manages a poll after it went out: its deadline, a typo, a cancellation.

`/editpoll [number]` (private) opens the poll's panel; without a number and with several open
polls it asks which (paged). Its buttons (`pm:`, handlers/buttons.py) are declared where their
change lives, each press re-checked against the database (the presser coordinates the poll's
forum, the poll is still open; handlers/polls/manage_panel.py):

- `pm:menu:<poll>` the panel (manage_panel.py);
- `pm:dl`, `pm:mv`, `pm:type`: the deadline (manage_deadline.py);
- `pm:fix`, `pm:fx`: a typo in the question or an option (manage_text.py);
- `pm:ask`, `pm:drop`: cancel the poll (manage_cancel.py).

A typed closing time or corrected text answers the `editpoll` step (`on_input`, here). Commit,
then talk: each change commits with what members are told (one notice each, in their language
and zone) and the edits of their ballot messages, through the outbox (manage_changes.py).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.forums import FormError
from db import polls as polls_db
from handlers.buttons import routes
from handlers.common import chat_of, guarded, message_of, reply
from handlers.context import ForumContext
from handlers.dialogs import end_here, typed_step
from handlers.polls import manage_cancel, manage_deadline, manage_text
from handlers.polls.choice import pick_poll
from handlers.polls.manage_panel import (
    DEADLINE,
    EDITPOLL,
    EditPollDraft,
    coordinates,
    panel,
    show_panel,
)


@guarded("editpoll")
async def edit_poll(update: Update, context: ForumContext) -> None:
    """`/editpoll [number]`: the panel of one open poll (asks which if several are open)."""
    poll = await pick_poll(update, context, feature="pm", action="menu", open_only=True)
    if poll is not None:
        await reply(update, *await panel(context, poll))


async def on_input(update: Update, context: ForumContext, draft: EditPollDraft) -> None:
    """The typed closing time or corrected text of the `editpoll` step."""
    actor, services = context.actor, context.services
    typed = message_of(update).text
    assert typed is not None  # handlers/text.py routes only text to this step
    text = " ".join(typed.split())
    poll = await polls_db.get_poll(services.db, draft.poll)
    if poll is None or not coordinates(context, poll) or not poll.is_open:
        await _gone(update, context)
        return
    claimed = (actor.user_id, chat_of(update).id)
    changed: str | None = None  # None: the step was used, or names no text to change
    try:
        if draft.field == DEADLINE:
            changed = await manage_deadline.typed_deadline(context, poll, text, draft.seen, claimed)
        elif isinstance(draft.field, int):
            changed = await manage_text.typed_text(context, poll, draft.field, text, claimed)
    except FormError as exc:
        await reply(update, actor.tr._(exc.message, **exc.params))
        return
    if changed is None:
        await _gone(update, context)
        return
    await reply(update, changed)
    fresh = await polls_db.get_poll(services.db, poll.id)
    if fresh is not None and fresh.is_open:
        await reply(update, *await panel(context, fresh))


async def _gone(update: Update, context: ForumContext) -> None:
    """The step's poll can no longer change (or the step was used): it ends."""
    await end_here(update, context)
    await reply(update, context.actor.tr._("That poll can no longer change. Nothing was changed."))


# What a typed message answers in this feature's dialogs (collected by handlers/text.py).
TYPED_STEPS = (typed_step(EDITPOLL, EditPollDraft, on_input),)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("editpoll", edit_poll)),
        (
            0,
            routes(
                show_panel,
                manage_deadline.show_deadline,
                manage_deadline.move_by_step,
                manage_deadline.ask_deadline,
                manage_text.show_fix,
                manage_text.ask_text,
                manage_cancel.ask_cancel,
                manage_cancel.cancel,
            ),
        ),
    ]
