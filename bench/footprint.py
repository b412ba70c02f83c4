"""Footprint: resident memory and start-up time of `main.py run`, against a bare PTB bot.

Run: uv run python bench/footprint.py   (about half a minute)

The database holds 10,000 members, 100 polls of 12 options (90 closed, 10 open) and 50,000
submitted ballots with their rankings. The bot runs as deployed: `python main.py run` in its
own process, long polling the fake Bot API on loopback (TELEGRAM_API_URL). A /start is queued
before the process starts; start-up time is from spawning the process to the fake receiving
the answer. Memory is the process's resident set (VmRSS) after that answer and again after
`/results` of a closed poll and an open one (each counts 500 ballots), and its peak (VmHWM).
Each /results is timed from the command to the chart's arrival (the first chart of a process
loads matplotlib); the chart worker's own resident set (bot/chart_worker.py, alive until it
has been idle a while) is shown apart: it is not the bot's.

Baseline, same run: a bare python-telegram-bot Application in its own process that answers
/start with one message, on the same fake.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from common import (
    COORDINATOR_ID,
    FORUM_ID,
    ROOT,
    STAMP,
    arguments,
    print_machine,
    register,
    seed_forum,
    write_json,
)

from db.connection import Database
from fake_telegram import FakeTelegram, serve

MEMBERS, POLLS, BALLOTS, OPTIONS = 10_000, 100, 50_000, 12
GOAL_IDLE_MB, GOAL_CHART_MB, GOAL_SECONDS = 80.0, 100.0, 1.0  # issue 16
BARE_BOT = """
import os
from telegram.ext import ApplicationBuilder, CommandHandler

async def start(update, context):
    await update.message.reply_text("Hello")

app = ApplicationBuilder().token(os.environ["TOKEN"]).base_url(os.environ["URL"] + "/bot").build()
app.add_handler(CommandHandler("start", start))
app.run_polling()
"""


async def seed(path: Path) -> None:
    """Members, polls, options and ballots (seeded), written with SQL in a few transactions."""
    ids = await seed_forum(path, MEMBERS)
    rng = random.Random(20261123)
    db = await Database.open(path)
    try:
        async with db.transaction() as conn:
            await conn.executemany(
                # A closed poll's results were queued when it closed (results_queued_at): left
                # NULL, the heartbeat would queue 90 polls' results to 10,000 members at start.
                "INSERT INTO polls (id, forum_id, number, question, created_by, created_at,"
                " closes_at, closed_at, results_queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        *(p, FORUM_ID, p, f"Which priorities first? ({p})", COORDINATOR_ID),
                        *(STAMP, "2027-06-01T00:00:00+00:00", *[STAMP if p <= 90 else None] * 2),
                    )
                    for p in range(1, POLLS + 1)
                ],
            )
            await conn.executemany(
                "INSERT INTO poll_options (id, poll_id, position, text) VALUES (?, ?, ?, ?)",
                [
                    ((p - 1) * OPTIONS + k, p, k, f"Priority number {k} of poll {p}")
                    for p in range(1, POLLS + 1)
                    for k in range(1, OPTIONS + 1)
                ],
            )
            ballots, ranks = [], []
            per_poll = BALLOTS // POLLS
            for p in range(1, POLLS + 1):
                for n, user in enumerate(rng.sample(ids, per_poll)):
                    ballot_id = (p - 1) * per_poll + n + 1
                    order = rng.sample(range(1, OPTIONS + 1), rng.randint(1, OPTIONS))
                    ballots.append((ballot_id, p, user, "industry", STAMP))
                    ranks += [
                        (ballot_id, (p - 1) * OPTIONS + k, rank) for rank, k in enumerate(order, 1)
                    ]
            await conn.executemany(
                "INSERT INTO ballots (id, poll_id, user_id, stakeholder_group, submitted_at)"
                " VALUES (?, ?, ?, ?, ?)",
                ballots,
            )
            await conn.executemany(
                "INSERT INTO ballot_ranks (ballot_id, option_id, rank) VALUES (?, ?, ?)", ranks
            )
    finally:
        await db.close()


def memory(pid: int) -> dict[str, float]:
    """Resident and peak resident set of a process, in MB (Linux /proc)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


async def until(condition, seconds: float = 60.0) -> None:
    deadline = time.perf_counter() + seconds
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("no answer in time")
        await asyncio.sleep(0.005)


def _env(**settings: str) -> dict[str, str]:
    """A clean environment for the child: only what it needs to run, plus `settings`."""
    return {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")} | settings


async def run_process(fake: FakeTelegram, argv: list[str], env: dict[str, str], cwd: Path):
    """Spawn, queue /start first, and time until the fake receives the answer."""
    user = fake.user(COORDINATOR_ID)
    fake.send_text(user, "/start")
    before = len(fake.messages(user.id))
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=(cwd / "stderr.log").open("wb"),
    )
    await until(lambda: len(fake.messages(user.id)) > before)
    return process, time.perf_counter() - started


