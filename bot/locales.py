"""The gettext catalogs on disk: which languages we ship, and their compiled `.mo` bytes.

Catalogs live in `locales/<lang>/LC_MESSAGES/<domain>.po`: `messages` for the UI, `content` for
the tips. They are compiled to `.mo` at start-up when the `.mo` is missing or older than the `.po`
(in memory if the folder is read-only), so a fresh clone needs no build step. bot/i18n.py loads
them into translators; tools/catalog_tool.py writes them.
"""

from __future__ import annotations

import gettext
import io
import logging
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
SOURCE_LANGUAGE = "en"
DOMAIN = "messages"
CONTENT_DOMAIN = "content"
DOMAINS = (DOMAIN, CONTENT_DOMAIN)
MACHINE_DRAFT = (
    "machine draft (AI), needs native review"  # a catalog's Last-Translator until reviewed
)
log = logging.getLogger(__name__)


def available_languages(directory: Path = LOCALES_DIR) -> frozenset[str]:
    """Language codes that have a catalog, plus the source language."""
    found = {p.parent.parent.name for p in directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return frozenset(found | {SOURCE_LANGUAGE})


def load_compiled(directory: Path, lang: str, domain: str = DOMAIN) -> bytes:
    """A catalog's `.mo` bytes, compiling the `.po` first when the `.mo` is missing or stale."""
    po_path = directory / lang / "LC_MESSAGES" / f"{domain}.po"
    mo_path = po_path.with_suffix(".mo")
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        return mo_path.read_bytes()
    compiled = compile_catalog(po_path, lang)
    try:
        mo_path.write_bytes(compiled)
    except OSError as exc:  # a read-only install still works, compiling at each start
        log.info("could not cache %s (%s); using the in-memory catalog", mo_path, exc)
    return compiled


def is_machine_draft(compiled: bytes) -> bool:
    """The catalog's `Last-Translator` header says a machine drafted it (see catalog_tool)."""
    headers = gettext.GNUTranslations(io.BytesIO(compiled)).info()
    return headers.get("last-translator", "") == MACHINE_DRAFT


def compile_catalog(po_path: Path, lang: str) -> bytes:
    """Compile one `.po` file to `.mo` bytes; fuzzy entries are left out, as gettext does."""
    with po_path.open("rb") as fp:
        catalog = read_po(fp, locale=lang)
    # Babel compiles an untranslated plural entry as the English text; leave it out instead, so
    # the message falls back to the forum's language like any other missing one.
    for message in list(catalog):
        forms = message.string  # a tuple of forms for a plural entry (read_po), else a str
        if message.pluralizable and isinstance(forms, tuple | list) and not all(forms):
            catalog.delete(message.id, context=message.context)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()
