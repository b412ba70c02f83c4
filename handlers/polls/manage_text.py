"""/editpoll's "Fix text": correct a typo in the question or an option, before the first ballot.

`pm:fix:<poll>` what to fix; `pm:fx:<poll>:<position>` waits for the question (0) or an option
(the `editpoll` step). Once a ballot is submitted the text is locked, because members ranked
what they read; the write itself checks it, so a ballot a moment before wins.
"""

from __future__ import annotations

from bot import callbacks
from bot.forums import FormError
from bot.i18n import N_, Translator
from bot.polls import shorten, validate_options, validate_question
from db import outbox as outbox_db
from db import poll_manage as manage_db
from db import polls as polls_db
from db.polls import PollRow
from handlers.buttons import Press
from handlers.common import answer_stale, keyboard
from handlers.context import ForumContext
from handlers.dialogs import expect_here
from handlers.polls.manage_changes import Changed, after, ballot_edits, claim
from handlers.polls.manage_panel import EDITPOLL, EditPollDraft, Screen, manage_button, show


def locked(tr: Translator, poll: PollRow) -> str:
    return tr._(
        "Poll %(number)s has submitted ballots: its text can no longer change, because members "
        "ranked what they read. Cancel it and start a new poll if the text is wrong.",
        number=poll.number,
    )


async def _fix_screen(context: ForumContext, poll: PollRow) -> Screen:
    tr = context.actor.tr
    options = await polls_db.options_of(context.services.db, poll.id)
    rows = [[(tr._("The question"), callbacks.make("pm", "fx", poll.id, 0))]]
    rows += [
        [(f"{o.position}. {shorten(o.text)}", callbacks.make("pm", "fx", poll.id, o.position))]
        for o in options
    ]
    rows.append([(tr._("◀ Back"), callbacks.make("pm", "menu", poll.id))])
    text = tr._(
        "What needs fixing? Members who already have the ballot will see the new text.",
    )
    return text, keyboard(rows)


async def _unlocked(press: Press[PollRow]) -> bool:
    """Whether the text may still change; if not, an alert says why."""
    if await manage_db.submitted_count(press.services.db, press.row.id):
        await press.query.answer(locked(press.tr, press.row), show_alert=True)
        return False
    return True


@manage_button("fix", answer=False)
async def show_fix(press: Press[PollRow]) -> None:
    if await _unlocked(press):
        await press.query.answer()
        await show(press.query, await _fix_screen(press.context, press.row))


@manage_button("fx", answer=False)
async def ask_text(press: Press[PollRow]) -> None:
    """The question or an option: show it as it is and wait for the corrected text."""
    if not await _unlocked(press):
        return
    actor, query, poll, position = press.actor, press.query, press.row, press.data.int_arg(1)
    options = await polls_db.options_of(press.services.db, poll.id)
    current = (
        poll.question
        if position == 0
        else next((o.text for o in options if o.position == position), None)
    )
    if current is None or position is None:
        await answer_stale(press.update, press.context)
        return
    await expect_here(press.update, press.context, EDITPOLL, EditPollDraft(poll.id, position))
    await query.answer()
    await query.edit_message_text(
        actor.tr._("Now: “%(text)s”\nSend the corrected text, or /cancel.", text=current)
        if position
        else actor.tr._("Now: “%(text)s”\nSend the corrected question, or /cancel.", text=current)
    )


async def typed_text(
    context: ForumContext, poll: PollRow, position: int, text: str, claimed: tuple[int, int]
) -> str | None:
    """The corrected text: what to say, or None when the step was already used."""
    tr = context.actor.tr
    options = await polls_db.options_of(context.services.db, poll.id)
    if position == 0:
        validate_question(text)
    else:
        if position not in {o.position for o in options}:
            return None
        # The options as they would be: the same limits and the same "two are the same" as a
        # new poll's.
        validate_options([text if o.position == position else o.text for o in options])
    if not text:
        raise FormError(N_("Please answer with text (or send /cancel)."))
    result = await fix_text(context, poll, position, text, claimed)
    if result is None:
        return None
    if not result:
        return locked(tr, poll)
    return tr._(
        "Fixed. Ballots already sent are being updated to show the new text.",
    )


async def fix_text(
    context: ForumContext, poll: PollRow, position: int, text: str, claimed: tuple[int, int]
) -> bool | None:
    """Write the corrected text, and edit every ballot message on record to show it. False: a
    ballot was submitted first (nothing changed); None: the typed step was already used."""
    services = context.services
    try:
        async with outbox_db.batch(
            services.db,
            forum_id=poll.forum_id,
            kind="poll_fix",
            now=services.clock(),
            poll_id=poll.id,
        ) as batch:
            if not await manage_db.fix_text(batch.conn, poll.id, position, text):
                await claim(batch.conn, claimed)  # the step ends either way
                return False
            await claim(batch.conn, claimed)
            await ballot_edits(batch, poll)
    except Changed:
        return None
    after(context, poll)
    return True
