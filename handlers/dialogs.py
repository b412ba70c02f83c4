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
from handlers.buttons import Button, Load, Press, button
from handlers.common import MAX_INPUT, TypedStep, chat_of, reply
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
    valid: Callable[[ForumContext, callbacks.Callback], bool] | None = None,
    same_forum: bool = True,
    answer: bool = True,
) -> Callable[[Callable[[Press[D]], Awaitable[None]]], Button[Any]]:
    """Declare a dialog's button (handlers/buttons.py), pressed by a coordinator: its row is the
    caller's pending draft of `kind` (a `cls`, `press.row`). Stale without such a step, for a
    draft that no longer fits, at a step not in `steps` (any when empty), when `valid` refuses
    the button's data or, with `same_forum`, for a draft (its `forum`) of another forum than
    the caller's current one. `answer` as for `button`."""
    load = draft_at(kind, cls, steps, valid)
    return button(
        feature, action, load=load, check=coordinates if same_forum else coordinator, answer=answer
    )


def draft_at(
    kind: str,
    cls: type[D],
    steps: tuple[str, ...] = (),
    valid: Callable[[ForumContext, callbacks.Callback], bool] | None = None,
) -> Load[D]:
    """The `load` of a dialog's button (see `dialog_button`). Dialog buttons are private (the
    middleware turns them away in groups), so the chat of the step is the caller's own."""

    async def load(context: ForumContext, data: callbacks.Callback) -> D | None:
        if valid is not None and not valid(context, data):
            return None
        user_id = context.actor.user_id
        pending = await dialogs.pending(context.services.db, user_id=user_id, chat_id=user_id)
        draft = pending.draft(cls) if pending is not None and pending.kind == kind else None
        if draft is None or (steps and getattr(draft, "step", None) not in steps):
            return None
        return draft

    return load


async def coordinator(context: ForumContext, _row: object) -> bool:
    """A button `check`: the caller coordinates their current forum (now, not when drawn)."""
    return context.actor.role is Role.COORDINATOR


async def coordinates(context: ForumContext, draft: object) -> bool:
    """A button `check`: the caller still coordinates the forum the draft (its `forum`) is for."""
    forum = context.actor.forum
    return (
        await coordinator(context, draft)
        and forum is not None
        and getattr(draft, "forum", None) == forum.id
    )


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
