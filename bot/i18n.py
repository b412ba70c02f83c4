"""Gettext catalogs, language negotiation and locale-aware formatting (Babel).

Catalogs live in `locales/<lang>/LC_MESSAGES/messages.po`. They are compiled to `.mo` at start-up
when the `.mo` is missing or older than the `.po` (in memory if the folder is read-only), so a fresh
clone needs no build step.

Every placeholder value is HTML-escaped unless wrapped in `Html`: messages are sent with
parse_mode=HTML, and escaping by default means user text cannot slip through unescaped.
"""

from __future__ import annotations

import gettext
import html
import io
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format, get_timezone_name
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
SOURCE_LANGUAGE = "en"
DOMAIN = "messages"
log = logging.getLogger(__name__)


class Html(str):
    """A string that is already safe HTML (a link we built, a bold name we escaped ourselves)."""

    __slots__ = ()


def escape(text: object) -> str:
    """HTML-escape user text for a parse_mode=HTML message."""
    return html.escape(str(text), quote=False)


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, in the reader's language."""
    return message


@dataclass(frozen=True)
class Translator:
    """One language's gettext functions and Babel formatting, bound to a reader."""

    lang: str
    locale: Locale
    _translations: gettext.NullTranslations

    def _(self, message: str, /, **params: object) -> str:
        """Translate a whole sentence and fill its named placeholders (escaped)."""
        return self._fill(self._translations.gettext(message), params)

    def n_(self, singular: str, plural: str, count: int, /, **params: object) -> str:
        """Translate a sentence with a count, using the language's CLDR plural rules."""
        params.setdefault("count", count)
        return self._fill(self._translations.ngettext(singular, plural, count), params)

    def number(self, value: int | float) -> str:
        """A number in the reader's locale (digits and grouping)."""
        return format_decimal(value, locale=self.locale)

    def datetime(self, moment: datetime, timezone: str, *, with_zone: bool = True) -> str:
        """A moment in the given IANA zone, formatted for the reader."""
        zone = ZoneInfo(timezone)
        # The locale's own way of joining a medium date and a short time ("Nov 30, 2026, 5:00 PM",
        # "2026年11月30日 17:00"): seconds mean nothing for a deadline or a meeting.
        local = moment.astimezone(zone)
        text = get_datetime_format("medium", locale=self.locale).format(
            format_time(local, "short", locale=self.locale),
            format_date(local, "medium", locale=self.locale),
        )
        if not with_zone:
            return text
        return f"{text} ({get_timezone_name(zone, 'short', locale=self.locale)})"

    def language_name(self, lang: str) -> str:
        """The name of `lang` in that language itself ("ไทย", "日本語")."""
        return language_autonym(lang)

    def _fill(self, template: str, params: dict[str, object]) -> str:
        if not params:
            return template
        safe = {key: self._render(value) for key, value in params.items()}
        return template % safe

    def _render(self, value: object) -> str:
        if isinstance(value, Html):
            return value
        if isinstance(value, bool):
            return escape(value)
        if isinstance(value, int | float):
            return self.number(value)
        return escape(value)


def language_autonym(lang: str) -> str:
    """A language's own name, capitalised, e.g. 'Español', '中文 (简体)'."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


class Catalogs:
    """All translations we ship, loaded once at start-up."""

    def __init__(self, directory: Path = LOCALES_DIR, default_language: str = SOURCE_LANGUAGE):
        self.directory = directory
        self.default_language = default_language
        self._translators: dict[str, Translator] = {
            SOURCE_LANGUAGE: Translator(
                SOURCE_LANGUAGE, Locale.parse(SOURCE_LANGUAGE), gettext.NullTranslations()
            )
        }
        for lang in available_languages(directory):
            if lang != SOURCE_LANGUAGE:
                self._translators[lang] = Translator(
                    lang, Locale.parse(lang), load_translations(directory, lang)
                )

    @property
    def languages(self) -> list[str]:
        """Language codes we have, source language first, then by code."""
        return [SOURCE_LANGUAGE, *sorted(lang for lang in self._translators if lang != "en")]

    def translator(self, lang: str | None) -> Translator:
        """The translator for `lang`, or for the default language."""
        return self._translators.get(lang or "", self._translators[self.default_language])

    def negotiate(self, telegram_code: str | None) -> str | None:
        """Match Telegram's `language_code` (IETF, e.g. 'zh-hans', 'pt-br') to a language we have."""
        if not telegram_code:
            return None
        parts = telegram_code.replace("-", "_").split("_")
        language = parts[0].lower()
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


def available_languages(directory: Path = LOCALES_DIR) -> frozenset[str]:
    """Language codes that have a catalog, plus the source language."""
    found = {p.parent.parent.name for p in directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return frozenset(found | {SOURCE_LANGUAGE})


def load_translations(directory: Path, lang: str) -> gettext.GNUTranslations:
    """Load a language's catalog, compiling `.po` → `.mo` first when the `.mo` is stale."""
    po_path = directory / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo_path = po_path.with_suffix(".mo")
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        with mo_path.open("rb") as fp:
            return gettext.GNUTranslations(fp)
    compiled = compile_catalog(po_path, lang)
    try:
        mo_path.write_bytes(compiled)
    except OSError as exc:  # a read-only install still works, compiling at each start
        log.info("could not cache %s (%s); using the in-memory catalog", mo_path, exc)
    return gettext.GNUTranslations(io.BytesIO(compiled))


def compile_catalog(po_path: Path, lang: str) -> bytes:
    """Compile one `.po` file to `.mo` bytes; fuzzy entries are left out, as gettext does."""
    with po_path.open("rb") as fp:
        catalog = read_po(fp, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()
