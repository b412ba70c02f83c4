"""Waiting out a database that refuses writes for now, so that an outcome is never dropped.

Used by the outbox sender (app/outbox.py) for each message's outcome and by handlers whose write
must land after Telegram has already acted (a poll's close).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable

from bot.context import Services

DB_RETRY = (0.25, 5.0)  # seconds: first and longest wait while the database refuses a write
log = logging.getLogger(__name__)


def transient(exc: sqlite3.OperationalError) -> bool:
    """A database that refuses a write for now (locked by another process, busy, disk full:
    an operator can free it), as opposed to a bug in a query: the first kind is waited out."""
    message = str(exc).lower()
    return any(word in message for word in ("locked", "busy", "disk is full"))


class Backoff:
    """Waits, doubling up to DB_RETRY[1], while the database refuses writes; says so once."""

    def __init__(self, services: Services, who: str) -> None:
        self.services, self.who = services, who
        self.delay: float | None = None

    async def wait(self, exc: Exception) -> None:
        if self.delay is None:
            log.warning("%s: the database is busy (%s); trying again", self.who, exc)
            self.delay = DB_RETRY[0]
        else:
            self.delay = min(self.delay * 2, DB_RETRY[1])
        await self.services.sleep(self.delay)

    def reset(self) -> None:
        if self.delay is not None:
            log.info("%s: the database is free again", self.who)
            self.delay = None


async def persist(services: Services, write: Callable[[], Awaitable[None]]) -> None:
    """Run an idempotent write until the database takes it: an outcome is never dropped."""
    busy = Backoff(services, "an outbox outcome")
    while True:
        try:
            await write()
        except sqlite3.OperationalError as exc:
            if not transient(exc):
                raise
            await busy.wait(exc)
        else:
            busy.reset()
            return