async def ours(fake: FakeTelegram, port: int, workdir: Path) -> dict:
    database = workdir / "forum.sqlite3"
    env = _env(
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_URL=f"http://127.0.0.1:{port}",
        DATABASE_PATH=str(database),
        LOG_LEVEL="WARNING",
    )
    process, startup = await run_process(
        fake, [sys.executable, str(ROOT / "main.py"), "run"], env, workdir
    )
    try:
        after_start = memory(process.pid)
        user = fake.user(COORDINATOR_ID)
        charts = []
        for command in ("/results 1", "/results 95"):  # a closed poll, an open one
            photos = _photos(fake, user.id)
            started = time.perf_counter()
            fake.send_text(user, command)
            await until(lambda p=photos: _photos(fake, user.id) > p)  # text, then the chart
            charts.append(time.perf_counter() - started)
        after_results = memory(process.pid)
        workers = [memory(child) for child in _children(process.pid)]
    finally:
        process.terminate()
        await process.wait()
    return {
        "startup_s": round(startup, 2),
        "rss_mb": round(after_start["VmRSS"], 1),
        "rss_after_results_mb": round(after_results["VmRSS"], 1),
        "peak_mb": round(after_results["VmHWM"], 1),
        "results_1st_s": round(charts[0], 2),
        "results_2nd_s": round(charts[1], 2),
        "worker_rss_mb": round(sum(w["VmRSS"] for w in workers), 1) if workers else "",
    }


def _photos(fake: FakeTelegram, chat_id: int) -> int:
    return sum(1 for message in fake.messages(chat_id) if "photo" in message)


def _children(pid: int) -> list[int]:
    """Processes `pid` started, from any of its threads (the chart worker, while it lives)."""
    tasks = Path(f"/proc/{pid}/task").glob("*/children")
    return [int(child) for task in tasks for child in task.read_text().split()]


async def bare(fake: FakeTelegram, port: int, workdir: Path) -> dict:
    env = _env(TOKEN=fake.token, URL=f"http://127.0.0.1:{port}")
    process, startup = await run_process(fake, [sys.executable, "-c", BARE_BOT], env, workdir)
    try:
        after_start = memory(process.pid)
    finally:
        process.terminate()
        await process.wait()
    return {
        "startup_s": round(startup, 2),
        "rss_mb": round(after_start["VmRSS"], 1),
        "rss_after_results_mb": "",
        "peak_mb": round(after_start["VmHWM"], 1),
        **dict.fromkeys(("results_1st_s", "results_2nd_s", "worker_rss_mb"), ""),
    }


async def main() -> int:
    parser = arguments(__doc__.splitlines()[0])
    args = parser.parse_args()
    print_machine("Footprint: memory and start-up of the bot process vs a bare PTB bot")
    print(f"database: {MEMBERS:,} members, {POLLS} polls, {BALLOTS:,} ballots\n")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        await seed(workdir / "forum.sqlite3")
        size = (workdir / "forum.sqlite3").stat().st_size / 2**20
        results = {}
        for name, run in (("ours (main.py run)", ours), ("bare PTB bot", bare)):
            fake = FakeTelegram()
            register(fake, [])
            server, port = await serve(fake)
            try:
                results[name] = await run(fake, port, workdir)
            finally:
                await server.aclose()
    columns: tuple[str, ...] = ("startup_s", "rss_mb", "rss_after_results_mb", "peak_mb")
    columns += ("results_1st_s", "results_2nd_s", "worker_rss_mb")
    print(f"| {'process':<20} | " + " | ".join(f"{c:>20}" for c in columns) + " |")
    print(f"|{'-' * 22}|" + "|".join("-" * 22 for _ in columns) + "|")
    for name, row in results.items():
        print(f"| {name:<20} | " + " | ".join(f"{row[c]!s:>20}" for c in columns) + " |")
    mine = results["ours (main.py run)"]
    met = (
        mine["rss_mb"] <= GOAL_IDLE_MB
        and mine["rss_after_results_mb"] <= GOAL_CHART_MB
        and mine["startup_s"] <= GOAL_SECONDS
    )
    print(
        f"\ndatabase file: {size:.1f} MB. goal: ≤ {GOAL_IDLE_MB:.0f} MB idle, ≤ {GOAL_CHART_MB:.0f}"
        f" MB after /results and ≤ {GOAL_SECONDS} s to the first answer: "
        + ("met" if met else "NOT met")
    )
    rows = [{"process": name, **row} for name, row in results.items()]
    write_json(args.json, "footprint", rows, goal_met=met, database_mb=round(size, 1))
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
