"""The /tip add dialog: `/tip add` alone, in private, asks step by step instead of one message.

Language (buttons with each language's own name, or a typed code: one the bot lacks is refused
with the codes it has, as the form refuses it) → topic (buttons) → the tip's text (at most
`MAX_FORUM_TIP` characters) → a preview of the tip as members will see it, with "✅ Save",
"🌐 Add a language" (the same tip in another language) and "✖ Discard". The answers are turned
into the one-message form and read by `tips.parse_forum_tip`; "Save" stores the tip with
`tips.add_tip`, the form's code path, claiming the draft in the tip's transaction.

This module owns the /tip command: anything but `/tip add` alone in a coordinator's private
chat goes to `tips.show_tip`, unchanged. State is a pending input (`newtip`), so a restart keeps
the dialog. Callback data: `tipd:lang:<code>`, `tipd:topic:<key>`, `tipd:save`, `tipd:more`,
`tipd:drop`.
"""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.forum_tips import MAX_FORUM_TIP, language_of, parse_forum_tip
from bot.forums import FormError
from bot.i18n import Translator
from bot.roles import Role
from bot.tips import TOPICS, Pick
from db import dialogs
from db.tips import ForumTip
from handlers.common import (
    TypedStep,
    answer_stale,
    chat_of,
    command_text,
    coordinator_step,
    guarded,
    is_private,
    keyboard,
    message_of,
    pressed,
    reply,
)
from handlers.context import ForumContext
from handlers.tips import library as tips
from handlers.tips.forum_tips import add_tip, form_error
from handlers.tips.library import render_tip

NEWTIP = "newtip"


@guarded("tip")
async def tip_command(update: Update, context: ForumContext) -> None:
    """`/tip add` alone, by a coordinator in private: the dialog; anything else: `/tip` as ever."""
    actor = context.actor
    alone = command_text(update).lower() == "add"
    if alone and is_private(update) and actor.forum and actor.role is Role.COORDINATOR:
        await _expect(update, context, {"step": "lang", "forum": actor.forum.id, "texts": {}})
        await _ask_language(update, context, first=True)
    else:
        await tips.show_tip(update, context)


async def _expect(update: Update, context: ForumContext, data: dict) -> None:
    actor, services = context.actor, context.services
    await dialogs.expect(
        services.db,
        user_id=actor.user_id,
        chat_id=chat_of(update).id,
        kind=NEWTIP,
        data=data,
        now=services.clock(),
    )


def _closed(tr: Translator) -> str:
    return tr._("This tip draft is no longer open; start again with /tip add.")


def _form(data: dict) -> str:
    """The one-message form these answers make: the topic, then each text's lines under its
    language code (so a line of the text that starts with "xx:" stays text)."""
    lines = [data["topic"]]
    for lang, text in data["texts"].items():
        lines += [f"{lang}: {line}" for line in text.splitlines()]
    return "\n".join(lines)


async def _ask_language(update: Update, context: ForumContext, *, first: bool) -> None:
    tr, languages = context.actor.tr, context.services.catalogs.languages
    buttons = [(tr.language_name(code), callbacks.make("tipd", "lang", code)) for code in languages]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    question = (
        tr._(
            "New forum tip (send /cancel to stop). Which language is it written in? "
            "Tap it, or send its code."
        )
        if first
        else tr._("Which language is the next text in? Tap it, or send its code.")
    )
    await reply(update, question, keyboard(rows))


async def _ask_topic(update: Update, context: ForumContext) -> None:
    tr = context.actor.tr
    buttons = [(tr._(label), callbacks.make("tipd", "topic", key)) for key, label in TOPICS.items()]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    await reply(update, tr._("Which topic is the tip about?"), keyboard(rows))


async def _ask_text(update: Update, context: ForumContext, lang: str) -> None:
    tr = context.actor.tr
    await reply(
        update,
        tr.n_(
            "Send the tip in %(language)s, at most %(max)s character.",
            "Send the tip in %(language)s, at most %(max)s characters.",
            MAX_FORUM_TIP,
            language=tr.language_name(lang),
            max=MAX_FORUM_TIP,
        ),
    )


async def _chosen_language(update: Update, context: ForumContext, data: dict, lang: str) -> None:
    """After the language: the topic, unless this is a further language of the same tip."""
    data = {**data, "lang": lang, "step": "text" if data.get("topic") else "topic"}
    await _expect(update, context, data)
    if data["step"] == "topic":
        await _ask_topic(update, context)
    else:
        await _ask_text(update, context, lang)


