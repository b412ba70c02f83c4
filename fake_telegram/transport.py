"""Ways to reach FakeTelegram: an in-process httpx transport and a loopback tornado server."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import tornado.httputil
import tornado.netutil
import tornado.web
from tornado.httpserver import HTTPServer

from .server import FakeTelegram
from .wire import InjectedTimeout

_API_PATH = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z0-9_]+)/?$")
STALL_SECONDS = 30.0  # how long the HTTP server sits on an injected timeout


def _error(code: int, description: str) -> dict:
    """A Bot API error body."""
    return {"ok": False, "error_code": code, "description": description}


def parse_body(content_type: str, body: bytes, query: dict[str, str]) -> dict[str, Any]:
    """Request parameters from the query string and a form, multipart or JSON body."""
    params: dict[str, Any] = dict(query)
    if not body:
        return params
    if content_type.split(";")[0].strip().lower() == "application/json":
        params.update(json.loads(body))
        return params
    arguments: dict[str, list[bytes]] = {}
    files: dict[str, list[tornado.httputil.HTTPFile]] = {}
    tornado.httputil.parse_body_arguments(content_type, body, arguments, files)
    params.update({k: v[-1].decode("utf-8", "replace") for k, v in arguments.items()})
    uploads = {k: {"filename": v[-1].filename, "content": v[-1].body} for k, v in files.items()}
    # "attach://name" values point at a multipart part of that name.
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            part = value.removeprefix("attach://")
            if part in uploads:
                params[key] = uploads.pop(part)
    params.update(uploads)
    return params


async def route(
    fake: FakeTelegram, path: str, content_type: str, body: bytes, query: dict[str, str]
) -> tuple[int, dict]:
    """Map an HTTP request to (status, JSON body); raises InjectedTimeout."""
    if "/file/bot" in path:
        return 404, _error(404, "Not Found")  # file downloads are not modelled
    match = _API_PATH.search(path)
    if match is None:
        return 404, _error(404, "Not Found")
    if match["token"] != fake.token:
        return 401, _error(401, "Unauthorized")
    try:
        params = parse_body(content_type, body, query)
    except ValueError:
        return 400, _error(400, "Bad Request: can't parse request body")
    answer = await fake.handle(match["method"], params)
    # Telegram mirrors error_code in the HTTP status; PTB looks at the status.
    return (200 if answer["ok"] else int(answer["error_code"])), answer


class FakeTransport(httpx.AsyncBaseTransport):
    """httpx transport that answers from a FakeTelegram in-process, without a socket."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Route one request; an injected timeout becomes httpx.ReadTimeout."""
        body = await request.aread()
        try:
            status, answer = await route(
                self.fake,
                request.url.path,
                request.headers.get("content-type", ""),
                body,
                dict(request.url.params),
            )
        except InjectedTimeout:
            raise httpx.ReadTimeout("injected timeout", request=request) from None
        return httpx.Response(
            status,
            headers={"content-type": "application/json"},
            content=json.dumps(answer).encode(),
            request=request,
        )


class FakeHTTPServer(HTTPServer):
    """tornado HTTPServer whose stop() also cancels requests still being answered."""

    inflight: set[asyncio.Task]

    def stop(self) -> None:
        """Stop listening and cancel long polls and stalled answers."""
        super().stop()
        for task in list(getattr(self, "inflight", ())):
            task.cancel()

    async def aclose(self) -> None:
        """stop() and also close idle keep-alive connections."""
        self.stop()
        await self.close_all_connections()


async def _answer(
    fake: FakeTelegram, request: tornado.httputil.HTTPServerRequest
) -> tuple[int, dict]:
    """route() for tornado; an injected timeout stalls, then answers 504."""
    try:
        return await route(
            fake,
            request.path,
            request.headers.get("Content-Type", ""),
            request.body,
            {k: v[-1].decode() for k, v in request.query_arguments.items()},
        )
    except InjectedTimeout:
        await asyncio.sleep(STALL_SECONDS)
        return 504, _error(504, "Gateway Timeout")


class _Handler(tornado.web.RequestHandler):
    """Every path: hand the request to the fake, give up if the client goes away."""

    def initialize(self, fake: FakeTelegram, inflight: set[asyncio.Task]) -> None:
        """Per-request setup (tornado calls this instead of __init__)."""
        self.fake = fake
        self.inflight = inflight
        self.closed = asyncio.Event()

    def on_connection_close(self) -> None:
        """The client hung up (e.g. its read timeout fired)."""
        self.closed.set()

    async def get(self, path: str) -> None:
        """GET and POST alike, as the Bot API accepts both."""
        task = asyncio.ensure_future(_answer(self.fake, self.request))
        self.inflight.add(task)
        task.add_done_callback(self.inflight.discard)
        hangup = asyncio.ensure_future(self.closed.wait())
        try:
            await asyncio.wait({task, hangup}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            hangup.cancel()
        if not task.done():
            task.cancel()  # nobody is listening any more
            return
        if task.cancelled():
            self.set_status(503)  # the server is stopping
            self.finish(_error(503, "Service Unavailable"))
            return
        status, answer = task.result()
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(answer))

    post = get

    def check_xsrf_cookie(self) -> None:
        """The Bot API has no XSRF protection."""


async def serve(
    fake: FakeTelegram,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    routes: list[tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]] | None = None,
) -> tuple[FakeHTTPServer, int]:
    """Start the HTTP server on the running loop; return (server, actual port). `routes` come
    before the Bot API's catch-all (`python -m fake_telegram` adds its control API)."""
    inflight: set[asyncio.Task] = set()
    app = tornado.web.Application(
        [*(routes or []), (r"/(.*)", _Handler, {"fake": fake, "inflight": inflight})]
    )
    server = FakeHTTPServer(app)
    server.inflight = inflight
    sockets = tornado.netutil.bind_sockets(port, address=host)
    server.add_sockets(sockets)
    return server, sockets[0].getsockname()[1]
