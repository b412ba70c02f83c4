"""The queue of Updates waiting for getUpdates, and the long polls waiting for Updates."""

from __future__ import annotations

import asyncio
import copy


class UpdateQueue:
    """Updates in update_id order until a getUpdates offset confirms them, as on Telegram.

    A test may enqueue from another event loop or thread than the long poll's, so waking goes
    through each waiter's own loop.
    """

    def __init__(self) -> None:
        self.queue: list[dict] = []
        self.confirmed = 0  # highest update_id confirmed (offset - 1 of the last confirmation)
        self._next_update_id = 1
        self._waiters: list[asyncio.Future[None]] = []
        self._drain_waiters: list[asyncio.Future[None]] = []

    def put(self, kind: str, payload: dict) -> dict:
        """Append an Update and wake long-polling getUpdates calls."""
        update = {"update_id": self._next_update_id, kind: copy.deepcopy(payload)}
        self._next_update_id += 1
        self.queue.append(update)
        self._wake()
        return update

    def _wake(self) -> None:
        """Resolve the futures of waiting long polls, whichever loop or thread they live on."""
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            loop = waiter.get_loop()
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                _resolve(waiter)
            elif not loop.is_closed():
                loop.call_soon_threadsafe(_resolve, waiter)

    def deliverable(self, kinds: frozenset[str], limit: int) -> list[dict]:
        """Queued updates of the given kinds, oldest first."""
        pairs = [(u, next(k for k in u if k != "update_id")) for u in self.queue]
        return [u for u, kind in pairs if kind in kinds][:limit]

    async def wait(self, seconds: float) -> None:
        """Sleep until an update is enqueued or `seconds` pass (a long poll's wait)."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, seconds)
        except TimeoutError:
            pass
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def confirm(self, offset: int) -> None:
        """Forget updates below a positive offset, or all but the last -offset ones."""
        if offset < 0:
            dropped, self.queue = self.queue[:offset], self.queue[offset:]
        else:
            dropped = [u for u in self.queue if u["update_id"] < offset]
            self.queue = [u for u in self.queue if u["update_id"] >= offset]
        if dropped:
            self.confirmed = max(self.confirmed, dropped[-1]["update_id"])
        if offset > 0:
            self.confirmed = max(self.confirmed, offset - 1)
        if not self.queue:
            waiters, self._drain_waiters = self._drain_waiters, []
            for waiter in waiters:
                _resolve(waiter)

    def drop_all(self) -> None:
        """drop_pending_updates: confirm everything queued."""
        if self.queue:
            self.confirm(self.queue[-1]["update_id"] + 1)

    async def drained(self) -> None:
        """Return once every enqueued update has been confirmed by a getUpdates offset."""
        if self.queue:
            waiter = asyncio.get_running_loop().create_future()
            self._drain_waiters.append(waiter)
            await waiter


def _resolve(waiter: asyncio.Future[None]) -> None:
    """Wake one waiter unless it already woke or gave up."""
    if not waiter.done():
        waiter.set_result(None)
