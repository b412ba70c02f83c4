"""`python -m fake_telegram [--flood] [--port N]`: the fake Bot API in a process of its own.

A load benchmark runs the fake here so that the bot under test has its process and event loop to
itself: what the fake costs, and when members act, no longer depend on how busy the bot is.
Once listening it prints one JSON line, `{"port": …, "token": …}`, and serves until SIGTERM.

Beside the Bot API, a small control API under `/fake/<action>` (POST, JSON in and out) lets the
benchmark build the world and script what users do, on the fake's own clock:

- `users` `{"users": [[id, name], …]}`: add users (and their private chats);
- `act` `{"actions": [{"after": s, "user": id, "text": …} | {…, "message_id": m, "data": …}]}`:
  the user sends the text, or presses the button with that callback data, `after` seconds from
  now; any other keys (a tag) are kept. Each action done is logged with the fake's clock reading
  (`at`) and, for a press, the callback query id; `cancel` drops those not yet due;
- `presses` / `calls` `{"since": n}`: the actions done and the Bot API calls received (method,
  chat and message ids, query id, outcome, first 200 characters of text, arrival time `at`)
  from index n on, with `next` to ask from;
- `messages` `{"chat": id}`: the bot's messages in a chat, as tests read them;
- `flood` `{"enabled": bool}`: switch the flood model, and read its totals.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
from typing import Any

import tornado.web

from .server import FakeTelegram
from .transport import serve
from .world import Call


class Script:
    """User actions scheduled on the fake's loop, and the log of those done."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.done: list[dict[str, Any]] = []
        self.pending: dict[int, asyncio.TimerHandle] = {}
        self._keys = iter(range(1 << 62))

    def schedule(self, actions: list[dict[str, Any]]) -> int:
        """Each action `after` seconds from now, on this process's event loop."""
        loop = asyncio.get_running_loop()
        for action in actions:
            key, after = next(self._keys), max(0.0, float(action.get("after", 0)))
            self.pending[key] = loop.call_later(after, self._do, key, action)
        return len(actions)

    def cancel(self) -> int:
        """Drop the actions not yet done; how many."""
        for handle in self.pending.values():
            handle.cancel()
        count, self.pending = len(self.pending), {}
        return count

    def _do(self, key: int, action: dict[str, Any]) -> None:
        del self.pending[key]
        record = dict(action, at=self.fake.clock())  # the moment the update is queued
        try:
            user = self.fake.user(int(action["user"]))
            if "data" in action:
                query = self.fake.send_callback(user, int(action["message_id"]), action["data"])
                record["query_id"] = query["id"]
            else:
                self.fake.send_text(user, str(action["text"]))
        except (KeyError, LookupError, ValueError) as error:
            record["error"] = repr(error)
        self.done.append(record)


def _call(n: int, call: Call) -> dict[str, Any]:
    params = call.params
    text = params.get("text")
    return {
        "n": n,
        "method": call.method,
        "chat_id": params.get("chat_id"),
        "message_id": params.get("message_id"),
        "query_id": params.get("callback_query_id"),
        "ok": call.ok,
        "error_code": call.error_code,
        "text": None if text is None else str(text)[:200],
        "at": call.at,
    }


def control(fake: FakeTelegram, script: Script, action: str, body: dict[str, Any]) -> Any:
    """One control request: what it answers, or LookupError for an unknown action."""
    since = int(body.get("since", 0))
    if action == "users":
        for user_id, name in body["users"]:
            fake.add_user(str(name), user_id=int(user_id))
        return {"users": len(body["users"])}
    if action == "act":
        return {"scheduled": script.schedule(body["actions"]), "at": fake.clock()}
    if action == "cancel":
        return {"cancelled": script.cancel()}
    if action == "presses":
        return {"presses": script.done[since:], "next": len(script.done)}
    if action == "calls":
        calls = fake.calls[since:]
        return {
            "calls": [_call(since + n, c) for n, c in enumerate(calls)],
            "next": len(fake.calls),
        }
    if action == "messages":
        return {"messages": fake.messages(int(body["chat"]))}
    if action == "flood":
        if "enabled" in body:
            fake.flood.enabled = bool(body["enabled"])
        totals = fake.flood.accepted.total(), fake.flood.rejected.total()
        return {"enabled": fake.flood.enabled, "accepted": totals[0], "rejected": totals[1]}
    raise LookupError(action)


class _Control(tornado.web.RequestHandler):
    """POST /fake/<action>: the benchmark's hand on the world."""

    def initialize(self, fake: FakeTelegram, script: Script) -> None:
        self.fake, self.script = fake, script

    def post(self, action: str) -> None:
        try:
            answer = control(self.fake, self.script, action, json.loads(self.request.body or b"{}"))
        except LookupError as error:
            self.set_status(404)
            answer = {"error": repr(error)}
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(answer))

    def check_xsrf_cookie(self) -> None:
        """A loopback tool, like the Bot API it fakes."""


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood", action="store_true", help="the flood model on (429s)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    args = parser.parse_args(argv)
    logging.getLogger("tornado.access").setLevel(logging.ERROR)  # a 429 is no news here
    fake = FakeTelegram(token=args.token)
    fake.flood.enabled = args.flood
    script = Script(fake)
    routes: list[tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]] = [
        (r"/fake/(\w+)", _Control, {"fake": fake, "script": script})
    ]
    server, port = await serve(fake, args.host, args.port, routes=routes)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(json.dumps({"port": port, "token": fake.token}), flush=True)
    await stop.wait()
    script.cancel()
    await server.aclose()
    return 0
