"""/newforum (admins): the one-message form or a dialog; in a group, it also links the group."""

from __future__ import annotations

from dataclasses import replace

from telegram import Update
from telegram.error import Forbidden
from telegram.ext import BaseHandler, CommandHandler

from bot import callbacks
from bot.forums import (
    FormError,
    ForumDialog,
    ForumDraft,
    new_invite_code,
    parse_forum_form,
    parse_timezone,
    validate_forum_name,
)
from bot.i18n import N_
from bot.roles import Role
from bot.timezones import MAX_CHOICES, find_zone, format_offset, offset_now
from db import dialogs
from db import forums as forums_db
from db import invites as invites_db
from db import members as members_db
from db.members import Profile
from handlers.buttons import Press, button, routes
from handlers.common import (
    chat_of,
    command_text,
    guarded,
    is_private,
    message_of,
    reply,
    user_of,
)
from handlers.context import ForumContext
from handlers.dialogs import expect_here, typed_step
from handlers.invites import invite_text, new_invite_on
from handlers.linking import link
from handlers.menus import refresh_user_menu
from handlers.render import draft_note, language_keyboard

NEWFORUM = "newforum"
# What a new forum's creator is shown at once (made with the forum, so /newforum never fails
# half-way between a forum and its links).
FIRST_INVITES = (invites_db.COORDINATOR, invites_db.GROUP)


@guarded("newforum")
async def new_forum(update: Update, context: ForumContext) -> None:
    """`/newforum Name` + optional lines, or a step-by-step dialog in private."""
    actor, services = context.actor, context.services
    text = command_text(update)
    if not text:
        if not is_private(update):
            await reply(
                update,
                actor.tr._(
                    "Send the whole form in one message here, for example:\n"
                    "<code>/newforum Thailand SCP Forum\ntimezone: Asia/Bangkok\nlanguage: th</code>"
                ),
            )
            return
        await expect_here(update, context, NEWFORUM, ForumDialog("name"))
        await reply(
            update,
            actor.tr._(
                "Let's create a forum. What is its name? (for example: Thailand SCP Forum)\n"
                "Send /cancel to stop."
            ),
        )
        return
    try:
        draft = parse_forum_form(
            text,
            languages=services.catalogs.languages,
            default_language=services.config.default_language,
        )
    except FormError as error:
        await reply(update, actor.tr._(error.message, **error.params))
        return
    await _create(update, context, draft)


async def on_newforum_input(update: Update, context: ForumContext, draft: ForumDialog) -> None:
    """A typed answer in the /newforum dialog: the name, then the time zone."""
    actor, services = context.actor, context.services
    text = message_of(update).text or ""
    try:
        if draft.step == "name":
            name = validate_forum_name(text)
            await expect_here(update, context, NEWFORUM, replace(draft, step="timezone", name=name))
            await reply(
                update,
                actor.tr._(
                    "Which time zone does the forum meet in? Type its city or country (for "
                    "example Bangkok or Indonesia), an offset such as UTC+7, or an IANA name such "
                    "as Asia/Bangkok."
                ),
            )
            return
        zone = _forum_zone(context, text)
    except FormError as error:
        await reply(update, actor.tr._(error.message, **error.params))
        return
    await expect_here(update, context, NEWFORUM, replace(draft, step="language", timezone=zone))
    await reply(
        update,
        actor.tr._("Which language do members of the forum mostly use?")
        + draft_note(actor.tr, services.catalogs),
        language_keyboard(services.catalogs, "nf"),
    )


def _forum_zone(context: ForumContext, text: str) -> str:
    """The zone a typed city, country, offset or IANA name means; FormError lists the candidates
    (to type one of them) or says it is unknown."""
    actor, now = context.actor, context.services.clock()
    match = find_zone(text, now=now, languages=(actor.lang,))
    if len(match.zones) == 1 and match.offset is None:
        return match.zones[0]
    if match.zones:
        listed = [f"{zone} ({format_offset(offset_now(zone, now))})" for zone in match.zones]
        raise FormError(
            N_("Several time zones match “%(typed)s”: %(zones)s. Type the one you mean."),
            typed=text.strip()[:60],
            zones=", ".join(listed[:MAX_CHOICES]),
        )
    return parse_timezone(text)  # its error names the text and gives an example


