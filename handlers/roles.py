"""/promote and /demote: coordinators appoint coordinators and observers."""

from __future__ import annotations

from telegram import Update
from telegram.error import Forbidden
from telegram.ext import BaseHandler, CommandHandler

from bot.promotion import Target, parse_promotion
from bot.role_sentences import IS_ALREADY, IS_NOW, YOU_ARE_NOW, say
from bot.roles import Role
from db import members as members_db
from db import users as users_db
from handlers.common import command_text, guarded, message_of, reply
from handlers.context import ForumContext
from handlers.members import resolve_member
from handlers.menus import refresh_user_menu


@guarded("promote")
async def promote(update: Update, context: ForumContext) -> None:
    """`/promote @user [coordinator|observer]` or as a reply to the member's message."""
    await _change_role(update, context, default=Role.COORDINATOR)


@guarded("demote")
async def demote(update: Update, context: ForumContext) -> None:
    """`/demote @user`: back to member."""
    await _change_role(update, context, default=Role.MEMBER, demoting=True)


async def _change_role(
    update: Update, context: ForumContext, *, default: Role, demoting: bool = False
) -> None:
    actor, services = context.actor, context.services
    tr, forum = actor.tr, actor.forum
    assert forum is not None  # guarded: only coordinators, who have a forum, get here
    target, role = parse_promotion(command_text(update), default_role=default)
    replied = message_of(update).reply_to_message
    if target is None and replied and replied.from_user and not replied.from_user.is_bot:
        target = Target(user_id=replied.from_user.id)
    if demoting:
        role = Role.MEMBER if role is not None else None
    if target is None or role is None:
        await reply(
            update,
            tr._(
                "Name the member: reply to their message with /%(command)s, or send "
                "/%(command)s @username (or their numeric id), optionally followed by "
                "coordinator or observer.",
                command="demote" if demoting else "promote",
            ),
        )
        return
    member = await resolve_member(
        update, context, forum, target, "demote" if demoting else "promote"
    )
    if member is None:
        return
    if member.role == role:
        await reply(
            update,
            say(tr, IS_ALREADY, role, name=member.first_name),
        )
        return
    if not await members_db.set_role(
        services.db, forum_id=forum.id, user_id=member.user_id, role=role, now=services.clock()
    ):
        await reply(
            update,
            tr._(
                "%(name)s is the last coordinator of %(forum)s; appoint another coordinator first.",
                name=member.first_name,
                forum=forum.name,
            ),
        )
        return
    await reply(
        update,
        say(tr, IS_NOW, role, name=member.first_name, forum=forum.name),
    )
    await _tell_member(context, member.user_id, role, forum.name)


async def _tell_member(context: ForumContext, user_id: int, role: Role, forum: str) -> None:
    """Let the person know, in their language, and update their command menu."""
    services = context.services
    user = await users_db.get_user(services.db, user_id)
    tr = services.catalogs.translator(user.language if user else None)
    try:
        await context.bot.send_message(
            user_id,
            say(tr, YOU_ARE_NOW, role, forum=forum),
        )
    except Forbidden:  # they blocked the bot or never opened a chat with it
        return
    if user and user.current_forum_id in (
        None,
        context.actor.forum.id if context.actor.forum else None,
    ):
        await refresh_user_menu(
            context.bot, tr, user_id, role, is_admin=user_id in services.config.admins
        )


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("promote", promote)),
        (0, CommandHandler("demote", demote)),
    ]
