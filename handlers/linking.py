"""Linking a Telegram group to a forum, from `/start` in the group (or `/newforum` there).

Two ways: the "add to group" link, whose one-time group-link code Telegram types into the group
as `/start <code>`; or a coordinator who is an admin of the group sends `/start` there and
confirms with a button only they can use. Moving a group that already belongs to a forum needs a
coordinator of *that* forum who is also an admin of the group (bot/forums.py `link_refusal`).
Every outcome is said in the group, by forum name; no code is ever written there.
"""

from __future__ import annotations

from telegram import ChatMember, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import BaseHandler

from bot import callbacks
from bot.forums import LinkRefusal, link_refusal, looks_like_code, needs_group_admin
from bot.i18n import Translator
from bot.roles import Role
from db import forums as forums_db
from db import invites as invites_db
from db.forums import ForumRow
from handlers.buttons import Press, button, routes
from handlers.common import (
    answer_stale,
    chat_of,
    keyboard,
    reply,
    unless_unchanged,
    user_of,
)
from handlers.context import ForumContext

FORUMS_PER_PAGE = 6


async def is_group_admin(context: ForumContext, chat_id: int, user_id: int) -> bool:
    """Whether Telegram says this person is the group's creator or one of its admins now."""
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        return False
    return member.status in (ChatMember.OWNER, ChatMember.ADMINISTRATOR)


def coordinated(context: ForumContext) -> dict[int, ForumRow]:
    """The forums the acting person is a coordinator of, most recently joined first."""
    return {m.forum.id: m.forum for m in context.actor.memberships if m.role == Role.COORDINATOR}


async def link(
    update: Update,
    context: ForumContext,
    forum: ForumRow,
    *,
    by_code: bool,
    coordinates: set[int] | None = None,
) -> str:
    """Make the update's group the group of `forum` if the rules allow; the sentence to say
    there (a confirmation that names the forum, or what is missing)."""
    services, actor, tr = context.services, context.actor, context.actor.tr
    chat = chat_of(update)
    current = await forums_db.forum_of_chat(services.db, chat.id)
    mine = set(coordinated(context)) if coordinates is None else coordinates
    current_id = current.id if current else None
    admin = False
    if (
        forum.id in mine
        and forum.id != current_id
        and needs_group_admin(current_id, by_code=by_code)
    ):
        admin = await is_group_admin(context, chat.id, actor.user_id)
    refusal = link_refusal(
        target=forum.id, current=current_id, coordinates=mine, group_admin=admin, by_code=by_code
    )
    if refusal is not None:
        return refusal_text(tr, refusal, forum, current)
    await forums_db.link_chat(
        services.db,
        chat_id=chat.id,
        forum_id=forum.id,
        title=chat.title or "",
        user_id=actor.user_id,
        now=services.clock(),
    )
    name = user_of(update).first_name
    if current is not None:
        done = tr._(
            "This group has moved from <b>%(old)s</b> to <b>%(forum)s</b> (by %(name)s).",
            old=current.name,
            forum=forum.name,
            name=name,
        )
    else:
        done = tr._(
            "This group is now the group of <b>%(forum)s</b> (linked by %(name)s).",
            forum=forum.name,
            name=name,
        )
    return (
        done
        + "\n"
        + tr._(
            "Members join the forum with the member invite link, which coordinators get from me "
            "in a private chat with /invite."
        )
    )


def refusal_text(
    tr: Translator, refusal: LinkRefusal, forum: ForumRow, current: ForumRow | None
) -> str:
    if refusal is LinkRefusal.ALREADY:
        return tr._("This is already the group of <b>%(forum)s</b>.", forum=forum.name)
    if refusal is LinkRefusal.OTHER_FORUM and current is not None:
        return tr._(
            "This is the group of <b>%(current)s</b>. Moving it to another forum needs someone "
            "who is both a coordinator of %(current)s and an admin of this group. "
            "Nothing was changed.",
            current=current.name,
        )
    if refusal is LinkRefusal.NOT_ADMIN:
        return tr._(
            "Only an admin of this group who is a coordinator of %(forum)s can link it here, or a "
            "coordinator can use the “add to group” link from /invite. Nothing was changed.",
            forum=forum.name,
        )
    return tr._(
        "Only a coordinator of %(forum)s can link a group to it. Nothing was changed.",
        forum=forum.name,
    )


async def start_in_group(update: Update, context: ForumContext, code: str) -> None:
    """`/start [code]` in a group: link it with a group-link code, or offer to link it."""
    services, actor, tr = context.services, context.actor, context.actor.tr
    now = services.clock()
    invite = await invites_db.find(services.db, code, now) if looks_like_code(code) else None
    if invite and invite.kind == invites_db.COORDINATOR:
        # Everyone here has seen it now: it must not make anyone a coordinator.
        await invites_db.revoke(services.db, code, now)
        await reply(
            update,
            tr._(
                "That was a private coordinator invite. Everyone here can see it, so it no longer "
                "works. Coordinators get a new one from me in a private chat with /invite."
            ),
        )
        return
    if invite and invite.kind == invites_db.GROUP:
        user_id = actor.user_id if actor.user else None
        forum_id = await invites_db.claim_group_code(
            services.db, code=code, user_id=user_id, now=now
        )
        forum = await forums_db.get_forum(services.db, forum_id) if forum_id else None
        if forum is None:
            await reply(
                update,
                tr._(
                    "This “add to group” link has expired or was used already. A coordinator "
                    "gets a new one from me in a private chat with /invite."
                ),
            )
            return
        await reply(update, await link(update, context, forum, by_code=True))
        return
    await offer(update, context)


