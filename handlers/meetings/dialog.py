"""The /meeting dialog: `/meeting` alone, in private, asks step by step instead of one message.

Title → date and time (the forum's time zone, read like the form's `starts:`) → place or online
link (or Skip) → repeat (buttons) → a preview of the announcement as members will see it, with
"✅ Create" and "✖ Discard". Each typed answer is checked by the one-message form's own rules
(`bot.meetings`): a wrong one is refused with the form's sentence and the step stays. "Create"
builds the draft through `parse_meeting_form` and creates it with `meetings.schedule`, the form's
code path, claiming the draft in the transaction that writes the series and its announcements.

This module owns the /meeting command: with text (or in a group) it hands over to
`meetings.new_meeting`, unchanged. State is a pending input (`newmeeting`), so a restart keeps
the dialog. Callback data: `mtgd:skip`, `mtgd:every:<months, 0 = once>`, `mtgd:make`, `mtgd:drop`.
"""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import datetime, timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.forums import FormError
from bot.i18n import Translator
from bot.meetings import SeriesDraft, parse_meeting_form, validate_title
from bot.recurrence import occurrence_start
from bot.roles import Role
from db import dialogs
from db.meetings import ANSWERS, MeetingRow
from handlers.common import (
    TypedStep,
    answer_stale,
    chat_of,
    command_text,
    coordinator_step,
    guarded,
    is_private,
    keyboard,
    message_of,
    pressed,
    reply,
)
from handlers.context import ForumContext
from handlers.meetings import commands as meetings
from handlers.meetings import render

NEWMEETING = "newmeeting"
REPEATS = (0, 1, 3, 6, 12)  # the repeat buttons, in months (0: a single meeting)
SKIP_WORDS = {"skip", "-", "none", "no"}
LINK_SCHEMES = ("http://", "https://")


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
    await _expect(update, context, {"step": "title", "forum": actor.forum.id})
    await reply(
        update,
        actor.tr._("New meeting, step 1 of 4 (send /cancel to stop). What is the meeting's title?"),
    )


async def _expect(update: Update, context: ForumContext, data: dict) -> None:
    actor, services = context.actor, context.services
    await dialogs.expect(
        services.db,
        user_id=actor.user_id,
        chat_id=chat_of(update).id,
        kind=NEWMEETING,
        data=data,
        now=services.clock(),
    )


def _draft(data: dict, timezone: str, now: datetime) -> SeriesDraft:
    """The meeting as the one-message form would read it; FormError says what is wrong.

    The title is checked on its own: typed alone it may look like a setting line ("Place: …")."""
    lines = ["-", f"starts: {data['starts']}"]
    lines += [f"{key}: {data[key]}" for key in ("place", "link", "every") if data.get(key)]
    draft = parse_meeting_form("\n".join(lines), timezone=timezone, now=now)
    return dataclasses.replace(draft, title=validate_title(data["title"]))


def _closed(tr: Translator) -> str:
    return tr._("This meeting draft is no longer open; start again with /meeting.")


async def on_input(update: Update, context: ForumContext, data: dict) -> None:
    """A typed answer to the current step; a refused one keeps the step."""
    actor, services = context.actor, context.services
    tr, forum = actor.tr, actor.forum
    if actor.role is not Role.COORDINATOR or forum is None or data.get("forum") != forum.id:
        await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_of(update).id)
        await reply(update, _closed(tr))
        return
    text = " ".join((message_of(update).text or "").split())  # every answer is one line
    step, now = data.get("step"), services.clock()
    try:
        if step == "title":
            data = {**data, "step": "starts", "title": validate_title(text)}
        elif step == "starts":
            draft = _draft({**data, "starts": text}, forum.timezone, now)
            starts = draft.first_start.strftime("%Y-%m-%d %H:%M")
            data = {**data, "step": "place", "starts": starts}
        elif step == "place":
            data = {**data, **_place(text)}
            _draft(data, forum.timezone, now)
            data["step"] = "every"
        elif step == "every":
            _draft({**data, "every": text}, forum.timezone, now)
            data = {**data, "every": text}
            await _preview(update, context, data)
            return
        else:
            await reply(update, tr._("Please use the buttons in my message above."))
            return
    except FormError as error:
        await reply(update, tr._(error.message, **error.params))
        return
    await _expect(update, context, data)
    await _ask(update, context, data)


def _place(text: str) -> dict[str, str | None]:
    """A typed place, an online link, or nothing ("skip")."""
    if text.lower() in SKIP_WORDS:
        return {"place": None, "link": None}
    if text.lower().startswith(LINK_SCHEMES):
        return {"place": None, "link": text}
    return {"place": text, "link": None}


