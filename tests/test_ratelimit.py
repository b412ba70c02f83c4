"""The bot-wide rate limiter (app/ratelimit.py), driven directly on virtual time.

Each test attacks one promise: a reply never waits behind bulk, bulk never takes the reserve,
the budget holds over a minute, a 429 holds only what it concerns, retry_after is honoured
exactly on the monotonic clock, per-chat order survives a retry. Calls go to fake callbacks
that record the virtual time they ran at; the last test runs PTB's ExtBot against the fake Bot
API with its flood model on.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
import time
from datetime import timedelta

import pytest
from telegram.error import RetryAfter
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from app.ratelimit import (
    BURST,
    OVERALL_PER_SECOND,
    PRIVATE_BURST,
    RESERVE,
    Lane,
    LaneArgs,
    LaneRateLimiter,
)
from fake_telegram import FakeTelegram, FakeTransport
from tests.harness import close_poll, running_bot
from tests.test_announce import TEXT, crowd
from tests.test_polls import POLL

START = 1000.0


class VirtualTime:
    """A monotonic clock that moves only when every task is waiting: sleepers wake in order."""

    def __init__(self, rounds: int = 30) -> None:
        self.now = START
        self.rounds = rounds  # loop turns that let every runnable task reach its next wait
        self.naps = 0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.naps += 1
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), future))
        await future

    async def settle(self) -> None:
        for _ in range(self.rounds):
            await asyncio.sleep(0)

    async def run_until(self, moment: float) -> None:
        await self.settle()
        while self._sleepers and self._sleepers[0][0] <= moment:
            at, _, future = heapq.heappop(self._sleepers)
            if not future.done():  # a timer cancelled for an earlier one
                self.now = max(self.now, at)
                future.set_result(None)
                await self.settle()
        self.now = max(self.now, moment)
        await self.settle()


class Telegram:
    """Fake callbacks: each records (virtual time, label) when it runs, or raises a 429."""

    def __init__(self, time: VirtualTime) -> None:
        self.time = time
        self.sent: list[tuple[float, str]] = []
        self.refused: list[tuple[float, str]] = []
        self.refuse: dict[str, list[float]] = {}  # label → retry_after of its next tries
        self.slow: dict[str, float] = {}  # label → seconds on the wire before it is delivered

    def labels(self, prefix: str = "") -> list[str]:
        return [label for _, label in self.sent if label.startswith(prefix)]

    def at(self, label: str) -> float:
        return next(t for t, sent in self.sent if sent == label)


@pytest.fixture
def vt() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
def tg(vt: VirtualTime) -> Telegram:
    return Telegram(vt)


@pytest.fixture
def limiter(vt: VirtualTime) -> LaneRateLimiter:
    """A burst of one above the reserve, so the tests can count token by token; the deployed
    burst (BURST) gets the budget test too."""
    return LaneRateLimiter(clock=vt.clock, sleep=vt.sleep, burst=1.0)


def submit(
    limiter: LaneRateLimiter,
    tg: Telegram,
    label: str,
    chat: int | None,
    lane: Lane | None = None,
    endpoint: str = "sendMessage",
    max_retries: int | None = None,
) -> asyncio.Task[object]:
    """A call as ExtBot makes it: `data` holds chat_id, `rate_limit_args` the lane."""

    async def callback() -> bool:
        if tg.refuse.get(label):
            tg.refused.append((tg.time.now, label))
            raise RetryAfter(timedelta(seconds=tg.refuse[label].pop(0)))
        if label in tg.slow:
            await tg.time.sleep(tg.slow[label])
        tg.sent.append((tg.time.now, label))
        return True

    args: LaneArgs = {}
    if lane is not None:
        args["lane"] = lane
    if max_retries is not None:
        args["max_retries"] = max_retries
    data = {} if chat is None else {"chat_id": chat}
    request = limiter.process_request(callback, (), {}, endpoint, data, args or None)
    return asyncio.ensure_future(request)


async def test_a_reply_behind_100_bulk_calls_goes_first(vt, tg, limiter):
    for i in range(100):
        submit(limiter, tg, f"bulk {i:03}", 1000 + i, Lane.BULK)
    await vt.run_until(START + 0.5)
    assert 10 < len(tg.sent) < 20  # the broadcast is under way, ~85 calls still wait
    submit(limiter, tg, "urgent", 5000, Lane.URGENT)
    submit(limiter, tg, "reply", 7000)  # no lane: a reply
    await vt.settle()
    assert tg.sent[-1] == (vt.now, "reply")  # at once, not after a token
    await vt.run_until(START + 10)
    after = tg.labels()[tg.labels().index("reply") + 1 :]
    assert after[0] == "urgent"  # a higher lane first
    assert tg.labels("bulk") == sorted(tg.labels("bulk"))  # first come, first served
    assert len(tg.labels("bulk")) == 100


async def test_bulk_and_urgent_never_take_the_reserve(vt, tg, limiter):
    for i in range(400):
        submit(limiter, tg, f"bulk {i}", 1000 + i, Lane.BULK)
        submit(limiter, tg, f"urgent {i}", 5000 + i, Lane.URGENT)
    rng, moment = random.Random(16), START
    for i in range(30):  # replies at uneven moments, never two within 0.1 s
        moment += rng.uniform(0.1, 0.6)
        await vt.run_until(moment)
        submit(limiter, tg, f"reply {i}", 9000 + i)
        await vt.settle()
        assert tg.at(f"reply {i}") == moment, "a reply waited for a token"
    assert len(tg.sent) >= OVERALL_PER_SECOND * (moment - START)  # bulk lost only the replies
    assert tg.labels("bulk") == ["bulk 0"]  # it went before "urgent 0" came; urgent since


@pytest.mark.parametrize("burst", [1.0, BURST])
async def test_the_budget_holds_over_a_minute(vt, tg, burst):
    limiter = LaneRateLimiter(clock=vt.clock, sleep=vt.sleep, burst=burst)
    capacity = RESERVE + burst
    for i in range(2000):
        submit(limiter, tg, f"bulk {i}", 1000 + i, Lane.BULK)
    for i in range(300):
        submit(limiter, tg, f"urgent {i}", 5000 + i, Lane.URGENT)
    for step in range(600):  # every 0.1 s: an answer to a tap, and every 0.5 s a reply
        await vt.run_until(START + step / 10)
        submit(limiter, tg, f"answer {step}", None, endpoint="answerCallbackQuery")
        if step % 5 == 0:
            submit(limiter, tg, f"reply {step}", 9000 + step, endpoint="editMessageText")
    await vt.run_until(START + 60)
    answers = [t for t, label in tg.sent if label.startswith("answer")]
    assert answers == [START + step / 10 for step in range(600)]  # not queued, not counted
    messages = [t for t, label in tg.sent if not label.startswith("answer")]
    assert len(messages) <= capacity + OVERALL_PER_SECOND * 60
    assert len(messages) >= OVERALL_PER_SECOND * 60 - 1  # and the budget is used
    ends = iter(range(1, len(messages) + 1))
    end = next(ends)
    for first, start in enumerate(messages):  # every window of one second
        while end < len(messages) and messages[end] < start + 1:
            end = next(ends)
        assert end - first <= capacity + OVERALL_PER_SECOND
    assert vt.naps <= 1.05 * len(messages)  # one timer per release at most: no polling


async def test_a_per_chat_429_holds_only_that_chat(vt, tg, limiter):
    tg.refuse["x2"] = [5]
    for label in ("x1", "x2", "x3"):  # x2 follows x1 closely: a 429 then is the chat's own
        submit(limiter, tg, label, 42, Lane.URGENT)
    for i in range(400):
        submit(limiter, tg, f"bulk {i}", 1000 + i, Lane.BULK)
    await vt.run_until(START + 1)
    [(refused, _)] = tg.refused
    submit(limiter, tg, "reply to x", 42)
    submit(limiter, tg, "reply to y", 43)
    await vt.settle()
    assert tg.at("reply to y") == START + 1  # another chat: not held
    await vt.run_until(START + 7)
    assert tg.at("reply to x") == refused + 5  # Telegram would refuse it there before
    assert refused + 5 < tg.at("x2") < refused + 5.1  # after the reply, at the next token
    chat = [label for _, label in tg.sent if label in {"x1", "x2", "x3", "reply to x"}]
    assert chat == ["x1", "reply to x", "x2", "x3"]
    bulk = [t for t, label in tg.sent if label.startswith("bulk") and t < refused + 5]
    assert len(bulk) >= OVERALL_PER_SECOND * (refused + 5 - START) - 4  # it never paused


async def test_a_held_chat_does_not_block_its_lane(vt, tg, limiter):
    tg.refuse["x2"] = [10]
    for label in ("x1", "x2", "x3"):  # x2 and x3 wait 10 s for their chat, at the lane's head
        submit(limiter, tg, label, 42, Lane.URGENT)
    for i in range(10):
        submit(limiter, tg, f"y{i}", 100 + i, Lane.URGENT)
    await vt.run_until(START + 1)
    assert tg.labels("y") == [f"y{i}" for i in range(10)]  # at the pace of the budget


async def test_a_global_429_holds_urgent_and_bulk_but_never_replies(vt, tg, limiter):
    tg.refuse["cold"] = [3]
    submit(limiter, tg, "cold", 77, Lane.URGENT)  # nothing sent there lately: the bot's limit
    for i in range(100):
        submit(limiter, tg, f"bulk {i}", 1000 + i, Lane.BULK)
        submit(limiter, tg, f"urgent {i}", 5000 + i, Lane.URGENT)
    await vt.run_until(START + 1)
    assert tg.refused == [(START, "cold")]
    assert tg.sent == []
    submit(limiter, tg, "reply", 43)
    submit(limiter, tg, "reply in the same chat", 77)
    submit(limiter, tg, "answer", None, endpoint="answerCallbackQuery")
    await vt.settle()
    replies = ["reply", "reply in the same chat", "answer"]
    assert tg.sent == [(START + 1, label) for label in replies]
    await vt.run_until(START + 5)
    rest = [(t, label) for t, label in tg.sent if label not in replies]
    assert rest[:2] == [(START + 3, "cold"), (START + 3 + 1 / OVERALL_PER_SECOND, "urgent 0")]


async def test_retry_after_is_exact_on_the_monotonic_clock(vt, tg, limiter, monkeypatch):
    tg.refuse["late"] = [7]
    submit(limiter, tg, "late", 50, Lane.BULK)
    await vt.run_until(START + 1)
    wall = time.time()
    monkeypatch.setattr(time, "time", lambda: wall - 3600)  # NTP sets the wall clock back
    await vt.run_until(START + 6.999)
    assert tg.labels() == []
    monkeypatch.setattr(time, "time", lambda: wall + 3 * 365 * 86400)  # and three years ahead
    await vt.run_until(START + 8)
    assert tg.sent == [(START + 7, "late")]  # not +0.1 (AIORateLimiter), not at the step


async def test_per_chat_order_survives_a_retry(vt, tg, limiter):
    tg.refuse["m1"] = [2, 1]
    for i in range(6):
        submit(limiter, tg, f"m{i}", 60, Lane.BULK)
    tg.refuse["r0"], tg.slow["s0"] = [1], 0.5
    for label in ("r0", "r1"):  # two replies to a quiet chat: r0's 429 is the bot's limit
        submit(limiter, tg, label, 61)
    for label in ("s0", "s1"):  # s0 is slow on the wire: s1 must not overtake it
        submit(limiter, tg, label, 62, Lane.URGENT)
    for i in range(30):
        submit(limiter, tg, f"g{i:02}", -100, Lane.URGENT)  # a group: 20 a minute at most
    await vt.run_until(START + 120)
    assert tg.labels("m") == [f"m{i}" for i in range(6)]
    assert tg.labels("r") == ["r0", "r1"]
    assert tg.labels("s") == ["s0", "s1"]
    first, again = (t for t, label in tg.refused if label == "m1")
    assert first + 2 <= again < first + 2.1  # held 2 s, then the next token of its lane
    assert again + 1 <= tg.at("m1") < again + 1.1  # refused again: held 1 s more
    private = [t for t, label in tg.sent if label.startswith("m")]
    burst = int(PRIVATE_BURST)  # at once at most; then one a second
    assert all(c - a >= 1 - 1e-9 for a, c in zip(private, private[burst:], strict=False))
    group = [t for t, label in tg.sent if label.startswith("g")]
    assert tg.labels("g") == sorted(tg.labels("g"))
    assert all(sum(t0 <= t < t0 + 60 for t in group) <= 20 for t0 in group)


async def test_retries_end_in_retry_after(vt, tg, limiter):
    tg.refuse["stubborn"] = [1] * 10
    tg.refuse["once"] = [1] * 10
    stubborn = submit(limiter, tg, "stubborn", 70, Lane.BULK)
    once = submit(limiter, tg, "once", 71, Lane.BULK, max_retries=0)
    await vt.run_until(START + 10)
    with pytest.raises(RetryAfter):
        stubborn.result()
    with pytest.raises(RetryAfter):
        once.result()
    assert tg.refuse["stubborn"] == [1] * 6  # max_retries=3: four tries
    assert tg.refuse["once"] == [1] * 9
    submit(limiter, tg, "next", 70, Lane.BULK)  # the chat is not left busy
    await vt.run_until(START + 20)
    assert tg.labels() == ["next"]


async def test_a_cancelled_call_leaves_no_trace(vt, tg, limiter):
    for i in range(3):
        submit(limiter, tg, f"bulk {i}", 80, Lane.BULK)
    waiting = submit(limiter, tg, "cancelled", 80, Lane.BULK)
    submit(limiter, tg, "after", 80, Lane.BULK)
    await vt.settle()
    waiting.cancel()
    await vt.run_until(START + 10)
    assert tg.labels() == ["bulk 0", "bulk 1", "bulk 2", "after"]
    submit(limiter, tg, "due", 81, Lane.BULK)
    late = submit(limiter, tg, "late", 82, Lane.BULK)  # waits for a token, 1/29.5 s
    await vt.settle()
    vt.now += 1  # its moment came, and its caller is cancelled in the same turn
    late.cancel()
    limiter.pump()  # before the cancelled call ran its `finally`: it is skipped, not woken
    submit(limiter, tg, "later", 82, Lane.BULK)
    await vt.run_until(START + 20)
    assert tg.labels()[-2:] == ["due", "later"]


async def test_ptb_passes_the_lane_and_the_fake_never_floods():
    clock = VirtualTime(rounds=400)  # an HTTP round trip through httpx takes many turns
    fake = FakeTelegram(clock=clock.clock)
    fake.flood.enabled = True
    members = [fake.add_user(f"Member {i}") for i in range(120)]
    limiter = LaneRateLimiter(clock=clock.clock, sleep=clock.sleep)
    request = HTTPXRequest(httpx_kwargs={"transport": FakeTransport(fake)})
    bot: ExtBot[LaneArgs] = ExtBot(
        fake.token, base_url="https://fake.telegram.test/bot", request=request,
        rate_limiter=limiter,
    )  # fmt: skip
    await bot.initialize()
    sends = [bot.send_message(m.id, "news", rate_limit_args={"lane": Lane.BULK}) for m in members]
    tasks = [asyncio.ensure_future(send) for send in sends]
    await clock.run_until(START + 1)
    reply = asyncio.ensure_future(bot.send_message(members[-1].id, "your answer"))
    await clock.settle()
    assert reply.done()  # before the 90 bulk messages still waiting
    await clock.run_until(START + 10)
    assert all(task.done() and not task.exception() for task in tasks)
    assert not fake.flood.rejected  # no 429 from the flood model
    await bot.shutdown()


async def test_the_wired_bot_names_each_calls_lane(tmp_path, monkeypatch):
    """As deployed (build_application with rate_limit): the outbox sends an announcement in the
    bulk lane, a poll's ballots and their edits at its close in the urgent one (thousands of
    direct edits in the reply lane would go before every member's tap), without retries inside
    the limiter
    (a 429 goes back to the outbox, which keeps the row); the coordinator's replies, and the
    limiter's unmetered calls, in the reply lane."""
    seen: list[tuple[str, int | None, LaneArgs | None]] = []
    through = LaneRateLimiter.process_request

    async def spy(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        seen.append((endpoint, data.get("chat_id"), rate_limit_args))
        return await through(self, callback, args, kwargs, endpoint, data, rate_limit_args)

    monkeypatch.setattr(LaneRateLimiter, "process_request", spy)
    async with running_bot(tmp_path, admins=[1001], rate_limit=True) as bot:
        fake = bot.fake
        ada = fake.add_user("Ada", username="ada", user_id=1001)
        ids = await crowd(bot, fake, ada, 3)
        assert isinstance(bot.app.bot.rate_limiter, LaneRateLimiter)
        await bot.send(ada, f"/announce\n{TEXT}")
        await bot.tap(ada, "✅ Send to")
        await bot.send(ada, POLL)
        await bot.tap(ada, "✅ Send")
        await close_poll(bot, ada)  # every ballot is edited to say so

    for member in ids:  # all from the outbox: the announcement, the ballot, then at the close
        calls = [(e, a) for e, c, a in seen if c == member]  # the results and the ballot's edit
        assert calls == [
            ("sendMessage", {"lane": Lane.BULK, "max_retries": 0}),
            ("sendMessage", {"lane": Lane.URGENT, "max_retries": 0}),
            ("sendMessage", {"lane": Lane.URGENT, "max_retries": 0}),
            ("editMessageText", {"lane": Lane.URGENT, "max_retries": 0}),
        ], calls
    answers = [(e, a) for e, c, a in seen if c == ada.id and a is None]
    assert ("sendMessage", None) in answers  # her previews, the progress message: replies
    assert ("editMessageReplyMarkup", None) in answers
