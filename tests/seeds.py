"""The source documents, for tests that check content (priority catalogs, tips) against them.

The seeds live in shared/ beside the checkout (as in CI's fresh clone); SCP_SEEDS_DIR overrides.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

# The seeds live in shared/ beside the checkout (as in CI's fresh clone).
SEEDS = Path(
    os.environ.get("SCP_SEEDS_DIR", Path(__file__).resolve().parents[2] / "shared" / "seeds")
)
MIN_COPIED_RUN = 8  # this many consecutive words shared with the seed count as copying

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed documents not found at {SEEDS}")


def split_ref(ref: str) -> tuple[str, str]:
    """'000_….txt, para 24' -> ('000_….txt', 'para 24')."""
    file_name, sep, locator = ref.partition(", ")
    assert sep and locator.strip(), f"ref {ref!r} should be 'file name, paragraph or table'"
    return file_name, locator


def words(text: str) -> list[str]:
    """Case, whitespace and punctuation normalised away: only the words remain."""
    return re.findall(r"\w+", text.casefold())


def runs(text: str, n: int = MIN_COPIED_RUN) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}
