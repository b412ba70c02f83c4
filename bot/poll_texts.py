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

import re
from collections.abc import Callable
from dataclasses import replace

from bot.i18n import N_, SOURCE_LANGUAGE, Translator
from bot.polls import validate_options, validate_question
from bot.priorities import PriorityCatalog, PriorityItem, item_index, item_key
from db import poll_texts as poll_texts_db
from db.connection import Database
from db.poll_texts import PollLanguages
from db.polls import OptionRow, PollRow

_LIST_MARKER = re.compile(r"^(?:[-•*]|\d{1,2}[.)])\s+")  # as the poll form drops them

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


async def question_by_reader(
    db: Database, catalogs: dict[str, PriorityCatalog], poll: PollRow
) -> Callable[[Translator], str]:
    """The poll's question as each reader reads it, its languages loaded once: for a notice
    to every member, without a query per member."""
    langs = await poll_texts_db.load(db, poll.id)
    items = item_index(catalogs)
    return lambda tr: localize(tr, poll, [], langs, items)[0].question


def translation_lines(text: str) -> list[str]:
    """The lines of a coordinator's translation: blank lines and list markers ("1.", "-")
    dropped, as in the poll form, so a pasted numbered list lines up with the options."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return [lines[0], *(_LIST_MARKER.sub("", line) or line for line in lines[1:])] if lines else []


def check_translation(lines: list[str]) -> tuple[str, list[str]]:
    """The question and options of a translation whose line count is right; FormError (as the
    poll form's own) for a question or option too long, or two options the same."""
    question, options = lines[0], lines[1:]
    validate_question(question)
    validate_options(options)
    return question, options


def matching(
    texts: dict[str, list], options: int, languages: list[str], own: str
) -> dict[str, tuple[str, list[str]]]:
    """The added translations worth keeping: in a language we have (not the poll's own), with
    one text per option (a corrected form may have changed the options since)."""
    return {
        lang: (question, list(opts))
        for lang, (question, opts) in texts.items()
        if lang in languages and lang != own and len(opts) == options
    }
