"""/announce: a coordinator writes, picks the audience and language versions, previews, sends.

The draft is a pending dialog step (db/dialogs.py), so it survives a restart; buttons under the
preview change it. Sending writes one outbox row per recipient in their language (db/outbox.py)
and hands over to the outbox worker, which reports progress in one edited message.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections import Counter
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.broadcast_report import progress_text
from bot.forums import STAKEHOLDER_GROUPS
from bot.i18n import Html, Translator
from bot.roles import Role
from db import dialogs
from db import forums as forums_db
from db import outbox as outbox_db
from db.outbox import Outgoing
from handlers import outgoing as outbox
from handlers.broadcast_progress import Progress
from handlers.common import (
    TypedStep,
    chat_of,
    guarded,
    keyboard,
    member_button,
    message_of,
    pressed,
    pressed_message,
    reply,
    unless_unchanged,
)
from handlers.context import ForumContext
from handlers.render import group_name, language_keyboard

ANNOUNCE = "announce"
COMMAND = re.compile(r"^/announce(?:@\w+)?")
log = logging.getLogger(__name__)
MAX_ANNOUNCEMENT = 3500  # Telegram's 4096, less the header and the HTML of formatting


def announcement(tr: Translator, forum: str, text: str) -> str:
    """What a recipient sees: a localized header, then the coordinator's own HTML."""
    return tr._("📣 <b>Announcement from %(forum)s</b>", forum=forum) + "\n\n" + text


async def _recipients(context: ForumContext, draft: dict[str, Any]) -> list[Outgoing]:
    """(chat id, user id or None, text) for everyone the draft reaches, each in their language."""
    forum, services = context.actor.forum, context.services
    assert forum is not None
    versions: dict[str, str] = draft.get("versions", {})
    messages: list[Outgoing] = []
    for user_id, language in await forums_db.reachable_members(
        services.db, forum.id, draft["groups"]
    ):
        tr = services.catalogs.translator(language, forum.language)
        text = versions.get(language or "", draft["text"])
        messages.append(Outgoing(user_id, user_id, announcement(tr, forum.name, text)))
    if draft.get("chat"):
        tr = services.catalogs.translator(forum.language)
        text = versions.get(forum.language, draft["text"])
        for chat_id in await forums_db.group_chats(services.db, forum.id):
            messages.append(Outgoing(chat_id, None, announcement(tr, forum.name, text)))
    return messages


async def _recipient_count(context: ForumContext, draft: dict[str, Any]) -> int:
    """How many `_recipients` would return, without rendering a message for each."""
    db, forum = context.services.db, context.actor.forum
    assert forum is not None
    count = len(await forums_db.reachable_members(db, forum.id, draft["groups"]))
    if draft.get("chat"):
        count += len(await forums_db.group_chats(db, forum.id))
    return count


async def _preview(
    context: ForumContext, draft: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup]:
    actor = context.actor
    tr, forum = actor.tr, actor.forum
    assert forum is not None
    count = await _recipient_count(context, draft)
    groups = draft["groups"]
    # Html: these pieces come out of tr._ already escaped; escaping again would show "&amp;".
    names = [group_name(tr, key) for key in groups]
    audience = Html(", ".join(names) if names else tr._("all members"))
    if draft.get("chat"):
        audience = Html(tr._("%(audience)s and the forum's group chat", audience=audience))
    versions = sorted(draft.get("versions", {}))
    lines = [tr._("<b>Preview</b> — to %(audience)s.", audience=audience)]
    if versions:
        lines.append(
            tr._(
                "Other languages: %(languages)s. Members get their language's version, else "
                "this one.",
                languages=", ".join(tr.language_name(code) for code in versions),
            )
        )
    lines += ["", announcement(tr, forum.name, draft["text"])]
    rows = [
        [
            (
                tr.n_("✅ Send to %(count)s recipient", "✅ Send to %(count)s recipients", count),
                callbacks.make("ann", "send"),
            )
        ],
        [
            (tr._("👥 Audience"), callbacks.make("ann", "aud")),
            (tr._("🌐 Add a language"), callbacks.make("ann", "langs")),
        ],
        [(tr._("✖ Cancel"), callbacks.make("ann", "cancel"))],
    ]
    return "\n".join(lines), keyboard(rows)


