"""/editpoll: a coordinator manages a poll after it went out: its deadline, a typo, a cancellation.

`/editpoll [number]` (private) opens the poll's panel; without a number and with several open
polls it asks which (paged). Callback data, every press re-checked against the database (the
presser coordinates the poll's forum, the poll is still open):

- `pm:menu:<poll>` the panel; `pm:dl:<poll>` the deadline screen;
- `pm:mv:<poll>:<step>:<seen>` move the deadline by a step (`p1` +1 day, `p7` +7 days, `m1`
  −1 day) from `seen` (the deadline shown, in epoch seconds: a second tap on an old screen
  changes nothing); `pm:type:<poll>` a typed closing time (a dialog step, like `closes:`);
- `pm:fix:<poll>` what to fix; `pm:fx:<poll>:<position>` the question (0) or an option (a step);
- `pm:ask:<poll>` the cancel confirmation; `pm:drop:<poll>` cancel.

Commit, then talk: each change commits with what members are told (one notice each, in their
language and zone) and the edits of their ballot messages, through the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import aiosqlite
from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.forums import FormError
from bot.i18n import N_, Translator
from bot.poll_texts import question_by_reader
from bot.polls import (
    parse_duration,
    parse_local_time,
    shorten,
    validate_deadline,
    validate_options,
    validate_question,
)
from db import dialogs
from db import outbox as outbox_db
from db import poll_manage as manage_db
from db import polls as polls_db
from db.polls import PollRow
from handlers import outgoing as outbox
from handlers.common import (
    TypedStep,
    answer_stale,
    chat_of,
    guarded,
    keyboard,
    message_of,
    pressed,
    reply,
    unless_unchanged,
)
from handlers.context import ForumContext
from handlers.polls.choice import pick_poll
from handlers.polls.group_post import request_refresh

EDITPOLL = "editpoll"  # the dialog step waiting for a typed deadline or text
STEPS = {"p1": timedelta(days=1), "p7": timedelta(days=7), "m1": timedelta(days=-1)}
Screen = tuple[str, InlineKeyboardMarkup]


class _Changed(Exception):
    """The poll is no longer as the coordinator saw it: roll the change back."""


async def _show(query: CallbackQuery, screen: Screen) -> None:
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


def _stamp(moment: datetime) -> int:
    return int(moment.timestamp())


def _coordinates(context: ForumContext, poll: PollRow) -> bool:
    """Whether the presser coordinates the poll's forum (whichever forum is their current)."""
    return any(
        m.forum.id == poll.forum_id and m.role == "coordinator" for m in context.actor.memberships
    )


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


def _deadline_screen(context: ForumContext, poll: PollRow) -> Screen:
    tr, seen = context.actor.tr, _stamp(poll.closes_at)
    text = tr._(
        "Poll %(number)s closes %(time)s. Move the deadline, or type a new one. Every member "
        "is told once.",
        number=poll.number,
        time=tr.datetime(poll.closes_at, context.actor.timezone),
    )
    rows = [
        [
            (tr._("+1 day"), callbacks.make("pm", "mv", poll.id, "p1", seen)),
            (tr._("+7 days"), callbacks.make("pm", "mv", poll.id, "p7", seen)),
            (tr._("−1 day"), callbacks.make("pm", "mv", poll.id, "m1", seen)),
        ],
        [(tr._("📅 Type a date"), callbacks.make("pm", "type", poll.id))],
        [(tr._("◀ Back"), callbacks.make("pm", "menu", poll.id))],
    ]
    return text, keyboard(rows)


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


def _cancel_question(tr: Translator, poll: PollRow) -> Screen:
    text = tr._(
        "Cancel poll %(number)s “%(question)s”? It ends without results, every ballot is "
        "deleted and members are told. This cannot be undone.",
        number=poll.number,
        question=poll.question,
    )
    rows = [
        [
            (
                tr._("✅ Yes, cancel poll %(number)s", number=poll.number),
                callbacks.make("pm", "drop", poll.id),
            )
        ],
        [(tr._("Keep the poll"), callbacks.make("pm", "menu", poll.id))],
    ]
    return text, keyboard(rows)


