"""/remove (coordinators): take a person out of a forum, after a confirmation in private.

The membership goes and a removal is recorded: no invite (member or coordinator) lets them back
in until a coordinator lifts it (`/remove lift <id>`, or ↩ in /members). Where the bot may ban
members of the forum's group, it bans them there too; whatever Telegram refuses is reported to
the coordinator, never raised. The removed person is told once.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import ChatMember, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import BaseHandler, CommandHandler

from bot import callbacks
from bot.i18n import Html, Translator
from bot.promotion import Target, parse_target, parse_user_id
from bot.roles import Role
from db import forums as forums_db
from db import members as members_db
from db import users as users_db
from db.forums import ForumRow
from handlers.buttons import Press, button, routes
from handlers.common import command_text, guarded, is_private, keyboard, message_of, reply
from handlers.context import ForumContext
from handlers.invites import coordinates as coordinates_forum
from handlers.members import resolve_member
from handlers.menus import refresh_user_menu


@guarded("remove")
async def remove(update: Update, context: ForumContext) -> None:
    """`/remove @name|id`, or as a reply in the group; `/remove lift <id>`."""
    actor, tr = context.actor, context.actor.tr
    forum = actor.forum
    assert forum is not None  # guarded: coordinators have a forum
    words = command_text(update).split()
    if words[:1] == ["lift"]:
        user_id = parse_user_id(words[1]) if len(words) == 2 else None
        if user_id is None:
            await reply(
                update, tr._("Send /remove lift followed by the person's id (see /members).")
            )
            return
        await reply(update, await lift(context, forum, user_id))
        return
    target = parse_target(words[0]) if len(words) == 1 else None
    replied = message_of(update).reply_to_message
    if not words and replied and replied.from_user and not replied.from_user.is_bot:
        target = Target(user_id=replied.from_user.id)
    if target is None:
        await reply(
            update,
            tr._(
                "Name the member: reply to their message in the forum's group with /remove, or "
                "send /remove @username or /remove followed by their numeric id (see /members)."
            ),
        )
        return
    member = await resolve_member(update, context, forum, target, "remove")
    if member is None:
        return
    if member.user_id == actor.user_id:
        await reply(update, tr._("You can't remove yourself."))
        return
    question = tr._(
        "Remove <b>%(name)s</b> from %(forum)s? They will get nothing more from the forum and "
        "can't rejoin through any invite link until a coordinator lets them back in.",
        name=member.first_name,
        forum=forum.name,
    )
    markup = keyboard(
        [
            [
                (
                    # A button's label is plain text: the name goes in unescaped.
                    tr._("✅ Remove %(name)s", name=Html(member.first_name[:32])),
                    callbacks.make("rm", "ok", forum.id, member.user_id),
                )
            ],
            [(tr._("Cancel"), callbacks.make("rm", "no"))],
        ]
    )
    if is_private(update):
        await reply(update, question, markup)
        return
    try:  # the confirmation is the coordinator's alone: in private
        await context.bot.send_message(actor.user_id, question, reply_markup=markup)
    except Forbidden:
        await reply(
            update,
            tr._(
                "Please use /%(command)s in a private chat with me: %(link)s",
                command="remove",
                link=f"https://t.me/{context.bot.username}",
            ),
        )
        return
    await reply(update, tr._("I sent you a confirmation in our private chat."))


# ✅ Remove, Cancel, and ↩ (from /members), in private chats only (handlers/middleware.py), by
# someone who accepted the notice; `rm:<ok|lift>:<forum id>:<user id>` re-checked in full.


@dataclass(frozen=True)
class Pick:
    """Whom a removal button names, in which forum."""

    forum: ForumRow
    user_id: int


async def stored_caller(
    context: ForumContext, data: callbacks.Callback
) -> callbacks.Callback | None:
    """The press of someone the bot has stored (Cancel needs no more)."""
    return data if context.actor.user is not None else None


async def picked(context: ForumContext, data: callbacks.Callback) -> Pick | None:
    """The forum and person a button names, if both ids are there and the forum exists."""
    forum_id, user_id = data.int_arg(0), data.int_arg(1)
    if context.actor.user is None or forum_id is None or user_id is None:
        return None
    forum = await forums_db.get_forum(context.services.db, forum_id)
    return Pick(forum, user_id) if forum is not None else None


async def coordinates(context: ForumContext, pick: Pick) -> bool:
    """Whether the caller coordinates the button's forum now."""
    return await coordinates_forum(context, pick.forum)


async def may_remove(context: ForumContext, pick: Pick) -> bool:
    """A coordinator of the forum, removing someone other than themselves."""
    return pick.user_id != context.actor.user_id and await coordinates(context, pick)


@button("rm", "no", load=stored_caller)
async def keep(press: Press[callbacks.Callback]) -> None:
    await press.query.edit_message_text(press.tr._("Nothing was changed."))


