"""Ranking taps through the whole bot vs a bare python-telegram-bot bot, on the same fake API.

Run: uv run python bench/taps.py   (about a minute)

ours: the real Application (middleware, SQLite through aiosqlite, the ballot re-rendered and
edited, the callback answered), long polling the fake Bot API on loopback HTTP. Each member
ranks 11 of a poll's 12 options and undoes them again, so every tap writes the draft and
edits the ballot.
bare: an Application with one CallbackQueryHandler that answers the callback and edits the
message (text and a 12-button keyboard), the least a ballot can do; same fake, same HTTP pool.

Two phases for each:
- throughput: all taps are queued at once; updates/s from the first queued to the last handled;
- latency: one tap at a time. p50/p99 are handling times: from PTB taking the update off its
  queue to the last handler returning, the answer and the edit (two HTTP round trips) included.
  e2e_p50 adds the long poll: from the fake queueing the update to it receiving the edit.
Both bots and the fake share one process and event loop, so the fake's own cost is in both.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import (
    COORDINATOR_ID,
    arguments,
    print_machine,
    register,
    running_app,
    seed_forum,
    write_json,
)
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler
from telegram.request import HTTPXRequest

from bot.clock import FakeClock
from fake_telegram import FakeTelegram, serve

MEMBERS = 100
CYCLES = 1  # each member: 11 ranks then 11 undos per cycle
LATENCY_TAPS = 400
GOAL_RATIO, GOAL_P99_MS = 1.25, 10.0  # issue 16: ≤ 1.25× the bare bot
POLL = (
    "/newpoll Which priorities first?\n"
    + "\n".join(f"Priority number {n}" for n in range(1, 13))
    + "\ncloses: 2026-12-30 17:00"
)


def _answered(fake: FakeTelegram, query_id: str) -> bool:
    state = fake.callback_queries.get(query_id)
    return state is not None and state["answered"]


async def _until(condition, every: float = 0.0005, seconds: float = 300.0) -> None:
    """Wait for the condition; the figures come from the fake's timestamps, not from here."""
    deadline = time.perf_counter() + seconds
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the bot stopped answering")
        await asyncio.sleep(every)


def _timed(app: Application) -> list[float]:
    """Handling times (ms) of the updates the app processes: from PTB taking the update off
    its queue to the last handler returning (the answer and the edit included)."""
    durations: list[float] = []
    process = app.process_update

    async def timed(update: object) -> None:
        started = time.perf_counter()
        try:
            await process(update)
        finally:
            durations.append((time.perf_counter() - started) * 1000)

    app.process_update = timed  # type: ignore[method-assign]
    return durations


async def _measure(
    fake: FakeTelegram, plan: list[tuple[int, int, str]], handling: list[float]
) -> dict:
    """Run `plan` (user id, message id, data) twice: all at once, then one at a time."""
    users = {user_id: fake.user(user_id) for user_id, _, _ in plan}
    handled_before = len(handling)
    started = time.perf_counter()
    ids = [fake.send_callback(users[u], m, d)["id"] for u, m, d in plan]
    await _until(lambda: all(_answered(fake, i) for i in ids), every=0.05)
    # Every update handled, its edit included. Counting edits never ends: a tap whose ballot
    # equals the copy it was made on edits nothing (handlers/polls/ballot.py `show`).
    await _until(lambda: len(handling) - handled_before >= len(plan), every=0.05)
    last = max(c.at for c in fake.calls if c.method.startswith(("answerCallback", "editMessage")))
    throughput = len(plan) / (last - started)

    latencies, handling[:] = [], []
    for user_id, message_id, data in plan[:LATENCY_TAPS]:
        seen = len(handling)
        queued = time.perf_counter()
        query = fake.send_callback(users[user_id], message_id, data)["id"]
        await _until(lambda q=query, n=seen: _answered(fake, q) and len(handling) > n)
        done = max(c.at for c in fake.calls[-6:])
        latencies.append((done - queued) * 1000)
    latencies.sort()
    handled = sorted(handling)
    return {
        "updates": len(plan),
        "per_second": round(throughput, 1),
        "ms_per_update": round(1000 / throughput, 2),
        "p50_ms": round(statistics.median(handled), 2),
        "p99_ms": round(handled[int(0.99 * (len(handled) - 1))], 2),
        "e2e_p50_ms": round(statistics.median(latencies), 2),
    }


