"""Gettext catalogs, language negotiation and locale-aware formatting (Babel).

Catalogs live in `locales/<lang>/LC_MESSAGES/<domain>.po`: `messages` for the UI, `content` for
the tips; bot/locales.py finds and compiles them (no build step for a fresh clone).

A message missing from the reader's catalog falls back to the forum's language, then to English:
never a blank message. In right-to-left languages (Arabic, Urdu) every line starts with a
right-to-left mark and every inserted value is a bidi isolate, so a Latin forum name, a number or
a trailing full stop cannot reorder the sentence around it.

Every placeholder value is HTML-escaped unless wrapped in `Html`: messages are sent with
parse_mode=HTML, and escaping by default means user text cannot slip through unescaped.
"""

from __future__ import annotations

import functools
import gettext
import html
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format, get_timezone_name
from babel.numbers import format_decimal

from bot.locales import (
    CONTENT_DOMAIN,
    DOMAIN,
    DOMAINS,
    LOCALES_DIR,
    SOURCE_LANGUAGE,
    available_languages,
    is_machine_draft,
    load_compiled,
)
from bot.locales import compile_catalog as compile_catalog  # where tests look for it

# Telegram speaks ISO 639-1 (two letters) where one exists; our catalog codes are CLDR's.
TELEGRAM_CODES = {"fil": "tl"}  # Filipino is "tl" (Tagalog) in ISO 639-1
RLM, FSI, PDI = "\u200f", "\u2068", "\u2069"  # right-to-left mark, first-strong isolate, pop


class Html(str):
    """A string that is already safe HTML (a link we built, a bold name we escaped ourselves)."""

    __slots__ = ()


def escape(text: object) -> str:
    """HTML-escape user text for a parse_mode=HTML message."""
    return html.escape(str(text), quote=False)


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, in the reader's language."""
    return message


class PluralMessage(str):
    """A sentence with a count, marked with `Nn_` and translated later by `Translator._`.

    `bot/` raises errors (FormError) with an untranslated message and its parameters; the
    handler translates them with `tr._(error.message, **error.params)`. A count in such a message
    still needs the reader's plural rules, so the message carries its singular and the name of
    the parameter that holds the count, and `_` hands it to `n_`. As a plain string it is the
    plural, the form an English reader of a log or a test sees for most counts.
    """

    singular: str
    count_param: str


def Nn_(singular: str, plural: str, count_param: str = "count") -> PluralMessage:
    """Mark a sentence with a count for extraction, to be translated later with `tr._`."""
    message = PluralMessage(plural)
    message.singular, message.count_param = singular, count_param
    return message


@dataclass(frozen=True)
class Translator:
    """One language's gettext functions and Babel formatting, bound to a reader."""

    lang: str
    locale: Locale
    _translations: gettext.NullTranslations
    _content: gettext.NullTranslations = field(default_factory=gettext.NullTranslations)

    @property
    def rtl(self) -> bool:
        return self.locale.character_order == "right-to-left"

    def _(self, message: str, /, **params: object) -> str:
        """Translate a whole sentence and fill its named placeholders (escaped)."""
        if isinstance(message, PluralMessage):
            count = params[message.count_param]
            assert isinstance(count, int), message
            return self.n_(message.singular, str(message), count, **params)
        translated = self._translations.gettext(message)
        return self._fill(translated, params, translated=translated != message)

    def n_(self, singular: str, plural: str, count: int, /, **params: object) -> str:
        """Translate a sentence with a count, using the language's CLDR plural rules."""
        params.setdefault("count", count)
        translated = self._translations.ngettext(singular, plural, count)
        return self._fill(translated, params, translated=translated not in (singular, plural))

    def content(self, context: str, text: str) -> str:
        """A piece of content (a tip's title or text) by its id, translated, HTML-escaped."""
        translated = self._content.pgettext(context, text)
        return self._directed(escape(translated)) if translated != text else escape(text)

    def content_own(self, context: str, text: str) -> str | None:
        """A piece of content in the reader's language as plain text (a button label, a poll
        option to store), or None when their language lacks it, so the caller can fall back to
        something better than English (a poll's own language). English readers get `text`."""
        if self.lang == SOURCE_LANGUAGE:
            return text
        translated = self._content.pgettext(context, text)
        return self._directed(translated) if translated != text else None

    def content_plain(self, context: str, text: str) -> str:
        """A piece of content as plain text, translated where the reader's language has it."""
        return self.content_own(context, text) or text

    def number(self, value: int | float) -> str:
        """A number in the reader's locale (digits and grouping)."""
        return _number(self.locale, value)

    def datetime(self, moment: datetime, timezone: str, *, with_zone: bool = True) -> str:
        """A moment in the given IANA zone, formatted for the reader."""
        return _moment(self.locale, moment, timezone, with_zone)

    def language_name(self, lang: str) -> str:
        """The name of `lang` in that language itself ("ไทย", "日本語")."""
        return language_autonym(lang)

    def _fill(self, template: str, params: dict[str, object], *, translated: bool) -> str:
        text = template % {k: self._render(v) for k, v in params.items()} if params else template
        # Direction marks belong to text in this language, not to an English or other fallback.
        return self._directed(text) if translated else text

    def _directed(self, text: str) -> str:
        if self.rtl:
            return "\n".join(RLM + line if _starts_ltr(line) else line for line in text.split("\n"))
        return text

    def _render(self, value: object) -> str:
        if isinstance(value, Html):
            return value  # our own markup or links: an isolate mark inside a URL would break it
        if isinstance(value, bool):
            text = escape(value)
        elif isinstance(value, int | float):
            return self.number(value)
        else:
            text = escape(value)
        return f"{FSI}{text}{PDI}" if self.rtl and text else text