async def _ask(update: Update, context: ForumContext, data: dict) -> None:
    """The question of the step `data` is at."""
    tr, forum = context.actor.tr, context.actor.forum
    assert forum is not None
    if data["step"] == "starts":
        await reply(
            update,
            tr._(
                "Step 2 of 4: when does <b>%(title)s</b> start? Send the date and time in the "
                "forum's time zone (%(zone)s), like 2027-03-15 09:00.",
                title=data["title"],
                zone=forum.timezone,
            ),
        )
    elif data["step"] == "place":
        await reply(
            update,
            tr._("Step 3 of 4: where? Send the place, or an online link (https://…)."),
            keyboard([[(tr._("Skip"), callbacks.make("mtgd", "skip"))]]),
        )
    else:
        await reply(update, tr._("Step 4 of 4: does the meeting repeat?"), _repeat_keyboard(tr))


def _repeat_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    labels = {
        0: tr._("Only once"),
        1: tr._("Every month"),
        12: tr._("Every year"),
    }
    buttons = [
        (
            labels.get(months) or tr.n_("Every %(count)s month", "Every %(count)s months", months),
            callbacks.make("mtgd", "every", months),
        )
        for months in REPEATS
    ]
    return keyboard([buttons[:1], buttons[1:3], buttons[3:]])


async def _preview(update: Update, context: ForumContext, data: dict) -> None:
    """The announcement members will get, in the coordinator's language and zone."""
    actor, services = context.actor, context.services
    tr, forum = actor.tr, actor.forum
    assert forum is not None
    draft = _draft(data, forum.timezone, services.clock())
    starts = occurrence_start(draft.first_start, draft.timezone, draft.every_months, 0)
    meeting = MeetingRow(
        id=0,
        series_id=0,
        seq=0,
        forum_id=forum.id,
        title=draft.title,
        place=draft.place,
        link=draft.link,
        timezone=draft.timezone,
        starts_at=starts,
        ends_at=starts + draft.duration,
        revision=0,
        cancelled=False,
        reminders=tuple(int(lead.total_seconds()) for lead in draft.reminders),
        every_months=draft.every_months,
    )
    head = render.announcement_head(tr, draft.every_months)
    shown = render.meeting_text(tr, meeting, actor.timezone, dict.fromkeys(ANSWERS, 0), None)
    text = "\n".join(
        [
            tr._("<b>Preview</b>: nothing is sent until you tap “Create”."),
            _reminders_line(tr, draft.reminders),
            "",
            tr._("Members will see:"),
            "",
            head,
            shown,
        ]
    )
    markup = keyboard(
        [
            [
                (tr._("✅ Create"), callbacks.make("mtgd", "make")),
                (tr._("✖ Discard"), callbacks.make("mtgd", "drop")),
            ]
        ]
    )
    await _expect(update, context, {**data, "step": "preview"})
    await reply(update, text, markup)


def _reminders_line(tr: Translator, leads: tuple[timedelta, ...]) -> str:
    if not leads:
        return tr._("Reminders: none.")
    parts = []
    for lead in leads:
        minutes = int(lead.total_seconds()) // 60
        if minutes % (24 * 60) == 0:
            parts.append(tr.n_("%(count)s day", "%(count)s days", minutes // (24 * 60)))
        elif minutes % 60 == 0:
            parts.append(tr.n_("%(count)s hour", "%(count)s hours", minutes // 60))
        else:
            parts.append(tr.n_("%(count)s minute", "%(count)s minutes", minutes))
    return tr._("Reminders: %(leads)s before it.", leads=", ".join(parts))


async def on_button(update: Update, context: ForumContext) -> None:
    """Skip, a repeat, Create or Discard; each checked against the pending step."""
    query, actor, services = pressed(update), context.actor, context.services
    step_of = await coordinator_step(update, context, NEWMEETING)
    if step_of is None:
        return
    parsed, pending = step_of
    chat_id = chat_of(update).id
    data, step, tr = pending.data, pending.data.get("step"), actor.tr
    if parsed.action == "skip" and step == "place":
        data = {**data, "step": "every", "place": None, "link": None}
        await _expect(update, context, data)
        await query.answer()
        await _ask(update, context, data)
    elif parsed.action == "every" and step == "every" and parsed.int_arg(0) in REPEATS:
        months = parsed.int_arg(0)
        await query.answer()
        await _preview(update, context, {**data, "every": str(months) if months else "none"})
    elif parsed.action == "drop" and step == "preview":
        await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_id)
        await query.answer()
        await query.edit_message_text(tr._("Discarded. No meeting was created."))
    elif parsed.action == "make" and step == "preview":
        await _create(update, context, data)
    else:
        await answer_stale(update, context)


async def _create(update: Update, context: ForumContext, data: dict) -> None:
    """✅ Create: the form's code path, claiming the draft in its transaction."""
    query, actor, services = pressed(update), context.actor, context.services
    assert actor.forum is not None
    try:
        draft = _draft(data, actor.forum.timezone, services.clock())
    except FormError as error:  # e.g. the start went by while the preview waited
        await query.answer(actor.tr._(error.message, **error.params), show_alert=True)
        return
    claim = (actor.user_id, chat_of(update).id, NEWMEETING)
    if await meetings.schedule(update, context, draft, claim=claim) is None:
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
        (0, CallbackQueryHandler(on_button, pattern=r"^mtgd:")),
    ]
