"""/feedback: a member writes to the coordinators, anonymously unless they sign; replies are
relayed both ways without revealing an anonymous member. `/feedback list`: the items for
coordinators, counts by topic for observers (who never see the text, nor who signed).

Steps are pending dialogs (db/dialogs.py): FEEDBACK (the text or a captioned photo, after the
topic was chosen), REPLY (a coordinator's reply), ANSWER (the member's answer to a reply).
Callback data: `fb:topic:<key>`, `fb:send:anon|signed`, `fb:cancel`, `fb:reply:<id>`,
`fb:answer:<id>`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.context import Services
from bot.i18n import N_, Html, Translator, escape
from bot.roles import Access, Role
from db import dialogs
from db import feedback as feedback_db
from db import forums as forums_db
from db import outbox as outbox_db
from db import users as users_db
from db.feedback import FeedbackRow
from db.outbox import Outgoing
from handlers import outgoing as outbox
from handlers.common import (
    TypedStep,
    chat_of,
    command_text,
    guarded,
    keyboard,
    member_button,
    message_of,
    pressed,
    pressed_message,
    refusal,
    reply,
    reply_lines,
    unless_unchanged,
)
from handlers.context import ForumContext
from handlers.outgoing import outgoing

FEEDBACK, REPLY, ANSWER = "feedback", "feedback_reply", "feedback_answer"
TOPICS = {
    "meetings": N_("Meetings"),
    "polls": N_("Polls"),
    "tips": N_("Tips"),
    "forum": N_("The forum"),
    "other": N_("Something else"),
}
PER_HOUR = 5  # feedback items a member may send in an hour
MAX_CAPTION = 1024  # Telegram's limit for a photo's caption
log = logging.getLogger(__name__)


@guarded("feedback")
async def start_feedback(update: Update, context: ForumContext) -> None:
    """`/feedback`: choose a topic; `/feedback list` shows the recent items (or their counts)."""
    actor = context.actor
    tr = actor.tr
    if command_text(update).lower() == "list":
        await _list(update, context)
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


async def on_text(update: Update, context: ForumContext, data: dict[str, Any]) -> None:
    """The feedback itself (text, or a photo's caption): ask anonymous or signed."""
    actor, message = context.actor, message_of(update)
    tr = actor.tr
    text = message.text or message.caption or ""
    data |= {"text": text, "photo": message.photo[-1].file_id if message.photo else None}
    await _expect(context, update, FEEDBACK, data)
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


async def on_button(update: Update, context: ForumContext) -> None:
    """Topic, send, cancel, and the reply/answer buttons of the relay."""
    query, actor, services = pressed(update), context.actor, context.services
    parsed = await member_button(update, context)
    if parsed is None:
        return
    tr, action, value = actor.tr, parsed.action, parsed.arg(0)
    chat_id = chat_of(update).id
    if action == "topic" and value in TOPICS and actor.forum is not None:
        await _expect(context, update, FEEDBACK, {"topic": value, "forum": actor.forum.id})
        await query.answer()
        with unless_unchanged():  # a topic tapped twice
            await query.edit_message_text(
                tr._(
                    "Write your feedback in one message (text, or a photo with a caption). "
                    "Send /cancel to stop."
                )
            )
        return
    if action in ("reply", "answer"):
        await _start_relay(update, context, action, parsed.int_arg(0))
        return
    pending = await dialogs.pending(services.db, user_id=actor.user_id, chat_id=chat_id)
    draft = (
        pending.data if pending and pending.kind == FEEDBACK and "text" in pending.data else None
    )
    if draft is None or action not in ("send", "cancel") or value not in (None, "anon", "signed"):
        await query.answer(tr._("This button is no longer valid."))
        return
    if action == "cancel":
        await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_id)
        await query.answer()
        await query.edit_message_text(tr._("Cancelled. Nothing was sent."))
        return
    if await _over_limit(context, edit=query):
        await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_id)
        await query.answer()
        return
    feedback_id = await _commit(context, chat_id, draft, signed=value == "signed")
    if feedback_id is None:  # a second tap, or one racing this one: the draft is gone
        await query.answer(tr._("This button is no longer valid."))
        return
    outbox.kick(context.bot, services)
    # Committed: what follows is courtesy. A failed answer or edit loses nothing, and the
    # member still learns that it went.
    sent = tr._("Sent to the coordinators (#%(number)s). Thank you!", number=feedback_id)
    with contextlib.suppress(TelegramError):
        await query.answer()
    try:
        await query.edit_message_text(sent)
    except TelegramError:
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(chat_id, sent)