def _locked(tr: Translator, poll: PollRow) -> str:
    return tr._(
        "Poll %(number)s has submitted ballots: its text can no longer change, because members "
        "ranked what they read. Cancel it and start a new poll if the text is wrong.",
        number=poll.number,
    )


@guarded("editpoll")
async def edit_poll(update: Update, context: ForumContext) -> None:
    """`/editpoll [number]`: the panel of one open poll (asks which if several are open)."""
    poll = await pick_poll(update, context, feature="pm", action="menu", open_only=True)
    if poll is not None:
        await reply(update, *await panel(context, poll))


async def on_manage_button(update: Update, context: ForumContext) -> None:
    """Every `pm:` press: re-checked, then the screen or the change it asks for."""
    query, tr = pressed(update), context.actor.tr
    parsed = callbacks.parse(query.data)
    poll_id = parsed.int_arg(0) if parsed else None
    poll = await polls_db.get_poll(context.services.db, poll_id) if poll_id else None
    if parsed is None or poll is None or not _coordinates(context, poll):
        await answer_stale(update, context)
        return
    if not poll.is_open:
        await query.answer(
            tr._("Poll %(number)s was cancelled.", number=poll.number)
            if poll.cancelled_at
            else tr._("Poll %(number)s is closed: it can no longer change.", number=poll.number),
            show_alert=True,
        )
        return
    action = parsed.action
    if action == "menu":
        await query.answer()
        await _show(query, await panel(context, poll))
    elif action == "dl":
        await query.answer()
        await _show(query, _deadline_screen(context, poll))
    elif action == "mv":
        await _move_by_step(update, context, poll, parsed)
    elif action == "type":
        await _expect(update, context, poll, "closes")
    elif action in ("fix", "fx"):
        if await manage_db.submitted_count(context.services.db, poll.id):
            await query.answer(_locked(tr, poll), show_alert=True)
        elif action == "fix":
            await query.answer()
            await _show(query, await _fix_screen(context, poll))
        else:
            await _expect_text(update, context, poll, parsed.int_arg(1))
    elif action == "ask":
        await query.answer()
        await _show(query, _cancel_question(tr, poll))
    elif action == "drop":
        await _cancel(update, context, poll)
    else:
        await answer_stale(update, context)


async def _move_by_step(
    update: Update, context: ForumContext, poll: PollRow, parsed: callbacks.Callback
) -> None:
    query, tr = pressed(update), context.actor.tr
    step, seen = STEPS.get(parsed.arg(1) or ""), parsed.int_arg(2)
    if step is None or seen is None:
        await answer_stale(update, context)
        return
    if seen != _stamp(poll.closes_at):  # a second tap on this screen: show where it is now
        await query.answer(tr._("The deadline was changed meanwhile; here it is now."))
        await _show(query, _deadline_screen(context, poll))
        return
    try:
        validate_deadline(poll.closes_at + step, context.services.clock())
    except FormError as exc:
        await query.answer(tr._(exc.message, **exc.params), show_alert=True)
        return
    if not await move_deadline(context, poll, poll.closes_at + step):
        await query.answer(tr._("The deadline was changed meanwhile; here it is now."))
    else:
        await query.answer(_moved(context, poll.number))
    fresh = await polls_db.get_poll(context.services.db, poll.id)
    assert fresh is not None
    if fresh.is_open:
        await _show(query, _deadline_screen(context, fresh))


def _moved(context: ForumContext, number: int) -> str:
    return context.actor.tr._(
        "Done: poll %(number)s has its new deadline, and every member is being told.",
        number=number,
    )


async def _expect(update: Update, context: ForumContext, poll: PollRow, field: str) -> None:
    """Wait for the typed closing time (`closes`) in this chat."""
    actor, query = context.actor, pressed(update)
    await dialogs.expect(
        context.services.db,
        user_id=actor.user_id,
        chat_id=chat_of(update).id,
        kind=EDITPOLL,
        data={"poll": poll.id, "field": field, "seen": _stamp(poll.closes_at)},
        now=context.services.clock(),
    )
    await query.answer()
    text = actor.tr._(
        "Send the new closing time of poll %(number)s, like 2027-01-15 17:00 (in your time "
        "zone, %(zone)s), or a time from now, like 3d. Or /cancel.",
        number=poll.number,
        zone=actor.timezone,
    )
    await query.edit_message_text(text)


