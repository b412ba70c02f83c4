"""Joining a forum in private, after `/start <invite code>`: language → consent → stakeholder group.

The steps and the consent notice are bot/onboarding.py. The buttons are `onb:lang:<code>`,
`onb:consent:<yes|no>` and `onb:group:<key>`, in this module's table (listed by handlers/start.py's
`handlers()`). The one pressing the first two is usually a stranger with no user row yet: what
lets them press is their own pending onboarding in this chat, nothing else. The group is chosen
once they are a member of a forum, on the text message that asks for it.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot import callbacks, onboarding
from bot.forums import STAKEHOLDER_GROUPS
from bot.i18n import N_, Translator
from bot.role_sentences import WELCOME, say
from bot.roles import Role
from db import forums as forums_db
from db import users as users_db
from handlers.buttons import FeatureButtons, Press, button, routes
from handlers.common import (
    answer_stale,
    keyboard,
    on_text_message,
    unless_unchanged,
    user_of,
)
from handlers.context import ForumContext
from handlers.menus import refresh_user_menu

NOT_VALID = N_(
    "This invite link is not valid (any more). Ask your forum's coordinator for a new one."
)
REMOVED = N_(
    "You can't join %(forum)s: a coordinator removed you from it. If you think this is a "
    "mistake, please contact the forum's coordinators."
)


async def a_language(context: ForumContext, data: callbacks.Callback) -> str | None:
    """The language tapped, if we have it."""
    lang = data.arg(0)
    return lang if lang in context.services.catalogs.languages else None


@button("onb", "lang", load=a_language, answer=False)
async def choose_language(press: Press[str]) -> None:
    """The language: remembered in the pending step (stale without one in this chat), and the
    consent notice in it."""
    services, lang = press.services, press.row
    step = await onboarding.choose_language(
        services.db,
        user_id=press.actor.user_id,
        chat_id=press.message.chat.id,
        lang=lang,
        now=services.clock(),
    )
    forum = await forums_db.get_forum(services.db, step.forum_id) if step else None
    if forum is None:
        await answer_stale(press.update, press.context)
        return
    tr = services.catalogs.translator(lang)
    await press.query.answer()
    with unless_unchanged():  # the language tapped twice
        await press.query.edit_message_text(
            tr._(onboarding.CONSENT_NOTICE, forum=forum.name), reply_markup=_consent_keyboard(tr)
        )


def _consent_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [
                (tr._("✅ I agree"), callbacks.make("onb", "consent", "yes")),
                (tr._("No, thanks"), callbacks.make("onb", "consent", "no")),
            ]
        ]
    )


async def yes_or_no(context: ForumContext, data: callbacks.Callback) -> callbacks.Callback | None:
    return data if data.arg(0) in ("yes", "no") else None


@button("onb", "consent", load=yes_or_no, answer=False)
async def consent(press: Press[callbacks.Callback]) -> None:
    """Agreed (stored with the membership, or refused) or declined (nothing stored); either is
    stale without an onboarding under way in this chat."""
    await (_agree(press) if press.data.arg(0) == "yes" else _decline(press))


async def _agree(press: Press[callbacks.Callback]) -> None:
    services, actor, user = press.services, press.actor, user_of(press.update)
    result = await onboarding.accept(
        services.db,
        user_id=actor.user_id,
        chat_id=press.message.chat.id,
        first_name=user.first_name,
        username=user.username,
        now=services.clock(),
    )
    if result is None:
        await answer_stale(press.update, press.context)
        return
    await press.query.answer()
    if result.refused:
        await press.query.edit_message_text(refusal(actor.tr, result))
        return
    stored = await users_db.get_user(services.db, actor.user_id)
    tr = services.catalogs.translator(stored.language if stored else actor.lang)
    await press.query.edit_message_text(
        tr._(
            "Thank you! Which stakeholder group do you belong to in %(forum)s?",
            forum=result.forum.name,
        ),
        reply_markup=_group_keyboard(tr),
    )
    await refresh_user_menu(
        press.context.bot, tr, actor.user_id, Role(result.role), is_admin=actor.is_admin
    )


async def _decline(press: Press[callbacks.Callback]) -> None:
    actor = press.actor
    chat_id = press.message.chat.id
    if not await onboarding.decline(press.services.db, user_id=actor.user_id, chat_id=chat_id):
        await answer_stale(press.update, press.context)
        return
    await press.query.answer()
    await press.query.edit_message_text(
        actor.tr._("All right, nothing was stored. You can open the invite link again at any time.")
    )


async def a_group(context: ForumContext, data: callbacks.Callback) -> str | None:
    """The stakeholder group tapped, if the presser is now a member of a forum."""
    actor, key = context.actor, data.arg(0)
    if not onboarding.is_stakeholder_group(key) or actor.user is None or actor.forum is None:
        return None
    return key


@button("onb", "group", load=a_group, answer=False)
async def choose_group(press: Press[str]) -> None:
    """The stakeholder group, then the welcome (only ever on the text message that asked)."""
    actor = press.actor
    if not on_text_message(press.update):
        await answer_stale(press.update, press.context)
        return
    assert actor.forum is not None
    await users_db.set_field(
        press.services.db, actor.user_id, "stakeholder_group", press.row, press.services.clock()
    )
    await press.query.answer()
    with unless_unchanged():  # the group tapped twice
        await press.query.edit_message_text(
            welcome_text(
                actor.tr, actor.forum.name, actor.role or Role.MEMBER, actor.forum.timezone
            )
        )


def _group_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [(tr._(label), callbacks.make("onb", "group", key))]
            for key, label in STAKEHOLDER_GROUPS.items()
        ]
    )


def welcome_text(tr: Translator, forum: str, role: str, timezone: str) -> str:
    return say(tr, WELCOME, role, forum=forum, zone=timezone)


def refusal(tr: Translator, result: onboarding.JoinResult) -> str:
    """Why joining was refused: removed from the forum, or the invite is no longer valid."""
    if result.refused == "removed":
        return tr._(REMOVED, forum=result.forum.name)
    return tr._(NOT_VALID)


def buttons() -> FeatureButtons:
    """The table of `onb:` buttons (handlers/start.py lists it among its handlers)."""
    return routes(choose_language, consent, choose_group)