@button("rm", "ok", load=picked, check=may_remove)
async def confirm(press: Press[Pick]) -> None:
    await press.query.edit_message_text(
        await _remove(press.context, press.row.forum, press.row.user_id)
    )


@button("rm", "lift", load=picked, check=coordinates)
async def let_back(press: Press[Pick]) -> None:
    await reply(press.update, await lift(press.context, press.row.forum, press.row.user_id))


async def _name(context: ForumContext, user_id: int) -> str:
    user = await users_db.get_user(context.services.db, user_id)
    return user.first_name if user and user.first_name else str(user_id)


async def _remove(context: ForumContext, forum: ForumRow, user_id: int) -> str:
    services, tr = context.services, context.actor.tr
    name = await _name(context, user_id)
    outcome = await members_db.remove(
        services.db,
        forum_id=forum.id,
        user_id=user_id,
        by=context.actor.user_id,
        now=services.clock(),
    )
    if outcome == "not_member":
        return tr._(
            "%(name)s is not a member of %(forum)s (any more).", name=name, forum=forum.name
        )
    if outcome == "last_coordinator":
        return tr._(
            "%(name)s is the last coordinator of %(forum)s; appoint another coordinator first.",
            name=name,
            forum=forum.name,
        )
    lines = [tr._("%(name)s was removed from %(forum)s.", name=name, forum=forum.name)]
    lines += await _in_groups(context, forum, user_id, name, ban=True)
    await _tell_removed(context, forum, user_id)
    return "\n".join(lines)


async def lift(context: ForumContext, forum: ForumRow, user_id: int) -> str:
    """End a removal (and the group ban); the sentence for the coordinator."""
    tr = context.actor.tr
    name = await _name(context, user_id)
    if not await members_db.lift(context.services.db, forum.id, user_id):
        return tr._(
            "%(name)s is not among the removed members of %(forum)s.", name=name, forum=forum.name
        )
    lines = [
        tr._(
            "%(name)s may join %(forum)s again, with an invite link from a coordinator.",
            name=name,
            forum=forum.name,
        )
    ]
    return "\n".join(lines + await _in_groups(context, forum, user_id, name, ban=False))


async def _in_groups(
    context: ForumContext, forum: ForumRow, user_id: int, name: str, *, ban: bool
) -> list[str]:
    """Ban (or unban) the person in the forum's groups where the bot may; what happened there."""
    bot, tr = context.bot, context.actor.tr
    lines = []
    for chat_id, title in await forums_db.linked_chats(context.services.db, forum.id):
        try:
            me = await bot.get_chat_member(chat_id, bot.id)
            may = me.status == ChatMember.OWNER or (
                me.status == ChatMember.ADMINISTRATOR and getattr(me, "can_restrict_members", False)
            )
            if not may:
                if ban:
                    lines.append(_no_rights(tr, title))
                continue
            if ban:
                await bot.ban_chat_member(chat_id, user_id)
                lines.append(tr._("I removed them from the group %(group)s too.", group=title))
            else:
                await bot.unban_chat_member(chat_id, user_id, only_if_banned=True)
        except TelegramError as error:
            lines.append(_failed(tr, title, error, ban=ban))
    return lines


def _no_rights(tr: Translator, title: str) -> str:
    return tr._(
        "I may not ban members of the group %(group)s, so they are still in it: remove them "
        "there yourself, or make me an admin who may ban users.",
        group=title,
    )


def _failed(tr: Translator, title: str, error: TelegramError, *, ban: bool) -> str:
    if ban:
        return tr._(
            "I could not remove them from the group %(group)s (Telegram said: %(reason)s).",
            group=title,
            reason=error.message,
        )
    return tr._(
        "I could not lift their ban in the group %(group)s (Telegram said: %(reason)s).",
        group=title,
        reason=error.message,
    )


async def _tell_removed(context: ForumContext, forum: ForumRow, user_id: int) -> None:
    """Once, politely, in their language; their menu shows what is left to them."""
    services = context.services
    user = await users_db.get_user(services.db, user_id)
    tr = services.catalogs.translator(user.language if user else None, forum.language)
    try:
        await context.bot.send_message(
            user_id,
            tr._(
                "You are no longer a member of %(forum)s: a coordinator removed you. If you think "
                "this is a mistake, please contact the forum's coordinators.",
                forum=forum.name,
            ),
        )
    except Forbidden:  # they blocked the bot or never opened a chat with it
        return
    left = await forums_db.memberships_of(services.db, user_id)
    role = Role(left[0].role) if left else None
    await refresh_user_menu(
        context.bot, tr, user_id, role, is_admin=user_id in services.config.admins
    )


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("remove", remove)),
        (0, routes(keep, confirm, let_back)),
    ]
