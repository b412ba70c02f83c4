"""Which words of a poll a reader sees: the poll in their language where it has one.

A poll is written in one language (its coordinator's, `poll_origins`); its rows in `polls` and
`poll_options` hold that text, and every reader falls back to it. Over it, for a reader:

1. a translation the coordinator added for the reader's language ("🌐 Add a language"): the
   question and every option, as they typed them;
2. else, piece by piece: the default catalog question in the reader's language (it is our
   sentence, so it is in the messages catalog), and each catalog option in the reader's language
   (the `content` catalog, `item:<id>`); a question or option the coordinator typed stays theirs.

Anything the reader's language lacks stays in the poll's language, never English by accident.
Plain rules: the caller loads `PollLanguages` (db/poll_texts.py) and renders the result.
"""

from __future__ import annotations

from dataclasses import replace

from bot.i18n import N_, SOURCE_LANGUAGE, Translator
from bot.priorities import PriorityCatalog, PriorityItem, item_index, item_key
from db import poll_texts as poll_texts_db
from db.connection import Database
from db.poll_texts import PollLanguages
from db.polls import OptionRow, PollRow

DEFAULT_QUESTION = N_("Which of these should the forum take up first?")


def default_question(tr: Translator) -> str:
    """The question a catalog poll gets when the coordinator keeps the default."""
    return tr._(DEFAULT_QUESTION)


def localize(
    tr: Translator,
    poll: PollRow,
    options: list[OptionRow],
    langs: PollLanguages,
    items: dict[str, PriorityItem],
) -> tuple[PollRow, list[OptionRow]]:
    """The poll and its options as `tr`'s reader should read them (see the module's rules)."""
    lang = tr.lang
    if lang == langs.language:
        return poll, options
    added = langs.texts.get(lang)
    if added is not None and len(added[1]) == len(options):
        question, texts = added
        return (
            replace(poll, question=question),
            [replace(option, text=text) for option, text in zip(options, texts, strict=True)],
        )
    question = poll.question
    if langs.default_question:
        theirs = default_question(tr)
        if lang == SOURCE_LANGUAGE or theirs != DEFAULT_QUESTION:
            question = theirs
    shown = []
    for option in options:
        item = items.get(langs.refs.get(option.id, ""))
        text = tr.content_own(item_key(item.id), item.text) if item else None
        shown.append(replace(option, text=text) if text else option)
    return replace(poll, question=question), shown


async def for_reader(
    db: Database,
    catalogs: dict[str, PriorityCatalog],
    tr: Translator,
    poll: PollRow,
    options: list[OptionRow],
) -> tuple[PollRow, list[OptionRow]]:
    """`localize` with what the database knows of the poll's languages."""
    langs = await poll_texts_db.load(db, poll.id)
    return localize(tr, poll, options, langs, item_index(catalogs))