async def offer(update: Update, context: ForumContext) -> None:
    """`/start` in a group: say whose group it is and, to a coordinator who is an admin here,
    offer to link it (or move it) to the forums they coordinate."""
    actor, tr = context.actor, context.actor.tr
    chat = chat_of(update)
    current = await forums_db.forum_of_chat(context.services.db, chat.id)
    mine = coordinated(context)
    others = [forum for forum_id, forum in mine.items() if not current or forum_id != current.id]
    if current is not None:
        text = tr._("This is the group of <b>%(forum)s</b>.", forum=current.name)
        if not others:
            await reply(update, text)
            return
        if current.id not in mine or not await is_group_admin(context, chat.id, actor.user_id):
            await reply(update, refusal_text(tr, LinkRefusal.OTHER_FORUM, others[0], current))
            return
        question = text + "\n" + tr._("Move it to another forum you coordinate?")
    elif not others:
        await reply(
            update,
            tr._(
                "This group is not linked to a forum. A coordinator of a forum who is an admin "
                "of this group can link it by sending /start here, or with the “add to group” "
                "link from /invite in a private chat with me."
            ),
        )
        return
    elif not await is_group_admin(context, chat.id, actor.user_id):
        await reply(update, refusal_text(tr, LinkRefusal.NOT_ADMIN, others[0], None))
        return
    elif len(others) == 1:
        question = tr._("Link this group to <b>%(forum)s</b>?", forum=others[0].name)
    else:
        question = tr._("Which forum should this group belong to?")
    await reply(update, question, _choices(tr, others, actor.user_id, 0))


def _choices(
    tr: Translator, forums: list[ForumRow], user_id: int, page: int
) -> InlineKeyboardMarkup:
    """One button per forum (a page of them), ◀ ▶ when there are more, and Cancel."""
    pages = max(1, -(-len(forums) // FORUMS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = forums[page * FORUMS_PER_PAGE : (page + 1) * FORUMS_PER_PAGE]
    rows = [
        [("✅ " + forum.name, callbacks.make("lnk", "ok", forum.id, user_id))] for forum in shown
    ]
    nav = []
    if page > 0:
        nav.append(("◀", callbacks.make("lnk", "pg", page - 1, user_id)))
    if page < pages - 1:
        nav.append(("▶", callbacks.make("lnk", "pg", page + 1, user_id)))
    if nav:
        rows.append(nav)
    rows.append([(tr._("Cancel"), callbacks.make("lnk", "no", user_id))])
    return keyboard(rows)


# A forum chosen, a page turned, or Cancel: in the group only, and only by who asked there (the
# last id of `lnk:<ok|pg|no>:…:<user id>`), re-checked in full. They answer themselves: a press
# by someone else gets "Only the person who asked…", and ✅ answers once the link is made.


async def _by_asker(press: Press[callbacks.Callback]) -> bool:
    """Whether the press is in a group, by who asked; else it is answered here (False)."""
    chat, actor, data = press.update.effective_chat, press.actor, press.data
    if chat is None or chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        await answer_stale(press.update, press.context)
        return False
    if data.int_arg(len(data.args) - 1) != actor.user_id:
        await press.query.answer(actor.tr._("Only the person who asked can use these buttons."))
        return False
    return True


@button("lnk", "no", answer=False)
async def cancel(press: Press[callbacks.Callback]) -> None:
    if await _by_asker(press):
        await press.query.answer()
        await press.query.edit_message_text(press.tr._("Nothing was changed."))


@button("lnk", "pg", answer=False)
async def turn_page(press: Press[callbacks.Callback]) -> None:
    if not await _by_asker(press):
        return
    context, chat_id = press.context, chat_of(press.update).id
    current = await forums_db.forum_of_chat(context.services.db, chat_id)
    others = [f for i, f in coordinated(context).items() if not current or i != current.id]
    await press.query.answer()
    with unless_unchanged():
        await press.query.edit_message_reply_markup(
            _choices(press.tr, others, press.actor.user_id, press.data.int_arg(0) or 0)
        )


@button("lnk", "ok", answer=False)
async def choose(press: Press[callbacks.Callback]) -> None:
    if not await _by_asker(press):
        return
    forum_id = press.data.int_arg(0)
    forum = await forums_db.get_forum(press.services.db, forum_id) if forum_id else None
    if forum is None:
        await answer_stale(press.update, press.context)
        return
    text = await link(press.update, press.context, forum, by_code=False)
    await press.query.answer()
    await press.query.edit_message_text(text)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [(0, routes(cancel, turn_page, choose))]
