"""/feedback: a member writes to the coordinators, anonymously unless they sign; replies are
relayed both ways without revealing an anonymous member (handlers/feedback/relay.py).
`/feedback list` is handlers/feedback/listing.py.

The member's draft is a pending dialog step (db/dialogs.py), a `FeedbackDraft`: FEEDBACK (the
text or a captioned photo, after the topic was chosen). Callback data: `fb:topic:<key>`,
`fb:send:anon|signed`, `fb:cancel`; the relay's `fb:reply:<id>`, `fb:answer:<id>`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler

from bot import callbacks
from bot.feedback import PER_HOUR, TOPICS, header_of_new
from bot.roles import Access
from db import dialogs
from db import feedback as feedback_db
from db import forums as forums_db
from db import outbox as outbox_db
from db.feedback import FeedbackRow
from handlers import outgoing as outbox
from handlers.buttons import Press, button, members_only, routes
from handlers.common import (
    answer_stale,
    chat_of,
    command_text,
    guarded,
    keyboard,
    message_of,
    refusal,
    reply,
    unless_unchanged,
)
from handlers.context import ForumContext
from handlers.dialogs import expect_here, typed_step
from handlers.feedback import relay as feedback_relay
from handlers.feedback.listing import list_feedback

FEEDBACK = "feedback"
FbPress = Press[callbacks.Callback]


@dataclass(frozen=True)
class FeedbackDraft:
    """A member's feedback being written: its forum and topic, then its text (or a photo's
    caption, with the photo)."""

    forum: int
    topic: str
    text: str | None = None  # None until written
    photo: str | None = None  # the photo's file id


@guarded("feedback")
async def start_feedback(update: Update, context: ForumContext) -> None:
    """`/feedback`: choose a topic; `/feedback list` shows the recent items (or their counts)."""
    actor = context.actor
    tr = actor.tr
    if command_text(update).lower() == "list":
        await list_feedback(update, context)
        return
    if actor.user is None or actor.forum is None:
        await reply(update, refusal(tr, Access.EVERYONE, "feedback", None, None))
        return
    if await _over_limit(context):  # say so before they write, not after
        return
    rows = [[(tr._(label), callbacks.make("fb", "topic", key))] for key, label in TOPICS.items()]
    await reply(
        update,
        tr._(
            "What is your feedback to the coordinators of %(forum)s about?", forum=actor.forum.name
        ),
        keyboard(rows),
    )


@button("fb", "topic", load=members_only(), answer=False)
async def topic(press: FbPress) -> None:
    """The topic: the next message is the feedback."""
    value, forum = press.data.arg(0), press.actor.forum
    if value not in TOPICS or forum is None:
        await answer_stale(press.update, press.context)
        return
    await _expect(press.context, press.update, FeedbackDraft(forum.id, value))
    await press.query.answer()
    with unless_unchanged():  # a topic tapped twice
        await press.query.edit_message_text(
            press.tr._(
                "Write your feedback in one message (text, or a photo with a caption). "
                "Send /cancel to stop."
            )
        )


async def on_text(update: Update, context: ForumContext, draft: FeedbackDraft) -> None:
    """The feedback itself (text, or a photo's caption): ask anonymous or signed."""
    actor, message = context.actor, message_of(update)
    tr = actor.tr
    text = message.text or message.caption or ""
    photo = message.photo[-1].file_id if message.photo else None
    await _expect(context, update, replace(draft, text=text, photo=photo))
    await reply(
        update,
        tr._("Send it anonymously, or with your name? Coordinators can reply either way."),
        keyboard(
            [
                [(tr._("✅ Send anonymously"), callbacks.make("fb", "send", "anon"))],
                [(tr._("Send with my name"), callbacks.make("fb", "send", "signed"))],
                [(tr._("✖ Cancel"), callbacks.make("fb", "cancel"))],
            ]
        ),
    )


async def _written(press: FbPress) -> FeedbackDraft | None:
    """The caller's written draft, if the press fits it; None (answered as stale) otherwise."""
    actor, services = press.actor, press.services
    chat_id = chat_of(press.update).id
    pending = await dialogs.pending(services.db, user_id=actor.user_id, chat_id=chat_id)
    draft = pending.draft(FeedbackDraft) if pending and pending.kind == FEEDBACK else None
    if draft is None or draft.text is None or press.data.arg(0) not in (None, "anon", "signed"):
        await press.query.answer(press.tr._("This button is no longer valid."))
        return None
    return draft


@button("fb", "cancel", load=members_only(), answer=False)
async def cancel(press: FbPress) -> None:
    if await _written(press) is None:
        return
    await dialogs.clear(
        press.services.db, user_id=press.actor.user_id, chat_id=chat_of(press.update).id
    )
    await press.query.answer()
    await press.query.edit_message_text(press.tr._("Cancelled. Nothing was sent."))


@button("fb", "send", load=members_only(), answer=False)
async def send(press: FbPress) -> None:
    """Send the draft, anonymously or signed; once, whatever the taps."""
    draft, query, chat_id = await _written(press), press.query, chat_of(press.update).id
    if draft is None:
        return
    if await _over_limit(press.context, edit=query):
        await dialogs.clear(press.services.db, user_id=press.actor.user_id, chat_id=chat_id)
        await query.answer()
        return
    feedback_id = await _commit(press.context, chat_id, draft, signed=press.data.arg(0) == "signed")
    if feedback_id is None:  # a second tap, or one racing this one: the draft is gone
        await query.answer(press.tr._("This button is no longer valid."))
        return
    outbox.kick(press.context.bot, press.services)
    # Committed: what follows is courtesy. A failed answer or edit loses nothing, and the
    # member still learns that it went.
    sent = press.tr._("Sent to the coordinators (#%(number)s). Thank you!", number=feedback_id)
    with contextlib.suppress(TelegramError):
        await query.answer()
    try:
        await query.edit_message_text(sent)
    except TelegramError:
        with contextlib.suppress(TelegramError):
            await press.context.bot.send_message(chat_id, sent)


async def _commit(
    context: ForumContext, chat_id: int, draft: FeedbackDraft, *, signed: bool
) -> int | None:
    """Commit, then talk: the draft's end, the item and every coordinator's copy in one
    transaction. None when the draft was already gone (nothing is written then)."""
    actor, services = context.actor, context.services
    now = services.clock()
    assert draft.text is not None
    coordinators = await forums_db.coordinators(services.db, draft.forum)
    author = actor.user.first_name if signed and actor.user else None
    async with outbox_db.batch(
        services.db, forum_id=draft.forum, kind="feedback", now=now
    ) as writing:
        if not await dialogs.take(
            writing.conn, user_id=actor.user_id, chat_id=chat_id, kind=FEEDBACK
        ):
            return None
        item = FeedbackRow(
            id=0,  # given by the insert
            forum_id=draft.forum,
            topic=draft.topic,
            text=draft.text,
            photo_file_id=draft.photo,
            author_id=actor.user_id,
            signed=signed,
            created_at=now,
            author_name=author,
        )
        item = replace(item, id=await feedback_db.insert(writing.conn, item))
        for message in feedback_relay.copies(services, item, coordinators, header_of_new):
            await writing.add(message)
    return item.id


async def _over_limit(context: ForumContext, edit: Any = None) -> bool:
    """True (after saying so) when the member sent PER_HOUR items in the last hour."""
    services, actor = context.services, context.actor
    since = services.clock() - timedelta(hours=1)
    if await feedback_db.count_since(services.db, actor.user_id, since) < PER_HOUR:
        return False
    text = actor.tr.n_(
        "Thank you! You have sent %(count)s message in the last hour; please wait a "
        "little before sending more.",
        "Thank you! You have sent %(count)s messages in the last hour; please wait a "
        "little before sending more.",
        PER_HOUR,
    )
    if edit is not None:
        await edit.edit_message_text(text)
    else:
        await context.bot.send_message(actor.user_id, text)
    return True


async def _expect(context: ForumContext, update: Update, draft: FeedbackDraft) -> None:
    await expect_here(update, context, FEEDBACK, draft)


# What a typed message answers in this feature's dialogs (collected by handlers/text.py).
TYPED_STEPS = (
    typed_step(FEEDBACK, FeedbackDraft, on_text, photo=True),
    *feedback_relay.TYPED_STEPS,
)


def handlers() -> list[tuple[int, BaseHandler]]:
    buttons = routes(topic, send, cancel, feedback_relay.start_reply, feedback_relay.start_answer)
    return [(0, CommandHandler("feedback", start_feedback)), (0, buttons)]
