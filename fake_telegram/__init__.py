"""A fake Telegram Bot API server for tests, the demo and benchmarks.

One implementation, two ways in: `FakeTransport` (in-process httpx transport, no socket) and
`serve()` (a tornado HTTP server on loopback). Both speak the real Bot API wire format, so
python-telegram-bot's own `HTTPXRequest`, `Bot` and `Application` run against it unchanged.

A leaf package: it imports only the standard library and third-party packages (PTB for
Telegram's limits, httpx, tornado), never the bot, so it can fake Telegram for any bot and
`tests/test_fake_telegram_leaf.py` keeps it that way.

The parts, flat rather than stacked: `world` (users, chats, stored messages, recorded calls)
with its `update_queue`; one module per area holding that area's Bot API methods as a table of
functions of the world (`messages`, `callbacks`, `chats`, `files`, `updates`) and what users do
there; `faults` (scripted failures, flood control); `views` (what tests read); `server` (the
`FakeTelegram` that merges the tables and dispatches by method name); `wire` and `markup`
(encoding, Telegram's HTML); `transport` (httpx and HTTP); `drive` (waiting for a bot under test);
`control` (`python -m fake_telegram`: the fake in a process of its own, driven over HTTP).
"""

from .drive import settle
from .faults import SENDING_METHODS, FloodModel
from .markup import parse_html, to_html
from .server import FakeTelegram
from .transport import FakeHTTPServer, FakeTransport, serve
from .wire import ApiError, InjectedTimeout
from .world import Call, FakeChat, FakeUser

__all__ = [
    "SENDING_METHODS",
    "ApiError",
    "Call",
    "FakeChat",
    "FakeHTTPServer",
    "FakeTelegram",
    "FakeTransport",
    "FakeUser",
    "FloodModel",
    "InjectedTimeout",
    "parse_html",
    "serve",
    "settle",
    "to_html",
]
