"""Shared fixtures: a Bot API fake with an admin, and a running bot against it."""

from __future__ import annotations

import pytest

from bot.fake_telegram import FakeTelegram


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram()
