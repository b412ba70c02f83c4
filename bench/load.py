"""Member traffic during an announcement: the bot as deployed, the fake Bot API in its own
process with its flood model on, on the real clock.

Run: uv run python bench/load.py                 (2,000 members, 3 repetitions; about 22 minutes)
     uv run python bench/load.py --members 5000 --repetitions 1   (about 15 minutes)
     uv run python bench/load.py --quick         (300 members, one repetition; two minutes)
     uv run python bench/load.py --bots after    (only the bot as deployed now; half the time)

Two wirings, one after the other in the same run: "before" is the bot as it was before issue 16
(PTB's AIORateLimiter, first come first served; updates one at a time; the outbox pacing itself
at 29/s as well), "after" the bot as deployed now (app/ratelimit.py's lanes; updates concurrent,
in order per chat and per user). Each gets a world of its own and the same traffic.

The world: forum A with N members and one open poll whose ballot 20 of them hold; forum B with
its coordinator and 5 members. The bot is built by app/wiring.py as deployed (rate limiter,
outbox, heartbeat, a SQLite file) and long-polls the fake, which runs as `python -m fake_telegram
--flood` and plays the people: their actions are scheduled on the fake's own event loop, so a
busy bot cannot hold them back, and every timestamp below is the fake's clock.

Each repetition has three phases:
- idle: the 20 members tap their ballots, 2 taps/s together (round robin, so each taps every
  10 s: rank 11 options, undo them, again), and one of them sends /polls every 4 s, for 60 s;
  forum B's coordinator presses Send on a poll 5 s in;
- broadcast alone: forum A's coordinator presses Send on an announcement to all of A;
- broadcast with members: the same, with the idle phase's traffic and forum B's Send (5 s in)
  counted from the moment of forum A's Send, until the announcement's last delivery.
A tap's latency runs from the fake queueing the callback to the later of its answer and the
ballot's edit arriving at the fake; /polls' from the text queued to the reply. Messages/s: the
announcement's deliveries over the time from Send to the last one. 429s: all the fake returned
in the phase. Forum B: from its Send to the last of its 5 ballots arriving.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import tempfile
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
from common import (
    COORDINATOR_ID,
    FORUM_ID,
    RemoteFake,
    add_members,
    app_at,
    arguments,
    callback_data,
    fake_process,
    percentile,
    print_machine,
    seed_forum,
    spread,
    until,
    write_json,
)
from telegram.ext import AIORateLimiter

TAPPERS, TAPS_PER_SECOND, POLLS_EVERY = 20, 2.0, 4.0
B_FORUM, B_COORDINATOR, B_MEMBERS, B_AFTER = 2, 900_000, 5, 5.0
SETTLE = 3.0  # seconds for answers still on their way once a phase's traffic stops
GOAL_P99_MS, GOAL_P99_RATIO, GOAL_RATE, GOAL_B_SECONDS = 50.0, 1.5, 26.5, 2.0
ANNOUNCEMENT = "Load test {n}: the spring session moves to Room 5."
PHASES = {"idle": "idle", "alone": "broadcast alone", "members": "broadcast + members"}
# The bot as deployed now, and as it was before issue 16 (PTB's first-come-first-served
# AIORateLimiter, updates one at a time, the outbox pacing itself as well), in the same run.
BOTS: dict[str, Callable[[], dict[str, Any]]] = {
    "before": lambda: {"rate_limiter": AIORateLimiter(max_retries=3), "concurrent": False},
    "after": dict,
}
FIGURES = {  # key: (label, decimals)
    "tap_p50": ("tap → answer and edit, p50 (ms)", 1),
    "tap_p95": ("tap p95 (ms)", 1),
    "tap_p99": ("tap p99 (ms)", 1),
    "polls_p50": ("/polls → reply, p50 (ms)", 1),
    "polls_p95": ("/polls p95 (ms)", 1),
    "polls_p99": ("/polls p99 (ms)", 1),
    "rate": ("broadcast messages/s", 2),
    "429s": ("429s from the fake", 0),
    "forum_b": ("forum B's ballots, Send → delivered (s)", 2),
    "taps": ("taps measured", 0),
}


@dataclass
class Tapper:
    user: int
    ballot: int  # the ballot's message id in their private chat
    cycle: list[str]  # callback data: 11 ranks, then 11 undos
    done: int = 0  # taps pressed so far: where the cycle goes on


def poll_form(question: str, options: int) -> str:
    closes = date.today() + timedelta(days=30)
    lines = [f"Priority number {k}" for k in range(1, options + 1)]
    return "\n".join([f"/newpoll {question}", *lines, f"closes: {closes} 17:00"])


async def hand_out_ballots(fake: RemoteFake, ids: list[int]) -> list[Tapper]:
    """Forum A's coordinator sends a poll; its ballots go to the tapping members."""
    preview = await fake.answer_with(
        COORDINATOR_ID, poll_form("Which priorities first?", 12), "np:send"
    )
    await fake("act", actions=[{"user": COORDINATOR_ID, "message_id": preview, "data": "np:send"}])
    tappers = []
    for user in ids:

        async def ballot(user: int = user) -> dict[str, Any] | None:
            found = [
                m
                for m in await fake.messages(user)
                if any(d.startswith("poll:submit:") for d in callback_data(m))
            ]
            return found[-1] if found else None

        message = await until(ballot)
        ranks = [d for d in callback_data(message) if d.startswith("poll:rank:")][:11]
        undo = next(d for d in callback_data(message) if d.startswith("poll:undo:"))
        tappers.append(Tapper(user, message["message_id"], ranks + [undo] * len(ranks)))
    return tappers


