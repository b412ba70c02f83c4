"""Feedback's topics and limits, and the headers a coordinator's copy of an item starts with."""

from __future__ import annotations

from bot.i18n import N_, Html, Translator
from db.feedback import FeedbackRow

TOPICS = {
    "meetings": N_("Meetings"),
    "polls": N_("Polls"),
    "tips": N_("Tips"),
    "forum": N_("The forum"),
    "other": N_("Something else"),
}
PER_HOUR = 5  # feedback items a member may send in an hour
MAX_CAPTION = 1024  # Telegram's limit for a photo's caption


def header_of_new(tr: Translator, item: FeedbackRow) -> str:
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


def header_of_answer(tr: Translator, item: FeedbackRow) -> str:
    return tr._("💬 The member answered about feedback #%(number)s:", number=item.id)
