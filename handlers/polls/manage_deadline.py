"""/editpoll's deadline: move it by a step or to a typed time; every member is told once.

`pm:dl:<poll>` the deadline screen; `pm:mv:<poll>:<step>:<seen>` moves it by a step (`p1` +1
day, `p7` +7 days, `m1` −1 day) from `seen` (the deadline shown, in epoch seconds: a second tap
on an old screen changes nothing); `pm:type:<poll>` waits for a typed closing time (the
`editpoll` step, like the form's `closes:`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import callbacks
from bot.forums import FormError
from bot.poll_texts import question_by_reader
from bot.polls import parse_duration, parse_local_time, validate_deadline
from db import dialogs
from db import outbox as outbox_db
from db import poll_manage as manage_db
from db import polls as polls_db
from db.polls import PollRow
from handlers import outgoing as outbox
from handlers.buttons import Press
from handlers.common import answer_stale, keyboard
from handlers.context import ForumContext
from handlers.dialogs import expect_here
from handlers.polls.manage_changes import Changed, after, ballot_edits, claim
from handlers.polls.manage_panel import (
    DEADLINE,
    EDITPOLL,
    EditPollDraft,
    Screen,
    manage_button,
    show,
    stamp,
)

STEPS = {"p1": timedelta(days=1), "p7": timedelta(days=7), "m1": timedelta(days=-1)}


def deadline_screen(context: ForumContext, poll: PollRow) -> Screen:
    tr, seen = context.actor.tr, stamp(poll.closes_at)
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


@manage_button("dl")
async def show_deadline(press: Press[PollRow]) -> None:
    """⏰ Change deadline: the steps, and "Type a date"."""
    await show(press.query, deadline_screen(press.context, press.row))


@manage_button("mv", answer=False)
async def move_by_step(press: Press[PollRow]) -> None:
    """+1 day, +7 days, −1 day from the deadline the screen showed."""
    query, tr, poll = press.query, press.tr, press.row
    step, seen = STEPS.get(press.data.arg(1) or ""), press.data.int_arg(2)
    if step is None or seen is None:
        await answer_stale(press.update, press.context)
        return
    if seen != stamp(poll.closes_at):  # a second tap on this screen: show where it is now
        await query.answer(tr._("The deadline was changed meanwhile; here it is now."))
        await show(query, deadline_screen(press.context, poll))
        return
    try:
        validate_deadline(poll.closes_at + step, press.services.clock())
    except FormError as exc:
        await query.answer(tr._(exc.message, **exc.params), show_alert=True)
        return
    if not await move_deadline(press.context, poll, poll.closes_at + step):
        await query.answer(tr._("The deadline was changed meanwhile; here it is now."))
    else:
        await query.answer(moved(press.context, poll.number))
    fresh = await polls_db.get_poll(press.services.db, poll.id)
    assert fresh is not None
    if fresh.is_open:
        await show(query, deadline_screen(press.context, fresh))


def moved(context: ForumContext, number: int) -> str:
    return context.actor.tr._(
        "Done: poll %(number)s has its new deadline, and every member is being told.",
        number=number,
    )


@manage_button("type", answer=False)
async def ask_deadline(press: Press[PollRow]) -> None:
    """📅 Type a date: wait for the typed closing time in this chat."""
    actor, query, poll = press.actor, press.query, press.row
    draft = EditPollDraft(poll=poll.id, field=DEADLINE, seen=stamp(poll.closes_at))
    await expect_here(press.update, press.context, EDITPOLL, draft)
    await query.answer()
    text = actor.tr._(
        "Send the new closing time of poll %(number)s, like 2027-01-15 17:00 (in your time "
        "zone, %(zone)s), or a time from now, like 3d. Or /cancel.",
        number=poll.number,
        zone=actor.timezone,
    )
    await query.edit_message_text(text)


async def typed_deadline(
    context: ForumContext, poll: PollRow, text: str, seen: object, claimed: tuple[int, int]
) -> str:
    """The typed closing time: moved (what to say), or not, because it moved meanwhile."""
    now = context.services.clock()
    relative = parse_duration(text)
    closes_at = now + relative if relative else parse_local_time(text, context.actor.timezone)
    validate_deadline(closes_at, now)
    if seen == stamp(poll.closes_at) and await move_deadline(
        context, poll, closes_at, claimed=claimed
    ):
        return moved(context, poll.number)
    # Moved by someone else since this step began: the step ends, the panel shows it now.
    await dialogs.clear(context.services.db, user_id=claimed[0], chat_id=claimed[1])
    return context.actor.tr._(
        "The deadline was changed meanwhile, so nothing was changed. Here is the poll now."
    )


async def move_deadline(
    context: ForumContext,
    poll: PollRow,
    closes_at: datetime,
    *,
    claimed: tuple[int, int] | None = None,
) -> bool:
    """Move the deadline; every voter but the one who moved it gets one notice (in their
    language and zone) and their ballot message shows the new time. False: it changed
    meanwhile (or the typed step was already used), and nothing happened."""
    services = context.services
    notices = await _notices(context, poll, closes_at)
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
                raise Changed
            await claim(batch.conn, claimed)
            for notice in notices:
                await batch.add(notice)
            await ballot_edits(batch, poll)
    except Changed:
        return False
    after(context, poll)
    return True


async def _notices(
    context: ForumContext, poll: PollRow, closes_at: datetime
) -> list[outbox_db.Outgoing]:
    """ "Poll n now closes …" to every voter but the one who moved it, in their words and zone."""
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
    return notices
