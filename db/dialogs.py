"""Pending dialog steps: what a user's next message in a chat answers (survives restarts).

A step carries its draft: a frozen dataclass of the feature's (for example `NewPollDraft`),
written with `expect(..., data=draft)` and read back with `Pending.draft(NewPollDraft)`, both
through db/drafts.py, the one place drafts are serialized.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import aiosqlite

from db.connection import Database, to_db_time
from db.drafts import decode, encode

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

D = TypeVar("D", bound="DataclassInstance")


@dataclass(frozen=True)
class Pending:
    kind: str
    data: dict[str, Any]

    def draft(self, cls: type[D]) -> D | None:
        """The step's data as the feature's draft dataclass; None if it no longer fits."""
        return decode(cls, self.data)


async def expect(
    db: Database, *, user_id: int, chat_id: int, kind: str, data: object, now: datetime
) -> None:
    """Remember that this user's next message in this chat answers `kind` (replacing any other);
    `data` is the step's draft (a dataclass) or a plain dict."""
    await db.execute(
        "INSERT INTO pending_inputs (user_id, chat_id, kind, data, created_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, chat_id) DO UPDATE SET"
        " kind = excluded.kind, data = excluded.data, created_at = excluded.created_at",
        (user_id, chat_id, kind, encode(data), to_db_time(now)),
    )


async def pending(db: Database, *, user_id: int, chat_id: int) -> Pending | None:
    row = await db.fetchone(
        "SELECT kind, data FROM pending_inputs WHERE user_id = ? AND chat_id = ?",
        (user_id, chat_id),
    )
    return Pending(row["kind"], json.loads(row["data"])) if row else None


async def clear(db: Database, *, user_id: int, chat_id: int) -> None:
    await db.execute(
        "DELETE FROM pending_inputs WHERE user_id = ? AND chat_id = ?", (user_id, chat_id)
    )


async def clear_all(db: Database, *, user_id: int) -> int:
    """End every dialog of this user, in every chat; how many there were.

    `/cancel` means "stop what I started", wherever it is sent: a dialog lives in the private
    chat, but the member may type /cancel in the forum's group (or in another chat) too."""
    return await db.changes("DELETE FROM pending_inputs WHERE user_id = ?", (user_id,))


async def take(conn: aiosqlite.Connection, *, user_id: int, chat_id: int, kind: str) -> bool:
    """Delete the pending step of `kind` inside the caller's transaction; False if it was gone.

    The once-only claim of a dialog's last step: written with the step's effect, so a crash,
    a busy database or a second tap leaves either both or neither."""
    cursor = await conn.execute(
        "DELETE FROM pending_inputs WHERE user_id = ? AND chat_id = ? AND kind = ?",
        (user_id, chat_id, kind),
    )
    return cursor.rowcount > 0