# Babel formats in pure Python (~0.1 ms a moment): every ballot drawn shows its poll's deadline,
# twice a tap (bench/TAP_PROFILE.md). The same inputs always give the same text, so the last
# few hundred are kept. A Locale hashes by its identifier.


@functools.lru_cache(maxsize=1024, typed=True)  # 2 and 2.0 may differ
def _number(locale: Locale, value: int | float) -> str:
    return format_decimal(value, locale=locale)


@functools.lru_cache(maxsize=512)
def _moment(locale: Locale, moment: datetime, timezone: str, with_zone: bool) -> str:
    zone = ZoneInfo(timezone)
    # The locale's own way of joining a medium date and a short time ("Nov 30, 2026, 5:00 PM",
    # "2026年11月30日 17:00"): seconds mean nothing for a deadline or a meeting.
    local = moment.astimezone(zone)
    # Babel annotates a DateTimePattern, but CLDR's datetime formats are plain "{1}, {0}" strings.
    text = str(get_datetime_format("medium", locale=locale)).format(
        format_time(local, "short", locale=locale),
        format_date(local, "medium", locale=locale),
    )
    if not with_zone:
        return text
    return f"{text} ({get_timezone_name(zone, 'short', locale=locale)})"


_MARKUP = re.compile(r"<[^>]*>|&\w+;")


def _starts_ltr(line: str) -> bool:
    """Whether a client would lay out this line left to right: it takes a line's direction from
    its first strong character, which in an Arabic sentence can be a Latin name, "/help" or a
    tag's text. Such lines get a right-to-left mark in front; others are left as they are, so a
    button label still starts with its "✅"."""
    for char in _MARKUP.sub("", line):  # tags and entities are not shown: skip their letters
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return False
        if kind == "L":
            return True
    return False


def language_autonym(lang: str) -> str:
    """A language's own name, capitalised, e.g. 'Español', '中文 (简体)'."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


class Catalogs:
    """All translations we ship, loaded once at start-up."""

    def __init__(self, directory: Path = LOCALES_DIR, default_language: str = SOURCE_LANGUAGE):
        self.directory = directory
        self.default_language = default_language
        # Compiled bytes, not GNUTranslations objects: each fallback chain needs its own objects,
        # because gettext links a chain by mutating them (add_fallback).
        self._compiled: dict[tuple[str, str], bytes] = {
            (lang, domain): load_compiled(directory, lang, domain)
            for lang in available_languages(directory) - {SOURCE_LANGUAGE}
            for domain in DOMAINS
            if (directory / lang / "LC_MESSAGES" / f"{domain}.po").exists()
        }
        self._languages = sorted({lang for lang, _ in self._compiled} | {SOURCE_LANGUAGE})
        self.machine_drafted = frozenset(
            lang
            for (lang, domain), compiled in self._compiled.items()
            if domain == DOMAIN and is_machine_draft(compiled)
        )
        self._translators: dict[tuple[str, ...], Translator] = {}

    @property
    def languages(self) -> list[str]:
        """Language codes we have, source language first, then by code."""
        return [SOURCE_LANGUAGE, *(lang for lang in self._languages if lang != SOURCE_LANGUAGE)]

    def translator(self, lang: str | None, fallback: str | None = None) -> Translator:
        """The translator for `lang` (else the default language). A message missing from its
        catalog comes from `fallback`'s (the forum's language), then from English."""
        chain = tuple(
            dict.fromkeys(
                code for code in (lang, fallback, self.default_language) if code in self._languages
            )
        ) or (SOURCE_LANGUAGE,)
        if chain not in self._translators:
            self._translators[chain] = Translator(
                chain[0],
                Locale.parse(chain[0]),
                self._chain(chain, DOMAIN),
                self._chain(chain, CONTENT_DOMAIN),
            )
        return self._translators[chain]

    def _chain(self, chain: tuple[str, ...], domain: str) -> gettext.NullTranslations:
        first: gettext.NullTranslations | None = None
        for lang in chain:
            if lang == SOURCE_LANGUAGE:
                break  # the source text itself: NullTranslations' answer, the end of any chain
            compiled = self._compiled.get((lang, domain))
            if compiled is None:
                continue
            link = gettext.GNUTranslations(io.BytesIO(compiled))
            if first is None:
                first = link
            else:
                first.add_fallback(link)
        return first or gettext.NullTranslations()

    def negotiate(self, telegram_code: str | None) -> str | None:
        """Match Telegram's `language_code` (IETF, e.g. 'zh-hans', 'pt-br') to a language we have."""
        if not telegram_code:
            return None
        parts = telegram_code.replace("-", "_").split("_")
        language = parts[0].lower()
        language = next(
            (ours for ours, theirs in TELEGRAM_CODES.items() if theirs == language), language
        )
        candidates = [lang for lang in self.languages if lang.split("_")[0].lower() == language]
        if not candidates:
            return None
        wanted = {part.lower() for part in parts[1:]}
        if language == "zh" and wanted & {"tw", "hk", "mo"}:
            wanted.add("hant")
        for lang in candidates:
            if {part.lower() for part in lang.split("_")[1:]} <= wanted:
                return lang
        return candidates[0]