async def chosen_language(context: ForumContext, data: callbacks.Callback) -> ForumDraft | None:
    """The forum a language button completes: the caller's /newforum dialog, at its last step."""
    actor, services = context.actor, context.services
    # nf: buttons act in private chats only (handlers/middleware.py), whose id is the user's.
    pending = await dialogs.pending(services.db, user_id=actor.user_id, chat_id=actor.user_id)
    dialog = pending.draft(ForumDialog) if pending and pending.kind == NEWFORUM else None
    lang = data.arg(0)
    if dialog is None or dialog.step != "language" or lang not in services.catalogs.languages:
        return None
    return ForumDraft(name=dialog.name, timezone=dialog.timezone, language=lang)


async def bot_admin(context: ForumContext, draft: ForumDraft) -> bool:
    """Whether the caller is a bot administrator now (only they create forums)."""
    return context.actor.is_admin


@button("nf", "lang", load=chosen_language, check=bot_admin)
async def choose_language(press: Press[ForumDraft]) -> None:
    """Last step of the /newforum dialog: the forum's default language."""
    await press.query.edit_message_reply_markup(None)
    await _create(press.update, press.context, press.row)


async def _create(update: Update, context: ForumContext, draft: ForumDraft) -> None:
    actor, services = context.actor, context.services
    user, chat = user_of(update), chat_of(update)
    now = services.clock()
    # Commit, then talk: the creator (creating a forum is their consent), the forum with them as
    # its first coordinator, its first coordinator and group-link invites and the end of the
    # dialog, together; a busy database leaves no forum without its links, nor a second forum.
    async with services.db.transaction() as conn:
        profile = Profile(user.first_name, user.username, actor.lang)
        await members_db.store_consent_on(conn, user.id, profile, now)
        forum_id = await forums_db.create_forum_on(
            conn,
            name=draft.name,
            timezone=draft.timezone,
            language=draft.language,
            country=draft.country,
            member_code=new_invite_code(),
            creator_id=user.id,
            now=now,
        )
        for kind in FIRST_INVITES:
            await new_invite_on(conn, forum_id=forum_id, kind=kind, user_id=user.id, now=now)
        await dialogs.take(conn, user_id=user.id, chat_id=chat.id, kind=NEWFORUM)
    forum = await forums_db.get_forum(services.db, forum_id)
    assert forum is not None
    tr = actor.tr
    created = tr._(
        "Forum <b>%(forum)s</b> created (time zone %(zone)s, language %(language)s).",
        forum=forum.name,
        zone=forum.timezone,
        language=tr.language_name(forum.language),
    )
    links = await invite_text(context, forum)
    if is_private(update):
        await reply(update, created + "\n\n" + links)
    else:
        # In a group: the forum's name and the link's outcome there, the codes in private.
        mine = {m.forum.id for m in actor.memberships if m.role == Role.COORDINATOR} | {forum.id}
        lines = [created, await link(update, context, forum, by_code=False, coordinates=mine)]
        try:
            await context.bot.send_message(user.id, links)
            lines.append(tr._("I sent you the invite links in our private chat."))
        except Forbidden:  # they never opened a private chat with the bot; /invite there later
            lines.append(
                tr._(
                    "Open a private chat with me and send /invite there for the invite links: "
                    "%(link)s",
                    link=f"https://t.me/{context.bot.username}",
                )
            )
        await reply(update, "\n\n".join(lines))
    await refresh_user_menu(context.bot, tr, user.id, Role.COORDINATOR, is_admin=actor.is_admin)


# What a typed message answers in this feature's dialogs (collected by handlers/text.py).
TYPED_STEPS = (typed_step(NEWFORUM, ForumDialog, on_newforum_input),)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("newforum", new_forum)),
        (0, routes(choose_language)),
    ]
