"""Keep the gettext catalogs in step with the code and the content: `python -m tools.catalog_tool`.

Two domains, one workflow for translators:

- `messages`: every UI string marked with `_`, `n_`, `N_` or `Nn_` in `bot/`, `handlers/`, `app/`
  and `tools/`;
- `content`: every tip in `content/tips.toml` (title and text, with the tip id as msgctxt), so a
  tip is translated in the same PO editor as the UI.

The `content` domain also holds every priority catalog in `content/priorities.toml` (title as
`catalog:<id>`, human source as `source:<id>`, each item as `item:<id>`).

`import-content FILE…` fills the `content` catalogs from translations kept as JSON, one file per
language named `<anything>_<lang>.json` (e.g. `done_th.json`): an object of msgctxt → translation,
such as `{"item:t2-01": "…"}`. Only entries of the current template are filled (a key it lacks is
reported and skipped); an existing translation is replaced. Run `update --domain content` first
so the template is current: `python -m tools.catalog_tool import-content /work/notes/cat/done_*.json`.

`update` re-extracts both templates, merges them into every language's catalogs (creating missing
ones), and writes each catalog's header from two rules kept here rather than in Babel:

- **Plural-Forms from CLDR.** Babel's `pybabel init` takes the formula from an old gettext table
  (e.g. Hindi "n != 1", Indonesian two forms); the issue asks for CLDR's rules, which
  `babel.plural.to_gettext` converts. Counts in this bot are whole numbers, so CLDR's operands for
  fractions and exponents are fixed to 0.
- **Translation status** lives in `Last-Translator`: Babel rewrites the header on every update and
  drops fields it does not know (such as `X-Translation-Status`), but keeps this one.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po
from babel.plural import to_gettext

from bot.locales import (
    CONTENT_DOMAIN,
    DOMAIN,
    DOMAINS,
    LOCALES_DIR,
    MACHINE_DRAFT,
    SOURCE_LANGUAGE,
    available_languages,
)
from bot.priorities import DEFAULT_PATH as PRIORITIES_PATH
from bot.priorities import item_key, load_catalogs, source_key, title_key
from bot.tips import DEFAULT_PATH as TIPS_PATH
from bot.tips import load_tips

ROOT = LOCALES_DIR.parent
PROJECT = "SCP Forum Bot"
HOLDER = "SCP Forum Bot contributors"
KEYWORDS = {"_": None, "n_": (1, 2), "N_": None, "Nn_": (1, 2)}
SOURCES = [(f"{floor}/**.py", "python") for floor in ("bot", "handlers", "app", "tools")]


def cldr_plural_forms(lang: str) -> str:
    """The `Plural-Forms` header for `lang`, from CLDR, for whole-number counts."""
    forms = to_gettext(Locale.parse(lang).plural_form)
    # CLDR operands other than n and i (v, w, f, t, e) are 0 for whole numbers; to_gettext already
    # writes v/w/f/t as 0, but leaves the exponent `e` as a name gettext cannot evaluate.
    return re.sub(r"\be\b", "0", forms)


def extract_messages() -> Catalog:
    """The `messages` template: every marked UI string in the code."""
    template = _template()
    for path, lineno, message, comments, context in extract_from_dir(
        ROOT, method_map=SOURCES, keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        template.add(message, None, [(path, lineno)], auto_comments=comments, context=context)
    return template


def extract_content() -> Catalog:
    """The `content` template: each library tip's title and text, in context of its id."""
    template = _template()
    for tip in load_tips(TIPS_PATH):
        note = f"Tip {tip.id} ({tip.topic}); source: {tip.ref}"
        template.add(
            tip.title, context=tip.id, auto_comments=[note + " — title: keep it to one short line"]
        )
        template.add(tip.text, context=tip.id, auto_comments=[note])
    for catalog in load_catalogs(PRIORITIES_PATH).values():
        note = f"Priority catalog {catalog.id}; source: {catalog.ref}"
        template.add(
            catalog.title,
            context=title_key(catalog),
            auto_comments=[note + " — title: at most 60 characters"],
        )
        template.add(
            catalog.source,
            context=source_key(catalog),
            auto_comments=[note + " — where the catalog comes from, as members read it"],
        )
        for item in catalog.items:
            template.add(
                item.text,
                context=item_key(item.id),
                auto_comments=[
                    f"Poll option {item.id} of catalog {catalog.id}; source: {item.ref} — "
                    "short, read and ranked on a phone (at most about 100 characters)"
                ],
            )
    return template


