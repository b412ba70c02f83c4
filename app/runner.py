"""Run the Application until SIGINT or SIGTERM: one clean stop however many signals arrive.

Why not `Application.run_polling`: its signal handler raises SystemExit. Under systemd
(`KillMode=control-group`) or `kill -TERM -- -<pgid>`, python gets SIGTERM twice, once directly
and once forwarded by `uv run`. The second SystemExit lands inside PTB's own shutdown
(`loop.run_until_complete(updater.stop())`): that coroutine is dropped ("never awaited"),
`post_shutdown` never closes the database, and aiosqlite's non-daemon thread keeps the process
alive until SIGKILL.

Here a signal only records that a stop was asked for. The first one wakes the event loop; every
later one is a no-op. The stop itself runs as ordinary awaited code with a deadline, and a
watchdog thread ends the process if even that deadline is missed, so a stop always ends within
`HARD_DEADLINE` seconds with exit status 0. What is unfinished then is left for the next start:
the outbox requeues rows still `sending` (ARCHITECTURE.md, "The outbox").

Start-up calls to Telegram (getMe, deleteWebhook or setWebhook) are retried with backoff until
they succeed or a stop is asked for: a one-off 5xx must not keep the bot down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable
from types import FrameType
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application

from bot.config import Config, ConfigError

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
GRACE = 7.0  # seconds for the orderly stop: updates in hand, the jobs, the messages on the wire
HARD_DEADLINE = 9.5  # seconds from the first signal to the end of the process, whatever happens
MAX_BACKOFF = 30.0  # seconds between two start-up attempts, at most


class StopSignals:
    """SIGINT and SIGTERM ask for a stop, once; every later signal is a no-op.

    Plain `signal.signal` handlers rather than `loop.add_signal_handler`: they are in place
    before the event loop exists (a stop asked for during the migrations is kept), and they stay
    after it closes (`loop.close()` would put back the default handlers, and a late forwarded
    SIGTERM would then kill the process in the middle of its exit).
    """

    def __init__(self, hard_deadline: float = HARD_DEADLINE) -> None:
        self.received: signal.Signals | None = None
        self._hard_deadline = hard_deadline
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self._deadline = threading.Event()

    def install(self) -> None:
        """Take over SIGINT and SIGTERM for the rest of the process (main thread only)."""
        for sig in STOP_SIGNALS:
            signal.signal(sig, self._handle)
        threading.Thread(target=self._watchdog, name="stop-watchdog", daemon=True).start()

    @property
    def requested(self) -> bool:
        return self.received is not None

    async def wait(self) -> None:
        """Until a stop is asked for (at once if it already was)."""
        if self._event is None:
            self._loop, self._event = asyncio.get_running_loop(), asyncio.Event()
        if self.requested:
            self._event.set()
        await self._event.wait()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        # Runs in the main thread between two bytecodes, possibly inside the event loop's own
        # code: record, start the deadline, and let the loop do the rest (as asyncio.Runner does).
        if self.received is not None:
            return
        self.received = signal.Signals(signum)
        self._deadline.set()
        if self._loop is not None and self._event is not None:
            # RuntimeError: the loop has closed, and the process is on its way out anyway.
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._wake)

    def ignore_from_now(self) -> None:
        """Before the interpreter exits: it puts back the default action of Python-level
        handlers then, and uv forwards a SIGINT 200 ms late, which would turn a clean stop into
        "killed by SIGINT". (signal.signal runs the pending handlers before it switches.)"""
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)

    def _wake(self) -> None:
        assert self._event is not None and self.received is not None
        log.info("%s received: stopping (further signals are ignored)", self.received.name)
        self._event.set()

    def _watchdog(self) -> None:
        self._deadline.wait()
        time.sleep(self._hard_deadline)
        # The orderly stop hung (a stuck thread, a call that ignores cancellation). Nothing is
        # lost by ending here: SQLite is crash-safe and the outbox requeues what was in flight.
        os.write(2, b"stop: the orderly stop took too long; exiting now\n")
        os._exit(0)


async def serve(
    application: Application,
    start_updater: Callable[[], Awaitable[object]],
    stop: StopSignals,
    *,
    grace: float = GRACE,
) -> None:
    """Start the bot, run until a stop is asked for, stop it: the order `run_polling` uses.

    Raises InvalidToken if Telegram rejects the token (nothing to retry); other start-up
    failures are retried until the stop.
    """
    if stop.requested:
        log.info("stop asked for before the start: not starting")
        return
    startup = asyncio.create_task(_start(application, start_updater), name="start-up")
    stopping = asyncio.create_task(stop.wait(), name="stop-signal")
    try:
        await asyncio.wait({startup, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if startup.done():
            startup.result()  # a start-up that failed for good raises here
            await stopping
        else:
            log.info("stopping during start-up")
            startup.cancel()
            await asyncio.gather(startup, return_exceptions=True)
    finally:
        stopping.cancel()
        try:
            await asyncio.wait_for(_stop(application), grace)
        except TimeoutError:
            log.warning("the orderly stop took over %s s; closing the database now", grace)
            if application.post_shutdown:
                await application.post_shutdown(application)  # idempotent
        await _shutdown_quietly(application)


async def _start(application: Application, start_updater: Callable[[], Awaitable[object]]) -> None:
    await retrying(application.initialize, "connecting to Telegram (getMe)")
    if application.post_init:
        await application.post_init(application)
    await start_updater()
    await application.start()


async def retrying(action: Callable[[], Awaitable[object]], what: str) -> None:
    """Call `action` until it succeeds: a network error or a 5xx waits 1, 2, 4 … 30 s."""
    delay = 1.0
    while True:
        try:
            await action()
            return
        except (InvalidToken, BadRequest):
            raise
        except RetryAfter as error:
            wait = error.retry_after
            seconds = wait if isinstance(wait, int | float) else wait.total_seconds()
            log.warning("%s: flood control, trying again in %s s", what, seconds)
            await asyncio.sleep(seconds)
        except NetworkError as error:  # 5xx, timeouts, connection refused
            log.warning("%s failed (%s); trying again in %.0f s", what, error, delay)
            await asyncio.sleep(delay)
            delay = min(MAX_BACKOFF, delay * 2)


async def _stop(application: Application) -> None:
    """Stop fetching, finish the updates in hand and the jobs, then close our resources."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()  # waits for the handlers that are running and the heartbeat
    if application.post_shutdown:
        await application.post_shutdown(application)


