"""What the benchmarks share: the machine line, a seeded forum, the bot on a loopback fake API,
and `--json` output for `bench/report.py`."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from telegram.ext import Application  # noqa: E402

from app.wiring import build_application  # noqa: E402
from bot.clock import Clock, system_clock  # noqa: E402
from bot.config import Config  # noqa: E402
from db.connection import Database  # noqa: E402
from db.migrate import migrate  # noqa: E402
from fake_telegram import FakeTelegram, serve  # noqa: E402

STAMP = "2026-11-01T00:00:00+00:00"
FORUM_ID = 1
COORDINATOR_ID = 1_000
T = TypeVar("T")


def machine() -> dict[str, str]:
    return {
        "platform": platform.platform(),
        "cpus": str(os.cpu_count()),
        "python": platform.python_version(),
        "date": f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
    }


def print_machine(title: str) -> None:
    info = machine()
    print(title)
    print(f"machine: {info['platform']}, {info['cpus']} CPUs, Python {info['python']}")
    print(f"date: {info['date']}")


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", type=Path, help="also write the figures here (bench/report.py)")
    return parser


def write_json(path: Path | None, name: str, rows: list[dict[str, Any]], **extra: Any) -> None:
    if path is not None:
        data = {"benchmark": name, "machine": machine(), "rows": rows, **extra}
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")


async def seed_forum(
    path: Path,
    members: int,
    *,
    language: str = "en",
    forum_id: int = FORUM_ID,
    coordinator: int = COORDINATOR_ID,
) -> list[int]:
    """A migrated database with a forum, its coordinator and `members` members (user ids
    coordinator + 1, …); written with SQL because onboarding thousands through the bot is not
    the point. Called again with another forum id and coordinator, it adds a second forum."""
    ids = [coordinator + 1 + n for n in range(members)]
    name = "Bench SCP Forum" if forum_id == FORUM_ID else f"Bench SCP Forum {forum_id}"
    db = await Database.open(path)
    try:
        await migrate(db)
        async with db.transaction() as conn:
            await _add_users(conn, [coordinator, *ids], language)
            await conn.execute(
                "INSERT INTO forums (id, name, timezone, language, member_code, coordinator_code,"
                " created_by, created_at) VALUES (?, ?, 'Asia/Bangkok', 'en', ?, ?, ?, ?)",
                (forum_id, name, f"m-code-{forum_id}", f"c-code-{forum_id}", coordinator, STAMP),
            )
            await _join(conn, forum_id, [coordinator], "coordinator")
            await _join(conn, forum_id, ids, "member")
        return ids
    finally:
        await db.close()


async def add_members(path: Path, forum_id: int, ids: list[int], *, language: str = "en") -> None:
    """More members for a forum, written through a connection of its own (a bot may be running
    on the database)."""
    db = await Database.open(path)
    try:
        async with db.transaction() as conn:
            await _add_users(conn, ids, language)
            await _join(conn, forum_id, ids, "member")
    finally:
        await db.close()


async def _add_users(conn: aiosqlite.Connection, ids: list[int], language: str) -> None:
    """Users who accepted the consent notice, in the four stakeholder groups in turn."""
    groups = ("government", "industry", "civil_society", "academia")
    await conn.executemany(
        "INSERT INTO users (id, first_name, consent_at, created_at, updated_at, language,"
        " stakeholder_group) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(i, f"Member {i}", STAMP, STAMP, STAMP, language, groups[i % len(groups)]) for i in ids],
    )


async def _join(conn: aiosqlite.Connection, forum_id: int, ids: list[int], role: str) -> None:
    await conn.executemany(
        "INSERT INTO memberships (forum_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)",
        [(forum_id, i, role, STAMP) for i in ids],
    )


def register(fake: FakeTelegram, ids: list[int]) -> None:
    """The fake Bot API knows a private chat only once the user exists there."""
    for user_id in [COORDINATOR_ID, *ids]:
        fake.add_user(f"Member {user_id}", user_id=user_id)


@asynccontextmanager
async def running_app(
    fake: FakeTelegram,
    database: Path,
    *,
    clock: Clock = system_clock,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    rate_limit: bool = True,
    polling: bool = False,
) -> AsyncIterator[Application]:
    """The real Application, talking HTTP to the fake Bot API served on loopback."""
    server, port = await serve(fake)
    try:
        async with app_at(
            f"http://127.0.0.1:{port}",
            fake.token,
            database,
            clock=clock,
            sleep=sleep,
            rate_limit=rate_limit,
            polling=polling,
        ) as app:
            yield app
    finally:
        server.stop()
        await server.close_all_connections()


@asynccontextmanager
async def app_at(
    api_url: str,
    token: str,
    database: Path,
    *,
    clock: Clock = system_clock,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    rate_limit: bool = True,
    polling: bool = False,
    heartbeat: bool = False,
    **wiring: Any,
) -> AsyncIterator[Application]:
    """The real Application, started (and polling if asked) against a Bot API at `api_url`;
    the heartbeat (app/heartbeat.py, every 30 s) only if asked."""
    config = Config(
        token=token,
        api_url=api_url,
        database_path=database,
        admins=frozenset({COORDINATOR_ID}),
        default_language="en",
    )
    kwargs: dict[str, Any] = wiring | ({"sleep": sleep} if sleep is not None else {})
    app = build_application(
        config, clock=clock, rate_limit=rate_limit, heartbeat=heartbeat, **kwargs
    )
    assert app.post_init is not None and app.post_shutdown is not None and app.updater is not None
    await app.initialize()
    await app.post_init(app)
    await app.start()
    if polling:
        await app.updater.start_polling(poll_interval=0, timeout=5)
    try:
        yield app
    finally:
        if polling:
            await app.updater.stop()
        await app.stop()
        await app.post_shutdown(app)
        await app.shutdown()


class RemoteFake:
    """The fake Bot API in a process of its own (`python -m fake_telegram`), reached
    through its control API; `await fake("calls", since=0)` answers that action's JSON."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.client = httpx.AsyncClient(base_url=url, timeout=60)

    async def __call__(self, action: str, **body: Any) -> Any:
        response = await self.client.post(f"/fake/{action}", json=body)
        response.raise_for_status()
        return response.json()

    async def messages(self, chat: int) -> list[dict[str, Any]]:
        """The bot's messages in a chat, oldest first."""
        found: list[dict[str, Any]] = (await self("messages", chat=chat))["messages"]
        return found

    async def answer_with(self, user: int, text: str, data: str) -> int:
        """The user sends `text`; the id of the bot's answer that has a button `data`."""
        before = max((m["message_id"] for m in await self.messages(user)), default=0)
        await self("act", actions=[{"user": user, "text": text}])

        async def shown() -> int | None:
            found = [m for m in await self.messages(user) if m["message_id"] > before]
            return next((m["message_id"] for m in found if data in callback_data(m)), None)

        return await until(shown)


