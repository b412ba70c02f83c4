"""The /tip add dialog: `/tip add` alone, in private, asks step by step instead of one message.

Language (buttons with each language's own name, or a typed code: one the bot lacks is refused
with the codes it has, as the form refuses it) → topic (buttons) → the tip's text (at most
`MAX_FORUM_TIP` characters) → a preview of the tip as members will see it, with "✅ Save",
"🌐 Add a language" (the same tip in another language) and "✖ Discard". The answers are turned
into the one-message form (`TipDraft.form`) and read by `bot.forum_tips.parse_forum_tip`; "Save"
stores the tip with `forum_tips.add_tip`, the form's code path, claiming the draft in the tip's
transaction. What each step shows is handlers/tips/dialog_screens.py.

This module owns the /tip command: anything but `/tip add` alone in a coordinator's private
chat goes to `tips.show_tip`, unchanged. State is a pending input (`newtip`), so a restart keeps
the dialog; its draft is a `TipDraft`. Callback data, in this module's table:
`tipd:lang:<code>`, `tipd:topic:<key>`, `tipd:save`, `tipd:more`, `tipd:drop`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot import callbacks
from bot.forum_tips import MAX_FORUM_TIP, TipDraft, language_of, parse_forum_tip
from bot.forums import FormError
from bot.i18n import Translator
from bot.roles import Role
from bot.tips import TOPICS
from db import dialogs
from handlers.buttons import Button, Press, routes
from handlers.common import (
    TypedStep,
    chat_of,
    command_text,
    guarded,
    is_private,
    message_of,
    reply,
)
from handlers.context import ForumContext
from handlers.dialogs import dialog_button, end_here, expect_here, sent
from handlers.tips import dialog_screens as screens
from handlers.tips import library as tips
from handlers.tips.forum_tips import add_tip, form_error

NEWTIP = "newtip"


@guarded("tip")
async def tip_command(update: Update, context: ForumContext) -> None:
    """`/tip add` alone, by a coordinator in private: the dialog; anything else: `/tip` as ever."""
    actor = context.actor
    alone = command_text(update).lower() == "add"
    if alone and is_private(update) and actor.forum and actor.role is Role.COORDINATOR:
        await _expect(update, context, TipDraft("lang", actor.forum.id, {}))
        await _ask_language(update, context, first=True)
    else:
        await tips.show_tip(update, context)


async def _expect(update: Update, context: ForumContext, draft: TipDraft) -> None:
    await expect_here(update, context, NEWTIP, draft)


def _closed(tr: Translator) -> str:
    return tr._("This tip draft is no longer open; start again with /tip add.")


async def _chosen_language(
    update: Update, context: ForumContext, draft: TipDraft, lang: str
) -> None:
    """After the language: the topic, unless this is a further language of the same tip."""
    draft = replace(draft, lang=lang, step="text" if draft.topic else "topic")
    await _expect(update, context, draft)
    if draft.step == "topic":
        await reply(update, *screens.topic_question(context.actor.tr))
    else:
        await _ask_text(update, context, lang)


async def _ask_language(update: Update, context: ForumContext, *, first: bool) -> None:
    languages = context.services.catalogs.languages
    await reply(update, *screens.language_question(context.actor.tr, languages, first=first))


async def _ask_text(update: Update, context: ForumContext, lang: str | None) -> None:
    await reply(update, *screens.text_question(context.actor.tr, lang))


async def on_input(update: Update, context: ForumContext, data: dict) -> None:
    """A typed answer: a language code, a topic's key, or the tip's text."""
    actor, services = context.actor, context.services
    forum, draft = actor.forum, dialogs.Pending(NEWTIP, data).draft(TipDraft)
    if actor.role is not Role.COORDINATOR or forum is None or not draft or draft.forum != forum.id:
        await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_of(update).id)
        await reply(update, _closed(actor.tr))
        return
    text = (message_of(update).text or "").strip()
    if draft.step == "lang":
        await _typed_language(update, context, draft, text)
    elif draft.step == "topic" and text.lower() in TOPICS:
        await _expect(update, context, replace(draft, topic=text.lower(), step="text"))
        await _ask_text(update, context, draft.lang)
    elif draft.step == "text":
        await _typed_text(update, context, draft, text)
    else:
        await reply(update, actor.tr._("Please use the buttons in my message above."))


async def _typed_language(
    update: Update, context: ForumContext, draft: TipDraft, text: str
) -> None:
    tr, languages = context.actor.tr, context.services.catalogs.languages
    lang = language_of(text.rstrip(":").strip(), languages)
    if lang in languages:
        assert lang is not None
        await _chosen_language(update, context, draft, lang)
        return
    await reply(
        update,
        tr._(
            "I don't have the language “%(code)s”. Tap one of the buttons, or send one "
            "of these codes: %(codes)s.",
            code=text,
            codes=", ".join(sorted(languages)),
        ),
    )


async def _typed_text(update: Update, context: ForumContext, draft: TipDraft, text: str) -> None:
    """The tip's text in the draft's language: checked as the form checks it, then previewed."""
    actor, languages = context.actor, context.services.catalogs.languages
    assert draft.lang is not None
    draft = replace(draft, texts={**draft.texts, draft.lang: text})
    try:
        _, texts = parse_forum_tip(draft.form(), default_lang=actor.lang, languages=languages)
    except FormError as error:
        await reply(update, form_error(actor.tr, error))
        return
    draft = replace(draft, texts=texts, step="preview")
    assert actor.forum is not None
    await _expect(update, context, draft)
    await reply(update, *screens.preview(actor.tr, actor.forum, draft))


def _a_language(context: ForumContext, data: callbacks.Callback) -> bool:
    return data.arg(0) in context.services.catalogs.languages


def _a_topic(context: ForumContext, data: callbacks.Callback) -> bool:
    return data.arg(0) in TOPICS


def _tip_button(
    action: str, step: str, valid: Callable[[ForumContext, callbacks.Callback], bool] | None = None
) -> Callable[[Callable[[Press[TipDraft]], Awaitable[None]]], Button[Any]]:
    """A button of the /tip add draft at `step` (handlers/dialogs.py); it answers itself."""
    return dialog_button("tipd", action, NEWTIP, TipDraft, steps=(step,), valid=valid, answer=False)


@_tip_button("lang", "lang", _a_language)
async def choose_language(press: Press[TipDraft]) -> None:
    await press.query.answer()
    await _chosen_language(press.update, press.context, press.row, str(press.data.arg(0)))


@_tip_button("topic", "topic", _a_topic)
async def choose_topic(press: Press[TipDraft]) -> None:
    topic = str(press.data.arg(0))
    await _expect(press.update, press.context, replace(press.row, topic=topic, step="text"))
    await press.query.answer()
    await _ask_text(press.update, press.context, press.row.lang)


@_tip_button("more", "preview")
async def add_language(press: Press[TipDraft]) -> None:
    await _expect(press.update, press.context, replace(press.row, step="lang"))
    await press.query.answer()
    await _ask_language(press.update, press.context, first=False)


@_tip_button("drop", "preview")
async def discard(press: Press[TipDraft]) -> None:
    await end_here(press.update, press.context)
    await press.query.answer()
    await press.query.edit_message_text(press.tr._("Discarded. No tip was saved."))


@_tip_button("save", "preview")
async def save(press: Press[TipDraft]) -> None:
    """✅ Save: the form's code path, claiming the draft in the tip's transaction."""
    update, context, actor, query = press.update, press.context, press.actor, press.query
    languages = press.services.catalogs.languages
    topic, texts = parse_forum_tip(press.row.form(), default_lang=actor.lang, languages=languages)
    claim = (actor.user_id, chat_of(update).id, NEWTIP)
    if await add_tip(update, context, topic, texts, claim=claim) is None:
        await query.answer(_closed(actor.tr))
        return
    await sent(query)


# What a typed message answers in this feature's dialogs (collected by handlers/text.py).
TYPED_STEPS = (TypedStep(NEWTIP, on_input, limit=MAX_FORUM_TIP),)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("tip", tip_command)),
        (0, routes(choose_language, choose_topic, add_language, discard, save)),
    ]