async def _shutdown_quietly(application: Application) -> None:
    """Close the HTTP clients; a failure here is not worth a traceback at exit."""
    try:
        await asyncio.wait_for(application.shutdown(), 2)
    except Exception as error:
        log.warning("shutting down the HTTP clients: %r", error)


def updater_start(application: Application, config: Config) -> Callable[[], Awaitable[object]]:
    """What starts fetching updates: long polling, or the webhook server when WEBHOOK_URL is set.

    Their first call (deleteWebhook or setWebhook) is retried with backoff until it succeeds.
    """
    updater = application.updater
    assert updater is not None
    webhook_url = config.webhook_url
    if not webhook_url:
        return lambda: updater.start_polling(allowed_updates=Update.ALL_TYPES, bootstrap_retries=-1)

    async def start_webhook() -> None:
        try:
            await updater.start_webhook(
                listen=config.webhook_listen,
                port=config.webhook_port,
                url_path=urlsplit(webhook_url).path.lstrip("/"),
                webhook_url=webhook_url,
                secret_token=config.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
                bootstrap_retries=-1,
            )
        except OSError as error:  # the address is taken, or not ours
            raise ConfigError(
                f"WEBHOOK_LISTEN/WEBHOOK_PORT: cannot listen on "
                f"{config.webhook_listen}:{config.webhook_port} ({error.strerror or error})"
            ) from None

    return start_webhook
