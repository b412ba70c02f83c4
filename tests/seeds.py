"""The source documents, for tests that check content (priority catalogs, tips) against them.

The seeds live in shared/ beside the checkout (as in CI's fresh clone); SCP_SEEDS_DIR overrides.
Without them these tests skip on a developer's machine, but fail in CI (CI=true): a checkout
that lost its seeds must not pass there by skipping what it could not check.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

# The seeds live in shared/ beside the checkout (as in CI's fresh clone).
SEEDS = Path(
    os.environ.get("SCP_SEEDS_DIR", Path(__file__).resolve().parents[2] / "shared" / "seeds")
)
MIN_COPIED_RUN = 8  # this many consecutive words shared with the seed count as copying

Test = TypeVar("Test", bound=Callable[..., Any])


def in_ci() -> bool:
    """CI=true (GitHub Actions, GitLab, most others) or CI=1."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require_seeds() -> None:
    """Skip the calling test without the seeds; fail it instead in CI."""
    if SEEDS.is_dir():
        return
    where = f"seed documents not found at {SEEDS} (set SCP_SEEDS_DIR)"
    if in_ci():
        pytest.fail(f"{where}; CI=true, so this is a failure, not a skip", pytrace=False)
    pytest.skip(where)


def needs_seeds(test: Test) -> Test:
    """Decorator for a test that reads the seeds (see require_seeds)."""

    @functools.wraps(test)
    def checked(*args: Any, **kwargs: Any) -> Any:
        require_seeds()
        return test(*args, **kwargs)

    return checked  # type: ignore[return-value]


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
