"""Updates handled concurrently, in order per chat and per user.

PTB handles one update at a time by default: a coordinator's "✅ Send" (writing a batch of
thousands of rows, then three calls to Telegram) held up every member's tap behind it; on the
real network each of those calls is 100 ms or more. With `concurrent_updates` every update runs
in its own task; this processor keeps what must stay in order:

- one update at a time per chat and per user, in the order Telegram gave them: a member's second
  tap sees what their first wrote, a dialog's answers arrive in turn, a group's messages (a
  migration among them) are handled as they came;
- everyone else goes on meanwhile.

Each update takes the locks of its chat and of its user, always in the same order (sorted keys),
so two updates can never wait for each other. asyncio.Lock wakes its waiters first come first
served, and PTB starts the updates' tasks in the order it fetched them, so each key's updates
take its lock in that order. What races between users was possible before, with the heartbeat's
jobs: database writes are transactions (db/connection.py), and once-only claims live in them.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates running at once (the others wait their turn). PTB makes a task for every fetched update
# whatever this is; it bounds the work in progress, as long as it is well above the number of
# people acting at the same moment: updates waiting for their chat's lock hold a place too.
MAX_CONCURRENT = 256

Key = tuple[str, int]


def keys_of(update: object) -> list[Key]:
    """The chat and the user an update must be ordered with (sorted: the order locks are taken)."""
    if not isinstance(update, Update):
        return []
    keys: set[Key] = set()
    if update.effective_chat is not None:
        keys.add(("chat", update.effective_chat.id))
    if update.effective_user is not None:
        keys.add(("user", update.effective_user.id))
    return sorted(keys)


class OrderedUpdates(BaseUpdateProcessor):
    """Concurrent updates with per-chat and per-user order kept (see the module docstring)."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT) -> None:
        super().__init__(max_concurrent_updates)
        self.locks: dict[Key, asyncio.Lock] = {}
        self.users: dict[Key, int] = {}  # key → updates holding or waiting for its lock

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        keys = keys_of(update)
        for key in keys:  # counted before any wait: a lock in use is never dropped
            self.users[key] = self.users.get(key, 0) + 1
        started = False
        try:
            async with AsyncExitStack() as stack:
                for key in keys:
                    await stack.enter_async_context(self.locks.setdefault(key, asyncio.Lock()))
                started = True
                await coroutine
        finally:
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting (a stop): never run, no warning
            for key in keys:
                self.users[key] -= 1
                if not self.users[key]:  # forgotten when idle: one lock per active key only
                    del self.users[key]
                    del self.locks[key]

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close: updates still running are the Application's to wait for."""