def _audience_screen(
    tr: Translator, draft: dict[str, Any], has_chat: bool
) -> tuple[str, InlineKeyboardMarkup]:
    groups = draft["groups"]
    mark = lambda on: "✅ " if on else "☐ "  # noqa: E731 - a label prefix, used four times
    rows = [[(mark(not groups) + tr._("All members"), callbacks.make("ann", "all"))]]
    rows += [
        [(mark(key in groups) + tr._(label), callbacks.make("ann", "grp", key))]
        for key, label in STAKEHOLDER_GROUPS.items()
    ]
    if has_chat:
        rows.append(
            [
                (
                    mark(draft.get("chat")) + tr._("The forum's group chat"),
                    callbacks.make("ann", "chat"),
                )
            ]
        )
    rows.append([(tr._("« Back to the preview"), callbacks.make("ann", "back"))])
    return tr._("Who should receive it? Choosing groups sends it to their members only."), keyboard(
        rows
    )


@guarded("announce")
async def start_announcement(update: Update, context: ForumContext) -> None:
    """`/announce` with the text below it (one message), or alone to be asked for it."""
    actor, message = context.actor, message_of(update)
    # Everything after the command (usually on the lines below it), with its formatting as HTML.
    html = COMMAND.sub("", message.text_html or "", count=1).strip()
    assert actor.forum is not None  # guarded: a coordinator of their current forum
    draft: dict[str, Any] = {
        "step": "text",
        "forum": actor.forum.id,  # a later switch of current forum must not redirect it
        "groups": [],
        "chat": False,
        "versions": {},
    }
    if not html:
        await _save(context, update, draft)
        await reply(
            update,
            actor.tr._(
                "Send the announcement as one message; bold, italic and links are kept. "
                "Send /cancel to stop."
            ),
        )
        return
    await _take_text(update, context, draft, html)


async def on_input(update: Update, context: ForumContext, data: dict) -> None:
    """The announcement's text, or one language version of it."""
    await _take_text(update, context, data, message_of(update).text_html or "")


async def _take_text(
    update: Update, context: ForumContext, draft: dict[str, Any], html: str
) -> None:
    tr = context.actor.tr
    if len(html) > MAX_ANNOUNCEMENT:
        await reply(
            update,
            tr.n_(
                "That is too long: at most %(max)s character, please.",
                "That is too long: at most %(max)s characters, please.",
                MAX_ANNOUNCEMENT,
                max=MAX_ANNOUNCEMENT,
            ),
        )
        return
    step = draft.get("step", "text")
    if step in context.services.catalogs.languages:  # the version asked for with "🌐"
        draft.setdefault("versions", {})[step] = html
    else:  # the first text, or a corrected one sent after the preview
        draft["text"] = html
    draft["step"] = "preview"
    await _save(context, update, draft)
    await reply(update, *await _preview(context, draft))


async def _save(context: ForumContext, update: Update, draft: dict[str, Any]) -> None:
    services = context.services
    await dialogs.expect(
        services.db,
        user_id=context.actor.user_id,
        chat_id=chat_of(update).id,
        kind=ANNOUNCE,
        data=draft,
        now=services.clock(),
    )


