"""One button table per feature: each button declared in one line, checked in one place.

A feature module declares its buttons with `@button(feature, action, load=…, check=…)` and lists
them in its `handlers()` with `routes(...)`, the way ultimate-poll-bot maps its callbacks:

    @button("mtga", "cancel", load=meeting_ahead, check=coordinates)
    async def ask_cancel(press: Press[MeetingRow]) -> None: ...

    def handlers():
        return [(0, routes(ask_cancel, cancel, keep, ...))]

`routes` makes the one CallbackQueryHandler of the feature. For each press it parses the data
(bot/callbacks.py), finds the action, loads its row (`load`, None when gone), re-checks the
caller's rights against the database (`check`: callback data can be forged and rights change),
and otherwise answers "This button is no longer valid." and does nothing. Only then is the press
answered (unless the button answers itself, `answer=False`, with a text or an alert) and the
handler run. tests/test_authorization.py reads the same table (`FeatureButtons.buttons`): a button
without a row in its matrix fails the suite.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from telegram import CallbackQuery, Message, Update
from telegram.ext import CallbackQueryHandler

from bot import callbacks
from bot.actor import Actor
from bot.context import Services
from bot.i18n import Translator
from db.connection import Database
from handlers.common import answer_stale, pressed, pressed_message
from handlers.context import ForumContext

T = TypeVar("T")
Load = Callable[[ForumContext, callbacks.Callback], Awaitable[T | None]]
Check = Callable[[ForumContext, T], Awaitable[bool]]


@dataclass(frozen=True)
class Press(Generic[T]):
    """A press that passed its button's checks: the update, its parsed data and loaded row."""

    update: Update
    context: ForumContext
    data: callbacks.Callback
    row: T

    @property
    def query(self) -> CallbackQuery:
        return pressed(self.update)

    @property
    def message(self) -> Message:
        return pressed_message(self.query)

    @property
    def actor(self) -> Actor:
        return self.context.actor

    @property
    def services(self) -> Services:
        return self.context.services

    @property
    def tr(self) -> Translator:
        return self.context.actor.tr


@dataclass(frozen=True)
class Button(Generic[T]):
    """One row of a feature's button table (see the module docstring)."""

    feature: str
    action: str
    handle: Callable[[Press[T]], Awaitable[None]]
    load: Load[T] | None = None  # None: the press carries no row (`Press.row` is the data)
    check: Check[T] | None = None  # None: anyone whom the load found a row for
    answer: bool = True  # answer the press (no text) before `handle`; False: it answers itself

    @property
    def name(self) -> str:
        return f"{self.feature}:{self.action}"


def button(
    feature: str,
    action: str,
    *,
    load: Load[Any] | None = None,
    check: Check[Any] | None = None,
    answer: bool = True,
) -> Callable[[Callable[[Press[Any]], Awaitable[None]]], Button[Any]]:
    """Declare a button: `feature:action:<ids…>`, how its row is loaded and who may press it."""

    def declare(handle: Callable[[Press[Any]], Awaitable[None]]) -> Button[Any]:
        return Button(feature, action, handle, load, check, answer)

    return declare


class FeatureButtons(CallbackQueryHandler):
    """The CallbackQueryHandler of one feature's buttons; `buttons` is its table."""

    def __init__(self, feature: str, buttons: tuple[Button[Any], ...], route: Any) -> None:
        super().__init__(route, pattern=rf"^{feature}:")
        self.buttons = buttons


def routes(*buttons: Button[Any]) -> FeatureButtons:
    """The one handler of a feature's buttons (all of one `feature`)."""
    features = {spec.feature for spec in buttons}
    assert len(features) == 1, f"one feature per table, not {features}"
    table = {spec.action: spec for spec in buttons}
    assert len(table) == len(buttons), "an action declared twice"

    async def route(update: Update, context: ForumContext) -> None:
        parsed = callbacks.parse(pressed(update).data)
        spec = table.get(parsed.action) if parsed is not None else None
        row: Any = None
        if parsed is not None and spec is not None:
            row = await spec.load(context, parsed) if spec.load is not None else parsed
        if (
            parsed is None
            or spec is None
            or row is None
            or (spec.check is not None and not await spec.check(context, row))
        ):
            await answer_stale(update, context)
            return
        if spec.answer:
            await pressed(update).answer()
        await spec.handle(Press(update, context, parsed, row))

    return FeatureButtons(features.pop(), tuple(table.values()), route)


def by_id(fetch: Callable[[Database, int], Awaitable[T | None]], index: int = 0) -> Load[T]:
    """A `load` that fetches the row whose id is the data's argument `index`; None if absent."""

    async def load(context: ForumContext, data: callbacks.Callback) -> T | None:
        row_id = data.int_arg(index)
        return await fetch(context.services.db, row_id) if row_id is not None else None

    return load


def members_only(
    valid: Callable[[ForumContext, callbacks.Callback], bool] | None = None,
) -> Load[callbacks.Callback]:
    """A `load` for a member's own buttons: the press's data if the presser has a user row (and
    `valid` accepts the data's arguments); None otherwise (a stranger, or a forged value)."""

    async def load(context: ForumContext, data: callbacks.Callback) -> callbacks.Callback | None:
        if context.actor.user is None or (valid is not None and not valid(context, data)):
            return None
        return data

    return load