async def _expect_text(
    update: Update, context: ForumContext, poll: PollRow, position: int | None
) -> None:
    actor, query = context.actor, pressed(update)
    options = await polls_db.options_of(context.services.db, poll.id)
    current = (
        poll.question
        if position == 0
        else next((o.text for o in options if o.position == position), None)
    )
    if current is None:
        await answer_stale(update, context)
        return
    await dialogs.expect(
        context.services.db,
        user_id=actor.user_id,
        chat_id=chat_of(update).id,
        kind=EDITPOLL,
        data={"poll": poll.id, "field": position},
        now=context.services.clock(),
    )
    await query.answer()
    await query.edit_message_text(
        actor.tr._("Now: “%(text)s”\nSend the corrected text, or /cancel.", text=current)
        if position
        else actor.tr._("Now: “%(text)s”\nSend the corrected question, or /cancel.", text=current)
    )


async def on_input(update: Update, context: ForumContext, data: dict) -> None:
    """The typed closing time or corrected text of the `editpoll` step."""
    actor, services = context.actor, context.services
    typed = message_of(update).text
    assert typed is not None  # handlers/text.py routes only text to this step
    text = " ".join(typed.split())
    poll_id, field = data.get("poll"), data.get("field")
    poll = await polls_db.get_poll(services.db, poll_id) if isinstance(poll_id, int) else None
    if poll is None or not _coordinates(context, poll) or not poll.is_open:
        await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_of(update).id)
        await reply(update, actor.tr._("That poll can no longer change. Nothing was changed."))
        return
    claim = (actor.user_id, chat_of(update).id)
    try:
        if field == "closes":
            changed = await _typed_deadline(context, poll, text, data.get("seen"), claim)
        elif isinstance(field, int):
            changed = await _typed_text(context, poll, field, text, claim)
        else:
            changed = None
    except FormError as exc:
        await reply(update, actor.tr._(exc.message, **exc.params))
        return
    if changed is None:
        await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_of(update).id)
        await reply(update, actor.tr._("That poll can no longer change. Nothing was changed."))
        return
    await reply(update, changed)
    fresh = await polls_db.get_poll(services.db, poll.id)
    if fresh is not None and fresh.is_open:
        await reply(update, *await panel(context, fresh))


async def _typed_deadline(
    context: ForumContext, poll: PollRow, text: str, seen: object, claim: tuple[int, int]
) -> str | None:
    now = context.services.clock()
    relative = parse_duration(text)
    closes_at = now + relative if relative else parse_local_time(text, context.actor.timezone)
    validate_deadline(closes_at, now)
    if seen == _stamp(poll.closes_at) and await move_deadline(
        context, poll, closes_at, claim=claim
    ):
        return _moved(context, poll.number)
    # Moved by someone else since this step began: the step ends, the panel shows it now.
    await dialogs.clear(context.services.db, user_id=claim[0], chat_id=claim[1])
    return context.actor.tr._(
        "The deadline was changed meanwhile, so nothing was changed. Here is the poll now."
    )


async def _typed_text(
    context: ForumContext, poll: PollRow, position: int, text: str, claim: tuple[int, int]
) -> str | None:
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
    result = await fix_text(context, poll, position, text, claim)
    if result is None:
        return None
    if not result:
        return _locked(tr, poll)
    return tr._(
        "Fixed. Ballots already sent are being updated to show the new text.",
    )


# --- the changes: commit with what members are told, then talk -----------------------------


