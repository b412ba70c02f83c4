"""Messages that are not commands: answers to a pending dialog step, or a friendly hint."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.i18n import Translator
from bot.onboarding import ONBOARDING
from db import dialogs
from handlers import forums
from handlers.broadcast import commands as announce
from handlers.common import TypedStep, chat_of, message_of, reply
from handlers.context import ForumContext
from handlers.feedback import commands as feedback
from handlers.meetings import admin as meeting_admin
from handlers.meetings import dialog as meeting_dialog
from handlers.meetings import survey as meeting_survey
from handlers.polls import dialog as poll_dialog
from handlers.polls import manage as poll_manage
from handlers.settings import commands as settings
from handlers.tips import dialog as tip_dialog

FEATURES = (
    forums,
    settings,
    poll_dialog,
    poll_manage,
    meeting_dialog,
    meeting_admin,
    meeting_survey,
    tip_dialog,
    announce,
    feedback,
)


def collect(*declared: tuple[TypedStep, ...]) -> dict[str, TypedStep]:
    """kind → step, from what each feature declares; one kind belongs to one step."""
    steps: dict[str, TypedStep] = {}
    for step in (step for group in declared for step in group):
        if step.kind in steps:
            raise ValueError(f"two dialog steps of kind {step.kind!r}")
        steps[step.kind] = step
    return steps


DIALOGS = collect(*(feature.TYPED_STEPS for feature in FEATURES))


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
    elif message.photo and message.caption and step.photo:
        if len(message.caption) > step.limit:
            await reply(update, _too_long(actor.tr, step.limit))
        else:
            await step.handle(update, context, pending.data)
    elif not message.text:
        await reply(update, actor.tr._("Please answer with text (or send /cancel)."))
    elif len(message.text) > step.limit:
        await reply(update, _too_long(actor.tr, step.limit))
    else:
        await step.handle(update, context, pending.data)


def _too_long(tr: Translator, limit: int) -> str:
    return tr.n_(
        "That is too long: at most %(max)s character, please.",
        "That is too long: at most %(max)s characters, please.",
        limit,
        max=limit,
    )


def handlers() -> list[tuple[int, BaseHandler]]:
    private_input = filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    return [(0, MessageHandler(private_input, on_private_message))]
