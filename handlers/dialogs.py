"""What the dialogs share: the caller's pending step in this chat, read as its typed draft.

A dialog's state is a pending step (db/dialogs.py) whose data is a frozen dataclass of the
feature's (`NewPollDraft`, `EditPollDraft`, …). These helpers are the same few moves every
dialog makes, so /newpoll, /editpoll, /meeting and /tip add make them one way:

- `expect_here` / `expect_in`: the caller's next message in this (that) chat answers `kind`;
- `dialog_button`: a dialog's button (handlers/buttons.py) acts on the pending step of its kind,
  at one of its steps, pressed by a coordinator; anything else is stale;
- `typed_step`: the `TypedStep` of a kind whose handler gets the draft typed; a draft that no
  longer fits (written by an older version) is an expired step, answered as a missing one is;
- `end_here` (the step ends), `discard` (✖ Discard) and `sent` (the courtesies after ✅
  Send/Create/Save committed).
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import CallbackQuery, Update
from telegram.error import TelegramError

from bot import callbacks
from bot.roles import Role
from db import dialogs
from handlers.buttons import Button, Press, button
from handlers.common import MAX_INPUT, TypedStep, answer_stale, chat_of, reply
from handlers.context import ForumContext

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

D = TypeVar("D", bound="DataclassInstance")


async def expect_here(update: Update, context: ForumContext, kind: str, draft: object) -> None:
    """The caller's next message in this chat answers `kind`; `draft` is the step's data."""
    await expect_in(context, chat_of(update).id, kind, draft)


async def expect_in(context: ForumContext, chat_id: int, kind: str, draft: object) -> None:
    """The caller's next message in `chat_id` answers `kind`; `draft` is the step's data."""
    actor, services = context.actor, context.services
    await dialogs.expect(
        services.db,
        user_id=actor.user_id,
        chat_id=chat_id,
        kind=kind,
        data=draft,
        now=services.clock(),
    )


def dialog_button(
    feature: str,
    action: str,
    kind: str,
    cls: type[D],
    *,
    steps: tuple[str, ...] = (),
    same_forum: bool = True,
    answer: bool = True,
) -> Callable[[Callable[[Press[D]], Awaitable[None]]], Button[Any]]:
    """Declare a dialog's button (handlers/buttons.py): pressed by a coordinator, it acts on the
    caller's pending step of `kind` in the pressed chat, whose draft the handler gets as
    `press.row` (a `cls`). Stale without such a step, for a draft that no longer fits, at a step
    not in `steps` (any when empty) or, with `same_forum`, for a draft (its `forum`) of another
    forum than the caller's current one. `answer` as for `button`."""

    def declare(handle: Callable[[Press[D]], Awaitable[None]]) -> Button[Any]:
        async def run(press: Press[callbacks.Callback]) -> None:
            draft = await _draft_of(press, kind, cls, steps, same_forum)
            if draft is None:
                await answer_stale(press.update, press.context)
                return
            if answer:
                await press.query.answer()
            await handle(Press(press.update, press.context, press.data, draft))

        return button(feature, action, check=coordinator, answer=False)(run)

    return declare


async def _draft_of(
    press: Press[Any], kind: str, cls: type[D], steps: tuple[str, ...], same_forum: bool
) -> D | None:
    actor, chat = press.actor, press.update.effective_chat
    pending = await dialogs.pending(
        press.services.db, user_id=actor.user_id, chat_id=chat.id if chat else actor.user_id
    )
    draft = pending.draft(cls) if pending is not None and pending.kind == kind else None
    if draft is None or (steps and getattr(draft, "step", None) not in steps):
        return None
    if same_forum and (actor.forum is None or getattr(draft, "forum", None) != actor.forum.id):
        return None
    return draft


async def coordinator(context: ForumContext, _row: object) -> bool:
    """A button `check`: the caller coordinates their current forum (now, not when drawn)."""
    return context.actor.role is Role.COORDINATOR


def typed_step(
    kind: str,
    cls: type[D],
    handle: Callable[[Update, ForumContext, D], Awaitable[None]],
    *,
    limit: int = MAX_INPUT,
    photo: bool = False,
) -> TypedStep:
    """The `TypedStep` of `kind`, whose handler gets the step's draft as a `cls`."""

    async def typed(update: Update, context: ForumContext, data: dict[str, Any]) -> None:
        draft = dialogs.Pending(kind, data).draft(cls)
        if draft is None:  # an old draft: the step has expired, as if there were none
            await end_here(update, context)
            await reply(update, context.actor.tr._("I answer commands: /help lists them."))
            return
        await handle(update, context, draft)

    return TypedStep(kind, typed, limit, photo)


async def end_here(update: Update, context: ForumContext) -> None:
    """The caller's dialog in this chat ends (a `/cancel` of its own)."""
    await dialogs.clear(
        context.services.db, user_id=context.actor.user_id, chat_id=chat_of(update).id
    )


async def discard(press: Press[Any], text: str) -> None:
    """✖ Discard: the step ends, and the preview's message says `text` instead."""
    await end_here(press.update, press.context)
    await press.query.answer()
    await press.query.edit_message_text(text)


async def sent(query: CallbackQuery) -> None:
    """After ✅ Send/Create/Save committed: answer the press and take the buttons off the
    preview, which stays as a record of what went out. Courtesies: a failure changes nothing."""
    with contextlib.suppress(TelegramError):
        await query.answer()
    with contextlib.suppress(TelegramError):
        await query.edit_message_reply_markup(None)