async def _commit(
    context: ForumContext, chat_id: int, draft: dict[str, Any], *, signed: bool
) -> int | None:
    """Commit, then talk: the draft's end, the item and every coordinator's copy in one
    transaction. None when the draft was already gone (nothing is written then)."""
    actor, services = context.actor, context.services
    now = services.clock()
    coordinators = await forums_db.coordinators(services.db, draft["forum"])
    author = actor.user.first_name if signed and actor.user else None
    async with outbox_db.batch(
        services.db, forum_id=draft["forum"], kind="feedback", now=now
    ) as writing:
        if not await dialogs.take(
            writing.conn, user_id=actor.user_id, chat_id=chat_id, kind=FEEDBACK
        ):
            return None
        item = FeedbackRow(
            id=0,  # given by the insert
            forum_id=draft["forum"],
            topic=draft["topic"],
            text=draft["text"],
            photo_file_id=draft.get("photo"),
            author_id=actor.user_id,
            signed=signed,
            created_at=now,
            author_name=author,
        )
        item = replace(item, id=await feedback_db.insert(writing.conn, item))
        for message in _copies(services, item, coordinators, _header_of_new):
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


def _header_of_new(tr: Translator, item: FeedbackRow) -> str:
    who = Html(  # already escaped by tr._: not twice
        tr._("from %(name)s", name=item.author_name)
        if item.signed and item.author_name
        else tr._("anonymous")
    )
    return tr._(
        "💬 <b>Feedback #%(number)s</b> · %(topic)s · %(who)s",
        number=item.id,
        topic=tr._(TOPICS[item.topic]),
        who=who,
    )


