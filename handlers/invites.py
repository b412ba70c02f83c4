"""/invite: the forum's invite links, in a coordinator's private chat only; `/invite new`.

Three links: the member link (reusable, until renewed), a coordinator invite (one person, once,
within 7 days) and the "add to group" link with a group-link code (one group, once, within a
day). Coordinator and group-link codes are shown in a coordinator's private chat and nowhere else.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.error import Forbidden
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.context import Services
from bot.forums import COORDINATOR_INVITE_VALID, GROUP_CODE_VALID, new_invite_code
from bot.i18n import Translator
from bot.roles import Role
from db import forums as forums_db
from db import invites as invites_db
from db.forums import ForumRow
from db.invites import InviteRow
from handlers.common import (
    answer_stale,
    command_text,
    guarded,
    is_private,
    keyboard,
    pressed,
    reply,
    unless_unchanged,
)
from handlers.context import ForumContext
from handlers.render import add_to_group_link, invite_link


async def open_invite(
    services: Services, *, forum_id: int, kind: str, user_id: int, fresh: bool = False
) -> InviteRow:
    """The coordinator's unused invite of this kind, or (none, or `fresh`) a new one: showing
    /invite twice does not multiply the codes that could leak."""
    now = services.clock()
    if not fresh:
        found = await invites_db.outstanding(
            services.db, forum_id=forum_id, kind=kind, created_by=user_id, now=now
        )
        if found:
            return found
    valid = COORDINATOR_INVITE_VALID if kind == invites_db.COORDINATOR else GROUP_CODE_VALID
    return await invites_db.create(
        services.db,
        code=new_invite_code(),
        forum_id=forum_id,
        kind=kind,
        created_by=user_id,
        now=now,
        valid_for=valid,
    )


def coordinator_line(tr: Translator, bot_username: str, invite: InviteRow, zone: str) -> str:
    return tr._(
        "Coordinator invite link: makes one person a coordinator, once, until %(until)s. "
        "Share it only in a private message: %(link)s",
        until=tr.datetime(invite.expires_at, zone),
        link=invite_link(bot_username, invite.code),
    )


async def invite_text(context: ForumContext, forum: ForumRow) -> str:
    """All three links for the acting coordinator (private chats only)."""
    services, actor, tr = context.services, context.actor, context.actor.tr
    name = context.bot.username
    zone = actor.user.timezone if actor.user and actor.user.timezone else forum.timezone
    coordinator = await open_invite(
        services, forum_id=forum.id, kind=invites_db.COORDINATOR, user_id=actor.user_id
    )
    group = await open_invite(
        services, forum_id=forum.id, kind=invites_db.GROUP, user_id=actor.user_id
    )
    lines = [
        tr._("Invite links for <b>%(forum)s</b>:", forum=forum.name),
        tr._(
            "Member invite link, for everyone in the forum (it works until you renew it with "
            "/invite new): %(link)s",
            link=invite_link(name, forum.member_code),
        ),
        coordinator_line(tr, name, coordinator, zone),
        tr._(
            "Add me to the forum's Telegram group (this link works once, until %(until)s): "
            "%(link)s",
            until=tr.datetime(group.expires_at, zone),
            link=add_to_group_link(name, group.code),
        ),
    ]
    return "\n\n".join(lines)


def _more_button(tr: Translator, forum: ForumRow) -> InlineKeyboardMarkup:
    return keyboard(
        [[(tr._("➕ Another coordinator link"), callbacks.make("inv", "more", forum.id))]]
    )


@guarded("invite")
async def invite(update: Update, context: ForumContext) -> None:
    """The forum's invite links; in a group, they go to the coordinator's private chat."""
    actor = context.actor
    forum = actor.forum
    assert forum is not None  # guarded: coordinators have a forum
    words = command_text(update).split()
    private_hint = actor.tr._(
        "Please use /%(command)s in a private chat with me: %(link)s",
        command="invite",
        link=f"https://t.me/{context.bot.username}",
    )
    if not is_private(update):
        if words:
            await reply(update, private_hint)
            return
        try:
            await context.bot.send_message(
                actor.user_id,
                await invite_text(context, forum),
                reply_markup=_more_button(actor.tr, forum),
            )
        except Forbidden:  # they never opened a private chat with the bot
            await reply(update, private_hint)
            return
        await reply(update, actor.tr._("I sent you the invite links in our private chat."))
        return
    if words[:1] == ["new"]:
        await _renew(update, context, forum, words[1:])
        return
    await reply(update, await invite_text(context, forum), _more_button(actor.tr, forum))


async def _renew(update: Update, context: ForumContext, forum: ForumRow, words: list[str]) -> None:
    tr = context.actor.tr
    if words == ["member"]:
        await reply(update, await _renew_member(context, forum))
    elif words in (["coordinator"], ["coordinators"]):
        await reply(update, await _revoke_coordinators(context, forum))
    elif not words:
        await reply(
            update,
            tr._(
                "What should I renew for <b>%(forum)s</b>? (Or send /invite new member, "
                "/invite new coordinator.)",
                forum=forum.name,
            ),
            keyboard(
                [
                    [(tr._("🔄 New member link"), callbacks.make("inv", "member", forum.id))],
                    [
                        (
                            tr._("🚫 Revoke coordinator links"),
                            callbacks.make("inv", "coord", forum.id),
                        )
                    ],
                ]
            ),
        )
    else:
        await reply(
            update,
            tr._(
                "Send /invite new member for a new member link (the old one stops working), or "
                "/invite new coordinator to revoke every unused coordinator and “add to group” link."
            ),
        )


async def _renew_member(context: ForumContext, forum: ForumRow) -> str:
    code = new_invite_code()
    await forums_db.renew_member_code(context.services.db, forum.id, code)
    return context.actor.tr._(
        "The old member link of %(forum)s no longer works. New member invite link: %(link)s",
        forum=forum.name,
        link=invite_link(context.bot.username, code),
    )


async def _revoke_coordinators(context: ForumContext, forum: ForumRow) -> str:
    services = context.services
    count = await invites_db.revoke_all(services.db, forum.id, services.clock())
    return context.actor.tr.n_(
        "%(count)s unused coordinator or “add to group” link of %(forum)s no longer works. "
        "Send /invite when you need a new one.",
        "%(count)s unused coordinator or “add to group” links of %(forum)s no longer work. "
        "Send /invite when you need a new one.",
        count,
        forum=forum.name,
    )


async def on_invite_button(update: Update, context: ForumContext) -> None:
    """Another coordinator link; renew the member link; revoke coordinator links. The forum is
    the button's (named in what follows), re-checked: the caller may have switched forums."""
    query, actor = pressed(update), context.actor
    parsed = callbacks.parse(query.data)
    forum = await coordinated_forum(context, parsed.int_arg(0) if parsed else None)
    if parsed is None or not is_private(update) or forum is None:
        await answer_stale(update, context)
        return
    tr = actor.tr
    if parsed.action == "more":
        fresh = await open_invite(
            context.services,
            forum_id=forum.id,
            kind=invites_db.COORDINATOR,
            user_id=actor.user_id,
            fresh=True,
        )
        zone = actor.user.timezone if actor.user and actor.user.timezone else forum.timezone
        text = (
            tr._("Invite links for <b>%(forum)s</b>:", forum=forum.name)
            + "\n\n"
            + coordinator_line(tr, context.bot.username, fresh, zone)
        )
    elif parsed.action == "member":
        text = await _renew_member(context, forum)
    elif parsed.action == "coord":
        text = await _revoke_coordinators(context, forum)
    else:
        await answer_stale(update, context)
        return
    await query.answer()
    if parsed.action != "more":  # the choice is made: its buttons go
        with unless_unchanged():
            await query.edit_message_reply_markup(None)
    await context.bot.send_message(actor.user_id, text)


async def coordinated_forum(context: ForumContext, forum_id: int | None) -> ForumRow | None:
    """The forum a button names, if the caller is a coordinator of it now."""
    db = context.services.db
    if forum_id is None or await forums_db.role_in(db, forum_id, context.actor.user_id) != (
        Role.COORDINATOR
    ):
        return None
    return await forums_db.get_forum(db, forum_id)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("invite", invite)),
        (0, CallbackQueryHandler(on_invite_button, pattern=r"^inv:")),
    ]