def import_content(files: list[Path]) -> dict[str, list[str]]:
    """Fill each language's `content.po` from JSON translations keyed by msgctxt; returns, per
    language, the keys that matched nothing in its catalog (reported, not imported)."""
    skipped: dict[str, list[str]] = {}
    for file in files:
        lang = file.stem.rsplit("_", 1)[-1] if "_" in file.stem else file.stem
        if lang == "Hans":  # done_zh_Hans.json
            lang = "zh_Hans"
        path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{CONTENT_DOMAIN}.po"
        if not path.exists():
            raise SystemExit(f"{file}: no catalog {path.relative_to(ROOT)} for {lang!r}")
        translations = json.loads(file.read_text(encoding="utf-8"))
        catalog = _read(path, lang)
        by_context = {m.context: m for m in catalog if m.id and m.context}
        skipped[lang] = []
        for key, text in translations.items():
            message = by_context.get(key)
            if message is None or not isinstance(text, str) or not text.strip():
                skipped[lang].append(key)
                continue
            message.string = " ".join(text.split())  # one line, as the source
            message.flags.discard("fuzzy")
        _write(path, catalog, sort_output=False)
    return skipped


def update(languages: list[str] | None = None, domains: tuple[str, ...] = DOMAINS) -> list[Path]:
    """Re-extract the templates and merge them into every catalog; returns the files written."""
    written = []
    extractors = {DOMAIN: extract_messages, CONTENT_DOMAIN: extract_content}
    for domain in domains:
        template = extractors[domain]()
        # Content stays in file order, so a tip's title and text sit together for the translator.
        _write(LOCALES_DIR / f"{domain}.pot", template, sort_output=domain == DOMAIN)
        written.append(LOCALES_DIR / f"{domain}.pot")
        for lang in languages or sorted(available_languages() - {SOURCE_LANGUAGE}):
            path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
            catalog = _read(path, lang) if path.exists() else _new_catalog(lang)
            catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
            catalog.obsolete.clear()
            _set_plural_forms(catalog, lang)
            _write(path, catalog, sort_output=domain == DOMAIN)
            written.append(path)
    return written


def _template() -> Catalog:
    return Catalog(
        project=PROJECT,
        version="0.1",
        copyright_holder=HOLDER,
        creation_date=datetime(2026, 11, 23, tzinfo=UTC),  # fixed: no churn in the .pot diff
        fuzzy=False,
    )


def _new_catalog(lang: str) -> Catalog:
    catalog = Catalog(locale=lang, project=PROJECT, version="0.1", copyright_holder=HOLDER)
    catalog.last_translator = MACHINE_DRAFT
    catalog.language_team = f"{lang} <LL@li.org>"
    catalog.fuzzy = False
    return catalog


def _set_plural_forms(catalog: Catalog, lang: str) -> None:
    match = re.fullmatch(r"nplurals=(\d+); plural=(.*);", cldr_plural_forms(lang))
    assert match, lang
    count, expression = int(match[1]), match[2]
    # Babel reads these two private fields back from the header and writes them out again; there
    # is no public setter. A changed count pads or trims existing plural translations. (Babel's
    # __init__ declares both as None, hence the ignore.)
    catalog._num_plurals, catalog._plural_expr = count, expression  # type: ignore[assignment]
    for message in catalog:
        if message.id and isinstance(message.id, tuple | list) and message.string:
            forms = list(message.string)
            message.string = tuple((forms + [forms[-1]] * count)[:count])


def _read(path: Path, lang: str) -> Catalog:
    with path.open("rb") as fp:
        return read_po(fp, locale=lang)


def _write(path: Path, catalog: Catalog, *, sort_output: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fp:
        write_po(fp, catalog, no_location=True, sort_output=sort_output, width=100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.catalog_tool", description=__doc__)
    parser.add_argument("command", choices=["update", "import-content"])
    parser.add_argument(
        "languages",
        nargs="*",
        help="update: new language codes to add (e.g. km); import-content: the JSON files",
    )
    parser.add_argument("--domain", choices=DOMAINS, help="only this domain (default: both)")
    args = parser.parse_args(argv)
    if args.command == "import-content":
        for lang, keys in import_content([Path(f) for f in args.languages]).items():
            print(f"{lang}: imported" + (f"; skipped {', '.join(keys)}" if keys else ""))
        return 0
    languages = (available_languages() | set(args.languages)) - {SOURCE_LANGUAGE}
    domains = (args.domain,) if args.domain else DOMAINS
    for path in update(sorted(languages), domains):
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