async def on_input(update: Update, context: ForumContext, data: dict) -> None:
    """A typed answer: a language code, a topic's key, or the tip's text."""
    actor, services = context.actor, context.services
    tr, forum = actor.tr, actor.forum
    if actor.role is not Role.COORDINATOR or forum is None or data.get("forum") != forum.id:
        await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_of(update).id)
        await reply(update, _closed(tr))
        return
    text = (message_of(update).text or "").strip()
    step, languages = data.get("step"), services.catalogs.languages
    if step == "lang":
        lang = language_of(text.rstrip(":").strip(), languages)
        if lang in languages:
            await _chosen_language(update, context, data, lang)
        else:
            await reply(
                update,
                tr._(
                    "I don't have the language “%(code)s”. Tap one of the buttons, or send one "
                    "of these codes: %(codes)s.",
                    code=text,
                    codes=", ".join(sorted(languages)),
                ),
            )
    elif step == "topic" and text.lower() in TOPICS:
        await _expect(update, context, {**data, "topic": text.lower(), "step": "text"})
        await _ask_text(update, context, data["lang"])
    elif step == "text":
        draft = {**data, "texts": {**data["texts"], data["lang"]: text}}
        try:
            _, texts = parse_forum_tip(_form(draft), default_lang=actor.lang, languages=languages)
        except FormError as error:
            await reply(update, form_error(tr, error))
            return
        await _preview(update, context, {**draft, "texts": texts, "step": "preview"})
    else:
        await reply(update, tr._("Please use the buttons in my message above."))


async def _preview(update: Update, context: ForumContext, data: dict) -> None:
    """The tip as members will meet it, in the language just written."""
    actor = context.actor
    tr, forum = actor.tr, actor.forum
    assert forum is not None
    tip = ForumTip(0, forum.id, forum.name, data["topic"], data["texts"])
    languages = ", ".join(tr.language_name(code) for code in data["texts"])
    text = "\n".join(
        [
            tr._("<b>Preview</b>: nothing is saved until you tap “Save”."),
            tr._("Languages: %(languages)s", languages=languages),
            "",
            tr._("Members will see:"),
            "",
            render_tip(tr, Pick(tip), lang=data["lang"], fallback=None),
        ]
    )
    await _expect(update, context, data)
    await reply(update, text, _preview_keyboard(tr))


def _preview_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [
                (tr._("✅ Save"), callbacks.make("tipd", "save")),
                (tr._("🌐 Add a language"), callbacks.make("tipd", "more")),
            ],
            [(tr._("✖ Discard"), callbacks.make("tipd", "drop"))],
        ]
    )


async def on_button(update: Update, context: ForumContext) -> None:
    """A language, a topic, Save, Add a language or Discard; each checked against the step."""
    query, actor, services = pressed(update), context.actor, context.services
    step_of = await coordinator_step(update, context, NEWTIP)
    if step_of is None:
        return
    parsed, pending = step_of
    chat_id = chat_of(update).id
    data, step, tr = pending.data, pending.data.get("step"), actor.tr
    lang, topic = parsed.arg(0), parsed.arg(0)
    if parsed.action == "lang" and step == "lang" and lang in services.catalogs.languages:
        await query.answer()
        await _chosen_language(update, context, data, lang)
    elif parsed.action == "topic" and step == "topic" and topic in TOPICS:
        await _expect(update, context, {**data, "topic": topic, "step": "text"})
        await query.answer()
        await _ask_text(update, context, data["lang"])
    elif parsed.action == "more" and step == "preview":
        await _expect(update, context, {**data, "step": "lang"})
        await query.answer()
        await _ask_language(update, context, first=False)
    elif parsed.action == "drop" and step == "preview":
        await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_id)
        await query.answer()
        await query.edit_message_text(tr._("Discarded. No tip was saved."))
    elif parsed.action == "save" and step == "preview":
        await _save(update, context, data)
    else:
        await answer_stale(update, context)


async def _save(update: Update, context: ForumContext, data: dict) -> None:
    """✅ Save: the form's code path, claiming the draft in the tip's transaction."""
    query, actor, services = pressed(update), context.actor, context.services
    languages = services.catalogs.languages
    topic, texts = parse_forum_tip(_form(data), default_lang=actor.lang, languages=languages)
    claim = (actor.user_id, chat_of(update).id, NEWTIP)
    if await add_tip(update, context, topic, texts, claim=claim) is None:
        await query.answer(_closed(actor.tr))
        return
    with contextlib.suppress(TelegramError):  # courtesies: the tip is stored and said so
        await query.answer()
    with contextlib.suppress(TelegramError):  # the preview stays as a record of what was saved
        await query.edit_message_reply_markup(None)


# What a typed message answers in this feature's dialogs (collected by handlers/text.py).
TYPED_STEPS = (TypedStep(NEWTIP, on_input, limit=MAX_FORUM_TIP),)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("tip", tip_command)),
        (0, CallbackQueryHandler(on_button, pattern=r"^tipd:")),
    ]
