"""What the /tip add dialog shows at each step (handlers/tips/dialog.py asks and stores):
the question for the language, the topic and the text, and the preview with its buttons.

Each function returns the message (text, keyboard); the buttons are `tipd:lang:<code>`,
`tipd:topic:<key>`, `tipd:save`, `tipd:more` and `tipd:drop`.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot import callbacks
from bot.forum_tips import MAX_FORUM_TIP, TipDraft
from bot.i18n import Translator
from bot.tips import TOPICS, Pick
from db.forums import ForumRow
from db.tips import ForumTip
from handlers.common import keyboard
from handlers.tips.library import render_tip

Screen = tuple[str, InlineKeyboardMarkup | None]


def language_question(tr: Translator, languages: list[str], *, first: bool) -> Screen:
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
    return question, keyboard(rows)


def topic_question(tr: Translator) -> Screen:
    buttons = [(tr._(label), callbacks.make("tipd", "topic", key)) for key, label in TOPICS.items()]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return tr._("Which topic is the tip about?"), keyboard(rows)


def text_question(tr: Translator, lang: str | None) -> Screen:
    assert lang is not None  # chosen before the topic
    question = tr.n_(
        "Send the tip in %(language)s, at most %(max)s character.",
        "Send the tip in %(language)s, at most %(max)s characters.",
        MAX_FORUM_TIP,
        language=tr.language_name(lang),
        max=MAX_FORUM_TIP,
    )
    return question, None


def preview(tr: Translator, forum: ForumRow, draft: TipDraft) -> Screen:
    """The tip as members will meet it, in the language just written."""
    assert draft.topic is not None and draft.lang is not None
    tip = ForumTip(0, forum.id, forum.name, draft.topic, draft.texts)
    languages = ", ".join(tr.language_name(code) for code in draft.texts)
    text = "\n".join(
        [
            tr._("<b>Preview</b>: nothing is saved until you tap “Save”."),
            tr._("Languages: %(languages)s", languages=languages),
            "",
            tr._("Members will see:"),
            "",
            render_tip(tr, Pick(tip), lang=draft.lang, fallback=None),
        ]
    )
    return text, _preview_keyboard(tr)


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
