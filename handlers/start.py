"""/start: join a forum by invite code (private), link a group (in a group), or say hello.

Joining's buttons (language, consent, stakeholder group) are handlers/onboarding.py.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot import onboarding
from bot.callbacks import parse_id
from bot.forums import looks_like_code
from bot.i18n import Translator
from bot.role_sentences import ALREADY_IN, say
from bot.roles import Role
from db import forums as forums_db
from db import invites as invites_db
from db import members as members_db
from db.forums import ForumRow
from handlers.common import (
    chat_of,
    command_text,
    is_private,
    reply,
)
from handlers.context import ForumContext
from handlers.linking import start_in_group
from handlers.menus import refresh_user_menu
from handlers.onboarding import NOT_VALID, REMOVED, refusal, welcome_text
from handlers.onboarding import buttons as onboarding_buttons
from handlers.paging import Screen, markup, pager_for, text_page
from handlers.polls import commands as polls
from handlers.polls.group_post import POLL_LINK
from handlers.render import draft_note, language_keyboard, role_name


async def start(update: Update, context: ForumContext) -> None:
    """`/start [code]`: onboarding in private chats, group linking in groups."""
    code = next(iter(command_text(update).split()), "")
    if not is_private(update):
        await start_in_group(update, context, code)
        return
    if not code:
        await _hello(update, context)
        return
    if code.startswith(POLL_LINK):  # the group's "Rank privately" button
        await polls.open_ballot(update, context, parse_id(code.removeprefix(POLL_LINK)))
        return
    actor, services = context.actor, context.services
    found = await _invited_to(context, code)
    if found is None:
        await reply(update, actor.tr._(NOT_VALID))
        return
    forum, invite = found
    if await members_db.is_removed(services.db, forum.id, actor.user_id):
        await reply(update, actor.tr._(REMOVED, forum=forum.name))
        return
    if actor.user and actor.user.consent_at:
        # Already knows the notice (member of another forum, or a forum creator): join directly.
        result = await onboarding.join(
            services.db, user_id=actor.user_id, forum=forum, invite=invite, now=services.clock()
        )
        await _welcome(update, context, result)
        return
    chat_id, now = chat_of(update).id, services.clock()
    await onboarding.begin(
        services.db, user_id=actor.user_id, chat_id=chat_id, forum=forum, invite=invite, now=now
    )
    # The language Telegram suggests comes first, ticked: one tap for most people.
    languages = language_keyboard(services.catalogs, "onb", selected=actor.lang, first=actor.lang)
    prompt = _language_prompt(actor.tr, forum.name) + draft_note(actor.tr, services.catalogs)
    await reply(update, prompt, languages)


async def _invited_to(context: ForumContext, code: str) -> tuple[ForumRow, str | None] | None:
    """The forum a private `/start <code>` invites to, and the coordinator invite code if it is
    one (still usable); None for anything else (a group-link code has no business here)."""
    db = context.services.db
    if not looks_like_code(code):
        return None
    forum = await forums_db.find_by_member_code(db, code)
    if forum is not None:
        return forum, None
    invite = await invites_db.find(db, code, context.services.clock())
    if invite is None or invite.kind != invites_db.COORDINATOR or not invite.usable:
        return None
    forum = await forums_db.get_forum(db, invite.forum_id)
    return (forum, code) if forum else None


def _language_prompt(tr: Translator, forum: str) -> str:
    return tr._("Welcome! You are invited to <b>%(forum)s</b>.\nChoose your language:", forum=forum)


async def _hello(update: Update, context: ForumContext) -> None:
    actor = context.actor
    if not actor.memberships:
        await reply(
            update,
            actor.tr._(
                "Hello! I help national forums on Sustainable Consumption and Production share good "
                "practice, rank priorities and meet every six months.\n"
                "To join your forum, open the invite link your coordinator shared."
            ),
        )
        return
    await reply(update, *_forums_screen(context, 0))


def _forums_screen(context: ForumContext, number: int) -> Screen:
    """Page `number` of the caller's forums, the current one marked, under a greeting."""
    actor = context.actor
    tr = actor.tr
    lines = []
    for membership in actor.memberships:
        marker = "▸ " if actor.forum and membership.forum.id == actor.forum.id else "• "
        lines.append(
            marker
            + tr._(
                "%(forum)s (%(role)s)",
                forum=membership.forum.name,
                role=role_name(tr, membership.role),
            )
        )
    heading = tr._(
        "Hello, %(name)s! Your forums:", name=actor.user.first_name if actor.user else ""
    )
    text, nav = text_page(tr, heading, lines, number, "forums")
    text += "\n" + tr._("See /help for what you can do. Switch forums in /settings.")
    return text, markup([nav])


@pager_for("forums")
async def forums_page(
    update: Update, context: ForumContext, args: tuple[str, ...], number: int
) -> Screen | None:
    """`page:forums:<n>`: the caller's own forums, in private."""
    if args or not is_private(update) or not context.actor.memberships:
        return None
    return _forums_screen(context, number)


async def _welcome(update: Update, context: ForumContext, result: onboarding.JoinResult) -> None:
    actor, tr = context.actor, context.actor.tr
    if result.refused:
        await reply(update, refusal(tr, result))
        return
    if result.already_member:
        await reply(
            update,
            say(tr, ALREADY_IN, result.role, forum=result.forum.name),
        )
        return
    zone = actor.user.timezone if actor.user and actor.user.timezone else result.forum.timezone
    await reply(update, welcome_text(tr, result.forum.name, result.role, zone))
    await refresh_user_menu(
        context.bot, tr, actor.user_id, Role(result.role), is_admin=actor.is_admin
    )


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("start", start)),
        (0, onboarding_buttons()),
    ]
