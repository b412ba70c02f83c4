"""What the benchmarks share: the machine line, a seeded forum, the bot on a loopback fake API,
and `--json` output for `bench/report.py`."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

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


async def seed_forum(path: Path, members: int, *, language: str = "en") -> list[int]:
    """A migrated database with one forum, its coordinator and `members` members (user ids
    1,001…); written with SQL because onboarding thousands through the bot is not the point."""
    db = await Database.open(path)
    try:
        await migrate(db)
        ids = [COORDINATOR_ID + 1 + n for n in range(members)]
        groups = ("government", "industry", "civil_society", "academia")
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO users (id, first_name, consent_at, created_at, updated_at, language,"
                " stakeholder_group) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (i, f"Member {i}", STAMP, STAMP, STAMP, language, groups[i % len(groups)])
                    for i in [COORDINATOR_ID, *ids]
                ],
            )
            await conn.execute(
                "INSERT INTO forums (id, name, timezone, language, member_code, coordinator_code,"
                " created_by, created_at) VALUES (?, 'Bench SCP Forum', 'Asia/Bangkok', 'en',"
                " 'm-code', 'c-code', ?, ?)",
                (FORUM_ID, COORDINATOR_ID, STAMP),
            )
            await conn.executemany(
                "INSERT INTO memberships (forum_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)",
                [(FORUM_ID, COORDINATOR_ID, "coordinator", STAMP)]
                + [(FORUM_ID, i, "member", STAMP) for i in ids],
            )
        return ids
    finally:
        await db.close()


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
    config = Config(
        token=fake.token,
        api_url=f"http://127.0.0.1:{port}",
        database_path=database,
        admins=frozenset({COORDINATOR_ID}),
        default_language="en",
    )
    kwargs: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
    app = build_application(config, clock=clock, rate_limit=rate_limit, heartbeat=False, **kwargs)
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
        server.stop()
        await server.close_all_connections()
