"""The charts the bot draws, caught as it saves them, for a test to read their labels."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure


def figures_saved(monkeypatch: pytest.MonkeyPatch) -> list[Figure]:
    """A list that every Figure saved from now on joins (the results chart is drawn with
    `Figure.savefig`); the test empties or reads it."""
    drawn: list[Figure] = []
    savefig = Figure.savefig

    def keep(self: Figure, *args: object, **kwargs: object) -> object:
        drawn.append(self)
        return savefig(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Figure, "savefig", keep)
    return drawn
