"""Broadcast throughput against Telegram's flood limits: the outbox vs a fixed-sleep sender.

Run: uv run python bench/broadcast.py                 (10,000 chats on virtual time; ~1 minute)
     uv run python bench/broadcast.py --real --chats 600   (wall-clock time; ~1 minute)

Both senders talk real HTTP to the fake Bot API on loopback, whose flood model refuses what
Telegram would (30 messages/s overall, 1/s per private chat after a burst of 3, 20/min per
group) with a 429 and retry_after.
- ours: the announcement written to the outbox (db/outbox.py) and sent by its drain
  (app/outbox.py, paced by bot/pacing.py), exactly as /announce does after "Send".
- baseline: one message after another with `await asyncio.sleep(0.07)` between them, sleeping
  retry_after on a 429, as popular poll bots pace broadcasts.

Virtual time (the default): the bot's pacing and the fake's flood model share one FakeClock that
moves only when a sender sleeps, so 10,000 messages take seconds, and the rate is what Telegram
would see; HTTP, JSON and SQLite are real, and the wall-clock rate says whether this machine
could keep that pace. `--real` uses the system clock for both (and the lanes limiter, as
deployed), so it runs at the real pace: keep --chats small.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from common import arguments, print_machine, register, running_app, seed_forum, write_json
from telegram.error import RetryAfter

from app import outbox
from bot.clock import FakeClock, system_clock
from db import outbox as outbox_db
from db.outbox import Outgoing
from fake_telegram import FakeTelegram

CEILING = 30.0  # messages a second Telegram allows a bot overall
BASELINE_SLEEP = 0.07
GOAL_FRACTION = 0.95
TEXT = "📣 Announcement from Bench SCP Forum\n\nThe spring session moves to Room 5."


def outcome(fake: FakeTelegram, chats: list[int], started: float, ended: float) -> dict:
    """Deliveries per chat as the fake recorded them, and the rate over the send's duration."""
    got = Counter(
        c.params["chat_id"]
        for c in fake.calls
        if c.method == "sendMessage" and c.ok and c.params.get("text") == TEXT
    )
    elapsed = ended - started
    delivered = sum(got[chat] for chat in chats)
    rate = delivered / elapsed if elapsed > 0 else float("inf")
    return {
        "messages": len(chats),
        "seconds": round(elapsed, 2),
        "seconds_exact": elapsed,
        "per_second": round(rate, 2),
        "fraction": round(rate / CEILING, 3),
        "429s": sum(1 for c in fake.calls if c.method == "sendMessage" and c.error_code == 429),
        "lost": sum(1 for chat in chats if got[chat] == 0),
        "duplicates": sum(max(0, got[chat] - 1) for chat in chats),
    }


async def ours(chats: int, real: bool, workdir: Path) -> dict:
    clock, fake = _clock_and_fake(real)
    database = workdir / "ours.sqlite3"
    ids = await seed_forum(database, chats)
    register(fake, ids)
    sleep = asyncio.sleep if real else clock.sleep  # type: ignore[union-attr]
    async with running_app(fake, database, clock=clock, sleep=sleep, rate_limit=real) as app:
        services = app.bot_data["services"]
        fake.flood.enabled = True
        wall, started = time.perf_counter(), _now(clock)
        await outbox_db.create_broadcast(
            services.db,
            forum_id=1,
            kind="announcement",
            created_by=1000,
            report_chat_id=None,  # type: ignore[arg-type]
            report_message_id=None,  # type: ignore[arg-type]
            report_language="en",
            messages=[Outgoing(chat, chat, TEXT) for chat in ids],
            now=clock(),
        )
        outbox.kick(app.bot, services)
        assert services.outbox_task is not None
        await services.outbox_task
        ended, wall = _now(clock), time.perf_counter() - wall
    return outcome(fake, ids, started, ended) | {"wall_seconds": round(wall, 2)}


async def baseline(chats: int, real: bool, workdir: Path) -> dict:
    clock, fake = _clock_and_fake(real)
    database = workdir / "baseline.sqlite3"
    ids = await seed_forum(database, chats)
    register(fake, ids)
    sleep = asyncio.sleep if real else clock.sleep  # type: ignore[union-attr]
    async with running_app(fake, database, clock=clock, rate_limit=False) as app:
        fake.flood.enabled = True
        wall, started = time.perf_counter(), _now(clock)
        for chat in ids:
            while True:
                try:
                    await app.bot.send_message(chat, TEXT)
                    break
                except RetryAfter as exc:
                    await sleep(float(exc.retry_after))  # type: ignore[arg-type]
            await sleep(BASELINE_SLEEP)
        ended, wall = _now(clock), time.perf_counter() - wall
    return outcome(fake, ids, started, ended) | {"wall_seconds": round(wall, 2)}


def _clock_and_fake(real: bool):
    if real:
        return system_clock, FakeTelegram()
    clock = FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    return clock, FakeTelegram(clock=lambda: clock().timestamp())


def _now(clock) -> float:
    return clock().timestamp()


async def main() -> int:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--real", action="store_true", help="wall-clock time instead of virtual")
    args = parser.parse_args()
    print_machine("Broadcast to private chats under the fake Bot API's flood model")
    mode = "wall-clock" if args.real else "virtual"
    print(f"chats: {args.chats:,}; time: {mode}; ceiling {CEILING:.0f}/s; loopback HTTP\n")
    with tempfile.TemporaryDirectory() as tmp:
        results = {
            "ours (outbox)": await ours(args.chats, args.real, Path(tmp)),
            f"baseline (sleep {BASELINE_SLEEP} s)": await baseline(
                args.chats, args.real, Path(tmp)
            ),
        }
    columns = ("seconds", "per_second", "fraction", "429s", "lost", "duplicates", "wall_seconds")
    print(f"| {'sender':<22} | " + " | ".join(f"{c:>12}" for c in columns) + " |")
    print(f"|{'-' * 24}|" + "|".join("-" * 14 for _ in columns) + "|")
    for name, row in results.items():
        print(f"| {name:<22} | " + " | ".join(f"{row[c]:>12}" for c in columns) + " |")
    mine = results["ours (outbox)"]
    fraction = mine["messages"] / mine["seconds_exact"] / CEILING
    met = fraction >= GOAL_FRACTION and mine["lost"] == 0 and mine["duplicates"] == 0
    print(
        f"\n`seconds` and the rate are in {mode} time; `wall_seconds` is how long it really took."
        f"\ngoal: ≥ {GOAL_FRACTION} of the ceiling, 0 lost, 0 duplicates: "
        + ("met" if met else "NOT met")
    )
    rows = [{"sender": name, **row} for name, row in results.items()]
    write_json(args.json, "broadcast", rows, chats=args.chats, time=mode, goal_met=met)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
