"""Catalog coverage, placeholders, negotiation, escaping, and the localized command menus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, Catalogs, Html, available_languages, compile_catalog
from bot.roles import COMMANDS
from tests.harness import running_bot

REQUIRED = {"en", "zh_Hans", "ko", "ja", "th", "id", "vi", "ru"}
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
            keywords={"_": None, "n_": (1, 2), "N_": None},
        )
    }
    found = {singular(m) for m in found}
    missing = found - template_ids()
    assert not missing, f"re-run the extract command in the README: {sorted(missing)[:5]}"


def test_every_literal_message_is_in_the_template():
    """An independent scan: Babel's extractor skips a _() nested in another _()'s arguments."""
    template = template_ids()
    call = re.compile(r'(?:\b_|\bn_|\bN_)\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)')
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


def test_negotiation_of_telegram_language_codes():
    cats = Catalogs()
    assert cats.negotiate("th") == "th"
    assert cats.negotiate("zh-hans") == "zh_Hans"
    assert cats.negotiate("zh-TW") == "zh_Hans"  # closest we have
    assert cats.negotiate("ru-RU") == "ru"
    assert cats.negotiate("pt-br") is None
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
        codes = {"" if lang == "en" else lang.split("_")[0] for lang in langs}
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
        ready = {c.name for c in COMMANDS if c.ready}
        assert set(names) <= ready
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
