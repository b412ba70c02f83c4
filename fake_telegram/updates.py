"""The bot itself: getMe, getUpdates long polling with offset confirmation, and webhooks.

The webhook is stored only: the fake never pushes updates, so a test that runs the bot in
webhook mode posts the queued update to it itself, as Telegram would.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .wire import ApiError, bad_request
from .world import World

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


def allowed(world: World) -> frozenset[str]:
    """The update kinds getUpdates delivers now."""
    return world.allowed_updates or DEFAULT_ALLOWED


def get_me(world: World, params: dict) -> dict:
    """getMe."""
    return world.bot_user


def close(world: World, params: dict) -> bool:
    """close."""
    return True


def log_out(world: World, params: dict) -> bool:
    """logOut."""
    return True


async def get_updates(world: World, params: dict) -> list[dict]:
    """getUpdates with offset confirmation and long polling."""
    if world.webhook["url"]:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    if params.get("offset"):
        world.updates.confirm(int(params["offset"]))
    if params.get("allowed_updates") is not None:
        world.allowed_updates = frozenset(params["allowed_updates"])
    limit = min(max(int(params.get("limit") or 100), 1), 100)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + float(params.get("timeout") or 0)
    while True:
        batch = world.updates.deliverable(allowed(world), limit)
        remaining = deadline - loop.time()
        if batch or remaining <= 0:
            return batch
        await world.updates.wait(remaining)


def set_webhook(world: World, params: dict) -> bool:
    """setWebhook (stored only; the fake never pushes updates)."""
    url = params.get("url") or ""
    if url and not url.startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if params.get("drop_pending_updates"):
        world.updates.drop_all()
    if params.get("allowed_updates") is not None:
        world.allowed_updates = frozenset(params["allowed_updates"])
    world.webhook = {
        "url": url,
        "max_connections": params.get("max_connections", 40),
        "secret_token": params.get("secret_token"),
    }
    return True


def delete_webhook(world: World, params: dict) -> bool:
    """deleteWebhook."""
    if params.get("drop_pending_updates"):
        world.updates.drop_all()
    world.webhook = {"url": ""}
    return True


def get_webhook_info(world: World, params: dict) -> dict:
    """getWebhookInfo."""
    info: dict[str, Any] = {
        "url": world.webhook["url"],
        "has_custom_certificate": False,
        "pending_update_count": world.pending_updates(),
    }
    if world.webhook["url"]:
        info["max_connections"] = world.webhook["max_connections"]
        info["allowed_updates"] = sorted(allowed(world))
    return info


METHODS = {
    "getMe": get_me,
    "close": close,
    "logOut": log_out,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
}
