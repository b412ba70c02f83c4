"""Results charts in every language the bot speaks: real labels, every glyph drawn.

Each chart carries the reader's title, axis and stakeholder group names (from messages.po) and
option names in that language's script (tip titles from content.po). matplotlib warns "Glyph …
missing from font(s)" when no font of the list has a character; here that warning fails the
test, and so does a label that fell back to its number or to a stored key like `government`.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
import warnings
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from matplotlib.figure import Figure

from bot.forums import STAKEHOLDER_GROUPS
from bot.i18n import Catalogs, Translator
from bot.poll_chart import chart_png
from bot.poll_report import OTHERS, CountedBallot, count, visible
from handlers.polls.report import OTHER_GROUPS
from handlers.render import group_name
from tests.figures import figures_saved
from tests.harness import close_poll, join, new_forum, new_poll, running_bot
from tests.test_results_readable import vote

LOCALES = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ["en", *sorted(p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES").is_dir())]
# The scripts the issue names, each in at least one of the languages.
NON_LATIN = {"ar", "bn", "hi", "ja", "km", "ko", "mn", "ru", "si", "ta", "th", "ur", "zh_Hans"}


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs()


def tip_titles(lang: str, n: int) -> list[str]:
    """`n` tip titles as `lang`'s content catalog has them (the English source for "en")."""
    path = LOCALES / ("content.pot" if lang == "en" else f"{lang}/LC_MESSAGES/content.po")
    with path.open("rb") as file:
        catalog = read_po(file)
    titles = [
        (m.id if lang == "en" else m.string)
        for m in catalog
        if m.id and any("title" in comment for comment in m.auto_comments)
    ]
    titles = [t for t in titles if t]
    assert len(titles) >= n, f"{lang}: too few translated tip titles"
    return titles[:n]


def drawn_chart(
    monkeypatch: pytest.MonkeyPatch, tr: Translator, options: list[str]
) -> tuple[Figure, dict[str, str], str, str]:
    """The chart of a three-option poll with a breakdown (two groups and the others), as the
    results handler draws it for a reader of `tr`, rendered with warnings as errors."""
    drawn = figures_saved(monkeypatch)
    groups = ["government"] * 3 + ["civil_society"] * 3 + ["academia", "industry", "other"]
    rankings = [[0, 1, 2], [1, 0, 2], [2, 1, 0]]
    ballots = [CountedBallot(i, group, rankings[i % 3]) for i, group in enumerate(groups, start=1)]
    shown = visible(ballots, list(STAKEHOLDER_GROUPS), 3)
    result = count(len(options), shown, list(STAKEHOLDER_GROUPS))
    labels = {key: group_name(tr, key) for key in STAKEHOLDER_GROUPS}
    labels[OTHERS] = tr._(OTHER_GROUPS)
    heading = tr._("Poll %(number)s", number=7)
    axis = tr._("Borda points")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s) …" fails the test
        png = chart_png(options, result, labels, axis, heading, options[0], tr.lang)
    assert png.startswith(b"\x89PNG")
    (figure,) = drawn
    return figure, labels, heading, axis


