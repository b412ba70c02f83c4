"""Groups -2 and -1: what no handler may forget, before any of them runs.

Group -2 turns edited messages away (one policy for every command and dialog step); group -1
loads the acting user, their forum, role and language once per update, and turns away a private
chat's button pressed in a group (`bot.callbacks.IN_GROUPS` lists the few that may be).
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, MessageHandler, TypeHandler, filters

from bot import callbacks
from bot.actor import Actor, load_actor
from db import forums as forums_db
from db import users as users_db
from handlers.common import chat_of, message_of
from handlers.context import ForumContext


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
    if user is None:
        return
    if user.is_bot:
        # Anonymous group admins and channels write as bots (GroupAnonymousBot, Channel_Bot): no
        # member, role or language to act for. A command gets a hint; the rest is ignored. A
        # group migration or a change of the bot's membership they make still counts.
        message = update.effective_message
        if message and not filters.StatusUpdate.MIGRATE.check_update(update):
            if (message.text or "").startswith("/"):
                await _anonymous_hint(update, context)
            raise ApplicationHandlerStop
        return
    services = context.services
    context.actor = await resolve_actor(update, context)
    query, chat = update.callback_query, update.effective_chat
    in_private = chat is not None and chat.type == ChatType.PRIVATE
    if query and not in_private and not callbacks.allowed_in_group(query.data):
        # A private chat's button pressed in a group (forged): its answer would reach everyone.
        await query.answer(context.actor.tr._("Please use this button in a private chat with me."))
        raise ApplicationHandlerStop
    stored = context.actor.user
    if stored and (stored.first_name != user.first_name or stored.username != user.username):
        await users_db.refresh_names(
            services.db, user.id, user.first_name, user.username, services.clock()
        )


async def _anonymous_hint(update: Update, context: ForumContext) -> None:
    """In the forum's language (the group's forum, else the bot's default)."""
    services = context.services
    forum = await forums_db.forum_of_chat(services.db, chat_of(update).id)
    tr = services.catalogs.translator(forum.language if forum else None)
    await message_of(update).reply_text(
        tr._(
            "I can't tell who sent this: commands from anonymous admins can't be checked. "
            "Turn off “Remain anonymous” in your admin rights, or write to me in private."
        )
    )


async def refuse_edit(update: Update, context: ForumContext) -> None:
    """An edited message never acts: no command runs again, no dialog takes it as an answer.

    PTB's handlers accept `edited_message` by default, so an edited `/newpoll` made a second
    poll. Where the original got an answer (any private message, a command to us in a group),
    the edit gets one short hint; edits by anonymous admins and channels are ignored.
    """
    message, user = update.effective_message, update.effective_user
    if user is not None and not user.is_bot and message is not None and _was_for_us(update):
        actor = await resolve_actor(update, context)
        await message.reply_text(
            actor.tr._("I don't act on edited messages; send it again as a new message."),
            do_quote=chat_of(update).type != ChatType.PRIVATE,
        )
    raise ApplicationHandlerStop


def _was_for_us(update: Update) -> bool:
    """A private message, or a command in a group that is not addressed to another bot."""
    chat, message = chat_of(update), message_of(update)
    if chat.type == ChatType.PRIVATE:
        return True
    command = next((e for e in message.entities if e.type == "bot_command" and e.offset == 0), None)
    if command is None:
        return False
    assert message.text is not None  # a bot_command entity lies in the text
    _, _, addressee = message.text[: command.length].partition("@")
    return not addressee or addressee.lower() == (update.get_bot().username or "").lower()


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (-2, MessageHandler(filters.UpdateType.EDITED, refuse_edit)),
        (-1, TypeHandler(Update, load_member)),
    ]