async def on_button(update: Update, context: ForumContext) -> None:
    """The buttons under a preview; the draft must still be there and the caller a coordinator."""
    query, actor, services = pressed(update), context.actor, context.services
    parsed = await member_button(update, context)
    if parsed is None:
        return
    pending = await dialogs.pending(services.db, user_id=actor.user_id, chat_id=chat_of(update).id)
    if (
        pending is None
        or pending.kind != ANNOUNCE
        or "text" not in pending.data
        or actor.role is not Role.COORDINATOR
        or actor.forum is None
        or pending.data.get("forum") != actor.forum.id
    ):
        await query.answer(
            actor.tr._("This announcement is no longer open; start again with /announce.")
        )
        return
    draft, tr, action, value = pending.data, actor.tr, parsed.action, parsed.arg(0)
    has_chat = bool(await forums_db.group_chats(services.db, actor.forum.id))
    if action == "send":
        await _send(update, context, draft)
        return
    if action == "cancel":
        await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_of(update).id)
        await query.answer()
        await query.edit_message_text(tr._("Cancelled. Nothing was sent."))
        return
    if action == "langs":
        screen = (
            tr._("Which language is the next version in?"),
            language_keyboard(services.catalogs, "ann"),
        )
    elif action == "lang" and value in services.catalogs.languages:
        draft["step"] = value
        await _save(context, update, draft)
        await query.answer()
        await pressed_message(query).reply_text(
            tr._("Send the announcement in %(language)s.", language=tr.language_name(value))
        )
        return
    elif action in ("aud", "all", "grp", "chat"):
        if action == "all":
            draft["groups"] = []
        elif action == "grp" and value in STAKEHOLDER_GROUPS:
            draft["groups"] = sorted(set(draft["groups"]) ^ {value})
        elif action == "chat" and has_chat:
            draft["chat"] = not draft.get("chat")
        elif action != "aud":
            await query.answer(tr._("This button is no longer valid."))
            return
        await _save(context, update, draft)
        screen = _audience_screen(tr, draft, has_chat)
    elif action == "back":
        screen = await _preview(context, draft)
    else:
        await query.answer(tr._("This button is no longer valid."))
        return
    await query.answer()
    with unless_unchanged():
        await query.edit_message_text(screen[0], reply_markup=screen[1])


async def _send(update: Update, context: ForumContext, draft: dict[str, Any]) -> None:
    """Commit, then talk: the draft's end and every recipient's outbox row in one transaction,
    and only then the calls to Telegram, each of which may fail without losing anything."""
    query, actor, services = pressed(update), context.actor, context.services
    assert actor.forum is not None
    messages = await _recipients(context, draft)
    if not messages:  # the draft stays: a wider audience may fix it
        await query.answer(actor.tr._("Nobody to send it to yet."), show_alert=True)
        return
    chat_id = chat_of(update).id
    async with outbox_db.batch(
        services.db,
        forum_id=actor.forum.id,
        kind="announcement",
        now=services.clock(),
        created_by=actor.user_id,
        report_chat_id=chat_id,
        report_language=actor.lang,
    ) as writing:
        # The draft is the once-only claim: a second tap, or one racing it, finds it gone.
        if await dialogs.take(writing.conn, user_id=actor.user_id, chat_id=chat_id, kind=ANNOUNCE):
            for message in messages:
                await writing.add(message)
    if writing.id is None:
        await query.answer(
            actor.tr._("This announcement is no longer open; start again with /announce.")
        )
        return
    try:  # the progress message first: the pacer does not count direct sends
        await _after_send(update, context, writing.id, len(messages))
    finally:
        outbox.kick(context.bot, services)


async def _after_send(update: Update, context: ForumContext, broadcast_id: int, count: int) -> None:
    """The courtesies after an announcement was committed: none of them can lose it."""
    query, tr, services = pressed(update), context.actor.tr, context.services
    with contextlib.suppress(TelegramError):  # e.g. "query is too old": the progress says it
        await query.answer()
    with contextlib.suppress(TelegramError):  # the preview stays as a record of what went out
        await query.edit_message_reply_markup(None)
    try:
        report = await pressed_message(query).reply_text(
            progress_text(tr, Counter(pending=count), done=False)
        )
    except TelegramError as exc:
        log.warning("progress message of broadcast %s not sent: %s", broadcast_id, exc)
        if await outbox_db.set_report_message(
            services.db, broadcast_id, outbox_db.NO_REPORT_MESSAGE
        ):
            await Progress(context.bot, services).final_report(broadcast_id)
        return
    if await outbox_db.set_report_message(services.db, broadcast_id, report.message_id):
        await Progress(context.bot, services).final_report(broadcast_id)


# What a typed message answers in this feature's dialogs (collected by handlers/text.py).
TYPED_STEPS = (TypedStep(ANNOUNCE, on_input, limit=MAX_ANNOUNCEMENT),)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("announce", start_announcement)),
        (0, CallbackQueryHandler(on_button, pattern=r"^ann:")),
    ]
