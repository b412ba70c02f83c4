"""🌐 Add a language, in the /newpoll preview: the poll's question and options in other languages.

The coordinator picks a language (buttons with each language's own name), then sends the
question and the options in it as one message, one line each, in the order of the original. A
message with another number of lines is refused with the count it needs. The preview then names
the poll's languages, with ✏️ (send that language again) and ✖ (remove it) for each added one.

Everything lives in the draft (the pending `newpoll` step, `texts`: language → [question,
options]); "Send" stores it with the poll (db/poll_texts.py), and each member reads their
language's version, else the poll's own (bot/poll_texts.py). Callback data: `np:langs`,
`np:lang:<code>`, `np:unlang:<code>`; a code we do not have is stale, whoever forged it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardMarkup, Update

from bot import callbacks
from bot.forums import FormError
from bot.i18n import escape, language_autonym
from bot.poll_texts import check_translation, translation_lines
from bot.polls import PollDraft
from db import dialogs
from handlers.common import (
    answer_stale,
    chat_of,
    keyboard,
    message_of,
    pressed,
    pressed_message,
    reply,
)
from handlers.context import ForumContext

Show = Callable[[Update, ForumContext, dict], Awaitable[None]]
PER_ROW = 2  # twenty languages in ten rows: one screen, far below Telegram's 100 buttons


def own_language(context: ForumContext, data: dict) -> str:
    """The draft's own language: its coordinator's, fixed when the preview was first made."""
    return data.get("language") or context.actor.tr.lang


def choice(context: ForumContext, data: dict) -> tuple[str, InlineKeyboardMarkup]:
    """Which language to add: every language we have but the poll's own; added ones ticked."""
    own, added = own_language(context, data), data.get("texts", {})
    buttons = [
        (
            ("✅ " if lang in added else "") + language_autonym(lang),
            callbacks.make("np", "lang", lang),
        )
        for lang in context.services.catalogs.languages
        if lang != own
    ]
    rows = [buttons[i : i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]
    return context.actor.tr._("Which language is the next version in?"), keyboard(rows)


def preview_part(
    context: ForumContext, data: dict
) -> tuple[list[str], list[list[tuple[str, str]]]]:
    """The preview's line naming the languages and its language buttons."""
    tr, own = context.actor.tr, own_language(context, data)
    added = list(data.get("texts", {}))
    rows: list[list[tuple[str, str]]] = [
        [
            ("✏️ " + language_autonym(lang), callbacks.make("np", "lang", lang)),
            ("✖ " + language_autonym(lang), callbacks.make("np", "unlang", lang)),
        ]
        for lang in added
    ]
    rows.append([(tr._("🌐 Add a language"), callbacks.make("np", "langs"))])
    if not added:
        return [], rows
    names = ", ".join(language_autonym(lang) for lang in [own, *added])
    line = tr._(
        "Languages: %(languages)s. Each member reads their own, else %(language)s.",
        languages=names,
        language=language_autonym(own),
    )
    return [line], rows


async def on_button(
    update: Update, context: ForumContext, action: str, code: str | None, data: dict, show: Show
) -> None:
    """`np:langs` (the choice), `np:lang:<code>` (ask for that language's lines),
    `np:unlang:<code>` (remove it). The caller checked the draft is this forum's, open."""
    query, actor, services = pressed(update), context.actor, context.services
    tr = actor.tr
    if action == "langs":
        await query.answer()
        text, markup = choice(context, data)
        await pressed_message(query).reply_text(text, reply_markup=markup)
        return
    texts = dict(data.get("texts", {}))
    if action == "unlang":
        if code not in texts:
            await answer_stale(update, context)
            return
        del texts[code]
        await query.answer()
        await show(update, context, {**data, "texts": texts, "step": "preview"})
        return
    if code not in services.catalogs.languages:  # forged, or a language since removed
        await answer_stale(update, context)
        return
    if code == own_language(context, data):
        await query.answer(tr._("That is the poll's own language; change it with ✏️ Edit."))
        return
    await dialogs.expect(
        services.db,
        user_id=actor.user_id,
        chat_id=chat_of(update).id,
        kind="newpoll",
        data={**data, "step": "translate", "lang": code},
        now=services.clock(),
    )
    draft = PollDraft.from_data(data["draft"])
    original = [draft.question, *(f"{n}. {o}" for n, o in enumerate(draft.options, 1))]
    await query.answer()
    await pressed_message(query).reply_text(
        tr.n_(
            "Send the question and the %(count)s option in %(language)s in one message, one "
            "line each, in this order:",
            "Send the question and the %(count)s options in %(language)s in one message, one "
            "line each, in this order:",
            len(draft.options),
            language=language_autonym(code),
        )
        + "\n\n"
        + "\n".join(escape(line) for line in original)
    )


async def on_text(update: Update, context: ForumContext, data: dict, show: Show) -> None:
    """The lines of the language being added: as many as the original's, else a clear no."""
    tr = context.actor.tr
    code = data.get("lang")
    draft = PollDraft.from_data(data["draft"])
    lines = translation_lines(message_of(update).text or "")
    needed = 1 + len(draft.options)
    if code not in context.services.catalogs.languages:
        await reply(update, tr._("Please use the buttons in my message above."))
        return
    if len(lines) != needed:
        await reply(
            update,
            tr.n_(
                "Your message has %(count)s line, but this poll needs %(needed)s: the question, "
                "then each option, in the same order. Please send it again.",
                "Your message has %(count)s lines, but this poll needs %(needed)s: the "
                "question, then each option, in the same order. Please send it again.",
                len(lines),
                needed=needed,
            ),
        )
        return
    try:
        question, options = check_translation(lines)
    except FormError as error:
        await reply(update, tr._(error.message, **error.params))
        return
    texts = {**data.get("texts", {}), code: [question, options]}
    await show(update, context, {**data, "texts": texts, "step": "preview", "lang": None})
