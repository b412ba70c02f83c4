"""The fonts charts are drawn in: Noto for every script the bot speaks, shipped as dependencies.

matplotlib's own font (DejaVu Sans) has no Thai, CJK, Indic or Khmer letters, and a machine's
system fonts are whatever it happens to have. So the fonts come from PyPI like everything else:
`manimgx-fonts` (Noto Sans and the Noto Sans of each non-Latin script, unmodified, OFL) and
`noto-cjk-sans-otc` (the Noto Sans CJK collection, OFL). `uv sync` installs them; `register()`
adds the files to matplotlib's font manager at the first chart, never at import time.

Charts use a family list (`families()`), and matplotlib (≥ 3.6) falls back glyph by glyph along
it, so one label can mix scripts: Thai with Latin digits, an Arabic name with a Latin acronym.
matplotlib ≥ 3.11 lays text out with libraqm (HarfBuzz shaping and FriBidi), so Arabic and Urdu
letters join and run right to left, and Indic conjuncts and Khmer subscripts are formed.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

# The Noto Sans of each script the bot speaks (locales/), then symbols and emoji that option
# names may carry. Latin, Cyrillic (ru, mn) and Vietnamese are in Noto Sans itself.
SCRIPT_FAMILIES = (
    "Noto Sans",
    "Noto Sans Arabic",  # ar, ur (Naskh style: Urdu is usually set in Nastaliq)
    "Noto Sans Bengali",
    "Noto Sans Devanagari",  # hi
    "Noto Sans Khmer",
    "Noto Sans Sinhala",
    "Noto Sans Tamil",
    "Noto Sans Thai",
)
_SCRIPT_FILES = (
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
# One collection of faces with the same characters (Chinese, Japanese kana, Korean hangul) but
# each region's own forms of the Han characters they share: the reader's region is used.
_CJK_BY_LANGUAGE = {"ja": "Noto Sans CJK JP", "ko": "Noto Sans CJK KR"}
CJK_DEFAULT = "Noto Sans CJK SC"
# matplotlib's bundled font after ours: arrows, box drawing and other signs Noto Sans lacks.
LAST_FAMILIES = ("DejaVu Sans", "Noto Sans Symbols", "Noto Emoji")


def font_files() -> list[Path]:
    """The font files `register` adds, from the installed packages."""
    import manimgx_fonts
    import noto_cjk_sans_otc

    folder = Path(manimgx_fonts.__file__).parent
    return [folder / name for name in _SCRIPT_FILES] + [Path(str(noto_cjk_sans_otc.FONT_PATH))]


@functools.cache
def register() -> None:
    """Add the fonts to matplotlib's font manager, once per process (at the first chart)."""
    from matplotlib import font_manager

    for path in font_files():
        font_manager.fontManager.addfont(str(path))


def families(language: str = "en") -> list[str]:
    """The family list a chart for a reader of `language` is drawn with, in fallback order."""
    cjk = _CJK_BY_LANGUAGE.get(language.split("_")[0], CJK_DEFAULT)
    return [*SCRIPT_FAMILIES, cjk, *LAST_FAMILIES]


def can_draw(text: str, language: str = "en") -> bool:
    """Whether some font of the list has a glyph for every character of `text`.

    Invisible formatting characters (bidi isolates and marks, joiners) need none: the shaper
    acts on them and draws nothing.
    """
    fonts = _fonts(tuple(families(language)))
    return all(
        char.isspace()
        or unicodedata.category(char) == "Cf"
        or any(font.get_char_index(ord(char)) for font in fonts)
        for char in text
    )


@functools.cache
def _fonts(names: tuple[str, ...]) -> list:
    """One FT2Font per family of `names` (charmap look-ups only: nothing is drawn with them)."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    register()
    fonts = []
    for name in names:
        path = font_manager.findfont(font_manager.FontProperties(family=name))
        fonts.append(FT2Font(path.path, face_index=path.face_index))
    return fonts
