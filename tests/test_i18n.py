"""Catalog coverage, placeholders, negotiation, escaping, and the localized command menus."""

from __future__ import annotations

import re
from gettext import c2py
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from bidi import get_display

from bot.i18n import LOCALES_DIR, Catalogs, Html, available_languages, compile_catalog
from bot.roles import COMMANDS
from tests.harness import running_bot

# The six UN languages and the fourteen of the region the issue names.
REQUIRED = {"ar", "zh_Hans", "en", "fr", "ru", "es"} | {
    *("hi", "id", "ja", "ko", "km", "mn", "fil", "si", "ta", "th", "ur", "vi", "ms", "bn")
}
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")
TAG = re.compile(r"</?[a-z-]+(?: [^>]*)?>")


def singular(message_id: str | tuple[str, ...]) -> str:
    """A plural entry's id is (singular, plural): compare by the singular."""
    return message_id if isinstance(message_id, str) else message_id[0]


def template_ids() -> set[str]:
    with (LOCALES_DIR / "messages.pot").open("rb") as fp:
        return {singular(m.id) for m in read_po(fp) if m.id}


def catalogs() -> list[Path]:
    return sorted(LOCALES_DIR.glob("*/LC_MESSAGES/messages.po"))


def test_required_languages_are_shipped():
    assert available_languages() >= REQUIRED


def test_template_is_current():
    """Every marked string in the code is in messages.pot (run the extract command otherwise)."""
    from babel.messages.extract import extract_from_dir

    found = {
        message
        for _, _, message, _, _ in extract_from_dir(
            LOCALES_DIR.parent,
            method_map=[("bot/**.py", "python"), ("handlers/**.py", "python")],
            keywords={"_": None, "n_": (1, 2), "N_": None, "Nn_": (1, 2)},
        )
    }
    found = {singular(m) for m in found}
    missing = found - template_ids()
    assert not missing, f"re-run the extract command in the README: {sorted(missing)[:5]}"


def test_every_literal_message_is_in_the_template():
    """An independent scan: Babel's extractor skips a _() nested in another _()'s arguments."""
    template = template_ids()
    call = re.compile(r'(?:\b_|\bn_|\bN_|\bNn_)\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)')
    missing = []
    for folder in ("bot", "handlers"):
        for path in (LOCALES_DIR.parent / folder).rglob("*.py"):
            if "fake_telegram" in path.parts:
                continue
            for match in call.finditer(path.read_text(encoding="utf-8")):
                parts = re.findall(r'"((?:[^"\\]|\\.)*)"', match[1])
                text = "".join(parts).replace("\\n", "\n")  # the only escape our strings use
                if text not in template:
                    missing.append((path.name, text[:60]))
    assert not missing, missing


@pytest.mark.parametrize("path", catalogs(), ids=lambda p: p.parent.parent.name)
def test_catalog_is_complete_and_consistent(path):
    with path.open("rb") as fp:
        catalog = read_po(fp)
    ids = template_ids()
    translated = {singular(m.id): m for m in catalog if m.id}
    assert ids <= set(translated), f"missing: {sorted(ids - set(translated))[:5]}"
    for message in translated.values():
        source = singular(message.id)
        if source not in ids:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert not message.fuzzy, f"fuzzy: {source!r}"
        for text in strings:
            assert text, f"untranslated: {source!r}"
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), source
            assert sorted(TAG.findall(text)) == sorted(TAG.findall(source)), source
            if source.startswith("✅"):
                assert text.startswith("✅"), source
    assert catalog.mime_headers  # compiles:
    assert compile_catalog(path, path.parent.parent.name)


CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")


@pytest.mark.parametrize("path", catalogs(), ids=lambda p: p.parent.parent.name)
def test_plural_forms_follow_cldr(path):
    """The catalog's Plural-Forms picks, for every count, the form of CLDR's category for it."""
    lang = path.parent.parent.name
    with path.open("rb") as fp:
        catalog = read_po(fp, locale=lang)
    rule = Locale.parse(lang).plural_form
    categories = [tag for tag in CLDR_ORDER if tag in rule.tags or tag == "other"]
    assert catalog.num_plurals == len(categories), f"{lang}: one form per CLDR category"
    choose = c2py(catalog.plural_expr)
    for count in [*range(1001), 10**6]:
        assert categories[choose(count)] == rule(count), f"{lang}: {count}"


def test_a_missing_message_falls_back_to_the_forum_language_then_english(tmp_path):
    def catalog(lang: str, entries: dict[str, str]) -> None:
        target = tmp_path / lang / "LC_MESSAGES"
        target.mkdir(parents=True)
        for domain in ("messages", "content"):
            po = Catalog(locale=lang)
            for source, text in entries.items():
                po.add(source, text, context="tip-1" if domain == "content" else None)
            with (target / f"{domain}.po").open("wb") as fp:
                write_po(fp, po)

    catalog("fr", {"Energy": "Énergie"})
    catalog("th", {"Energy": "พลังงาน", "Labelling": "ฉลาก"})
    cats = Catalogs(tmp_path)
    member_fr_forum_th = cats.translator("fr", "th")
    assert member_fr_forum_th._("Energy") == "Énergie"  # the member's own language
    assert member_fr_forum_th._("Labelling") == "ฉลาก"  # missing in French: the forum's
    assert member_fr_forum_th._("Consumers") == "Consumers"  # in neither: English, never blank
    assert member_fr_forum_th.content("tip-1", "Labelling") == "ฉลาก"
    assert cats.translator("fr")._("Labelling") == "Labelling"
    assert cats.translator("xx", "th")._("Energy") == "พลังงาน"  # unknown language: the forum's


