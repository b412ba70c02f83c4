"""The /meeting dialog: `/meeting` alone, in private, asks step by step instead of one message.

Title → date and time (the forum's time zone, read like the form's `starts:`) → place or online
link (or Skip) → repeat (buttons) → a preview of the announcement as members will see it, with
"✅ Create" and "✖ Discard". Each typed answer is checked by the one-message form's own rules
(`bot.meetings`): a wrong one is refused with the form's sentence and the step stays. "Create"
builds the draft through `parse_meeting_form` and creates it with `meetings.schedule`, the form's
code path, claiming the draft in the transaction that writes the series and its announcements.

This module owns the /meeting command: with text (or in a group) it hands over to
`meetings.new_meeting`, unchanged. State is a pending input (`newmeeting`) whose draft is a
`NewMeetingDraft`, so a restart keeps the dialog. Callback data: `mtgd:skip`, `mtgd:every:<months,
0 = once>`, `mtgd:make`, `mtgd:drop`; each acts only at its step of the caller's open draft.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from datetime import datetime

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler

from bot import callbacks
from bot.forums import FormError
from bot.i18n import Translator
from bot.meetings import SeriesDraft, parse_meeting_form, validate_title
from bot.roles import Role
from db import dialogs
from handlers.buttons import Press, routes
from handlers.common import (
    TypedStep,
    chat_of,
    command_text,
    guarded,
    is_private,
    keyboard,
    message_of,
    reply,
)
from handlers.context import ForumContext
from handlers.dialogs import dialog_button, expect_here
from handlers.meetings import commands as meetings
from handlers.meetings.preview import preview, repeat_keyboard

NEWMEETING = "newmeeting"
REPEATS = (0, 1, 3, 6, 12)  # the repeat buttons, in months (0: a single meeting)
SKIP_WORDS = {"skip", "-", "none", "no"}
LINK_SCHEMES = ("http://", "https://")


@dataclass(frozen=True)
class NewMeetingDraft:
    """The answers so far, as typed (checked by the form's rules at each step)."""

    forum: int  # the forum the meeting is for: the dialog closes if the caller's forum changes
    step: str = "title"  # title → starts → place → every → preview
    title: str = ""
    starts: str = ""  # "2027-03-15 09:00", the forum's wall clock
    place: str | None = None
    link: str | None = None
    every: str | None = None  # as the form's `every:` line ("6", "none"); None: the default


@guarded("meeting")
async def meeting_command(update: Update, context: ForumContext) -> None:
    """`/meeting` alone in private: the dialog; anything else: the one-message form."""
    if not command_text(update) and is_private(update):
        await start(update, context)
    else:
        await meetings.new_meeting(update, context)


async def start(update: Update, context: ForumContext) -> None:
    actor = context.actor
    assert actor.forum is not None
    await _expect(update, context, NewMeetingDraft(forum=actor.forum.id))
    await reply(
        update,
        actor.tr._("New meeting, step 1 of 4 (send /cancel to stop). What is the meeting's title?"),
    )


async def _expect(update: Update, context: ForumContext, draft: NewMeetingDraft) -> None:
    await expect_here(update, context, NEWMEETING, draft)


def _series(draft: NewMeetingDraft, timezone: str, now: datetime) -> SeriesDraft:
    """The meeting as the one-message form would read it; FormError says what is wrong.

    The title is checked on its own: typed alone it may look like a setting line ("Place: …")."""
    lines = ["-", f"starts: {draft.starts}"]
    given = (("place", draft.place), ("link", draft.link), ("every", draft.every))
    lines += [f"{key}: {value}" for key, value in given if value]
    series = parse_meeting_form("\n".join(lines), timezone=timezone, now=now)
    return replace(series, title=validate_title(draft.title))


def _closed(tr: Translator) -> str:
    return tr._("This meeting draft is no longer open; start again with /meeting.")


async def on_input(update: Update, context: ForumContext, data: dict) -> None:
    """A typed answer to the current step; a refused one keeps the step."""
    actor, services = context.actor, context.services
    tr, forum = actor.tr, actor.forum
    draft = dialogs.Pending(NEWMEETING, data).draft(NewMeetingDraft)
    if (
        actor.role is not Role.COORDINATOR
        or forum is None
        or draft is None
        or draft.forum != forum.id
    ):
        await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_of(update).id)
        await reply(update, _closed(tr))
        return
    text = " ".join((message_of(update).text or "").split())  # every answer is one line
    now = services.clock()
    try:
        if draft.step == "title":
            draft = replace(draft, step="starts", title=validate_title(text))
        elif draft.step == "starts":
            series = _series(replace(draft, starts=text), forum.timezone, now)
            draft = replace(
                draft, step="place", starts=series.first_start.strftime("%Y-%m-%d %H:%M")
            )
        elif draft.step == "place":
            draft = _place(draft, text)
            _series(draft, forum.timezone, now)
            draft = replace(draft, step="every")
        elif draft.step == "every":
            draft = replace(draft, every=text)
            _series(draft, forum.timezone, now)
            await _preview(update, context, draft)
            return
        else:
            await reply(update, tr._("Please use the buttons in my message above."))
            return
    except FormError as error:
        await reply(update, tr._(error.message, **error.params))
        return
    await _expect(update, context, draft)
    await _ask(update, context, draft)


