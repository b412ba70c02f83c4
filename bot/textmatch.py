"""Matching what a member typed against names in several languages (plain rules, no Telegram).

Members type a topic or a city the way their keyboard and habits give it: in another case, with
or without accents ("Bogota", "São Paulo"), full-width forms from an East Asian input method,
underscores from an IANA id ("ho_chi_minh"). `fold` maps all of these to one form, and
`best_keys` finds which keys a typed text means: exact names first, then a unique start.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

_SEPARATORS = re.compile(r"[\s_\-‐‑–—/.,'’]+")


def fold(text: str) -> str:
    """NFKC, casefold, Latin accents dropped, separators made one space.

    Only marks on Latin letters are dropped: in Thai, Devanagari or Vietnamese-in-Thai-script the
    marks are letters of the word ("พลังงาน" must not match "พลงงาน" by accident).
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    kept: list[str] = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char) and kept and _is_latin(kept[-1]):
            continue
        kept.append(char)
    text = unicodedata.normalize("NFC", "".join(kept))
    return _SEPARATORS.sub(" ", text).strip()


def _is_latin(char: str) -> bool:
    code = ord(char)
    return code < 0x0250 or 0x1E00 <= code <= 0x1EFF  # Basic Latin … IPA, Latin Extended Additional


def best_keys(typed: str, names: Mapping[str, Iterable[str]]) -> list[str]:
    """The keys whose names match `typed` best, in `names` order; [] if none do.

    An exact (folded) name wins; failing that, names that start with the text; failing that,
    names with a word that starts with it ("recycling" finds "Waste and recycling"). Several
    keys at the best level are all returned: the caller asks which one was meant.
    """
    wanted = fold(typed)
    if not wanted:
        return []
    folded = {key: {fold(name) for name in values} for key, values in names.items()}
    tests = (
        lambda name: name == wanted,
        lambda name: name.startswith(wanted),
        lambda name: any(word.startswith(wanted) for word in name.split(" ")[1:]),
    )
    for test in tests:
        found = [key for key, values in folded.items() if any(test(name) for name in values)]
        if found:
            return found
    return []
