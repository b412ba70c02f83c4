"""The tip library: structure, length, a traceable source for every tip, and every language has it."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR
from bot.tips import AUDIENCES, MAX_LENGTH, MAX_TITLE, TOPICS, load_tips
from tests.seeds import MIN_COPIED_RUN, SEEDS, needs_seeds, runs, split_ref

TIPS = load_tips()
LANGUAGES = sorted(p.parent.parent.name for p in LOCALES_DIR.glob("*/LC_MESSAGES/messages.po"))


def test_the_library_has_at_least_sixty_tips_across_every_topic():
    assert len(TIPS) >= 60
    per_topic = Counter(tip.topic for tip in TIPS)
    assert set(per_topic) == set(TOPICS), "every topic has tips"
    assert min(per_topic.values()) >= 3, per_topic


def test_every_tip_is_well_formed_and_fits_a_phone_screen():
    for tip in TIPS:
        assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", tip.id), tip.id
        assert tip.topic in TOPICS and set(tip.audience) <= set(AUDIENCES), tip.id
        assert len(tip.title) <= MAX_TITLE and len(tip.title) + len(tip.text) <= MAX_LENGTH, tip.id
        assert "<" not in tip.text + tip.title, f"{tip.id}: plain text only (it is escaped)"
    assert len({tip.title for tip in TIPS}) == len(TIPS), "titles are unique"


def seed_passage(file_name: str, locator: str) -> str:
    """The text of the paragraph, table, role or section a ref points at."""
    seed = (SEEDS / file_name).read_text(encoding="utf-8")
    if m := re.fullmatch(r"(?:para|role) (\d+)", locator):
        n = int(m[1])
        # The Seoul report and the NCPC roles number paragraphs "N. text"; NEASPEC puts "N." alone
        # on a line. A paragraph ends where the next number starts.
        start = re.search(rf"^{n}\.(?: |$)", seed, re.M)
        assert start, f"{file_name}: no paragraph {n}"
        end = re.compile(rf"^{n + 1}\.(?: |$)", re.M).search(seed, start.end())
        return seed[start.start() : end.start() if end else len(seed)]
    if m := re.fullmatch(r"Table (\d+)", locator):
        start = re.search(rf"^Table {m[1]}\b", seed, re.M)
        assert start, f"{file_name}: no Table {m[1]}"
        end = re.compile(rf"^Table {int(m[1]) + 1}\b", re.M).search(seed, start.end())
        return seed[start.start() : end.start() if end else len(seed)]
    if m := re.fullmatch(r"section ([IVX]+)", locator):
        start = re.search(rf"^{m[1]}\. ", seed, re.M)
        assert start, f"{file_name}: no section {m[1]}"
        end = re.compile(r"^(?:[IVX]+\. |ANNEX)", re.M).search(seed, start.end())
        return seed[start.start() : end.start() if end else len(seed)]
    if locator == "Introduction":  # the course introduction: one section, no numbering
        assert seed.startswith("INTRODUCTION"), file_name
        return seed
    if m := re.fullmatch(r"objective (\d+)", locator):  # "The course has three … objectives:"
        start = seed.index("specific objectives:")
        return seed[start:]
    raise AssertionError(f"unknown locator {locator!r}: use para N, role N, Table N or section N")


def squeeze(text: str) -> str:
    return " ".join(text.split()).casefold()


@needs_seeds
@pytest.mark.parametrize("tip", TIPS, ids=lambda tip: tip.id)
def test_the_tip_is_traceable_to_the_place_it_cites(tip):
    file_name, locator = split_ref(tip.ref)
    assert (SEEDS / file_name).is_file() and file_name.endswith(".txt"), tip.ref
    passage = seed_passage(file_name, locator)
    assert squeeze(tip.evidence) in squeeze(passage), f"{tip.id}: evidence not at {tip.ref}"


@needs_seeds
def test_no_tip_copies_a_sentence_from_the_seeds():
    seed_runs = set().union(
        *(runs(path.read_text(encoding="utf-8")) for path in SEEDS.glob("*.txt"))
    )
    copied = [tip.id for tip in TIPS if runs(f"{tip.title} {tip.text}") & seed_runs]
    assert not copied, f"tips sharing {MIN_COPIED_RUN}+ consecutive words with a seed: {copied}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_every_tip(lang):
    path: Path = LOCALES_DIR / lang / "LC_MESSAGES" / "content.po"
    with path.open("rb") as fp:
        catalog = read_po(fp)
    for tip in TIPS:
        for source in (tip.title, tip.text):
            message = catalog.get(source, context=tip.id)
            assert message is not None and message.string, f"{lang}: {tip.id} not translated"
            assert not message.fuzzy, f"{lang}: {tip.id} is fuzzy"
            assert "<" not in message.string, f"{lang}: {tip.id}: no markup in tips"
        title = catalog.get(tip.title, context=tip.id)
        assert len(title.string) <= MAX_TITLE * 2, f"{lang}: {tip.id}: title too long for a phone"
