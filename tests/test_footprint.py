"""The bot stays light: nothing heavy loads at start, charts are drawn in a worker process that
never outlives its use (bot/chart_worker.py; measured in bench/footprint.py), and a ballot tap
makes few trips to the database (bench/taps.py).

Each check runs in a fresh interpreter: this one has loaded everything already.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiosqlite

from tests.harness import join, new_forum, new_poll, running_bot
from tests.test_polls import POLL, ballot

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("numpy", "matplotlib", "icalendar", "PIL")

DRAW = """
import asyncio, os, sys
from bot import chart_worker
from bot.poll_report import PollCount
from bot.ranking import tally

chart_worker._WORKER = chart_worker._Worker(idle=float(sys.argv[1]))
count = PollCount(tally(2, [[0, 1], [1]]), {})
png = asyncio.run(chart_worker.draw_chart(["A", "B"], count, {}, "Borda", "Poll 1", "Q?", "en"))
assert png.startswith(b"\\x89PNG"), png[:8]
print(chart_worker._WORKER._process.pid, flush=True)
print(*sorted(m for m in {HEAVY} if m in sys.modules), flush=True)
if sys.argv[2] == "stop":
    chart_worker.stop_worker()
elif sys.argv[2] == "stay":
    sys.stdin.readline()  # alive, the worker idle, until the test is done
elif sys.argv[2] == "die":
    os.kill(os.getpid(), 9)  # no cleanup of any kind: the worker must notice alone
"""


def _python(*argv: str) -> subprocess.Popen[str]:
    pipe = subprocess.PIPE
    return subprocess.Popen([sys.executable, *argv], cwd=ROOT, stdin=pipe, stdout=pipe, text=True)


def _exits(pid: int, seconds: float) -> bool:
    """Whether process `pid` (not our child: we cannot wait for it) ends within `seconds`."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([fd], [], [], seconds)[0])
    finally:
        os.close(fd)


def test_start_loads_no_chart_count_or_calendar_library() -> None:
    """numpy (~13 MB), matplotlib and icalendar wait for the first count, chart or calendar."""
    check = f"import main, app.wiring, sys; print(*[m for m in {HEAVY} if m in sys.modules])"
    out, _ = _python("-c", check).communicate(timeout=60)
    assert out.split() == []


def test_a_chart_is_drawn_in_a_worker_that_stops_when_asked() -> None:
    """The PNG comes back, the bot's process never loads matplotlib, stop_worker ends it."""
    bot = _python("-c", DRAW.replace("{HEAVY}", repr(HEAVY)), "60", "stop")
    out, _ = bot.communicate(timeout=60)
    assert bot.returncode == 0
    pid, heavy = out.split("\n")[:2]
    assert heavy.split() == ["numpy"]  # the count ran here; the drawing did not
    assert _exits(int(pid), 10)


def test_an_idle_worker_exits_by_itself() -> None:
    """The bot still runs; its worker, idle for IDLE_SECONDS (here 0.2 s), ends."""
    bot = _python("-c", DRAW.replace("{HEAVY}", repr(HEAVY)), "0.2", "stay")
    assert bot.stdout is not None
    pid = int(bot.stdout.readline())
    try:
        assert _exits(pid, 10)
        assert bot.poll() is None
    finally:
        bot.communicate("done\n", timeout=60)


def test_a_worker_exits_when_the_bot_is_killed() -> None:
    """Killed (SIGKILL: no shutdown hook runs), the bot leaves no worker behind: its pipe closes."""
    bot = _python("-c", DRAW.replace("{HEAVY}", repr(HEAVY)), "600", "die")
    out, _ = bot.communicate(timeout=60)
    assert bot.returncode == -9
    assert _exits(int(out.split("\n")[0]), 10)


async def test_a_ballot_tap_takes_seven_trips_to_the_database(tmp_path, fake, monkeypatch) -> None:
    """Each trip to aiosqlite's thread costs ~0.2 ms, more than the query: a rank and an undo
    take 7 (the actor 2, the poll and the voter check 1, the ballot 1, the options 1, the
    draft 1, the poll's languages 1), where they took 13 (bench/TAP_PROFILE.md)."""
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada = fake.add_user("Ada")
        code, _ = await new_forum(bot, ada)
        voter = fake.add_user("Bo")
        await join(bot, voter, code)
        await new_poll(bot, ada, POLL)
        trips: list[str] = []
        execute = aiosqlite.Connection._execute

        async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
            trips.append(getattr(fn, "__name__", repr(fn)))
            return await execute(self, fn, *args, **kwargs)

        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
        for button in ("1.", "↩ Undo"):
            trips.clear()
            calls = await bot.tap(voter, button, message_id=ballot(bot, voter)["message_id"])
            assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
            assert len(trips) == 7, (button, trips)