async def ours(workdir: Path) -> dict:
    fake = FakeTelegram(clock=time.perf_counter)
    clock = FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    database = workdir / "taps.sqlite3"
    ids = await seed_forum(database, MEMBERS)
    register(fake, ids)
    async with running_app(
        fake, database, clock=clock, sleep=clock.sleep, rate_limit=False, polling=True
    ) as app:
        services = app.bot_data["services"]
        handling = _timed(app)
        fake.send_text(fake.user(COORDINATOR_ID), POLL)
        # The form is previewed first: the coordinator sends the poll from the preview.
        await _until(lambda: _message_with(fake, COORDINATOR_ID, "np:send") is not None)
        preview = _message_with(fake, COORDINATOR_ID, "np:send")
        fake.send_callback(fake.user(COORDINATOR_ID), preview, "np:send")
        await _until(lambda: services.outbox_task is not None)
        await _until(lambda: services.outbox_task.done() and _ballots(fake, ids) == len(ids))
        plan: list[tuple[int, int, str]] = []
        for _ in range(CYCLES):
            for user_id in ids:
                ballot = _ballot(fake, user_id)
                ranks = [
                    b["callback_data"]
                    for b in fake.buttons(ballot)
                    if b["callback_data"].startswith("poll:rank:")
                ][:11]
                undo = next(
                    b["callback_data"]
                    for b in fake.buttons(ballot)
                    if b["callback_data"].startswith("poll:undo:")
                )
                plan += [(user_id, ballot["message_id"], data) for data in ranks]
                plan += [(user_id, ballot["message_id"], undo)] * len(ranks)
        return await _measure(fake, _interleave(plan), handling)


def _interleave(plan: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Members tap at the same time: round-robin over members, each in their own order."""
    per_user: dict[int, list[tuple[int, int, str]]] = {}
    for step in plan:
        per_user.setdefault(step[0], []).append(step)
    queues = list(per_user.values())
    out = []
    for n in range(max(len(q) for q in queues)):
        out += [q[n] for q in queues if n < len(q)]
    return out


def _ballot(fake: FakeTelegram, user_id: int) -> dict:
    for message in reversed(fake.messages(user_id)):
        if any(
            b.get("callback_data", "").startswith("poll:submit:") for b in fake.buttons(message)
        ):
            return message
    raise LookupError(f"no ballot for {user_id}")


def _message_with(fake: FakeTelegram, chat_id: int, data: str) -> int | None:
    """The id of the bot's message in the chat with a button of this callback data, if any."""
    return next(
        (
            m["message_id"]
            for m in fake.messages(chat_id)
            if any(b.get("callback_data") == data for b in fake.buttons(m))
        ),
        None,
    )


def _ballots(fake: FakeTelegram, ids: list[int]) -> int:
    return sum(1 for user_id in ids if any(fake.buttons(m) for m in fake.messages(user_id)))


async def bare(workdir: Path) -> dict:
    fake = FakeTelegram(clock=time.perf_counter)
    ids = [COORDINATOR_ID + 1 + n for n in range(MEMBERS)]
    register(fake, ids)
    server, port = await serve(fake)
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(f"{n}. Priority number {n}", callback_data=f"b:{n}")]
            for n in range(12)
        ]
    )
    counter = iter(range(10**9))

    async def on_tap(update: Update, _context) -> None:
        query = update.callback_query
        await query.answer()
        await query.edit_message_text(
            f"Tapped {query.data} ({next(counter)})", reply_markup=keyboard
        )

    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(f"http://127.0.0.1:{port}/bot")
        .request(HTTPXRequest(connection_pool_size=16))
        .build()
    )
    app.add_handler(CallbackQueryHandler(on_tap))
    handling = _timed(app)
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=5)
    try:
        messages = {
            user_id: (
                await app.bot.send_message(user_id, "A ballot", reply_markup=keyboard)
            ).message_id
            for user_id in ids
        }
        plan = [
            (user_id, messages[user_id], f"b:{n % 12}")
            for user_id in ids
            for n in range(22 * CYCLES)
        ]
        return await _measure(fake, _interleave(plan), handling)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await server.aclose()


async def main() -> int:
    parser = arguments(__doc__.splitlines()[0])
    args = parser.parse_args()
    print_machine("Ranking taps: the whole bot vs a bare PTB bot, long polling over loopback")
    with tempfile.TemporaryDirectory() as tmp:
        results = {"ours (full app)": await ours(Path(tmp)), "bare PTB bot": await bare(Path(tmp))}
    columns = ("updates", "per_second", "ms_per_update", "p50_ms", "p99_ms", "e2e_p50_ms")
    print(f"\n| {'bot':<16} | " + " | ".join(f"{c:>13}" for c in columns) + " |")
    print(f"|{'-' * 18}|" + "|".join("-" * 15 for _ in columns) + "|")
    for name, row in results.items():
        print(f"| {name:<16} | " + " | ".join(f"{row[c]:>13}" for c in columns) + " |")
    mine, theirs = results["ours (full app)"], results["bare PTB bot"]
    ratio = mine["ms_per_update"] / theirs["ms_per_update"]
    met = ratio <= GOAL_RATIO and mine["p99_ms"] <= GOAL_P99_MS
    print(
        f"\nper-update cost: {ratio:.2f}× the bare bot (goal ≤ {GOAL_RATIO}×); "
        f"p99 {mine['p99_ms']} ms (goal ≤ {GOAL_P99_MS} ms): " + ("met" if met else "NOT met")
    )
    rows = [{"bot": name, **row} for name, row in results.items()]
    write_json(args.json, "taps", rows, ratio=round(ratio, 2), goal_met=met)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
