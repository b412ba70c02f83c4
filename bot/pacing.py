"""Pacing bulk sends under Telegram's flood limits: plain token buckets, no I/O.

Telegram allows a bot about 30 messages a second overall, about one a second to one private chat
and 20 a minute to one group. The outbox asks `overall_wait()` and `chat_wait(chat_id)` before
each message (0 means send now) and calls `spend(chat_id)` when it sends. A 429 for one chat
holds that chat only (`hold`), not the whole queue. Every time here is monotonic (`clock`,
injected): a step of the wall clock, back an hour or forward three years, neither stalls the
queue nor ends a hold early.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# A little under the overall ceiling: the bot's answers to members share the same budget.
OVERALL_PER_SECOND = 29.0  # 0.97 of the ceiling: bench/broadcast.py measures it
PRIVATE_PER_SECOND = 1.0
GROUP_PER_MINUTE = 19
EPS = 1e-9  # float dust: a bucket this close to a token has it


@dataclass
class Bucket:
    """`capacity` tokens at most, refilled at `rate` a second of monotonic time (also the
    bot-wide limiter's, app/ratelimit.py)."""

    capacity: float
    rate: float
    tokens: float
    stamp: float

    def level(self, now: float) -> float:
        """The tokens there now; a clock that went back earns nothing and owes nothing."""
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = max(self.stamp, now)
        return self.tokens

    def ready_at(self, need: float, now: float) -> float:
        """When at least `need` tokens will be there."""
        short = need - self.level(now)
        return now if short <= EPS else now + short / self.rate

    def wait(self, now: float) -> float:
        """Seconds until one token is there."""
        tokens = self.level(now)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate


@dataclass
class Pacer:
    """The outbox's buckets: one for the bot as a whole, one per chat, and 429 holds per chat."""

    clock: Callable[[], float]  # monotonic seconds (Services.monotonic)
    overall_per_second: float = OVERALL_PER_SECOND
    private_per_second: float = PRIVATE_PER_SECOND
    group_per_minute: float = GROUP_PER_MINUTE
    overall: bool = True  # False: a bot-wide limiter (app/ratelimit.py) owns the overall budget
    _overall: Bucket | None = None
    _chats: dict[int, Bucket] = field(default_factory=dict)
    _held: dict[int, float] = field(default_factory=dict)  # chat → monotonic time it may resume

    def overall_wait(self) -> float:
        """Seconds until the bot as a whole may send again."""
        if not self.overall:
            return 0.0
        now = self.clock()
        if self._overall is None:
            rate = self.overall_per_second
            self._overall = Bucket(1.0, rate, 1.0, now)  # no burst: an even stream
        return self._overall.wait(now)

    def chat_wait(self, chat_id: int) -> float:
        """Seconds until this chat may receive again (its own bucket, or a 429 hold)."""
        now = self.clock()
        held = self._held.get(chat_id, 0.0) - now
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if chat_id < 0:  # groups and channels have negative ids
                rate = self.group_per_minute / 60
                bucket = Bucket(1.0, rate, 1.0, now)
            else:
                bucket = Bucket(1.0, self.private_per_second, 1.0, now)
            self._chats[chat_id] = bucket
        return max(held, bucket.wait(now))

    def spend(self, chat_id: int) -> None:
        """One message goes out now (call right after both waits returned 0)."""
        if self._overall is not None:
            self._overall.tokens -= 1
        self._chats[chat_id].tokens -= 1

    def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram said 429 with retry_after for this chat: nothing to it for `seconds`."""
        until = self.clock() + seconds
        self._held[chat_id] = max(self._held.get(chat_id, 0.0), until)
