"""The localized command menus (setMyCommands), per language and per role where Telegram allows."""

from __future__ import annotations

import logging

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)
from telegram.error import TelegramError

from bot.i18n import TELEGRAM_CODES, Catalogs, Translator
from bot.roles import Role, commands_for

log = logging.getLogger(__name__)


def _menu(tr: Translator, role: Role | None, *, is_admin: bool = False) -> list[BotCommand]:
    return [BotCommand(c.name, tr._(c.description)) for c in commands_for(role, is_admin=is_admin)]


async def publish_menus(bot: Bot, catalogs: Catalogs) -> None:
    """Everyone's commands by default; group admins also see the coordinators' commands."""
    for lang in catalogs.languages:
        tr = catalogs.translator(lang)
        base = lang.split("_")[0]
        code = None if lang == catalogs.default_language else TELEGRAM_CODES.get(base, base)
        try:
            await bot.set_my_commands(_menu(tr, Role.MEMBER), BotCommandScopeDefault(), code)
            await bot.set_my_commands(
                _menu(tr, Role.COORDINATOR), BotCommandScopeAllChatAdministrators(), code
            )
        except TelegramError as exc:  # one language's menu is not worth failing start-up for
            log.warning("could not publish the %s menus: %s", lang, exc)


async def refresh_user_menu(
    bot: Bot, tr: Translator, user_id: int, role: Role | None, *, is_admin: bool
) -> None:
    """A user's private chat shows the commands of their role in their forum, in their language."""
    try:
        await bot.set_my_commands(_menu(tr, role, is_admin=is_admin), BotCommandScopeChat(user_id))
    except TelegramError as exc:  # a menu is a convenience: never fail the user's action for it
        log.warning("could not set the menu of user %s: %s", user_id, exc)