def _place(draft: NewMeetingDraft, text: str) -> NewMeetingDraft:
    """A typed place, an online link, or nothing ("skip")."""
    if text.lower() in SKIP_WORDS:
        return replace(draft, place=None, link=None)
    if text.lower().startswith(LINK_SCHEMES):
        return replace(draft, place=None, link=text)
    return replace(draft, place=text, link=None)


async def _ask(update: Update, context: ForumContext, draft: NewMeetingDraft) -> None:
    """The question of the step `draft` is at."""
    tr, forum = context.actor.tr, context.actor.forum
    assert forum is not None
    if draft.step == "starts":
        await reply(
            update,
            tr._(
                "Step 2 of 4: when does <b>%(title)s</b> start? Send the date and time in the "
                "forum's time zone (%(zone)s), like 2027-03-15 09:00.",
                title=draft.title,
                zone=forum.timezone,
            ),
        )
    elif draft.step == "place":
        await reply(
            update,
            tr._("Step 3 of 4: where? Send the place, or an online link (https://…)."),
            keyboard([[(tr._("Skip"), callbacks.make("mtgd", "skip"))]]),
        )
    else:
        await reply(
            update, tr._("Step 4 of 4: does the meeting repeat?"), repeat_keyboard(tr, REPEATS)
        )


async def _preview(update: Update, context: ForumContext, draft: NewMeetingDraft) -> None:
    """The announcement members will get, in the coordinator's language and zone."""
    actor, services = context.actor, context.services
    assert actor.forum is not None
    series = _series(draft, actor.forum.timezone, services.clock())
    text, markup = preview(actor.tr, series, actor.forum.id, actor.timezone)
    await _expect(update, context, replace(draft, step="preview"))
    await reply(update, text, markup)


def _offered(context: ForumContext, data: callbacks.Callback) -> bool:
    return data.int_arg(0) in REPEATS  # a repeat we offer


@dialog_button("mtgd", "skip", NEWMEETING, NewMeetingDraft, steps=("place",))
async def skip(press: Press[NewMeetingDraft]) -> None:
    """No place and no link."""
    draft = replace(press.row, step="every", place=None, link=None)
    await _expect(press.update, press.context, draft)
    await _ask(press.update, press.context, draft)


@dialog_button("mtgd", "every", NEWMEETING, NewMeetingDraft, steps=("every",), valid=_offered)
async def every(press: Press[NewMeetingDraft]) -> None:
    """A repeat chosen: on to the preview."""
    months = press.data.int_arg(0)
    draft = replace(press.row, every=str(months) if months else "none")
    await _preview(press.update, press.context, draft)


@dialog_button("mtgd", "drop", NEWMEETING, NewMeetingDraft, steps=("preview",))
async def discard(press: Press[NewMeetingDraft]) -> None:
    """✖ Discard: nothing was sent, nothing is kept."""
    await dialogs.clear(
        press.services.db, user_id=press.actor.user_id, chat_id=press.message.chat.id
    )
    await press.query.edit_message_text(press.tr._("Discarded. No meeting was created."))


@dialog_button("mtgd", "make", NEWMEETING, NewMeetingDraft, steps=("preview",), answer=False)
async def create(press: Press[NewMeetingDraft]) -> None:
    """✅ Create: the form's code path, claiming the draft in its transaction."""
    query, actor, services = press.query, press.actor, press.services
    assert actor.forum is not None
    try:
        series = _series(press.row, actor.forum.timezone, services.clock())
    except FormError as error:  # e.g. the start went by while the preview waited
        await query.answer(actor.tr._(error.message, **error.params), show_alert=True)
        return
    claim = (actor.user_id, press.message.chat.id, NEWMEETING)
    if await meetings.schedule(press.update, press.context, series, claim=claim) is None:
        await query.answer(_closed(actor.tr))
        return
    with contextlib.suppress(TelegramError):  # courtesies: the meeting is committed and sent
        await query.answer()
    with contextlib.suppress(TelegramError):  # the preview stays as a record of what went out
        await query.edit_message_reply_markup(None)


# What a typed message answers in this feature's dialogs (collected by handlers/text.py).
TYPED_STEPS = (TypedStep(NEWMEETING, on_input),)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("meeting", meeting_command)),
        (0, routes(skip, every, discard, create)),
    ]
