"""Messages that are not commands: answers to a pending dialog step, or a friendly hint."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.context import ForumContext
from bot.onboarding import ONBOARDING
from db import dialogs
from handlers import (
    announce,
    feedback,
    forums,
    meeting_admin,
    meeting_dialog,
    meeting_survey,
    poll_dialog,
    poll_manage,
    settings,
    tip_dialog,
    tips,
)
from handlers.common import chat_of, message_of, reply

DialogStep = Callable[[Update, ForumContext, dict], Awaitable[None]]
# kind of pending step → the handler of the user's typed answer
DIALOGS: dict[str, DialogStep] = {
    forums.NEWFORUM: forums.on_newforum_input,
    settings.TIMEZONE: settings.on_timezone_input,
    poll_dialog.NEWPOLL: poll_dialog.on_input,
    meeting_dialog.NEWMEETING: meeting_dialog.on_input,
    tip_dialog.NEWTIP: tip_dialog.on_input,
    poll_manage.EDITPOLL: poll_manage.on_input,
    meeting_admin.MOVE: meeting_admin.on_move_input,
    meeting_admin.PLACE: meeting_admin.on_place_input,
    meeting_survey.COMMENT: meeting_survey.on_comment_input,
    announce.ANNOUNCE: announce.on_input,
    feedback.FEEDBACK: feedback.on_text,
    feedback.REPLY: feedback.on_reply_text,
    feedback.ANSWER: feedback.on_answer_text,
}
ACCEPTS_PHOTO = {feedback.FEEDBACK}  # a photo with a caption answers these
MAX_INPUT = 1000  # no other dialog answer is longer; Telegram itself caps messages at 4096
INPUT_LIMITS = {  # dialogs whose answers have their own limit, longer or shorter
    announce.ANNOUNCE: announce.MAX_ANNOUNCEMENT,
    tip_dialog.NEWTIP: tips.MAX_FORUM_TIP,
}


async def on_private_message(update: Update, context: ForumContext) -> None:
    """Route a typed message to the dialog waiting for it; anything else gets a hint."""
    actor, services = context.actor, context.services
    message = message_of(update)
    pending = await dialogs.pending(services.db, user_id=actor.user_id, chat_id=chat_of(update).id)
    step = DIALOGS.get(pending.kind) if pending else None
    if pending and pending.kind == ONBOARDING:
        await reply(update, actor.tr._("Please use the buttons in my message above."))
    elif step is None or pending is None:  # (no step without a pending dialog)
        await reply(update, actor.tr._("I answer commands: /help lists them."))
    elif message.photo and message.caption and pending.kind in ACCEPTS_PHOTO:
        if len(message.caption) > MAX_INPUT:
            await reply(
                update,
                actor.tr.n_(
                    "That is too long: at most %(max)s character, please.",
                    "That is too long: at most %(max)s characters, please.",
                    MAX_INPUT,
                    max=MAX_INPUT,
                ),
            )
        else:
            await step(update, context, pending.data)
    elif not message.text:
        await reply(update, actor.tr._("Please answer with text (or send /cancel)."))
    elif len(message.text) > (limit := INPUT_LIMITS.get(pending.kind, MAX_INPUT)):
        await reply(
            update,
            actor.tr.n_(
                "That is too long: at most %(max)s character, please.",
                "That is too long: at most %(max)s characters, please.",
                limit,
                max=limit,
            ),
        )
    else:
        await step(update, context, pending.data)


def handlers() -> list[tuple[int, BaseHandler]]:
    private_input = filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    return [(0, MessageHandler(private_input, on_private_message))]
