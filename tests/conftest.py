"""Shared fixtures (a Bot API fake), and the suite-wide check that no invite code reaches a group."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

from fake_telegram import FakeTelegram
from tests import leaks


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram()


def _watch_every_fake() -> None:
    """Every FakeTelegram made anywhere in the suite (fixtures, harness, tests) is watched."""
    init = FakeTelegram.__init__

    @functools.wraps(init)
    def tracked(self: FakeTelegram, *args: object, **kwargs: object) -> None:
        init(self, *args, **kwargs)
        leaks.track(self)

    FakeTelegram.__init__ = tracked  # type: ignore[method-assign]


_watch_every_fake()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After a test passes, fail it if the bot sent an invite code to a group (tests/leaks.py)."""
    __tracebackhide__ = True
    try:
        result = yield
    except BaseException:
        leaks.skip_to_now()  # what a failed test sent is not the next test's to answer for
        raise
    tmp_path: Path | None = getattr(item, "funcargs", {}).get("tmp_path")
    found = leaks.find_leaks(leaks.databases_under(tmp_path))
    assert not found, "invite codes in group messages (tests/leaks.py): " + "; ".join(found)
    return result
