"""The preview of a /newpoll draft: the ballot as members will see it, under its settings.

Rendered with `ballots.render_ballot` on stand-in rows, so the preview cannot drift from the
ballot members get; above it, the poll's languages. `show` makes the draft the pending step and
shows its preview, always in the coordinator's private chat. The buttons: `np:send`, `np:edit`,
`np:drop` (handlers/polls/preview_buttons.py), and the languages' (handlers/polls/languages.py).
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import Forbidden

from bot import callbacks
from bot.i18n import Translator, language_autonym
from bot.poll_texts import matching
from bot.polls import PollDraft
from db import dialogs
from db import polls as polls_db
from db.polls import BallotRow, OptionRow, PollRow
from handlers.common import is_private, keyboard, private_chat_hint, reply
from handlers.context import ForumContext
from handlers.dialogs import expect_here, expect_in
from handlers.polls.ballot import render_ballot
from handlers.polls.draft import NEWPOLL, NewPollDraft

Row = list[tuple[str, str]]


def render(
    tr: Translator,
    draft: PollDraft,
    number: int,
    zone: str,
    count: int,
    languages: tuple[list[str], list[Row]] = ([], []),
) -> tuple[str, InlineKeyboardMarkup]:
    """The preview's text and buttons; `languages` is the line naming the poll's languages and
    their buttons (handlers/polls/languages.py), shown above the ballot and under "Send"."""
    poll = PollRow(
        id=0,
        forum_id=0,
        number=number,
        question=draft.question,
        closes_at=draft.closes_at,
        closed_at=None,
        hide_results=draft.hide_results,
        anonymous=draft.anonymous,
        remind_before_s=int(draft.remind_before.total_seconds()),
        group_chat_id=None,
        group_message_id=None,
    )
    options = [OptionRow(n, n, text) for n, text in enumerate(draft.options, 1)]
    ballot = BallotRow(0, 0, None, [], [], None, None, None)
    shown, _ = render_ballot(tr, poll, options, ballot, zone)
    lines = [
        tr._("<b>Preview</b>: nothing is sent until you tap “Send”."),
        tr._("Closes: %(time)s.", time=tr.datetime(draft.closes_at, zone)),
        tr._("Results: hidden from members until the poll closes.")
        if draft.hide_results
        else tr._("Results: members can see them while the poll is open."),
    ]
    if draft.remind_before:
        hours = int(draft.remind_before.total_seconds() // 3600)
        lines.append(
            tr.n_(
                "Reminder: %(count)s hour before closing, to those who have not voted.",
                "Reminder: %(count)s hours before closing, to those who have not voted.",
                hours,
            )
            if hours
            else tr._("Reminder: shortly before closing, to those who have not voted.")
        )
    else:
        lines.append(tr._("Reminder: none."))
    for line, near in draft.unknown:
        lines.append(
            tr._(
                "⚠️ “%(line)s” is not a setting — meant “%(key)s:”? The line is left out.",
                line=line,
                key=near,
            )
            if near
            else tr._(
                "⚠️ “%(line)s” is not a setting (they are closes, anonymous, results, remind). "
                "The line is left out.",
                line=line,
            )
        )
    lines += languages[0]
    lines += ["", tr._("Members will see:"), "", shown]
    rows = [
        [
            (
                tr.n_("✅ Send to %(count)s member", "✅ Send to %(count)s members", count),
                callbacks.make("np", "send"),
            )
        ],
        *languages[1],
        [
            (tr._("✏️ Edit"), callbacks.make("np", "edit")),
            (tr._("✖ Discard"), callbacks.make("np", "drop")),
        ],
    ]
    return "\n".join(lines), keyboard(rows)


async def show(update: Update, context: ForumContext, draft: NewPollDraft) -> None:
    """The preview of `draft`, which becomes the pending step; from a group, in private."""
    actor, services = context.actor, context.services
    forum = actor.forum
    assert forum is not None
    count = len(await polls_db.voters(services.db, forum.id))
    number = await polls_db.next_number(services.db, forum.id)
    languages = preview_part(context, draft)
    screen = render(actor.tr, draft.poll, number, forum.timezone, count, languages)
    if is_private(update):
        await expect_here(update, context, NEWPOLL, draft)
        await reply(update, *screen)
        return
    # In a group: the preview and its correction are the coordinator's, in private.
    await expect_in(context, actor.user_id, NEWPOLL, draft)
    try:
        await context.bot.send_message(actor.user_id, screen[0], reply_markup=screen[1])
    except Forbidden:
        await dialogs.clear(services.db, user_id=actor.user_id, chat_id=actor.user_id)
        await reply(update, private_chat_hint(actor.tr, "newpoll", context.bot.username))
        return
    await reply(
        update,
        actor.tr._("I sent you a preview of the poll in our private chat; it is sent from there."),
    )


def own_language(context: ForumContext, draft: NewPollDraft) -> str:
    """The draft's own language: its coordinator's, fixed when the preview was first made."""
    return draft.language or context.actor.tr.lang


def kept(context: ForumContext, texts: dict[str, Any], options: int, own: str) -> dict:
    """The added languages that still fit a poll of `options` options (bot/poll_texts.py)."""
    languages = context.services.catalogs.languages
    return {lang: list(text) for lang, text in matching(texts, options, languages, own).items()}


def preview_part(context: ForumContext, draft: NewPollDraft) -> tuple[list[str], list[Row]]:
    """The preview's line naming the languages and its language buttons."""
    tr, own = context.actor.tr, own_language(context, draft)
    added = list(draft.texts)
    rows: list[Row] = [
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
