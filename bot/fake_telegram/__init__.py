"""A fake Telegram Bot API server for tests, the demo and benchmarks.

One implementation, two ways in: `FakeTransport` (in-process httpx transport, no socket) and
`serve()` (a tornado HTTP server on loopback). Both speak the real Bot API wire format, so
python-telegram-bot's own `HTTPXRequest`, `Bot` and `Application` run against it unchanged.
"""

from .drive import settle
from .faults import SENDING_METHODS, FloodModel
from .markup import parse_html, to_html
from .methods import FakeTelegram
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