def member_traffic(tappers: list[Tapper], seconds: float) -> list[dict[str, Any]]:
    """2 taps/s round robin over the tappers, and a /polls every 4 s from one of them."""
    actions = []
    for i in range(int(seconds * TAPS_PER_SECOND)):
        who = tappers[i % len(tappers)]
        data = who.cycle[(who.done + i // len(tappers)) % len(who.cycle)]
        actions.append(
            {"after": i / TAPS_PER_SECOND, "user": who.user, "message_id": who.ballot}
            | {"data": data, "tag": "tap"}
        )
    for j in range(int(seconds / POLLS_EVERY)):
        who = tappers[(7 * j + 3) % len(tappers)]
        actions.append(
            {"after": j * POLLS_EVERY + 0.25, "user": who.user, "text": "/polls", "tag": "polls"}
        )
    return actions


async def announcements(database: Path) -> tuple[int, int]:
    """(announcements, of which finished): the drain sets finished_at after the last row."""
    async with aiosqlite.connect(database) as conn:
        cursor = await conn.execute(
            "SELECT COUNT(*), COUNT(finished_at) FROM broadcasts WHERE kind = 'announcement'"
        )
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


async def phase(
    fake: RemoteFake, database: Path, tappers: list[Tapper], n: int, name: str, seconds: float
) -> dict[str, float | None]:
    """One phase (see the module's docstring), `seconds` long if idle, else until the
    announcement's last delivery; its figures."""
    broadcast, members = name != "idle", name != "alone"
    announcement = ANNOUNCEMENT.format(n=n)
    actions: list[dict[str, Any]] = member_traffic(tappers, seconds) if members else []
    if broadcast:
        send = await fake.answer_with(COORDINATOR_ID, f"/announce {announcement}", "ann:send")
        actions.append({"user": COORDINATOR_ID, "message_id": send, "data": "ann:send"})
        actions[-1]["tag"] = "send"
    if members:
        b_send = await fake.answer_with(
            B_COORDINATOR, poll_form(f"Forum B poll {n}?", 3), "np:send"
        )
        actions.append({"after": B_AFTER, "user": B_COORDINATOR, "message_id": b_send})
        actions[-1] |= {"data": "np:send", "tag": "forum_b"}
    calls_from = (await fake("calls", since=1 << 40))["next"]
    presses_from = (await fake("presses", since=1 << 40))["next"]
    before, _ = await announcements(database)

    async def finished() -> bool | None:
        total, done = await announcements(database)
        return True if total > before and done == total else None

    await fake("act", actions=actions)
    if broadcast:
        await until(finished, seconds=seconds, every=1.0)  # the end time is the fake's
    else:
        await asyncio.sleep(seconds)
    await fake("cancel")
    await asyncio.sleep(SETTLE)
    presses = (await fake("presses", since=presses_from))["presses"]
    calls = (await fake("calls", since=calls_from))["calls"]
    for who in tappers:
        who.done += sum(1 for p in presses if p.get("tag") == "tap" and p["user"] == who.user)
    return figures(presses, calls, f"Load test {n}:" if broadcast else None)


def figures(
    presses: list[dict[str, Any]], calls: list[dict[str, Any]], announcement: str | None
) -> dict[str, float | None]:
    """A phase's figures from what the fake logged: the presses and the calls that answer them
    (`announcement`: what the announcement's messages contain, if there was one)."""
    answers: dict[str, float] = {}
    arrivals: dict[tuple[str, int, int | None], list[float]] = defaultdict(list)
    sent: list[float] = []
    for call in (c for c in calls if c["ok"]):
        if call["method"] == "answerCallbackQuery":
            answers.setdefault(str(call["query_id"]), call["at"])
        elif announcement is not None and announcement in (call["text"] or ""):
            sent.append(call["at"])  # the announcement: only sendMessage has it
        elif call["method"] in ("sendMessage", "editMessageText"):
            message = call["message_id"] if call["method"] == "editMessageText" else None
            arrivals[call["method"], call["chat_id"], message].append(call["at"])

    def first(key: tuple[str, int, int | None], after: float) -> float | None:
        times = arrivals.get(key, [])
        i = bisect_left(times, after)
        return times[i] if i < len(times) else None

    out: dict[str, float | None] = {"429s": sum(1 for c in calls if c["error_code"] == 429)}
    end = math.inf  # presses after the announcement's last delivery are not "during" it
    send = next((p for p in presses if p.get("tag") == "send"), None)
    if send is not None and sent:
        end = max(sent)
        out["rate"] = len(sent) / (end - send["at"])
    taps, polls = [], []
    for p in (p for p in presses if p["at"] <= end and "error" not in p):
        if p.get("tag") == "tap" and str(p["query_id"]) in answers:
            edited = first(("editMessageText", p["user"], p["message_id"]), p["at"])
            taps.append(max(answers[str(p["query_id"])], edited or 0.0) - p["at"])
        elif p.get("tag") == "polls" and (
            reply := first(("sendMessage", p["user"], None), p["at"])
        ):
            polls.append(reply - p["at"])
        elif p.get("tag") == "forum_b":
            chats = range(B_COORDINATOR + 1, B_COORDINATOR + 1 + B_MEMBERS)
            got = [t for chat in chats if (t := first(("sendMessage", chat, None), p["at"]))]
            out["forum_b"] = max(got) - p["at"] if len(got) == len(chats) else None
    for key, values in (("tap", taps), ("polls", polls)):
        for q in (50, 95, 99):
            out[f"{key}_p{q}"] = percentile(values, q) * 1000 if values else None
    out["taps"] = len(taps)
    return out


async def run(members: int, repetitions: int, idle: float, workdir: Path, bot: str) -> list[dict]:
    """Set the world up once, then each repetition's three phases; their figures."""
    database = workdir / f"load-{bot}.sqlite3"
    ids = await seed_forum(database, TAPPERS)
    forum_b = await seed_forum(database, B_MEMBERS, forum_id=B_FORUM, coordinator=B_COORDINATOR)
    rest = [COORDINATOR_ID + 1 + n for n in range(TAPPERS, members)]
    users = [COORDINATOR_ID, *ids, *rest, B_COORDINATOR, *forum_b]
    results = []
    async with fake_process("--flood") as fake:
        await fake("users", users=[[user, f"Member {user}"] for user in users])
        wiring = BOTS[bot]()
        async with app_at(fake.url, fake.token, database, polling=True, heartbeat=True, **wiring):
            tappers = await hand_out_ballots(fake, ids)
            await add_members(database, FORUM_ID, rest)  # after the poll: ballots to 20 only
            longest = members / 10 + 120  # traffic's end, if the broadcast had not ended by then
            for n in range(repetitions):
                seconds = {"idle": idle, "alone": longest, "members": longest}
                results.append(
                    {
                        name: await phase(fake, database, tappers, n, name, seconds[name])
                        for name in PHASES
                    }
                )
                print(f"{bot}: repetition {n + 1} of {repetitions} done", flush=True)
    return results


async def main() -> int:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000, help="forum A's size (or 5000)")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument("--quick", action="store_true", help="300 members, once, 10 s idle")
    parser.add_argument(
        "--bots", default="before,after", help="which wirings, in order: before, after or both"
    )
    args = parser.parse_args()
    if args.quick:
        args.members, args.repetitions, args.idle_seconds = 300, 1, 10.0
    print_machine("Member traffic during an announcement: the bot as deployed, the fake apart")
    print(
        f"forum A: {args.members:,} members, {TAPPERS} tapping {TAPS_PER_SECOND:g}/s together"
        f" and a /polls every {POLLS_EVERY:g} s; forum B: {B_MEMBERS} members;"
        f" {args.repetitions} repetition(s): median (lowest–highest)\n",
        flush=True,
    )
    bots = args.bots.split(",")
    results: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for bot in bots:
            results[bot] = await run(
                args.members, args.repetitions, args.idle_seconds, Path(tmp), bot
            )
    values = {  # per bot, phase and figure, the values of the repetitions that have it
        bot: {
            name: {
                key: [r[name][key] for r in runs if r[name].get(key) is not None] for key in FIGURES
            }
            for name in PHASES
        }
        for bot, runs in results.items()
    }
    columns = [(name, bot) for name in PHASES for bot in bots]
    rows = [
        {"figure": label}
        | {f"{name}_{bot}": spread(values[bot][name][key], decimals) for name, bot in columns}
        for key, (label, decimals) in FIGURES.items()
    ]
    heads = [f"{PHASES[name]} ({bot})" for name, bot in columns]
    print(f"\n| {'figure':<40} | " + " | ".join(f"{h:>28}" for h in heads) + " |")
    print(f"|{'-' * 42}|" + "|".join("-" * 30 for _ in heads) + "|")
    for row in rows:
        cells = [row[f"{name}_{bot}"] for name, bot in columns]
        print(f"| {row['figure']:<40} | " + " | ".join(f"{c:>28}" for c in cells) + " |")
    goals = goals_met(values[bots[-1]])
    for goal, met in goals.items():
        print(f"goal ({bots[-1]}): {goal}: " + ("met" if met else "NOT met"))
    write_json(
        args.json,
        "load",
        rows,
        members=args.members,
        bots=bots,
        repetitions=results,
        goals=goals,
        goal_met=all(goals.values()),
    )
    return 0


def goals_met(values: dict[str, dict[str, list[float]]]) -> dict[str, bool]:
    """Issue 16's goals, on the medians of the repetitions."""

    def median(name: str, key: str) -> float:
        return statistics.median(values[name][key]) if values[name][key] else math.inf

    p99 = median("members", "tap_p99")
    return {
        f"tap p99 during the broadcast ≤ {GOAL_P99_RATIO}× idle and ≤ {GOAL_P99_MS:g} ms, 0 429s": (
            p99 <= min(GOAL_P99_RATIO * median("idle", "tap_p99"), GOAL_P99_MS)
            and median("members", "429s") == 0
        ),
        f"broadcast ≥ {GOAL_RATE} msg/s with members": bool(values["members"]["rate"])
        and median("members", "rate") >= GOAL_RATE,
        f"forum B's ballots ≤ {GOAL_B_SECONDS:g} s": median("members", "forum_b") <= GOAL_B_SECONDS,
    }


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
