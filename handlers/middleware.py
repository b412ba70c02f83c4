"""Group -1: load the acting user, their forum, role and language once per update."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, TypeHandler

from bot.actor import Actor, load_actor
from bot.context import ForumContext
from db import users as users_db


async def resolve_actor(update: Update, context: ForumContext) -> Actor:
    """The acting user as stored now (handlers call it again after changing their settings)."""
    services, user, chat = context.services, update.effective_user, update.effective_chat
    assert user is not None
    group_id = chat.id if chat and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP) else None
    return await load_actor(
        services.db,
        services.catalogs,
        user_id=user.id,
        telegram_language=user.language_code,
        group_chat_id=group_id,
        admins=services.config.admins,
    )


async def load_member(update: Update, context: ForumContext) -> None:
    """Attach `context.actor` for every update that has a user."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    services = context.services
    context.actor = await resolve_actor(update, context)
    stored = context.actor.user
    if stored and (stored.first_name != user.first_name or stored.username != user.username):
        await users_db.refresh_names(
            services.db, user.id, user.first_name, user.username, services.clock()
        )


def handlers() -> list[tuple[int, BaseHandler]]:
    return [(-1, TypeHandler(Update, load_member))]
