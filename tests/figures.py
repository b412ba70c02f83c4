"""The charts the bot draws, caught as it saves them, for a test to read their labels.

The bot draws them in a worker process (bot/chart_worker.py), out of a test's reach: while a
test watches, they are drawn in the test's process instead, from the same pickled request the
worker would get, and answered as the worker would answer.
"""

from __future__ import annotations

import pickle

import pytest
from matplotlib.figure import Figure

from bot import chart_worker


class _InProcess:
    """The worker's part, played in this process."""

    def start(self) -> None:
        pass

    def draw(self, request: bytes) -> bytes:
        status, payload = pickle.loads(chart_worker.answer(request))
        assert status == "png", payload
        png: bytes = payload
        return png


def drawn_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """Charts are drawn in this process from now on, where a test's spies can see them."""
    monkeypatch.setattr(chart_worker, "_WORKER", _InProcess())


def figures_saved(monkeypatch: pytest.MonkeyPatch) -> list[Figure]:
    """A list that every Figure saved from now on joins (the results chart is drawn with
    `Figure.savefig`); the test empties or reads it."""
    drawn: list[Figure] = []
    savefig = Figure.savefig

    def keep(self: Figure, *args: object, **kwargs: object) -> object:
        drawn.append(self)
        return savefig(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Figure, "savefig", keep)
    drawn_here(monkeypatch)
    return drawn
