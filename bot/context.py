"""The services every handler and job shares: the database, catalogs, clock and background tasks.

Telegram-free; the handler context that carries them is handlers/context.py."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.clock import Clock, ClockWatch
from bot.config import Config
from bot.i18n import Catalogs
from bot.priorities import PriorityCatalog
from bot.tips import Tip

if TYPE_CHECKING:
    from db.connection import Database


RETENTION_EVERY = 24 * 3600.0  # seconds of monotonic time between retention runs


@dataclass
class Services:
    """What every handler may use; the database and catalogs are opened in post_init."""

    config: Config
    clock: Clock  # the wall clock, and clock.monotonic() for waits (bot/clock.py)
    # How bulk sends wait (pacing, retry_after). It must move `clock.monotonic`: asyncio.sleep
    # with the system clock, FakeClock.sleep with a FakeClock (tests, demo), or pacing never ends.
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    watch: ClockWatch = field(init=False)  # notices wall-clock steps; holds back purges
    catalogs: Catalogs = field(init=False)
    db: Database = field(init=False)
    priorities: dict[str, PriorityCatalog] = field(init=False)
    tips: tuple[Tip, ...] = field(init=False)  # the library, content/tips.toml
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    # Polls whose group announcement needs a new voter count, and those being edited now.
    stale_announcements: set[int] = field(default_factory=set)
    refreshing_announcements: set[int] = field(default_factory=set)
    outbox_task: asyncio.Task[None] | None = None  # the running drain (app/outbox.py)
    # The outbox sender, `drain(bot, services)`: installed by the wiring (app/wiring.py) and
    # started by handlers/outgoing.kick, so that handlers need not import app/.
    drain: Callable[[Any, Services], Coroutine[Any, Any, None]] | None = None
    retention_checked: float | None = None  # monotonic time old data was last deleted

    def __post_init__(self) -> None:
        self.watch = ClockWatch(self.clock)

    def monotonic(self) -> float:
        """Seconds for measuring waits; a step of the wall clock does not move them."""
        return self.clock.monotonic()

    def retention_due(self) -> bool:
        """Once a day of elapsed time (and at start-up): time to delete what forums no longer
        keep. Never while the wall clock's date is in doubt (see `ClockWatch.settled`)."""
        if not self.watch.settled():
            return False
        now = self.monotonic()
        if self.retention_checked is not None and now - self.retention_checked < RETENTION_EVERY:
            return False
        self.retention_checked = now
        return True

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run bulk work (sending ballots to every member) without blocking the update loop."""
        task = asyncio.create_task(work, name=name)
        self.tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logging.getLogger(__name__).error(
                "background task %s failed", task.get_name(), exc_info=task.exception()
            )
