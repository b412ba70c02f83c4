"""The forums' own tips as coordinators write them: the one-message form and its rules.

`/tip add <topic>` then one line per language (handlers/tips/forum_tips.py), or the step-by-step
dialog (handlers/tips/dialog.py), whose `TipDraft` builds the same form: both are read by
`parse_forum_tip`.
Plain rules, no Telegram, no database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError

from bot.forums import FormError
from bot.i18n import N_, Nn_
from bot.tips import TOPICS
from bot.topics import match_topics

MAX_FORUM_TIP = 600  # one phone screen, like the library's tips


FORUM_TIP_FORM = Nn_(
    "To add a tip of your forum, send it as one message:\n"
    "<code>/tip add energy\n"
    "en: Our ministry's guide to efficient offices is on the forum's shared drive.\n"
    "th: …</code>\n"
    "First line: the topic, one of %(topics)s. Then the tip, at most %(max)s character, one line "
    "per language, each starting with its code; a line without a code is in your language.",
    "To add a tip of your forum, send it as one message:\n"
    "<code>/tip add energy\n"
    "en: Our ministry's guide to efficient offices is on the forum's shared drive.\n"
    "th: …</code>\n"
    "First line: the topic, one of %(topics)s. Then the tip, at most %(max)s characters, one line "
    "per language, each starting with its code; a line without a code is in your language.",
    "max",
)


def parse_forum_tip(
    text: str,
    *,
    default_lang: str,
    languages: list[str],
    translate: Callable[[str], str] | None = None,
) -> tuple[str, dict[str, str]]:
    """(topic, {language: text}) from the lines after `/tip add`; FormError says why not.

    The error's message is an untranslated source string for `tr._` (with %(max)s, %(topics)s).
    A line that starts with something shaped like a language code we do not have ("de:",
    "pt-BR:") is refused with the codes we have, rather than kept as text in the writer's
    language with the code in front of it. With `translate` (the writer's `tr._`), the topic may
    also be its name in the writer's language, as with `/tip <topic>`.
    """
    first, _, rest = text.strip().partition("\n")
    topic = first.strip().lower()
    if translate is not None and topic not in TOPICS:
        matches = match_topics(first, translate)
        topic = matches[0] if len(matches) == 1 else topic
    texts: dict[str, str] = {}
    for line in rest.splitlines():
        code, sep, body = line.partition(":")
        lang = language_of(code.strip(), languages) if sep else None
        if lang is None:
            lang, body = default_lang, line
        elif lang not in languages:
            raise FormError(UNKNOWN_TIP_LANGUAGE, code=lang, codes=", ".join(sorted(languages)))
        body = body.strip()
        if body:
            texts[lang] = f"{texts[lang]} {body}" if lang in texts else body
    if topic not in TOPICS or not texts:
        raise FormError(FORUM_TIP_FORM)
    if any(len(body) > MAX_FORUM_TIP for body in texts.values()):
        raise FormError(
            Nn_(
                "That tip is too long: at most %(max)s character per language, please.",
                "That tip is too long: at most %(max)s characters per language, please.",
                "max",
            )
        )
    return topic, texts


UNKNOWN_TIP_LANGUAGE = N_(
    "I don't have the language “%(code)s”. Start each line with one of these codes: %(codes)s; "
    "a line without a code is in your language."
)
# Shaped like a language code: "de", "fil", "pt-BR", "zh_Hans" (not "Note" or "Tip").
LANGUAGE_CODE = re.compile(r"[A-Za-z]{2}|[A-Za-z]{2,3}[-_][A-Za-z0-9]{2,4}")


def language_of(code: str, languages: list[str]) -> str | None:
    """One of `languages` ("zh" finds "zh_Hans", "en-US" finds "en"), `code` itself if it looks
    like a language code we do not have, or None if it is not a code at all (text with a colon)."""
    wanted = code.lower().replace("-", "_")
    base, _, suffix = wanted.partition("_")
    # "en-US" is English, but "zh-Hant" (a script, four letters) is not "zh_Hans".
    for candidate in (wanted,) if len(suffix) == 4 else (wanted, base):
        exact = [lang for lang in languages if lang.lower() == candidate]
        by_base = [lang for lang in languages if lang.lower().split("_")[0] == candidate]
        if exact or len(by_base) == 1:
            return (exact or by_base)[0]
    if LANGUAGE_CODE.fullmatch(code) or (len(code) == 3 and code.isalpha() and _in_cldr(code)):
        return code
    return None


def _in_cldr(code: str) -> bool:
    """Whether CLDR knows `code` as a language ("fil", "yue"; not "tip" or "fyi")."""
    try:
        Locale.parse(code.lower())
    except (UnknownLocaleError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class TipDraft:
    """The /tip add dialog's answers so far (handlers/tips/dialog.py); stored as a pending step
    with the JSON keys it always had (step, forum, texts, lang, topic)."""

    step: str  # "lang", "topic", "text" or "preview": what the next answer is
    forum: int  # the forum the tip is for (the coordinator's current forum when it began)
    texts: dict[str, str]  # language → text, in the order written
    lang: str | None = None  # the language of the text being written
    topic: str | None = None

    def form(self) -> str:
        """The one-message form these answers make: the topic, then each text's lines under its
        language code (so a line of the text that starts with "xx:" stays text)."""
        lines = [self.topic or ""]
        for lang, text in self.texts.items():
            lines += [f"{lang}: {line}" for line in text.splitlines()]
        return "\n".join(lines)