def callback_data(message: dict[str, Any]) -> list[str]:
    """The callback data of a message's inline buttons, row by row."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button.get("callback_data", "") for row in rows for button in row]


async def until(
    check: Callable[[], Awaitable[T | None]], seconds: float = 120.0, every: float = 0.2
) -> T:
    """Ask `check` every `every` seconds until it answers something."""
    deadline = time.monotonic() + seconds
    while (found := await check()) is None:
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not get there in time")
        await asyncio.sleep(every)
    return found


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value at or above q percent of them."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def spread(values: list[float], decimals: int) -> str:
    """Repetitions' figures as "median (lowest–highest)", or "–" without any."""
    if not values:
        return "–"
    median, low, high = (
        f"{v:.{decimals}f}" for v in (statistics.median(values), min(values), max(values))
    )
    return median if low == high else f"{median} ({low}–{high})"


@asynccontextmanager
async def fake_process(*options: str) -> AsyncIterator[RemoteFake]:
    """Start `python -m fake_telegram` with `options` (e.g. --flood); stop it after."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fake_telegram",
        *options,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        hello = json.loads(await asyncio.wait_for(process.stdout.readline(), 60))
        fake = RemoteFake(f"http://127.0.0.1:{hello['port']}", hello["token"])
        try:
            yield fake
        finally:
            await fake.client.aclose()
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()
