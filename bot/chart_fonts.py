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
from pathlib import Path

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
    fonts = _fonts()
    return all(
        char.isspace()
        or unicodedata.category(char) == "Cf"
        or any(font.get_char_index(ord(char)) for font in fonts)
        for char in text
    )


@functools.cache
def _fonts() -> list:
    """One FT2Font per family (charmap look-ups only: nothing is drawn with them)."""
    from matplotlib import font_manager

    register()
    return [
        font_manager.get_font(font_manager.findfont(font_manager.FontProperties(family=name)))
        for name in FAMILIES
    ]
