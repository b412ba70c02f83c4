"""Time as a service, so tests inject it instead of sleeping.

A clock is two clocks. The wall clock (`clock()`, aware UTC) says what time it is: deadlines,
reminders and every stored time follow it, and it can step when NTP or an operator corrects it,
or when a virtual machine resumes. The monotonic clock (`clock.monotonic()`, seconds from an
arbitrary origin) only measures how much time passed: pacing, retry waits and "once a day" use
it, so a step of the wall clock neither stalls nor hurries them. `ClockWatch` compares the two to
notice a step, and holds back destructive work until the new wall time has proved itself.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

STEP_TOLERANCE = timedelta(minutes=5)  # wall and monotonic time may part by this much unnoticed
STEP_SETTLE = timedelta(hours=24)  # how long a new wall time must hold before purges trust it
log = logging.getLogger(__name__)


class Clock(Protocol):
    def __call__(self) -> datetime:
        """The wall clock: now, aware and in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds that only move forward, at the rate time passes."""
        ...


class SystemClock:
    """The machine's clocks."""

    def __call__(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()  # asyncio.sleep measures on the same clock


system_clock = SystemClock()


class FakeClock:
    """A clock tests move by hand: `advance` lets time pass (both clocks move), `step` moves the
    wall clock alone, as NTP does. Setting `now` forward lets time pass; setting it back is a
    step, since monotonic time never goes back."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        # Any origin will do; this one reads like the wall clock until the first step.
        self._monotonic = start.timestamp()

    @property
    def now(self) -> datetime:
        return self._now

    @now.setter
    def now(self, moment: datetime) -> None:
        delta = moment - self._now
        if delta > timedelta(0):
            self.advance(delta)
        else:
            self.step(delta)

    def __call__(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, delta: timedelta) -> None:
        """Time passes: both clocks move."""
        if delta < timedelta(0):
            raise ValueError("time does not pass backwards; use step() for a wall-clock step")
        self._now += delta
        self._monotonic += delta.total_seconds()

    def step(self, delta: timedelta) -> None:
        """The wall clock is set forward or back (NTP, an operator); no time passes."""
        self._now += delta

    async def sleep(self, seconds: float) -> None:
        """Virtual time for paced sending: the clock moves instead of the test waiting."""
        self.advance(timedelta(seconds=max(seconds, 0.0)))
        await asyncio.sleep(0)


class ClockWatch:
    """Notices a step of the wall clock within one run, by comparing it with monotonic time.

    Between two looks both clocks must move together; when they part by more than
    STEP_TOLERANCE, the wall clock stepped. Each step is logged once, at WARNING. Work that
    destroys data because of the date (retention purges, the clean-up of finished broadcasts)
    asks `settled()`: it waits until the new wall time has held for STEP_SETTLE of monotonic
    time, so a clock set three years ahead by mistake purges nothing before someone can notice.
    Comparing with the last look, not with the start, lets slow drift (NTP slewing) pass.

    `steady()` is a wall-clock-like time that never steps: the wall time at start plus the
    monotonic time since. The outbox keeps its retry times in it.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._wall0, self._mono0 = clock(), clock.monotonic()
        self._offset = self._wall0.timestamp() - self._mono0  # wall minus monotonic, last look
        self.stepped_at: float | None = None  # monotonic time of the last step seen

    def look(self) -> None:
        """Compare the clocks once; log a step the first time it is seen."""
        wall, mono = self.clock(), self.clock.monotonic()
        offset = wall.timestamp() - mono
        jump, self._offset = offset - self._offset, offset
        if abs(jump) > STEP_TOLERANCE.total_seconds():
            self.stepped_at = mono
            log.warning(
                "the wall clock stepped %s by %s (it now reads %s); retention purges wait until"
                " it has held for %s",
                "forward" if jump > 0 else "back",
                timedelta(seconds=round(abs(jump))),
                wall.isoformat(timespec="seconds"),
                STEP_SETTLE,
            )

    def settled(self) -> bool:
        """Whether destructive work may trust the wall clock's date now."""
        self.look()
        if self.stepped_at is None:
            return True
        return self.clock.monotonic() - self.stepped_at >= STEP_SETTLE.total_seconds()

    def steady(self) -> datetime:
        """Now, on a time line that never steps (retry times that survive a wall-clock step)."""
        return self._wall0 + timedelta(seconds=self.clock.monotonic() - self._mono0)
