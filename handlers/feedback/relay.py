"""Feedback's relay: a coordinator replies to an item, the member answers the reply, and
neither learns more than the item showed (an anonymous member stays anonymous).

Steps are pending dialogs (db/dialogs.py) whose draft is a `RelayDraft`: REPLY (a coordinator's
reply), ANSWER (the member's answer to a reply). Callback data: `fb:reply:<id>`,
`fb:answer:<id>`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from telegram import Update
from telegram.error import Forbidden

from bot import callbacks
from bot.context import Services
from bot.feedback import MAX_CAPTION, header_of_answer
from bot.i18n import Translator, escape
from bot.roles import Role
from db import dialogs
from db import feedback as feedback_db
from db import forums as forums_db
from db import outbox as outbox_db
from db import users as users_db
from db.feedback import FeedbackRow
from db.outbox import Outgoing
from handlers import outgoing as outbox
from handlers.buttons import Press, button, by_id
from handlers.common import TypedStep, chat_of, keyboard, message_of, reply
from handlers.context import ForumContext
from handlers.dialogs import expect_here
from handlers.outgoing import outgoing

REPLY, ANSWER = "feedback_reply", "feedback_answer"


@dataclass(frozen=True)
class RelayDraft:
    """A reply or an answer being written: to which item."""

    feedback: int


def copies(
    services: Services,
    item: FeedbackRow,
    coordinators: list[tuple[int, str | None]],
    header: Callable[[Translator, FeedbackRow], str],
    text: str | None = None,
) -> list[Outgoing]:
    """The item for each coordinator, in their language, with a Reply button. Coordinators
    only: observers never get a copy (they see counts in `/feedback list`)."""
    body = escape(text if text is not None else item.text)
    messages = []
    for user_id, language in coordinators:
        tr = services.catalogs.translator(language)
        markup = keyboard([[(tr._("↩ Reply"), callbacks.make("fb", "reply", item.id))]])
        message = f"{header(tr, item)}\n\n{body}"
        photo = item.photo_file_id if text is None else None
        if photo and len(message) <= MAX_CAPTION:
            messages.append(outgoing(user_id, user_id, message, markup, photo=photo))
        elif photo:  # too long for a caption: the photo, then the text (the outbox keeps order)
            messages.append(outgoing(user_id, user_id, header(tr, item), photo=photo))
            messages.append(outgoing(user_id, user_id, message, markup, part=1))
        else:
            messages.append(outgoing(user_id, user_id, message, markup))
    return messages


async def _may_relay(
    services: Services, item: FeedbackRow, user_id: int, from_member: bool
) -> bool:
    """The author answers their own item; a coordinator of its forum replies, while the
    author is still known (after /forget there is nobody to relay to)."""
    if from_member:
        return item.author_id == user_id
    role = await forums_db.role_in(services.db, item.forum_id, user_id)
    return role == Role.COORDINATOR and item.author_id is not None


async def _may_reply(context: ForumContext, item: FeedbackRow) -> bool:
    return context.actor.user is not None and await _may_relay(
        context.services, item, context.actor.user_id, False
    )


async def _may_answer(context: ForumContext, item: FeedbackRow) -> bool:
    return context.actor.user is not None and await _may_relay(
        context.services, item, context.actor.user_id, True
    )


@button("fb", "reply", load=by_id(feedback_db.get), check=_may_reply, answer=False)
async def start_reply(press: Press[FeedbackRow]) -> None:
    """A coordinator replies: the next message goes to the member."""
    await _start_relay(press, REPLY)


@button("fb", "answer", load=by_id(feedback_db.get), check=_may_answer, answer=False)
async def start_answer(press: Press[FeedbackRow]) -> None:
    """The member answers a reply: the next message goes to the coordinators."""
    await _start_relay(press, ANSWER)


async def _start_relay(press: Press[FeedbackRow], kind: str) -> None:
    """Open the step; the press is answered once it is open."""
    await expect_here(press.update, press.context, kind, RelayDraft(press.row.id))
    await press.query.answer()
    await press.message.reply_text(
        press.tr._(
            "Write your reply to feedback #%(number)s. Send /cancel to stop.", number=press.row.id
        )
    )


async def on_reply_text(update: Update, context: ForumContext, data: dict) -> None:
    """A coordinator's reply: to the member, who may be anonymous to them."""
    await _relay(update, context, data, from_member=False)


async def on_answer_text(update: Update, context: ForumContext, data: dict) -> None:
    """The member's answer to a reply: to the forum's coordinators."""
    await _relay(update, context, data, from_member=True)


async def _relay(update: Update, context: ForumContext, data: dict, *, from_member: bool) -> None:
    actor, services = context.actor, context.services
    text, now = message_of(update).text or "", services.clock()
    chat_id = chat_of(update).id
    draft = dialogs.Pending(ANSWER if from_member else REPLY, data).draft(RelayDraft)
    item = await feedback_db.get(services.db, draft.feedback) if draft else None
    if item is None or not await _may_relay(services, item, actor.user_id, from_member):
        await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_id)
        await reply(update, actor.tr._("This feedback is no longer available."))
        return
    coordinators = await forums_db.coordinators(services.db, item.forum_id) if from_member else []
    # Commit, then talk: the dialog's end, the stored reply and (for an answer) the copies for
    # coordinators together; a busy database leaves the step waiting for the same text.
    async with outbox_db.batch(
        services.db, forum_id=item.forum_id, kind="feedback", now=now
    ) as writing:
        step = ANSWER if from_member else REPLY
        if not await dialogs.take(writing.conn, user_id=actor.user_id, chat_id=chat_id, kind=step):
            return  # answered twice at once: the first one went
        await feedback_db.add_reply(
            writing.conn,
            item.id,
            from_member=from_member,
            coordinator_id=None if from_member else actor.user_id,
            text=text,
            now=now,
        )
        if from_member:
            for message in copies(services, item, coordinators, header_of_answer, text):
                await writing.add(message)
    if from_member:
        outbox.kick(context.bot, services)
        await reply(update, actor.tr._("Your answer was passed on."))
        return
    await _to_member(update, context, item, text, now)


async def _to_member(
    update: Update, context: ForumContext, item: FeedbackRow, text: str, now: datetime
) -> None:
    """A coordinator's stored reply, sent to the member in their language."""
    actor, services = context.actor, context.services
    assert item.author_id is not None
    author = await users_db.get_user(services.db, item.author_id)
    forum = await forums_db.get_forum(services.db, item.forum_id)
    assert forum is not None
    tr = services.catalogs.translator(author.language if author else None, forum.language)
    heading = tr._(
        "💬 The coordinators of %(forum)s replied to your feedback #%(number)s:",
        forum=forum.name,
        number=item.id,
    )
    answer = keyboard([[(tr._("↩ Answer"), callbacks.make("fb", "answer", item.id))]])
    try:
        await context.bot.send_message(
            item.author_id, f"{heading}\n\n{escape(text)}", reply_markup=answer
        )
    except Forbidden:
        await users_db.set_active(services.db, item.author_id, False, now)
        await reply(
            update, actor.tr._("The member has blocked the bot; the reply was not delivered.")
        )
        return
    await reply(update, actor.tr._("Your reply was passed on to the member."))


# What a typed message answers in the relay (collected by handlers/text.py via feedback.py).
TYPED_STEPS = (TypedStep(REPLY, on_reply_text), TypedStep(ANSWER, on_answer_text))
