"""What every change of a sent poll does besides itself (deadline, text, cancellation).

Commit, then talk: each change commits in one `outbox.batch` with what members are told and the
edits of their ballot messages; a typed change also claims its `editpoll` step there, so a second
message (or a crash) finds it gone. Only after the commit is the outbox kicked.
"""

from __future__ import annotations

import aiosqlite

from db import dialogs
from db import outbox as outbox_db
from db import poll_manage as manage_db
from db.polls import PollRow
from handlers import outgoing as outbox
from handlers.context import ForumContext
from handlers.polls.group_post import request_refresh
from handlers.polls.manage_panel import EDITPOLL


class Changed(Exception):
    """The poll is no longer as the coordinator saw it: roll the change back."""


async def claim(conn: aiosqlite.Connection, claimed: tuple[int, int] | None) -> None:
    """Take the (user, chat) `editpoll` step in the change's transaction; Changed if gone."""
    if claimed is not None and not await dialogs.take(
        conn,
        user_id=claimed[0],
        chat_id=claimed[1],
        kind=EDITPOLL,
    ):
        raise Changed


async def ballot_edits(batch: outbox_db.Batch, poll: PollRow) -> None:
    """An edit of every ballot message on record, drawn again when it is sent (app/outbox
    `_edit`): after a notice to the same chat, never instead of it."""
    for message in await manage_db.ballot_messages(batch.conn, poll.id):
        await batch.add(
            outbox_db.Outgoing(
                message.chat_id,
                message.user_id,
                poll.question,  # stands in only; the ballot is drawn at send time
                on_sent=f"ballot:{poll.id}",
                edit_message_id=message.message_id,
                part=1,
            )
        )


def after(context: ForumContext, poll: PollRow) -> None:
    """After the commit: send what was queued, and redraw the group's post."""
    outbox.kick(context.bot, context.services)
    request_refresh(context.bot, context.services, poll.id)  # the group's post shows it too
