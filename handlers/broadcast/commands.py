"""/announce: a coordinator writes, picks the audience and language versions, previews, sends.

The draft (handlers/broadcast/draft.py) is a pending dialog step, so it survives a restart; the
buttons under the preview change it. Send is handlers/broadcast/send.py. Callback data:
`ann:<send|cancel|aud|all|grp|chat|back|langs|lang>[:<group or language>]`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler

from bot import callbacks
from bot.forums import STAKEHOLDER_GROUPS
from db import dialogs
from db import forums as forums_db
from handlers.broadcast.draft import (
    ANNOUNCE,
    PREVIEW,
    VERSION,
    AnnouncementDraft,
    audience_screen,
    open_draft,
    preview,
    save,
)
from handlers.broadcast.send import send
from handlers.buttons import Press, button, members_only, routes
from handlers.common import chat_of, guarded, message_of, reply, unless_unchanged
from handlers.context import ForumContext
from handlers.dialogs import typed_step
from handlers.render import language_keyboard

COMMAND = re.compile(r"^/announce(?:@\w+)?")
MAX_ANNOUNCEMENT = 3500  # Telegram's 4096, less the header and the HTML of formatting
AnnPress = Press[callbacks.Callback]


@guarded("announce")
async def start_announcement(update: Update, context: ForumContext) -> None:
    """`/announce` with the text below it (one message), or alone to be asked for it."""
    actor, message = context.actor, message_of(update)
    # Everything after the command (usually on the lines below it), with its formatting as HTML.
    html = COMMAND.sub("", message.text_html or "", count=1).strip()
    assert actor.forum is not None  # guarded: a coordinator of their current forum
    draft = AnnouncementDraft(forum=actor.forum.id)
    if not html:
        await save(context, update, draft)
        await reply(
            update,
            actor.tr._(
                "Send the announcement as one message; bold, italic and links are kept. "
                "Send /cancel to stop."
            ),
        )
        return
    await _take_text(update, context, draft, html)


async def on_input(update: Update, context: ForumContext, draft: AnnouncementDraft) -> None:
    """The announcement's text, or one language version of it."""
    await _take_text(update, context, draft, message_of(update).text_html or "")


async def _take_text(
    update: Update, context: ForumContext, draft: AnnouncementDraft, html: str
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
    language = draft.version_asked(context.services.catalogs.languages)
    if language is not None:  # the version asked for with "🌐"
        draft = replace(draft, versions={**draft.versions, language: html})
    else:  # the first text, or a corrected one sent after the preview
        draft = replace(draft, text=html)
    draft = replace(draft, step=PREVIEW, language=None)
    await save(context, update, draft)
    await reply(update, *await preview(context, draft))


def _open(
    handle: Callable[[AnnPress, AnnouncementDraft], Awaitable[None]],
) -> Callable[[AnnPress], Awaitable[None]]:
    """A button under a preview: its draft must still be open and the caller its coordinator."""

    @functools.wraps(handle)
    async def run(press: AnnPress) -> None:
        draft = await open_draft(press.update, press.context)
        if draft is None:
            await press.query.answer(
                press.tr._("This announcement is no longer open; start again with /announce.")
            )
            return
        await handle(press, draft)

    return run


async def _show(press: AnnPress, screen: tuple[str, InlineKeyboardMarkup]) -> None:
    await press.query.answer()
    with unless_unchanged():
        await press.query.edit_message_text(screen[0], reply_markup=screen[1])


async def _invalid(press: AnnPress) -> None:
    await press.query.answer(press.tr._("This button is no longer valid."))


@button("ann", "send", load=members_only(), answer=False)
@_open
async def send_it(press: AnnPress, draft: AnnouncementDraft) -> None:
    await send(press.update, press.context, draft)


@button("ann", "cancel", load=members_only(), answer=False)
@_open
async def cancel(press: AnnPress, draft: AnnouncementDraft) -> None:
    await dialogs.clear(
        press.services.db, user_id=press.actor.user_id, chat_id=chat_of(press.update).id
    )
    await press.query.answer()
    await press.query.edit_message_text(press.tr._("Cancelled. Nothing was sent."))


@button("ann", "langs", load=members_only(), answer=False)
@_open
async def languages(press: AnnPress, draft: AnnouncementDraft) -> None:
    question = press.tr._("Which language is the next version in?")
    await _show(press, (question, language_keyboard(press.services.catalogs, "ann")))


@button("ann", "lang", load=members_only(), answer=False)
@_open
async def language(press: AnnPress, draft: AnnouncementDraft) -> None:
    """Ask for the version in this language; the next message is it."""
    tr, value = press.tr, press.data.arg(0)
    if value is None or value not in press.services.catalogs.languages:
        await _invalid(press)
        return
    await save(press.context, press.update, replace(draft, step=VERSION, language=value))
    await press.query.answer()
    await press.message.reply_text(
        tr._("Send the announcement in %(language)s.", language=tr.language_name(value))
    )


async def _audience(press: AnnPress, draft: AnnouncementDraft, has_chat: bool) -> None:
    """Save the draft's new audience and show the audience screen."""
    await save(press.context, press.update, draft)
    await _show(press, audience_screen(press.tr, draft, has_chat))


async def _has_chat(press: AnnPress) -> bool:
    assert press.actor.forum is not None  # the draft is open
    return bool(await forums_db.group_chats(press.services.db, press.actor.forum.id))


@button("ann", "aud", load=members_only(), answer=False)
@_open
async def audience(press: AnnPress, draft: AnnouncementDraft) -> None:
    await _audience(press, draft, await _has_chat(press))


@button("ann", "all", load=members_only(), answer=False)
@_open
async def everyone(press: AnnPress, draft: AnnouncementDraft) -> None:
    await _audience(press, replace(draft, groups=()), await _has_chat(press))


@button("ann", "grp", load=members_only(), answer=False)
@_open
async def group(press: AnnPress, draft: AnnouncementDraft) -> None:
    """Add or remove one stakeholder group."""
    value = press.data.arg(0)
    if value not in STAKEHOLDER_GROUPS:
        await _invalid(press)
        return
    groups = tuple(sorted(set(draft.groups) ^ {value}))
    await _audience(press, replace(draft, groups=groups), await _has_chat(press))


@button("ann", "chat", load=members_only(), answer=False)
@_open
async def group_chat(press: AnnPress, draft: AnnouncementDraft) -> None:
    """Also to the forum's group chat, or no longer; only when it has one."""
    if not await _has_chat(press):
        await _invalid(press)
        return
    await _audience(press, replace(draft, chat=not draft.chat), True)


@button("ann", "back", load=members_only(), answer=False)
@_open
async def back(press: AnnPress, draft: AnnouncementDraft) -> None:
    await _show(press, await preview(press.context, draft))


# What a typed message answers in this feature's dialogs (collected by handlers/text.py).
TYPED_STEPS = (typed_step(ANNOUNCE, AnnouncementDraft, on_input, limit=MAX_ANNOUNCEMENT),)


def handlers() -> list[tuple[int, BaseHandler]]:
    buttons = routes(
        send_it, cancel, languages, language, audience, everyone, group, group_chat, back
    )
    return [(0, CommandHandler("announce", start_announcement)), (0, buttons)]
