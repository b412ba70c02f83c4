"""Waiting for a bot under test: shared by the test harness, the demo and the benchmarks."""

from __future__ import annotations

import asyncio

from telegram.ext import Application

from .server import FakeTelegram


async def settle(fake: FakeTelegram, application: Application, seconds: float = 10.0) -> None:
    """Return when the bot has fetched every enqueued update and finished handling it.

    PTB puts fetched updates on its queue before it confirms them with the next getUpdates
    offset, so once the fake has no unconfirmed update, joining the queue covers them all.
    """
    services = application.bot_data.get("services")
    async with asyncio.timeout(seconds):
        while True:
            await fake.drained()
            await application.update_queue.join()
            # Bulk sends the handlers started in the background: by convention, duck-typed rather
            # than imported, the bot keeps those tasks in bot_data["services"].tasks.
            pending = list(services.tasks) if services is not None else []
            if not pending:
                return
            await asyncio.gather(*pending, return_exceptions=True)
