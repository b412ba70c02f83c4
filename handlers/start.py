"""/start: join a forum by invite code (private), link a group (in a group), or say hello."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import callbacks, onboarding
from bot.callbacks import parse_id
from bot.forums import STAKEHOLDER_GROUPS, looks_like_code
from bot.i18n import N_, Translator
from bot.role_sentences import ALREADY_IN, WELCOME, say
from bot.roles import Role
from db import forums as forums_db
from db import invites as invites_db
from db import members as members_db
from db import users as users_db
from db.forums import ForumRow
from handlers.common import (
    answer_stale,
    chat_of,
    command_text,
    is_private,
    keyboard,
    on_text_message,
    pressed,
    reply,
    unless_unchanged,
    user_of,
)
from handlers.context import ForumContext
from handlers.linking import start_in_group
from handlers.menus import refresh_user_menu
from handlers.paging import Screen, markup, pager_for, text_page
from handlers.polls import commands as polls
from handlers.polls.group_post import POLL_LINK
from handlers.render import draft_note, language_keyboard, role_name

NOT_VALID = N_(
    "This invite link is not valid (any more). Ask your forum's coordinator for a new one."
)
REMOVED = N_(
    "You can't join %(forum)s: a coordinator removed you from it. If you think this is a "
    "mistake, please contact the forum's coordinators."
)


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
    await onboarding.begin(
        services.db,
        user_id=actor.user_id,
        chat_id=chat_of(update).id,
        forum=forum,
        invite=invite,
        now=services.clock(),
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


async def on_onboarding_button(update: Update, context: ForumContext) -> None:
    """Buttons of the onboarding message: language, consent, stakeholder group."""
    query = pressed(update)
    parsed = callbacks.parse(query.data)
    services, actor = context.services, context.actor
    chat_id = chat_of(update).id
    if parsed is None:
        await answer_stale(update, context)
        return
    if parsed.action == "lang" and (lang := parsed.arg(0)) in services.catalogs.languages:
        data = await onboarding.choose_language(
            services.db, user_id=actor.user_id, chat_id=chat_id, lang=lang, now=services.clock()
        )
        forum = await forums_db.get_forum(services.db, data["forum_id"]) if data else None
        if forum is None:
            await answer_stale(update, context)
            return
        tr = services.catalogs.translator(lang)
        await query.answer()
        with unless_unchanged():  # the language tapped twice
            await query.edit_message_text(
                tr._(onboarding.CONSENT_NOTICE, forum=forum.name),
                reply_markup=keyboard(
                    [
                        [
                            (tr._("✅ I agree"), callbacks.make("onb", "consent", "yes")),
                            (tr._("No, thanks"), callbacks.make("onb", "consent", "no")),
                        ]
                    ]
                ),
            )
    elif parsed.action == "consent" and parsed.arg(0) == "yes":
        user = user_of(update)
        result = await onboarding.accept(
            services.db,
            user_id=actor.user_id,
            chat_id=chat_id,
            first_name=user.first_name,
            username=user.username,
            now=services.clock(),
        )
        if result is None:
            await answer_stale(update, context)
            return
        if result.refused:
            await query.answer()
            await query.edit_message_text(_refusal(actor.tr, result))
            return
        stored = await users_db.get_user(services.db, actor.user_id)
        tr = services.catalogs.translator(stored.language if stored else actor.lang)
        await query.answer()
        await query.edit_message_text(
            tr._(
                "Thank you! Which stakeholder group do you belong to in %(forum)s?",
                forum=result.forum.name,
            ),
            reply_markup=_group_keyboard(tr, "onb"),
        )
        await refresh_user_menu(
            context.bot, tr, actor.user_id, Role(result.role), is_admin=actor.is_admin
        )
    elif parsed.action == "consent" and parsed.arg(0) == "no":
        if not await onboarding.decline(services.db, user_id=actor.user_id, chat_id=chat_id):
            await answer_stale(update, context)
            return
        await query.answer()
        await query.edit_message_text(
            actor.tr._(
                "All right, nothing was stored. You can open the invite link again at any time."
            )
        )
    elif parsed.action == "group" and onboarding.is_stakeholder_group(parsed.arg(0)):
        if actor.user is None or actor.forum is None or not on_text_message(update):
            await answer_stale(update, context)
            return
        await users_db.set_field(
            services.db, actor.user_id, "stakeholder_group", parsed.arg(0), services.clock()
        )
        await query.answer()
        with unless_unchanged():  # the group tapped twice
            await query.edit_message_text(
                _welcome_text(
                    actor.tr, actor.forum.name, actor.role or Role.MEMBER, actor.forum.timezone
                )
            )
    else:
        await answer_stale(update, context)


def _group_keyboard(tr: Translator, feature: str) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [(tr._(label), callbacks.make(feature, "group", key))]
            for key, label in STAKEHOLDER_GROUPS.items()
        ]
    )


def _welcome_text(tr: Translator, forum: str, role: str, timezone: str) -> str:
    return say(tr, WELCOME, role, forum=forum, zone=timezone)


def _refusal(tr: Translator, result: onboarding.JoinResult) -> str:
    if result.refused == "removed":
        return tr._(REMOVED, forum=result.forum.name)
    return tr._(NOT_VALID)


async def _welcome(update: Update, context: ForumContext, result: onboarding.JoinResult) -> None:
    actor, tr = context.actor, context.actor.tr
    if result.refused:
        await reply(update, _refusal(tr, result))
        return
    if result.already_member:
        await reply(
            update,
            say(tr, ALREADY_IN, result.role, forum=result.forum.name),
        )
        return
    zone = actor.user.timezone if actor.user and actor.user.timezone else result.forum.timezone
    await reply(update, _welcome_text(tr, result.forum.name, result.role, zone))
    await refresh_user_menu(
        context.bot, tr, actor.user_id, Role(result.role), is_admin=actor.is_admin
    )


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("start", start)),
        (0, CallbackQueryHandler(on_onboarding_button, pattern=r"^onb:")),
    ]