def _copies(
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


async def _start_relay(
    update: Update, context: ForumContext, action: str, feedback_id: int | None
) -> None:
    """A coordinator replies, or the member answers a reply: the next message is relayed."""
    query, actor, services = pressed(update), context.actor, context.services
    item = await feedback_db.get(services.db, feedback_id) if feedback_id else None
    if item is None or not await _may_relay(services, item, actor.user_id, action == "answer"):
        await query.answer(actor.tr._("This button is no longer valid."))
        return
    await _expect(
        context, update, REPLY if action == "reply" else ANSWER, {"feedback": feedback_id}
    )
    await query.answer()
    await pressed_message(query).reply_text(
        actor.tr._(
            "Write your reply to feedback #%(number)s. Send /cancel to stop.", number=feedback_id
        )
    )


async def on_reply_text(update: Update, context: ForumContext, data: dict[str, Any]) -> None:
    """A coordinator's reply: to the member, who may be anonymous to them."""
    await _relay(update, context, data, from_member=False)


async def on_answer_text(update: Update, context: ForumContext, data: dict[str, Any]) -> None:
    """The member's answer to a reply: to the forum's coordinators."""
    await _relay(update, context, data, from_member=True)


async def _relay(
    update: Update, context: ForumContext, data: dict[str, Any], *, from_member: bool
) -> None:
    actor, services, bot = context.actor, context.services, context.bot
    text, now = message_of(update).text or "", services.clock()
    chat_id = chat_of(update).id
    item = await feedback_db.get(services.db, int(data.get("feedback", 0)))
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
            for message in _copies(services, item, coordinators, _header_of_answer, text):
                await writing.add(message)
    if from_member:
        outbox.kick(bot, services)
        await reply(update, actor.tr._("Your answer was passed on."))
        return
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
        await bot.send_message(item.author_id, f"{heading}\n\n{escape(text)}", reply_markup=answer)
    except Forbidden:
        await users_db.set_active(services.db, item.author_id, False, now)
        await reply(
            update, actor.tr._("The member has blocked the bot; the reply was not delivered.")
        )
        return
    await reply(update, actor.tr._("Your reply was passed on to the member."))


def _header_of_answer(tr: Translator, item: FeedbackRow) -> str:
    return tr._("💬 The member answered about feedback #%(number)s:", number=item.id)


async def _may_relay(
    services: Services, item: FeedbackRow, user_id: int, from_member: bool
) -> bool:
    """The author answers their own item; a coordinator of its forum replies, while the
    author is still known (after /forget there is nobody to relay to)."""
    if from_member:
        return item.author_id == user_id
    role = await forums_db.role_in(services.db, item.forum_id, user_id)
    return role == Role.COORDINATOR and item.author_id is not None


async def _list(update: Update, context: ForumContext) -> None:
    """Coordinators: the last 30 days' items. Observers: only how many, by topic."""
    actor, services = context.actor, context.services
    tr = actor.tr
    if actor.forum is not None and actor.role is Role.OBSERVER:
        await _counts(update, context)
        return
    if actor.forum is None or actor.role is not Role.COORDINATOR:
        forum = actor.forum.name if actor.forum else None
        await reply(update, refusal(tr, Access.ANALYSTS, "feedback list", forum, actor.role))
        return
    items = await feedback_db.recent(services.db, actor.forum.id, services.clock())
    if not items:
        await reply(update, tr._("No feedback in the last 30 days."))
        return
    lines = [tr._("<b>Feedback from the last 30 days</b>")]
    topic = None
    for item in items:
        if item.topic != topic:
            topic = item.topic
            lines += ["", f"<b>{tr._(TOPICS[topic])}</b>"]
        short = item.text if len(item.text) <= 80 else item.text[:79] + "…"
        who = item.author_name if item.signed and item.author_name else Html(tr._("anonymous"))
        lines.append(
            tr._(
                "#%(number)s · %(date)s · %(who)s: %(text)s",
                number=item.id,
                date=tr.datetime(item.created_at, actor.timezone, with_zone=False),
                who=who,
                text=short,
            )
        )
    await reply_lines(update, lines)


async def _counts(update: Update, context: ForumContext) -> None:
    """An observer's `/feedback list`: counts per topic, never a text or a name."""
    actor, services = context.actor, context.services
    tr, now = actor.tr, services.clock()
    assert actor.forum is not None
    month = await feedback_db.counts_by_topic(services.db, actor.forum.id, now - timedelta(days=30))
    week = await feedback_db.counts_by_topic(services.db, actor.forum.id, now - timedelta(days=7))
    if not month:
        await reply(update, tr._("No feedback in the last 30 days."))
        return
    lines = [
        tr._("<b>Feedback from the last 30 days, by topic</b>"),
        tr._("As an observer you see how many items arrived, not what they say or who sent them."),
        "",
    ]
    lines += [
        tr._(
            "%(topic)s: %(count)s (%(recent)s in the last 7 days)",
            topic=tr._(label),
            count=month[key],
            recent=week.get(key, 0),
        )
        for key, label in TOPICS.items()
        if key in month
    ]
    lines.append(tr._("Total: %(count)s", count=sum(month.values())))
    await reply_lines(update, lines)


async def _expect(context: ForumContext, update: Update, kind: str, data: dict[str, Any]) -> None:
    await dialogs.expect(
        context.services.db,
        user_id=context.actor.user_id,
        chat_id=chat_of(update).id,
        kind=kind,
        data=data,
        now=context.services.clock(),
    )


# What a typed message answers in this feature's dialogs (collected by handlers/text.py).
TYPED_STEPS = (
    TypedStep(FEEDBACK, on_text, photo=True),
    TypedStep(REPLY, on_reply_text),
    TypedStep(ANSWER, on_answer_text),
)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("feedback", start_feedback)),
        (0, CallbackQueryHandler(on_button, pattern=r"^fb:")),
    ]
