"""The localized command menus (setMyCommands), per language and per role where Telegram allows."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError

from bot.i18n import TELEGRAM_CODES, Catalogs, Translator
from bot.roles import Role, commands_for
from handlers.common import retry_seconds

log = logging.getLogger(__name__)
MENU_ATTEMPTS = 5  # per language: 1 + 2 + 4 + 8 s of waiting at most


def _menu(tr: Translator, role: Role | None, *, is_admin: bool = False) -> list[BotCommand]:
    return [BotCommand(c.name, tr._(c.description)) for c in commands_for(role, is_admin=is_admin)]


async def publish_menus(
    bot: Bot, catalogs: Catalogs, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
) -> None:
    """Everyone's commands by default; group admins also see the coordinators' commands.

    Runs in the background at start-up; a 5xx or a timeout is retried with backoff, so a one-off
    failure does not leave a language without its menu until the next start.
    """
    for lang in catalogs.languages:
        tr = catalogs.translator(lang)
        base = lang.split("_")[0]
        code = None if lang == catalogs.default_language else TELEGRAM_CODES.get(base, base)
        for attempt in range(MENU_ATTEMPTS):
            try:
                await bot.set_my_commands(_menu(tr, Role.MEMBER), BotCommandScopeDefault(), code)
                await bot.set_my_commands(
                    _menu(tr, Role.COORDINATOR), BotCommandScopeAllChatAdministrators(), code
                )
                break
            except RetryAfter as exc:
                await sleep(retry_seconds(exc.retry_after))
            except (BadRequest, Forbidden, InvalidToken) as exc:  # retrying would not help
                log.warning("could not publish the %s menus: %s", lang, exc)
                break
            except TelegramError as exc:  # 5xx, timeouts: try again a little later
                if attempt == MENU_ATTEMPTS - 1:
                    log.warning("could not publish the %s menus: %s", lang, exc)
                else:
                    await sleep(2.0**attempt)


async def refresh_user_menu(
    bot: Bot, tr: Translator, user_id: int, role: Role | None, *, is_admin: bool
) -> None:
    """A user's private chat shows the commands of their role in their forum, in their language."""
    try:
        await bot.set_my_commands(_menu(tr, role, is_admin=is_admin), BotCommandScopeChat(user_id))
    except TelegramError as exc:  # a menu is a convenience: never fail the user's action for it
        log.warning("could not set the menu of user %s: %s", user_id, exc)
