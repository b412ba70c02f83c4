"""The /newpoll draft: what the dialog remembers between a coordinator's messages and presses.

It is the pending `newpoll` step (db/dialogs.py), so a restart mid-dialog loses nothing. Its
`step` says where the dialog is: `form` (waiting for the one-message form), `pick` (tapping a
catalog's items), `question` (waiting for the question after picking), `preview` (the preview
is shown; a message is a correction) and `translate` (waiting for the lines of `lang`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.i18n import Translator
from bot.polls import PollDraft
from handlers.buttons import Button, Press
from handlers.dialogs import dialog_button

NEWPOLL = "newpoll"
PREVIEWED = ("preview", "translate")  # the steps at which the preview's buttons work


@dataclass(frozen=True)
class NewPollDraft:
    """The dialog's state (JSON keys as stored since the dialog began, so old rows still read).

    Not `bot.polls.PollDraft`, which is the poll as its form reads (`draft` here, once
    previewed)."""

    step: str  # form, pick, question, preview or translate (see the module docstring)
    forum: int | None = None  # the forum it is for; a later switch must not redirect it
    form: str = ""  # the form as typed, for a later correction
    catalog: str | None = None  # the priority catalog it started from
    selected: tuple[str, ...] = ()  # the catalog's items picked
    draft: PollDraft | None = None  # the parsed form, once previewed
    language: str | None = None  # the poll's own language: its coordinator's at the preview
    texts: dict[str, Any] = field(default_factory=dict)  # language -> [question, options]
    lang: str | None = None  # at `translate`: the language whose lines are awaited

    @property
    def poll(self) -> PollDraft:
        """The poll as the form was read (only once previewed)."""
        assert self.draft is not None, f"no parsed form at step {self.step}"
        return self.draft


Handle = Callable[[Press[NewPollDraft]], Awaitable[None]]


def np_button(
    action: str, *, steps: tuple[str, ...] = (), answer: bool = True
) -> Callable[[Handle], Button[Any]]:
    """Declare an `np:` button: it acts on the coordinator's /newpoll draft in this chat, at
    one of `steps` (any when empty); anything else is stale (handlers/dialogs.py)."""
    return dialog_button(
        "np", action, NEWPOLL, NewPollDraft, steps=steps, same_forum=False, answer=answer
    )


def closed(tr: Translator) -> str:
    return tr._("This poll draft is no longer open; start again with /newpoll.")


def preview_button(action: str) -> Callable[[Handle], Button[Any]]:
    """Declare a button of the preview (`np:send`, `np:langs`, …): on a draft no longer
    previewed, or of another forum than the caller's current one, a toast says to start again
    and nothing changes. The handler answers the press itself."""

    def declare(handle: Handle) -> Button[Any]:
        async def run(press: Press[NewPollDraft]) -> None:
            forum = press.actor.forum
            if press.row.step not in PREVIEWED or forum is None or press.row.forum != forum.id:
                await press.query.answer(closed(press.tr))
                return
            await handle(press)

        return np_button(action, answer=False)(run)

    return declare
