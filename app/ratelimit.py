"""One bot-wide rate limiter that owns Telegram's budget, with priority lanes (issue 16).

PTB's AIORateLimiter serves calls first come, first served and holds *every* call for
retry_after + 0.1 s after any 429: during a broadcast a member's tap waited behind the outbox
(p99 971 ms). Here each call names a lane (`rate_limit_args={"lane": Lane.BULK}`):

1. REPLY, the default: answers to a member's own action (their ballot's edit, a command reply);
2. URGENT: ballots, poll and meeting reminders, results, meeting notices;
3. BULK: announcements, tips, surveys.

- A higher lane always goes first; within a lane, first come first served.
- Telegram's limits are on *messages* (Bot FAQ, "My bot is hitting limits, how do I avoid
  this?", https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
  about 30 a second overall, about one a second in one chat, 20 a minute in one group. So only
  methods that post or edit a message spend tokens (`is_message`); answerCallbackQuery, getMe,
  sendChatAction … go straight through, are never queued and never held.
- The overall bucket refills at 29.5 a second. URGENT and BULK may spend a token only while
  `reserve` (2) tokens stay behind: a reply always finds one at once, and each reply costs the
  outbox exactly one token. The reserve *stands* rather than flows, so a broadcast that nobody
  interrupts still gets the whole 29.5/s (the broadcast benchmark keeps ≥ 0.95× 30/s).
- Per chat: 1/s with a burst of 3 in a private chat, 17/min with a burst of 3 in a group (never
  more than 20 in any minute); and one call at a time per chat and lane, so neither a slow call
  nor a retried one is overtaken in its chat.
- A 429 holds only what it concerns. If we had sent to that chat lately (its bucket was not full
  when the call went out) the limit is the chat's: that chat is held, every lane, since Telegram
  would refuse a reply there too. Otherwise it is the bot-wide limit: URGENT and BULK are held,
  never REPLY. Urgent is held too because Telegram refuses every message until retry_after ends
  and pressing on risks a ban; urgent sends come from the outbox, which can wait. Holds end at
  exactly now + retry_after on the injected monotonic clock: a wall-clock step changes nothing.
- Waiting is a future per call and one timer for the earliest moment anything can go: no polling.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, TypedDict

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.pacing import EPS, Bucket
from handlers.common import retry_seconds

Result = bool | dict[str, Any] | list[dict[str, Any]]
Key = int | str  # a chat: its id, or an @username (only channels and supergroups have one)

OVERALL_PER_SECOND = 29.5  # Telegram's ~30, less a margin for the jitter of the network
RESERVE = 2.0  # overall tokens only replies may take
# Tokens above the reserve. Bulk may go only while the reserve stays behind, so with a burst of
# one it went only when the bucket was full, and every timer that woke late (a busy event loop)
# lost tokens for good: 27.5 msg/s alone where 29.5 were allowed (bench/load.py). Four is slack
# to catch up, yet far below the 30 at once Telegram's own budget (and the fake's) allows.
BURST = 4.0
PRIVATE_PER_SECOND, PRIVATE_BURST = 1.0, 3.0  # Telegram "may allow short bursts": a text and
# its chart, or a few quick taps on a ballot, go at once; 1/s after that
GROUP_PER_MINUTE, GROUP_BURST = 17.0, 3.0  # 3 at once, never more than 20 in any minute
MAX_RETRIES = 3  # as AIORateLimiter(max_retries=3) did
MIN_NAP = 1e-4  # the timer never sleeps less: no spinning on a rounding error
PRUNE_AT = 4096  # idle chat buckets are forgotten past this many


class Lane(IntEnum):
    REPLY = 1
    URGENT = 2
    BULK = 3


class LaneArgs(TypedDict, total=False):
    """What a call may pass as `rate_limit_args`."""

    lane: int  # a Lane; REPLY when absent
    max_retries: int  # tries after a 429 before RetryAfter is raised; the limiter's when absent


def is_message(endpoint: str) -> bool:
    """Does this Bot API method post or edit a message (what Telegram's limits count)?"""
    prefixes = ("send", "editMessage", "copyMessage", "forwardMessage", "stopPoll")
    return endpoint.startswith(prefixes) and endpoint != "sendChatAction"


def chat_key(chat_id: object) -> Key | None:
    """The chat a call goes to, as AIORateLimiter reads it (an int given as a string included)."""
    if chat_id is None or isinstance(chat_id, int):
        return chat_id
    try:
        return int(str(chat_id))
    except ValueError:
        return str(chat_id)


@dataclass(eq=False)
class Ticket:
    """One call waiting for its turn (or for its retry)."""

    lane: int  # 0: not a message, never metered
    chat: Key | None
    go: asyncio.Future[None]
    not_before: float = 0.0  # a retry waits out its own retry_after, whatever its lane
    warm: bool = False  # the chat had other messages lately: a 429 is then the chat's


class LaneRateLimiter(BaseRateLimiter[LaneArgs]):
    """Telegram's budget for the whole bot, shared out by lane. See the module docstring.

    Wiring: `ApplicationBuilder().rate_limiter(LaneRateLimiter(clock=..., sleep=...))`, with the
    clock and sleep the outbox uses, so tests run it on virtual time."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_retries: int = MAX_RETRIES,
        overall_per_second: float = OVERALL_PER_SECOND,
        reserve: float = RESERVE,
        burst: float = BURST,
    ) -> None:
        self.clock, self.sleep, self.max_retries = clock, sleep, max_retries
        self.overall_per_second, self.reserve, self.burst = overall_per_second, reserve, burst
        self.queues: dict[int, deque[Ticket]] = {lane: deque() for lane in (0, *Lane)}
        self.overall: Bucket | None = None
        self.chats: dict[Key, Bucket] = {}
        self.chat_held: dict[Key, float] = {}  # chat → when it may receive again
        self.bulk_held = 0.0  # when URGENT and BULK may go again
        self.busy: dict[tuple[Key, int], Ticket] = {}  # (chat, lane) → its call in flight
        self.timer: asyncio.Task[None] | None = None
        self.timer_at = float("inf")
        self.prune_at = PRUNE_AT

    async def initialize(self) -> None:
        """Nothing to open: buckets are made on first use."""

    async def shutdown(self) -> None:
        """Stop the timer; calls still waiting are cancelled with their update or job."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: LaneArgs | None,
    ) -> Result:
        """Wait for the call's turn, make it, and retry a 429 after exactly its retry_after."""
        options = rate_limit_args or {}
        lane = int(options.get("lane", Lane.REPLY)) if is_message(endpoint) else 0
        retries = options.get("max_retries", self.max_retries)
        go = asyncio.get_running_loop().create_future()
        ticket = Ticket(lane, chat_key(data.get("chat_id")) if lane else None, go)
        try:
            for attempt in range(retries + 1):
                if attempt:  # a retry keeps its place: it went before those now waiting
                    self.queues[lane].appendleft(ticket)
                else:
                    self.queues[lane].append(ticket)
                self.pump()
                await ticket.go
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as exc:
                    wait = retry_seconds(exc.retry_after)
                    ticket.not_before = self.clock() + wait
                    self.hold(ticket, ticket.not_before)
                    if attempt == retries:
                        raise
                    ticket.go = asyncio.get_running_loop().create_future()
            raise AssertionError("unreachable: the last try returns or raises")
        finally:
            if ticket in self.queues[lane]:  # cancelled while waiting
                self.queues[lane].remove(ticket)
            if ticket.chat is not None and self.busy.get((ticket.chat, lane)) is ticket:
                del self.busy[ticket.chat, lane]
            self.pump()

    def hold(self, ticket: Ticket, until: float) -> None:
        """A 429: hold what it concerns (see the module docstring) until `until`."""
        if ticket.lane == 0:
            return  # not a message: only the call itself waits (not_before)
        if ticket.chat is not None and ticket.warm:
            self.chat_held[ticket.chat] = max(self.chat_held.get(ticket.chat, 0.0), until)
        else:
            self.bulk_held = max(self.bulk_held, until)

    def pump(self) -> None:
        """Let go every call that may go now, highest lane first; arm the timer for the rest."""
        now = self.clock()
        wake = float("inf")
        for lane, queue in self.queues.items():
            waiting: deque[Ticket] = deque()
            while queue:
                ticket = queue.popleft()
                if ticket.go.done():  # its caller was cancelled; its `finally` has yet to run
                    continue
                at = self.ready_at(ticket, now)
                if at <= now + EPS:
                    self.spend(ticket, now)
                    ticket.go.set_result(None)
                    continue
                waiting.append(ticket)
                wake = min(wake, at)
                if lane and (token := self.overall_ready_at(lane, now)) > now + EPS:
                    wake = min(wake, token)  # nobody else in this lane has a token before
                    break
            waiting.extend(queue)
            self.queues[lane] = waiting
        self.arm(wake, now)

    def overall_ready_at(self, lane: int, now: float) -> float:
        if self.overall is None:
            capacity = self.reserve + self.burst
            self.overall = Bucket(capacity, self.overall_per_second, capacity, now)
        need = 1.0 if lane == Lane.REPLY else 1.0 + self.reserve
        return self.overall.ready_at(need, now)

    def ready_at(self, ticket: Ticket, now: float) -> float:
        """The earliest moment this call may go (inf: wait for its chat's call in flight)."""
        at = ticket.not_before
        if ticket.lane == 0:
            return at
        if ticket.lane != Lane.REPLY:
            at = max(at, self.bulk_held)
        at = max(at, self.overall_ready_at(ticket.lane, now))
        if ticket.chat is not None:
            owner = self.busy.get((ticket.chat, ticket.lane))
            if owner is not None and owner is not ticket:
                return float("inf")
            at = max(at, self.chat_held.get(ticket.chat, 0.0))
            at = max(at, self.chat_bucket(ticket.chat, now).ready_at(1.0, now))
        return at

    def chat_bucket(self, chat: Key, now: float) -> Bucket:
        bucket = self.chats.get(chat)
        if bucket is None:
            if isinstance(chat, str) or chat < 0:  # groups, supergroups, channels
                bucket = Bucket(GROUP_BURST, GROUP_PER_MINUTE / 60, GROUP_BURST, now)
            else:
                bucket = Bucket(PRIVATE_BURST, PRIVATE_PER_SECOND, PRIVATE_BURST, now)
            self.chats[chat] = bucket
        return bucket

    def spend(self, ticket: Ticket, now: float) -> None:
        """The call goes now: its tokens are spent, its chat and lane marked busy."""
        if ticket.lane == 0:
            return
        assert self.overall is not None  # ready_at made it
        self.overall.tokens -= 1
        if ticket.chat is not None:
            bucket = self.chat_bucket(ticket.chat, now)
            ticket.warm = ticket.warm or bucket.level(now) < bucket.capacity - EPS
            bucket.tokens -= 1
            self.busy[ticket.chat, ticket.lane] = ticket
            if len(self.chats) > self.prune_at:
                self.prune(now)

    def prune(self, now: float) -> None:
        """Forget chats that are idle, full and unheld: a bucket made again is the same."""
        in_use = {chat for chat, _ in self.busy}
        for chat, bucket in list(self.chats.items()):
            idle = bucket.level(now) >= bucket.capacity and chat not in in_use
            if idle and self.chat_held.get(chat, 0.0) <= now:
                del self.chats[chat]
                self.chat_held.pop(chat, None)
        self.prune_at = max(PRUNE_AT, 2 * len(self.chats))

    def arm(self, wake: float, now: float) -> None:
        """One timer, for the earliest moment a waiting call may go; none if nothing waits."""
        if wake == float("inf") or (self.timer is not None and self.timer_at <= wake + EPS):
            return
        if self.timer is not None:
            self.timer.cancel()
        self.timer_at = wake
        self.timer = asyncio.get_running_loop().create_task(self.nap(max(wake - now, MIN_NAP)))

    async def nap(self, seconds: float) -> None:
        await self.sleep(seconds)
        self.timer, self.timer_at = None, float("inf")
        self.pump()