def test_arabic_and_urdu_read_right_to_left_with_latin_names_numbers_and_links_intact():
    """Laid out by the Unicode bidi algorithm (python-bidi), as a Telegram client does."""
    cats = Catalogs()
    forum = "Thailand SCP Forum (2026)"
    for lang in ("ar", "ur"):
        tr = cats.translator(lang)
        assert tr.rtl
        line = tr._("%(name)s is now a coordinator of %(forum)s.", name="Niran K.", forum=forum)
        shown = get_display(line)  # left-to-right screen order
        assert forum in shown and "Niran K." in shown, f"{lang}: an embedded name is scrambled"
        assert shown.lstrip("\u200f\u2068\u2069")[0] in ".۔", f"{lang}: the full stop ends the line"
        link = "https://t.me/scp_bot?start=abc123"
        text = tr._("Member invite link: %(link)s", link=link)
        assert link in get_display(text), f"{lang}: the link reads as typed"
        # A line that opens with Latin text is marked right-to-left; a button label keeps its ✅.
        for source in catalog_messages(lang):
            rendered = tr._(source) if "%(" not in source else None
            if rendered and source.startswith("✅"):
                assert rendered.startswith("✅"), source
        assert "\u200f" not in cats.translator("en")._("Energy")


def catalog_messages(lang: str) -> list[str]:
    with (LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return [m.id for m in read_po(fp) if isinstance(m.id, str) and m.id]


def test_negotiation_of_telegram_language_codes():
    cats = Catalogs()
    assert cats.negotiate("th") == "th"
    assert cats.negotiate("zh-hans") == "zh_Hans"
    assert cats.negotiate("zh-TW") == "zh_Hans"  # closest we have
    assert cats.negotiate("ru-RU") == "ru"
    assert cats.negotiate("pt-br") is None
    assert cats.negotiate("tl") == cats.negotiate("fil") == "fil"  # ISO 639-1 and CLDR codes
    assert cats.negotiate(None) is None


def test_placeholders_are_escaped_unless_marked_safe():
    tr = Catalogs().translator("en")
    assert (
        tr._("Hello, %(name)s! Your forums:", name="<b>Eve</b> & co")
        == "Hello, &lt;b&gt;Eve&lt;/b&gt; &amp; co! Your forums:"
    )
    assert (
        tr._("Hello, %(name)s! Your forums:", name=Html("<b>Eve</b>"))
        == "Hello, <b>Eve</b>! Your forums:"
    )


async def test_menus_are_published_for_every_language_and_role(tmp_path, fake):
    async with running_bot(tmp_path, fake=fake) as bot:
        calls = bot.fake.calls_to("setMyCommands")
        seen = {
            (c.params.get("scope", {}).get("type"), c.params.get("language_code", ""))
            for c in calls
        }
        langs = bot.services.catalogs.languages
        codes = {
            "" if lang == "en" else {"fil": "tl"}.get(lang, lang.split("_")[0]) for lang in langs
        }
        assert seen == {
            (scope, code) for scope in ("default", "all_chat_administrators") for code in codes
        }
        default_en = next(
            c
            for c in calls
            if c.params.get("scope", {}).get("type") == "default"
            and not c.params.get("language_code")
        )
        names = [c["command"] for c in default_en.params["commands"]]
        assert names[:2] == ["start", "help"] and "promote" not in names
        assert set(names) <= {c.name for c in COMMANDS}
        admins = next(
            c
            for c in calls
            if c.params.get("scope", {}).get("type") == "all_chat_administrators"
            and not c.params.get("language_code")
        )
        assert "promote" in [c["command"] for c in admins.params["commands"]]


async def test_escaped_user_text_is_accepted_by_telegram(tmp_path, fake):
    """A forum name full of HTML goes through every message as text, never as markup."""
    admin = fake.add_user("Ada <i>", username="ada")
    async with running_bot(tmp_path, admins=[admin.id], fake=fake) as bot:
        await bot.send(admin, "/newforum <b>Bold</b> & <script>x</script>\ntimezone: UTC")
        assert "<b>Bold</b> & <script>x</script>" in bot.last(admin)["text"]
        await bot.send(admin, "/help")
        await bot.send(admin, "/start")
        await bot.send(admin, "/settings")
        assert "<b>Bold</b> & <script>x</script>" in bot.last(admin)["text"]


def content_catalogs() -> list[Path]:
    return sorted(LOCALES_DIR.glob("*/LC_MESSAGES/content.po"))


def test_content_template_has_every_priority_catalog_entry():
    """content.pot is current: every catalog title, source and item (re-run `update` if not)."""
    from tools.catalog_tool import extract_content

    with (LOCALES_DIR / "content.pot").open("rb") as fp:
        template = {(m.context, m.id) for m in read_po(fp) if m.id}
    wanted = {(m.context, m.id) for m in extract_content() if m.id}
    assert wanted <= template, sorted(wanted - template)[:5]


@pytest.mark.parametrize("path", content_catalogs(), ids=lambda p: p.parent.parent.name)
def test_every_priority_catalog_entry_is_translated(path):
    """Catalog polls reach each member in their language: every title, source and item of every
    priority catalog has a translation in every language that has content (machine drafts)."""
    from bot.priorities import item_key, load_catalogs, source_key, title_key

    with path.open("rb") as fp:
        catalog = read_po(fp)
    missing = []
    for priorities in load_catalogs().values():
        entries = [(title_key(priorities), priorities.title)]
        entries.append((source_key(priorities), priorities.source))
        entries += [(item_key(item.id), item.text) for item in priorities.items]
        for context, source in entries:
            message = catalog.get(source, context=context)
            if message is None or not message.string or message.fuzzy:
                missing.append(context)
            else:
                assert "<" not in message.string and "\n" not in message.string, context
    assert not missing, f"{len(missing)} untranslated, e.g. {missing[:3]}"
