"""FakeTelegram: request dispatch, fault hooks, getUpdates long polling and webhooks."""

from __future__ import annotations

import asyncio
import copy
import inspect
import time
from collections.abc import Callable
from typing import Any

from .chats import ChatMethods
from .faults import DEFAULT_DESCRIPTION, Faults, FloodModel
from .wire import ApiError, InjectedTimeout, bad_request, decode_params
from .world import Call

# What getUpdates delivers when allowed_updates was never set (or set to []).
# chat_member, message_reaction and message_reaction_count must be asked for explicitly.
DEFAULT_ALLOWED = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "purchased_paid_media",
        "chat_boost",
        "removed_chat_boost",
    }
)
NOT_IMPLEMENTED = "Not Found: method not implemented by the fake"


class FakeTelegram(ChatMethods):
    """An in-memory Telegram Bot API server speaking the real wire format."""

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
        self.webhook: dict[str, Any] = {"url": ""}
        self._allowed = DEFAULT_ALLOWED
        # Case-insensitive dispatch table, as Telegram accepts "sendmessage" too.
        self._methods = {
            name.removeprefix("api_").lower(): name.removeprefix("api_")
            for name in dir(self)
            if name.startswith("api_")
        }

    # --- faults ---

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

    # --- core ---

    async def handle(self, method: str, params: dict) -> dict:
        """Run one Bot API call and return the full JSON body; raises InjectedTimeout."""
        name = self._methods.get(method.lower(), method)
        call = Call(name, dict(params), False, None, None, None, self.clock())
        self.calls.append(call)  # recorded on arrival, so the order is the order of requests
        try:
            call.params = params = decode_params(params)
            chat_id = params.get("chat_id")
            rule = self.faults.take(name, chat_id)
            call.injected = rule is not None
            if rule is not None and rule.timeout and not rule.delivered:
                call.description = "timeout (injected)"
                raise InjectedTimeout(name)
            if rule is not None and not rule.timeout:
                raise rule.error()
            if name.lower() not in self._methods:
                raise ApiError(404, NOT_IMPLEMENTED)
            self.flood.check(name, chat_id)
            result = getattr(self, f"api_{name}")(params)
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

    # --- bot identity, updates and webhooks ---

    def api_getMe(self, params: dict) -> dict:
        """getMe."""
        return self.bot_user

    def api_close(self, params: dict) -> bool:
        """close."""
        return True

    def api_logOut(self, params: dict) -> bool:
        """logOut."""
        return True

    def _confirm(self, offset: int) -> None:
        """Forget updates below a positive offset, or all but the last -offset ones."""
        if offset < 0:
            dropped, self._updates = self._updates[:offset], self._updates[offset:]
        else:
            dropped = [u for u in self._updates if u["update_id"] < offset]
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if dropped:
            self._confirmed = max(self._confirmed, dropped[-1]["update_id"])
        if offset > 0:
            self._confirmed = max(self._confirmed, offset - 1)
        self._notify_drained()

    def _deliverable(self, limit: int) -> list[dict]:
        """Queued updates of an allowed type, oldest first."""
        kinds = [(u, next(k for k in u if k != "update_id")) for u in self._updates]
        return [u for u, kind in kinds if kind in self._allowed][:limit]

    async def api_getUpdates(self, params: dict) -> list[dict]:
        """getUpdates with offset confirmation and long polling."""
        if self.webhook["url"]:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if params.get("offset"):
            self._confirm(int(params["offset"]))
        if params.get("allowed_updates") is not None:
            self._allowed = frozenset(params["allowed_updates"]) or DEFAULT_ALLOWED
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(params.get("timeout") or 0)
        while True:
            batch = self._deliverable(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0:
                return batch
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                pass
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def _drop_pending(self) -> None:
        """drop_pending_updates: confirm everything queued."""
        if self._updates:
            self._confirm(self._updates[-1]["update_id"] + 1)

    def api_setWebhook(self, params: dict) -> bool:
        """setWebhook (stored only; the fake never pushes updates)."""
        url = params.get("url") or ""
        if url and not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if params.get("drop_pending_updates"):
            self._drop_pending()
        if params.get("allowed_updates") is not None:
            self._allowed = frozenset(params["allowed_updates"]) or DEFAULT_ALLOWED
        self.webhook = {
            "url": url,
            "max_connections": params.get("max_connections", 40),
            "secret_token": params.get("secret_token"),
        }
        return True

    def api_deleteWebhook(self, params: dict) -> bool:
        """deleteWebhook."""
        if params.get("drop_pending_updates"):
            self._drop_pending()
        self.webhook = {"url": ""}
        return True

    def api_getWebhookInfo(self, params: dict) -> dict:
        """getWebhookInfo."""
        info: dict[str, Any] = {
            "url": self.webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": self.pending_updates(),
        }
        if self.webhook["url"]:
            info["max_connections"] = self.webhook["max_connections"]
            info["allowed_updates"] = sorted(self._allowed)
        return info
