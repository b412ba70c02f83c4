"""/editpoll's "Cancel poll": the poll ends without results and every ballot is deleted.

`pm:ask:<poll>` the confirmation; `pm:drop:<poll>` cancel. One transaction holds the
cancellation, one notice per voter (in their language) and the edit of every ballot message on
record into the same words.
"""

from __future__ import annotations

from collections.abc import Callable

from bot import callbacks
from bot.i18n import Translator
from bot.poll_texts import question_by_reader
from db import outbox as outbox_db
from db import poll_manage as manage_db
from db import polls as polls_db
from db.polls import PollRow
from handlers import outgoing as outbox
from handlers.buttons import Press
from handlers.common import confirmation
from handlers.context import ForumContext
from handlers.polls.manage_changes import Changed, after
from handlers.polls.manage_panel import Screen, manage_button, show


@manage_button("ask")
async def ask_cancel(press: Press[PollRow]) -> None:
    """🗑 Cancel poll: are you sure? (it cannot be undone)"""
    await show(press.query, _cancel_question(press.tr, press.row))


@manage_button("drop", answer=False)
async def cancel(press: Press[PollRow]) -> None:
    """✅ Yes, cancel: the poll ends without results; members are told."""
    services, actor, query, poll = press.services, press.actor, press.query, press.row
    if not await _cancel(press.context, poll):
        await query.answer(
            actor.tr._("Poll %(number)s was cancelled.", number=poll.number), show_alert=True
        )
        return
    # The deleted ballots' old pages are zeroed (secure_delete); the WAL still holds them.
    await services.db.checkpoint()
    after(press.context, poll)
    await query.answer()
    await query.edit_message_text(
        actor.tr._(
            "Poll %(number)s is cancelled. Its ballots are deleted and members are being told.",
            number=poll.number,
        )
    )


async def _cancel(context: ForumContext, poll: PollRow) -> bool:
    """Cancel in one transaction with one notice per voter and the edit of every ballot
    message on record; False if it was closed or cancelled meanwhile (nothing changed)."""
    services, actor = context.services, context.actor
    voters = await polls_db.voters(services.db, poll.forum_id)
    question = await question_by_reader(services.db, services.priorities, poll)
    said = {  # once per language, each in the reader's words
        language: _cancelled(services.catalogs.translator(language), poll, question)
        for language in {None, *(voter.language for voter in voters)}
    }
    notices = [
        outbox.outgoing(voter.user_id, voter.user_id, said[voter.language])
        for voter in voters
        if voter.user_id != actor.user_id
    ]
    try:
        async with outbox_db.batch(
            services.db, forum_id=poll.forum_id, kind="poll_cancelled", now=services.clock()
        ) as batch:
            messages = await manage_db.ballot_messages(batch.conn, poll.id)  # before they go
            if not await manage_db.cancel(batch.conn, poll.id, services.clock()):
                raise Changed
            for notice in notices:
                await batch.add(notice)
            for message in messages:
                await batch.add(
                    outbox_db.Outgoing(
                        message.chat_id,
                        message.user_id,
                        said.get(message.language, said[None]),
                        edit_message_id=message.message_id,
                        part=1,
                    )
                )
    except Changed:
        return False
    return True


def _cancelled(tr: Translator, poll: PollRow, question: Callable[[Translator], str]) -> str:
    return "\n\n".join(
        (
            tr._("<b>Poll %(number)s</b>: %(question)s", number=poll.number, question=question(tr)),
            tr._(
                "This poll was cancelled by the coordinators. Every ranking was deleted and "
                "there will be no results."
            ),
        )
    )


def _cancel_question(tr: Translator, poll: PollRow) -> Screen:
    text = tr._(
        "Cancel poll %(number)s “%(question)s”? It ends without results, every ballot is "
        "deleted and members are told. This cannot be undone.",
        number=poll.number,
        question=poll.question,
    )
    return confirmation(
        text,
        (
            tr._("✅ Yes, cancel poll %(number)s", number=poll.number),
            callbacks.make("pm", "drop", poll.id),
        ),
        (tr._("Keep the poll"), callbacks.make("pm", "menu", poll.id)),
    )
