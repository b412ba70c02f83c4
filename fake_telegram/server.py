"""FakeTelegram: the world, the method tables of each area, dispatch by method name, and faults.

The fake used to be a tower of classes, each seeing everything above it through `self`. Now each
area is a module of plain functions (`METHODS = {"sendMessage": send_message, …}`) taking the
world and the decoded parameters; this class only owns the world, merges the tables and wraps
every call in what Telegram does around it: recording, injected faults and flood control.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any

from . import callbacks, chats, files, updates, views
from . import messages as messaging  # `messages` is also the name of a view below
from .faults import DEFAULT_DESCRIPTION, Faults, FloodModel
from .wire import ApiError, InjectedTimeout, decode_params
from .world import Call, World

Method = Callable[[World, dict], Any | Awaitable[Any]]
METHODS: dict[str, Method] = {
    **messaging.METHODS,
    **callbacks.METHODS,
    **chats.METHODS,
    **files.METHODS,
    **updates.METHODS,
}
# Case-insensitive lookup, as Telegram accepts "sendmessage" too.
CANONICAL = {name.lower(): name for name in METHODS}
NOT_IMPLEMENTED = "Not Found: method not implemented by the fake"


class FakeTelegram(World):
    """An in-memory Telegram Bot API server speaking the real wire format.

    It is the world (tests read `fake.calls`, `fake.files`, …) plus the doors into it: `handle`
    for the bot's requests, and the user actions and views below, each a function of its area
    module bound here as a method so tests write `fake.tap(alice, message_id, 1)`.
    """

    def __init__(
        self,
        *,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "scp_forum_bot",
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(token=token, bot_username=bot_username, clock=clock)
        self.flood = FloodModel(clock)
        self.faults = Faults()
        self.gates: list[tuple[str, object, asyncio.Event]] = []  # `hold`

    # What users do: sync, so tests can script them between awaits.
    send_text = messaging.send_text
    edit_text = messaging.edit_text
    send_sticker = files.user_sends_sticker
    send_photo = files.user_sends_photo
    tap = callbacks.tap
    send_callback = callbacks.send_callback
    block_bot = chats.block_bot
    unblock_bot = chats.unblock_bot
    add_bot_to_group = chats.add_bot_to_group
    migrate_group = chats.migrate_group

    # What the bot did, as tests read it.
    calls_to = views.calls_to
    messages = views.messages
    user_messages = views.user_messages
    last_message = views.last_message
    buttons = staticmethod(views.buttons)
    html = staticmethod(views.html)
    commands_key = staticmethod(chats.commands_key)

    def fail(
        self,
        method: str | None = None,
        *,
        chat_id: int | None = None,
        error_code: int = 500,
        description: str = DEFAULT_DESCRIPTION,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        timeout: bool = False,
        times: int = 1,
        delivered: bool = False,
    ) -> None:
        """Make the next `times` calls matching (method, chat_id) fail like Telegram would.

        `timeout=True` loses the request; with `delivered=True` too, Telegram carries it out
        (the message is sent) and the answer is lost: the client sees a timeout all the same."""
        self.faults.add(
            method,
            chat_id,
            error_code=error_code,
            description=description,
            retry_after=retry_after,
            migrate_to_chat_id=migrate_to_chat_id,
            timeout=timeout,
            times=times,
            delivered=delivered,
        )

    def hold(self, method: str, *, chat_id: int | None = None) -> asyncio.Event:
        """A slow Telegram: calls of `method` (to `chat_id`, if given) wait, recorded on arrival,
        until the returned event is set."""
        gate = asyncio.Event()
        self.gates.append((CANONICAL.get(method.lower(), method), chat_id, gate))
        return gate

    async def handle(self, method: str, params: dict) -> dict:
        """Run one Bot API call and return the full JSON body; raises InjectedTimeout."""
        name = CANONICAL.get(method.lower(), method)
        call = Call(name, dict(params), False, None, None, None, self.clock())
        self.calls.append(call)  # recorded on arrival, so the order is the order of requests
        try:
            call.params = params = decode_params(params)
            chat_id = params.get("chat_id")
            for held, chat, gate in self.gates:
                if held == name and chat in (None, chat_id):
                    await gate.wait()
            rule = self.faults.take(name, chat_id)
            call.injected = rule is not None
            if rule is not None and rule.timeout and not rule.delivered:
                call.description = "timeout (injected)"
                raise InjectedTimeout(name)
            if rule is not None and not rule.timeout:
                raise rule.error()
            if name not in METHODS:
                raise ApiError(404, NOT_IMPLEMENTED)
            self.flood.check(name, chat_id)
            result = METHODS[name](self, params)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as error:
            call.error_code, call.description = error.error_code, error.description
            return error.body()
        except asyncio.CancelledError:
            # The client hung up mid long-poll (e.g. Updater.stop()); Telegram would just have
            # answered [] to nobody, and nothing was confirmed, so this is no failure.
            call.ok, call.result, call.description = True, [], "cancelled by the client"
            raise
        except InjectedTimeout:
            raise
        except Exception as error:
            call.description = f"fake internal error: {error!r}"  # a bug in the fake, not the bot
            raise
        call.ok, call.result = True, copy.deepcopy(result)
        if rule is not None and rule.timeout:  # delivered: only the answer is lost
            call.description = "timeout after delivery (injected)"
            raise InjectedTimeout(name)
        return {"ok": True, "result": copy.deepcopy(result)}
