"""/help, /cancel, and the fallbacks: unknown commands, and buttons no feature claims."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.role_sentences import HELP_HEAD, say
from bot.roles import InGroup, commands_for
from db import dialogs
from handlers.common import answer_stale, guarded, is_private, reply
from handlers.context import ForumContext


@guarded("help")
async def show_help(update: Update, context: ForumContext) -> None:
    """The commands of the caller's role, with localized descriptions."""
    actor, tr = context.actor, context.actor.tr
    if actor.forum and actor.role:
        head = say(tr, HELP_HEAD, actor.role, forum=actor.forum.name)
    elif actor.forum:
        head = tr._("<b>%(forum)s</b>", forum=actor.forum.name)
    else:
        head = tr._("You are not in a forum yet: open the invite link your coordinator shared.")
    commands = commands_for(actor.role, is_admin=actor.is_admin)
    in_group = not is_private(update)
    if in_group:  # only what answers here; the rest would only point to the private chat
        commands = [c for c in commands if c.in_group is InGroup.SHARED]
    lines = [head, ""]
    lines += [f"/{c.name} — {tr._(c.description)}" for c in commands]
    if in_group:
        lines += [
            "",
            tr._(
                "Your other commands work in a private chat with me: %(link)s",
                link=f"https://t.me/{context.bot.username}",
            ),
        ]
    await reply(update, "\n".join(lines))


@guarded("cancel")
async def cancel(update: Update, context: ForumContext) -> None:
    """Stop every dialog this user has under way, in whichever chat it waits (private, mostly)."""
    actor, services = context.actor, context.services
    if not await dialogs.clear_all(services.db, user_id=actor.user_id):
        await reply(update, actor.tr._("There is nothing to cancel."))
        return
    await reply(update, actor.tr._("Cancelled."))


async def unknown_command(update: Update, context: ForumContext) -> None:
    """A command we don't have (in private; in groups it may be for another bot)."""
    await reply(
        update, context.actor.tr._("I don't know that command. /help lists what you can do.")
    )


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("help", show_help)),
        (0, CommandHandler("cancel", cancel)),
    ]


def fallback_handlers() -> list[tuple[int, BaseHandler]]:
    """Registered last in group 0, after every feature's handlers."""
    return [
        (0, MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, unknown_command)),
        # Callback data no feature claims (forged, or from a removed feature): answer it anyway,
        # or the user's client shows a spinner until Telegram times out.
        (0, CallbackQueryHandler(answer_stale)),
    ]