async def move_deadline(
    context: ForumContext,
    poll: PollRow,
    closes_at: datetime,
    *,
    claim: tuple[int, int] | None = None,
) -> bool:
    """Move the deadline; every voter but the one who moved it gets one notice (in their
    language and zone) and their ballot message shows the new time. False: it changed
    meanwhile (or the typed step was already used), and nothing happened."""
    services, actor = context.services, context.actor
    forum = next(m.forum for m in actor.memberships if m.forum.id == poll.forum_id)
    notices = []
    question = await question_by_reader(services.db, services.priorities, poll)
    for voter in await polls_db.voters(services.db, poll.forum_id):
        if voter.user_id == actor.user_id:
            continue
        tr, zone = services.catalogs.translator(voter.language), voter.timezone or forum.timezone
        text = tr._(
            "Poll %(number)s “%(question)s” now closes %(time)s (before: %(old)s).",
            number=poll.number,
            question=question(tr),
            time=tr.datetime(closes_at, zone),
            old=tr.datetime(poll.closes_at, zone),
        )
        button = [(tr._("🗳 Open my ballot"), callbacks.make("poll", "open", poll.id))]
        notices.append(outbox.outgoing(voter.user_id, voter.user_id, text, keyboard([button])))
    now = services.clock()
    try:
        async with outbox_db.batch(
            services.db, forum_id=poll.forum_id, kind="poll_deadline", now=now, poll_id=poll.id
        ) as batch:
            if not await manage_db.move_deadline(
                batch.conn,
                poll.id,
                seen=poll.closes_at,
                closes_at=closes_at,
                remind_before=timedelta(seconds=poll.remind_before_s),
                now=now,
            ):
                raise _Changed
            await _claim(batch.conn, claim)
            for notice in notices:
                await batch.add(notice)
            await _ballot_edits(batch, poll)
    except _Changed:
        return False
    _after(context, poll)
    return True


async def fix_text(
    context: ForumContext, poll: PollRow, position: int, text: str, claim: tuple[int, int]
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
                await _claim(batch.conn, claim)  # the step ends either way
                return False
            await _claim(batch.conn, claim)
            await _ballot_edits(batch, poll)
    except _Changed:
        return None
    _after(context, poll)
    return True


async def _claim(conn: aiosqlite.Connection, claim: tuple[int, int] | None) -> None:
    if claim is not None and not await dialogs.take(
        conn,
        user_id=claim[0],
        chat_id=claim[1],
        kind=EDITPOLL,
    ):
        raise _Changed


async def _ballot_edits(batch: outbox_db.Batch, poll: PollRow) -> None:
    """An edit of every ballot message on record, drawn again when it is sent (handlers/outbox
    `_edit`): after a notice to the same chat, never instead of it."""
    for message in await manage_db.ballot_messages(batch.conn, poll.id):
        await batch.add(
            outbox_db.Outgoing(
                message.chat_id,
                message.user_id,
                poll.question,  # stands in only; the ballot is drawn at send time
                on_sent=f"ballot:{poll.id}",
                edit_message_id=message.message_id,
                part=1,
            )
        )


def _after(context: ForumContext, poll: PollRow) -> None:
    outbox.kick(context.bot, context.services)
    request_refresh(context.bot, context.services, poll.id)  # the group's post shows it too


async def _cancel(update: Update, context: ForumContext, poll: PollRow) -> None:
    """Cancel: the poll ends without results and its ballots are deleted, in one transaction
    with one notice per voter and the edit of every ballot message on record."""
    services, actor, query = context.services, context.actor, pressed(update)
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
                raise _Changed
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
    except _Changed:
        await query.answer(
            actor.tr._("Poll %(number)s was cancelled.", number=poll.number), show_alert=True
        )
        return
    # The deleted ballots' old pages are zeroed (secure_delete); the WAL still holds them.
    await services.db.checkpoint()
    _after(context, poll)
    await query.answer()
    await query.edit_message_text(
        actor.tr._(
            "Poll %(number)s is cancelled. Its ballots are deleted and members are being told.",
            number=poll.number,
        )
    )


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


# What a typed message answers in this feature's dialogs (collected by handlers/text.py).
TYPED_STEPS = (TypedStep(EDITPOLL, on_input),)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("editpoll", edit_poll)),
        (0, CallbackQueryHandler(on_manage_button, pattern=r"^pm:")),
    ]
