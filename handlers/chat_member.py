"""Membership of the bot itself: a user who blocks it, a group it joins, a group that migrates."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, ChatMemberHandler, MessageHandler, filters

from db import forums as forums_db
from db import users as users_db
from handlers.common import message_of
from handlers.context import ForumContext

GONE = (ChatMember.BANNED, ChatMember.LEFT)


async def on_my_chat_member(update: Update, context: ForumContext) -> None:
    """Blocked/unblocked in private; added to or removed from a group."""
    change = update.my_chat_member
    assert change is not None  # the MY_CHAT_MEMBER handler routes only these
    services = context.services
    status = change.new_chat_member.status
    if change.chat.type == ChatType.PRIVATE:
        # Blocking shows up as the bot being "kicked" from the private chat.
        await users_db.set_active(services.db, change.chat.id, status not in GONE, services.clock())
        return
    if status in GONE:
        await forums_db.unlink_chat(services.db, change.chat.id)
        return
    if change.old_chat_member.status in GONE and context.has_actor:
        linked = await forums_db.forum_of_chat(services.db, change.chat.id)
        if linked is None:
            await context.bot.send_message(
                change.chat.id,
                context.actor.tr._(
                    "Hello! To make this the group of a forum, a coordinator of the forum who is an "
                    "admin of this group sends /start here. Or a coordinator uses the “add to "
                    "group” link that I give them with /invite in a private chat."
                ),
            )


async def on_migration(update: Update, context: ForumContext) -> None:
    """A group became a supergroup: its id changes; keep its link to the forum."""
    message = message_of(update)
    if message.migrate_to_chat_id:
        await forums_db.migrate_chat(
            context.services.db, message.chat.id, message.migrate_to_chat_id
        )
    elif message.migrate_from_chat_id:
        await forums_db.migrate_chat(
            context.services.db, message.migrate_from_chat_id, message.chat.id
        )


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)),
        (0, MessageHandler(filters.StatusUpdate.MIGRATE, on_migration)),
    ]
