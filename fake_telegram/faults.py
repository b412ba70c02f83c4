"""Fault injection (scripted failures) and a Telegram-like flood-control model."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from .wire import ApiError

# Methods that post or change visible messages; Telegram's flood limits apply to these.
SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "copyMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
    }
)

DEFAULT_DESCRIPTION = "Internal Server Error"


@dataclass
class FaultRule:
    """One scripted failure: the next `times` calls matching (method, chat_id) fail.

    A timeout comes in two kinds, as on the real network: the request is lost before Telegram
    sees it (`delivered` False), or Telegram carries it out and the answer is lost on the way
    back (`delivered` True): the message is in the chat although the client saw a timeout.
    """

    method: str | None
    chat_id: int | str | None
    error_code: int
    description: str
    retry_after: int | None
    migrate_to_chat_id: int | None
    timeout: bool
    times: int
    delivered: bool = False  # with `timeout`: carried out first, then the answer is lost

    def matches(self, method: str, chat_id: object) -> bool:
        """Whether this rule applies to a call; method None means any method but getUpdates."""
        if self.method is None:
            # The background poller would otherwise swallow faults meant for the bot's sends.
            if method == "getUpdates":
                return False
        elif self.method.lower() != method.lower():
            return False
        return self.chat_id is None or self.chat_id == chat_id

    def error(self) -> ApiError:
        """The Bot API error this rule produces."""
        parameters: dict[str, int] = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        return ApiError(self.error_code, self.description, parameters or None)


class Faults:
    """The queue of scripted failures, consumed first-registered first."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []

    def add(
        self,
        method: str | None,
        chat_id: int | str | None,
        *,
        error_code: int,
        description: str,
        retry_after: int | None,
        migrate_to_chat_id: int | None,
        timeout: bool,
        times: int,
        delivered: bool = False,
    ) -> None:
        """Register a rule; fill in Telegram's wording when only a retry/migration is given."""
        if delivered and not timeout:
            raise ValueError("delivered=True describes a timeout: pass timeout=True as well")
        if retry_after is not None and error_code == 500:
            error_code = 429
        if migrate_to_chat_id is not None and error_code == 500:
            error_code = 400
        if description == DEFAULT_DESCRIPTION:
            if retry_after is not None:
                description = f"Too Many Requests: retry after {retry_after}"
            elif migrate_to_chat_id is not None:
                description = "Bad Request: group chat was upgraded to a supergroup chat"
            elif error_code != 500:
                description = _generic_description(error_code)
        self.rules.append(
            FaultRule(
                method,
                chat_id,
                error_code,
                description,
                retry_after,
                migrate_to_chat_id,
                timeout,
                times,
                delivered,
            )
        )

    def take(self, method: str, chat_id: object) -> FaultRule | None:
        """Consume and return the first rule matching this call, if any."""
        for rule in self.rules:
            if rule.times > 0 and rule.matches(method, chat_id):
                rule.times -= 1
                if rule.times == 0:
                    self.rules.remove(rule)
                return rule
        return None


def _generic_description(code: int) -> str:
    """Telegram's usual description prefix for an error code."""
    return {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        409: "Conflict",
        429: "Too Many Requests",
        502: "Bad Gateway",
    }.get(code, DEFAULT_DESCRIPTION)


@dataclass
class TokenBucket:
    """Classic token bucket: `capacity` burst, refilled at `rate` tokens per second."""

    capacity: float
    rate: float
    tokens: float
    stamp: float

    def refill(self, now: float) -> None:
        """Add the tokens earned since the last look."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait(self) -> float:
        """Seconds until one token is available (0 if one is)."""
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class FloodModel:
    """Telegram-like flood control: global, per-private-chat and per-group token buckets."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        global_per_second: float = 30.0,
        private_per_second: float = 1.0,
        private_burst: int = 3,
        group_per_minute: int = 20,
    ) -> None:
        self.clock = clock
        self.enabled = False  # off by default: most tests want no flood control
        self.global_per_second = global_per_second
        self.private_per_second = private_per_second
        self.private_burst = private_burst
        self.group_per_minute = group_per_minute
        self.accepted: Counter[int | str] = Counter()  # per chat id, for benchmarks
        self.rejected: Counter[int | str] = Counter()
        self._global: TokenBucket | None = None
        self._chats: dict[int | str, TokenBucket] = {}

    def reset(self) -> None:
        """Forget buckets and counters."""
        self.accepted.clear()
        self.rejected.clear()
        self._global = None
        self._chats.clear()

    def _bucket(self, chat_id: int | str, now: float) -> TokenBucket:
        """The bucket of one chat; groups (negative ids) get the per-minute allowance."""
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if isinstance(chat_id, int) and chat_id < 0:
                cap, rate = float(self.group_per_minute), self.group_per_minute / 60.0
            else:
                cap, rate = float(self.private_burst), self.private_per_second
            bucket = self._chats[chat_id] = TokenBucket(cap, rate, cap, now)
        return bucket

    def check(self, method: str, chat_id: object) -> None:
        """Admit one call or raise 429 with retry_after from when the bucket refills."""
        if not self.enabled or method not in SENDING_METHODS or chat_id is None:
            return
        key: int | str = chat_id if isinstance(chat_id, int | str) else str(chat_id)
        now = self.clock()
        if self._global is None:
            rate = self.global_per_second
            self._global = TokenBucket(rate, rate, rate, now)
        buckets = [self._global, self._bucket(key, now)]
        for bucket in buckets:
            bucket.refill(now)
        wait = max(bucket.wait() for bucket in buckets)
        if wait > 0:
            self.rejected[key] += 1
            retry = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        for bucket in buckets:
            bucket.tokens -= 1  # only admitted calls spend tokens
        self.accepted[key] += 1

    def stats(self) -> dict[int | str, tuple[int, int]]:
        """(accepted, rejected) per chat id."""
        keys = set(self.accepted) | set(self.rejected)
        return {key: (self.accepted[key], self.rejected[key]) for key in keys}
