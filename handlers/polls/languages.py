"""🌐 Add a language, in the /newpoll preview: the poll's question and options in other languages.

The coordinator picks a language (buttons with each language's own name), then sends the
question and the options in it as one message, one line each, in the order of the original. A
message with another number of lines is refused with the count it needs. The preview then names
the poll's languages, with ✏️ (send that language again) and ✖ (remove it) for each added one.

Everything lives in the draft (`NewPollDraft.texts`: language → [question, options]); "Send"
stores it with the poll (db/poll_texts.py), and each member reads their language's version,
else the poll's own (bot/poll_texts.py). Callback data: `np:langs`, `np:lang:<code>`,
`np:unlang:<code>` (buttons of the preview, handlers/polls/draft.py); a code we do not have is
stale, whoever forged it.
"""

from __future__ import annotations

from dataclasses import replace

from telegram import InlineKeyboardMarkup, Update

from bot import callbacks
from bot.forums import FormError
from bot.i18n import escape, language_autonym
from bot.poll_texts import check_translation, translation_lines
from handlers.buttons import Press
from handlers.common import answer_stale, keyboard, message_of, reply
from handlers.context import ForumContext
from handlers.dialogs import expect_here
from handlers.polls.draft import NEWPOLL, NewPollDraft, preview_button
from handlers.polls.preview import own_language, show

PER_ROW = 2  # twenty languages in ten rows: one screen, far below Telegram's 100 buttons


def choice(context: ForumContext, draft: NewPollDraft) -> tuple[str, InlineKeyboardMarkup]:
    """Which language to add: every language we have but the poll's own; added ones ticked."""
    own, added = own_language(context, draft), draft.texts
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


@preview_button("langs")
async def ask_language(press: Press[NewPollDraft]) -> None:
    """🌐 Add a language: which one."""
    await press.query.answer()
    text, markup = choice(press.context, press.row)
    await press.message.reply_text(text, reply_markup=markup)


@preview_button("unlang")
async def remove_language(press: Press[NewPollDraft]) -> None:
    """✖ <language>: the preview without it."""
    code, texts = press.data.arg(0), dict(press.row.texts)
    if code not in texts:
        await answer_stale(press.update, press.context)
        return
    del texts[code]
    await press.query.answer()
    await show(press.update, press.context, replace(press.row, texts=texts, step="preview"))


@preview_button("lang")
async def ask_lines(press: Press[NewPollDraft]) -> None:
    """A language (to add, or ✏️ to send again): wait for its lines."""
    tr, code, draft = press.tr, press.data.arg(0), press.row
    if code not in press.services.catalogs.languages:  # forged, or a language since removed
        await answer_stale(press.update, press.context)
        return
    if code == own_language(press.context, draft):
        await press.query.answer(tr._("That is the poll's own language; change it with ✏️ Edit."))
        return
    await expect_here(
        press.update, press.context, NEWPOLL, replace(draft, step="translate", lang=code)
    )
    poll = draft.poll
    original = [poll.question, *(f"{n}. {o}" for n, o in enumerate(poll.options, 1))]
    await press.query.answer()
    await press.message.reply_text(
        tr.n_(
            "Send the question and the %(count)s option in %(language)s in one message, one "
            "line each, in this order:",
            "Send the question and the %(count)s options in %(language)s in one message, one "
            "line each, in this order:",
            len(poll.options),
            language=language_autonym(code),
        )
        + "\n\n"
        + "\n".join(escape(line) for line in original)
    )


async def on_text(update: Update, context: ForumContext, draft: NewPollDraft) -> None:
    """The lines of the language being added: as many as the original's, else a clear no."""
    tr, code = context.actor.tr, draft.lang
    lines = translation_lines(message_of(update).text or "")
    needed = 1 + len(draft.poll.options)
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
    texts = {**draft.texts, code: [question, options]}
    await show(update, context, replace(draft, texts=texts, step="preview", lang=None))
