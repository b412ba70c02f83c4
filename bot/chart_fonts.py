"""The fonts charts are drawn in: Noto for every script the bot speaks, shipped as dependencies.

matplotlib's own font (DejaVu Sans) has no Thai, CJK, Indic or Khmer letters, and a machine's
system fonts are whatever it happens to have. So the fonts come from PyPI like everything else:
`manimgx-fonts` (Noto Sans and the Noto Sans of each non-Latin script, unmodified, OFL) and
`noto-cjk-sans-otc` (the Noto Sans CJK collection, OFL). `uv sync` installs them; `register()`
adds the files to matplotlib's font manager at the first chart, never at import time.

Charts use a family list (`FAMILIES`), and matplotlib (≥ 3.6) falls back glyph by glyph along
it, so one label can mix scripts: Thai with Latin digits, an Arabic name with a Latin acronym.
matplotlib ≥ 3.11 lays text out with libraqm (HarfBuzz shaping and FriBidi), so Arabic and Urdu
letters join and run right to left, and Indic conjuncts and Khmer subscripts are formed.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# The family list charts are drawn with, in fallback order: the Noto Sans of each script the bot
# speaks (Latin, Cyrillic for ru and mn, and Vietnamese are in Noto Sans itself), then
# matplotlib's own font (arrows, box drawing and other signs Noto Sans lacks), then symbols and
# emoji that option names may carry.
FAMILIES = (
    "Noto Sans",
    "Noto Sans Arabic",  # ar, ur (Naskh style: Urdu is usually set in Nastaliq)
    "Noto Sans Bengali",
    "Noto Sans Devanagari",  # hi
    "Noto Sans Khmer",
    "Noto Sans Sinhala",
    "Noto Sans Tamil",
    "Noto Sans Thai",
    # Every face of the collection has all of Chinese, Japanese kana and Korean hangul; the
    # shaper picks each region's forms of the Han characters they share from the language the
    # chart is drawn in (its `locl` feature), so one face serves zh, ja and ko readers.
    "Noto Sans CJK SC",
    "DejaVu Sans",
    "Noto Sans Symbols",
    "Noto Emoji",
)
_FILES = (
    "NotoSans[wght].ttf",
    "NotoSansArabic[wght].ttf",
    "NotoSansBengali[wght].ttf",
    "NotoSansDevanagari[wght].ttf",
    "NotoSansKhmer[wght].ttf",
    "NotoSansSinhala[wght].ttf",
    "NotoSansTamil[wght].ttf",
    "NotoSansThai[wght].ttf",
    "NotoSansSymbols[wght].ttf",
    "NotoEmoji[wght].ttf",
)


# The Unicode ranges each script's face is needed for. The others (Noto Sans, DejaVu Sans,
# symbols, emoji) are always in the list: they are small.
_SCRIPTS: dict[str, tuple[tuple[int, int], ...]] = {
    "Noto Sans Arabic": (
        (0x0600, 0x06FF),
        (0x0750, 0x077F),
        (0x08A0, 0x08FF),
        (0xFB50, 0xFDFF),
        (0xFE70, 0xFEFF),
    ),
    "Noto Sans Bengali": ((0x0980, 0x09FF),),
    "Noto Sans Devanagari": ((0x0900, 0x097F), (0xA8E0, 0xA8FF)),
    "Noto Sans Khmer": ((0x1780, 0x17FF), (0x19E0, 0x19FF)),
    "Noto Sans Sinhala": ((0x0D80, 0x0DFF),),
    "Noto Sans Tamil": ((0x0B80, 0x0BFF),),
    "Noto Sans Thai": ((0x0E00, 0x0E7F),),
    "Noto Sans CJK SC": (
        (0x1100, 0x11FF),  # Hangul jamo
        (0x2E80, 0x9FFF),  # CJK radicals and punctuation, kana, Hangul compatibility, Han
        (0xAC00, 0xD7AF),  # Hangul syllables
        (0xF900, 0xFAFF),
        (0xFE30, 0xFE4F),
        (0xFF00, 0xFFEF),  # full-width forms
        (0x20000, 0x3134F),
    ),
}


def families_for(texts: Iterable[str]) -> list[str]:
    """The family list for a chart of `texts`: FAMILIES without the faces of scripts none of
    them uses. matplotlib opens every font of the list it is given, and the CJK collection
    alone is ~20 MB: an English or Thai chart need not load it (bench/footprint.py)."""
    codes = {ord(char) for text in texts for char in text if ord(char) > 0x2FF}
    needed = {
        family
        for family, ranges in _SCRIPTS.items()
        if any(low <= code <= high for code in codes for low, high in ranges)
    }
    return [family for family in FAMILIES if family not in _SCRIPTS or family in needed]


def font_files() -> list[Path]:
    """The font files `register` adds, from the installed packages."""
    # Font packages, read at the first chart only (like matplotlib, which needs them).
    import manimgx_fonts
    import noto_cjk_sans_otc

    folder = Path(manimgx_fonts.__file__).parent
    return [folder / name for name in _FILES] + [Path(str(noto_cjk_sans_otc.FONT_PATH))]


@functools.cache
def register() -> None:
    """Add the fonts to matplotlib's font manager, once per process (at the first chart)."""
    from matplotlib import font_manager  # heavy, for charts only: loaded at the first one

    for path in font_files():
        font_manager.fontManager.addfont(str(path))


def can_draw(text: str) -> bool:
    """Whether some font of the list has a glyph for every character of `text`.

    Invisible formatting characters (bidi isolates and marks, joiners) need none: the shaper
    acts on them and draws nothing.
    """
    fonts = [_font(name) for name in families_for([text])]
    return all(
        char.isspace()
        or unicodedata.category(char) == "Cf"
        or any(font.get_char_index(ord(char)) for font in fonts)
        for char in text
    )


@functools.cache
def _font(name: str) -> Any:
    """The FT2Font of a family (charmap look-ups only: nothing is drawn with it)."""
    from matplotlib import font_manager  # heavy: only a chart needs it (see register)

    register()
    return font_manager.get_font(font_manager.findfont(font_manager.FontProperties(family=name)))
