"""/invite: the forum's invite links, in a coordinator's private chat only; `/invite new`.

Three links: the member link (reusable, until renewed), a coordinator invite (one person, once,
within 7 days) and the "add to group" link with a group-link code (one group, once, within a
day). Coordinator and group-link codes are shown in a coordinator's private chat and nowhere else.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite
from telegram import InlineKeyboardMarkup, Update
from telegram.error import Forbidden
from telegram.ext import BaseHandler, CommandHandler

from bot import callbacks
from bot.context import Services
from bot.forums import COORDINATOR_INVITE_VALID, GROUP_CODE_VALID, new_invite_code
from bot.i18n import Translator
from bot.roles import Role
from db import forums as forums_db
from db import invites as invites_db
from db.forums import ForumRow
from db.invites import InviteRow
from handlers.buttons import Press, button, by_id, routes
from handlers.common import (
    command_text,
    guarded,
    is_private,
    keyboard,
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
    async with services.db.transaction() as conn:
        return await new_invite_on(conn, forum_id=forum_id, kind=kind, user_id=user_id, now=now)


async def new_invite_on(
    conn: aiosqlite.Connection, *, forum_id: int, kind: str, user_id: int, now: datetime
) -> InviteRow:
    """A new coordinator or group-link invite by `user_id`, valid as long as its kind is, in the
    caller's transaction."""
    valid = COORDINATOR_INVITE_VALID if kind == invites_db.COORDINATOR else GROUP_CODE_VALID
    return await invites_db.create_on(
        conn,
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


# The buttons under /invite act on the forum they name (inv:<action>:<forum id>), not the caller's
# current one, and only for its coordinators now; in private chats only (handlers/middleware.py).
button_forum = by_id(forums_db.get_forum)


async def coordinates(context: ForumContext, forum: ForumRow) -> bool:
    """Whether the caller coordinates the button's forum now (not when the button was drawn)."""
    role = await forums_db.role_in(context.services.db, forum.id, context.actor.user_id)
    return role == Role.COORDINATOR


@button("inv", "more", load=button_forum, check=coordinates)
async def more(press: Press[ForumRow]) -> None:
    """Another coordinator link (the other links stay as they are)."""
    actor, tr, forum = press.actor, press.tr, press.row
    fresh = await open_invite(
        press.services,
        forum_id=forum.id,
        kind=invites_db.COORDINATOR,
        user_id=actor.user_id,
        fresh=True,
    )
    zone = actor.user.timezone if actor.user and actor.user.timezone else forum.timezone
    text = (
        tr._("Invite links for <b>%(forum)s</b>:", forum=forum.name)
        + "\n\n"
        + coordinator_line(tr, press.context.bot.username, fresh, zone)
    )
    await press.context.bot.send_message(actor.user_id, text)


@button("inv", "member", load=button_forum, check=coordinates)
async def renew_member(press: Press[ForumRow]) -> None:
    await _chosen(press, await _renew_member(press.context, press.row))


@button("inv", "coord", load=button_forum, check=coordinates)
async def revoke_coordinators(press: Press[ForumRow]) -> None:
    await _chosen(press, await _revoke_coordinators(press.context, press.row))


async def _chosen(press: Press[ForumRow], text: str) -> None:
    """The renewal is chosen: its buttons go, and what happened comes as a message."""
    with unless_unchanged():
        await press.query.edit_message_reply_markup(None)
    await press.context.bot.send_message(press.actor.user_id, text)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("invite", invite)),
        (0, routes(more, renew_member, revoke_coordinators)),
    ]
