"""Typed access to shared services and to the acting user, for every handler (PTB context type)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock, ClockWatch
from bot.config import Config
from bot.i18n import Catalogs
from bot.priorities import PriorityCatalog
from bot.tips import Tip

if TYPE_CHECKING:
    from bot.actor import Actor
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
    outbox_task: asyncio.Task[None] | None = None  # the running drain (handlers/outbox.py)
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


class ForumContext(CallbackContext[ExtBot[None], dict, dict, dict]):
    """The handler context: `context.services` and `context.actor` (set by the middleware)."""

    def __init__(
        self, application: Application, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._actor: Actor | None = None

    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data["services"]
        return services

    @property
    def actor(self) -> Actor:
        if self._actor is None:
            raise RuntimeError("no actor: the middleware did not run for this update")
        return self._actor

    @actor.setter
    def actor(self, value: Actor) -> None:
        self._actor = value

    @property
    def has_actor(self) -> bool:
        return self._actor is not None