def squeezed(text: str) -> str:
    """`text` without spaces, line breaks or the shortening mark: wrapping may move those."""
    return re.sub(r"\s|…", "", text)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_chart_in_every_language_has_real_labels_and_no_missing_glyph(
    lang: str, catalogs: Catalogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bars are named in the reader's script (never "1." alone), the legend names the
    groups in the reader's language (never `government`), the title and axis are translated,
    and no glyph is missing."""
    tr = catalogs.translator(lang)
    options = tip_titles(lang, 3)
    figure, labels, heading, axis = drawn_chart(monkeypatch, tr, options)
    (axes,) = figure.axes

    ticks = [t.get_text() for t in axes.get_yticklabels()]
    assert len(ticks) == 3
    for tick in ticks:
        number, _, name = tick.partition(". ")
        assert number.isdigit() and name, f"{lang}: bar label fell back to a number: {tick!r}"
        assert squeezed(options[int(number) - 1]).startswith(squeezed(name))
    legend = [t.get_text() for t in axes.get_legend().get_texts()]
    assert legend == [labels["government"], labels["civil_society"], labels[OTHERS]]
    assert not set(legend) & {*STAKEHOLDER_GROUPS, OTHERS}
    assert figure.get_suptitle().startswith(heading)
    assert axes.get_xlabel() == axis
    if lang in NON_LATIN:  # the words are translated, in the language's own script
        for text in (labels["government"], heading):  # "Borda" is a name, kept in Latin
            assert not re.search(r"[A-Za-z]", text), f"{lang}: not translated: {text!r}"


def test_arabic_letters_are_joined(catalogs: Catalogs) -> None:
    """matplotlib shapes text (libraqm): the same Arabic letter takes its initial, medial and
    final forms in one word, as a reader expects, not three isolated letters."""
    from matplotlib import font_manager
    from matplotlib.textpath import TextToPath

    from bot import chart_fonts

    chart_fonts.register()
    props = font_manager.FontProperties(family=list(chart_fonts.FAMILIES))
    font = font_manager.get_font(font_manager.fontManager._find_fonts_by_props(props))
    glyphs = TextToPath().get_glyphs_with_font
    alone = {name for name, *_ in glyphs(font, "ب", language="ar")[0]}
    word = [name for name, *_ in glyphs(font, "ببب", language="ar")[0]]
    assert len(set(word) - alone) >= 3, word  # three forms, none of them the isolated one


def test_one_cjk_face_draws_each_readers_own_forms() -> None:
    """The chart's single Noto Sans CJK face draws 直 (and other shared characters) in Chinese
    forms for a Chinese reader and in Japanese forms for a Japanese one: the shaper takes the
    chart's language, so no region's reader sees another region's glyphs."""
    from matplotlib import font_manager
    from matplotlib.textpath import TextToPath

    from bot import chart_fonts

    chart_fonts.register()
    props = font_manager.FontProperties(family=list(chart_fonts.FAMILIES))
    font = font_manager.get_font(font_manager.fontManager._find_fonts_by_props(props))
    glyphs = TextToPath().get_glyphs_with_font
    chinese = [name for name, *_ in glyphs(font, "直", language="zh-Hans")[0]]
    japanese = [name for name, *_ in glyphs(font, "直", language="ja")[0]]
    assert chinese != japanese


def test_a_script_no_font_has_falls_back_to_the_number(
    catalogs: Catalogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documented last resort: an option in a script the chart fonts lack (traditional
    Mongolian here) is drawn as its number alone, which the message beside the chart names,
    never as boxes."""
    tr = catalogs.translator("mn")
    options = ["ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ", *tip_titles("mn", 2)]
    figure, *_ = drawn_chart(monkeypatch, tr, options)
    (axes,) = figure.axes
    assert "1." in [t.get_text() for t in axes.get_yticklabels()]


@pytest.mark.parametrize(
    "text",
    [
        "1. ไทย: ฉลากทำให้ผู้ซื้อหันมาใช้เครื่องใช้ไฟฟ้าประหยัดพลังงานและเครื่องปรับอากาศ",
        "2. បញ្ចូលប្រសិទ្ធភាពថាមពលទៅក្នុងកម្មវិធីតាមវិស័យបញ្ចូលប្រសិទ្ធភាព",
        "3. ऊर्जा दक्षता को क्षेत्रीय कार्यक्रमों में शामिल करें क्षेत्रक्षेत्रक्षेत्र",
    ],
)
def test_a_label_never_breaks_a_letter_from_its_marks(text: str) -> None:
    """Thai, Khmer and Indic names without spaces are cut between syllables, never between a
    letter and its vowel sign or subscript (which would then sit on a dotted circle)."""
    from bot.poll_chart import CHART_LABEL_LINES, CHART_LABEL_WIDTH, _wrap

    lines = _wrap(text, CHART_LABEL_WIDTH, CHART_LABEL_LINES).split("\n")
    assert len(lines) == CHART_LABEL_LINES
    for before, after in itertools.pairwise(lines):
        assert unicodedata.category(after[0])[0] != "M", (before, after)
        assert unicodedata.combining(before[-1]) != 9, (before, after)  # no virama at the end
        assert before[-1] not in "เแโใไ", (before, after)


async def test_a_thai_member_gets_the_chart_in_thai(tmp_path, fake, monkeypatch) -> None:
    """Through the bot: a Thai member's /results chart names the bars in Thai (the poll's own
    options), the groups and the axis in Thai, not `government` or option numbers."""
    options = tip_titles("th", 3)
    drawn = figures_saved(monkeypatch)
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada = fake.add_user("Ada")
        code, _ = await new_forum(bot, ada)
        await bot.send(ada, "/settings")
        await bot.tap(ada, "2 ballots")
        voters = []
        for group in ("government", "government", "industry", "industry"):
            voter = fake.add_user(f"{group} {len(voters)}", language_code="th")
            await join(bot, voter, code, language="th", group=group)
            voters.append(voter)
        await new_poll(bot, ada, "/newpoll " + "\n".join([options[0], *options]))
        for voter, order in zip(voters, ("123", "123", "231", "312"), strict=True):
            await vote(bot, voter, order)
        await close_poll(bot, ada, "/closepoll")
        drawn.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # a missing glyph
            calls = await bot.send(voters[0], "/results 1")
        assert calls[-1].method == "sendPhoto"
    tr = bot.services.catalogs.translator("th")
    (figure,) = drawn
    (axes,) = figure.axes
    for tick in (t.get_text() for t in axes.get_yticklabels()):
        number, _, name = tick.partition(". ")
        assert name and squeezed(options[int(number) - 1]).startswith(squeezed(name)), tick
    legend = [t.get_text() for t in axes.get_legend().get_texts()]
    assert legend == [group_name(tr, "government"), group_name(tr, "industry")]
    assert axes.get_xlabel() == tr._("Borda points")
    assert figure.get_suptitle().startswith(tr._("Poll %(number)s", number=1))
    # Shaped as Thai (the language also picks Japanese or Chinese forms of shared characters).
    assert {
        t.get_language() for t in (*axes.get_yticklabels(), *axes.get_legend().get_texts())
    } == {"th"}


def test_a_chart_loads_only_the_faces_its_scripts_need() -> None:
    """matplotlib opens every font of the family list: an English or a Thai chart must not list
    the ~20 MB CJK collection, and a chart with one Chinese or Korean name must."""
    from bot.chart_fonts import FAMILIES, families_for

    cjk = "Noto Sans CJK SC"
    english = families_for(["Green public procurement", "Government", "Borda points"])
    assert cjk not in english and "Noto Sans Thai" not in english
    assert english[0] == "Noto Sans" and "DejaVu Sans" in english
    thai = families_for(["จัดซื้อจัดจ้างสีเขียว", "Borda"])
    assert "Noto Sans Thai" in thai and cjk not in thai
    assert cjk in families_for(["Green", "绿色采购"]) and cjk in families_for(["녹색 구매"])
    assert cjk in families_for(["グリーン購入"])
    mixed = families_for(["سياسات", "हरित", "ខ្មែរ", "සිංහල", "தமிழ்", "বাংলা"])
    assert [f for f in FAMILIES if f in mixed] == mixed  # fallback order kept
    assert {"Noto Sans Arabic", "Noto Sans Devanagari", "Noto Sans Khmer"} <= set(mixed)
