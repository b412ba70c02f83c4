"""Queries on coordinator invites and group-link codes: single use, with an expiry.

An invite is usable while it is unused, unrevoked, unexpired and its creator is still a
coordinator of its forum, so a demoted coordinator's unused links die with their rank. It is
used by one conditional UPDATE (`claim`), so two people racing for it cannot both get it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from db.connection import Database, db_time, to_db_time

COORDINATOR, GROUP = "coordinator", "group"

# The row is usable (also used inside the claiming UPDATE, whose table is `invites`).
_USABLE = (
    "invites.used_at IS NULL AND invites.revoked_at IS NULL AND invites.expires_at > ?"
    " AND EXISTS (SELECT 1 FROM memberships m WHERE m.forum_id = invites.forum_id"
    " AND m.user_id = invites.created_by AND m.role = 'coordinator')"
)
# Used and expired invites are kept this long (who used which link), then deleted.
KEEP_AFTER_EXPIRY = timedelta(days=30)


@dataclass(frozen=True)
class InviteRow:
    code: str
    forum_id: int
    kind: str
    expires_at: datetime
    usable: bool


def _invite(row: aiosqlite.Row) -> InviteRow:
    expires = db_time(row["expires_at"])
    return InviteRow(row["code"], row["forum_id"], row["kind"], expires, bool(row["usable"]))


async def find(db: Database, code: str, now: datetime) -> InviteRow | None:
    """The invite with this code, usable or not (None: no such code)."""
    row = await db.fetchone(
        f"SELECT code, forum_id, kind, expires_at, ({_USABLE}) AS usable FROM invites"
        " WHERE code = ?",
        (to_db_time(now), code),
    )
    return _invite(row) if row else None


async def outstanding(
    db: Database, *, forum_id: int, kind: str, created_by: int, now: datetime
) -> InviteRow | None:
    """The creator's newest usable invite of this kind, to show again instead of a new one."""
    row = await db.fetchone(
        f"SELECT code, forum_id, kind, expires_at, 1 AS usable FROM invites"
        f" WHERE forum_id = ? AND kind = ? AND created_by = ? AND {_USABLE}"
        " ORDER BY created_at DESC, rowid DESC LIMIT 1",
        (forum_id, kind, created_by, to_db_time(now)),
    )
    return _invite(row) if row else None


async def create_on(
    conn: aiosqlite.Connection,
    *,
    code: str,
    forum_id: int,
    kind: str,
    created_by: int,
    now: datetime,
    valid_for: timedelta,
) -> InviteRow:
    """A new invite, in the caller's transaction; the forum's invites long past their expiry
    are deleted on the way."""
    await conn.execute(
        "DELETE FROM invites WHERE forum_id = ? AND expires_at < ?",
        (forum_id, to_db_time(now - KEEP_AFTER_EXPIRY)),
    )
    await conn.execute(
        "INSERT INTO invites (code, forum_id, kind, created_by, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (code, forum_id, kind, created_by, to_db_time(now), to_db_time(now + valid_for)),
    )
    return InviteRow(code, forum_id, kind, now + valid_for, True)


async def claim(
    conn: aiosqlite.Connection, *, code: str, kind: str, user_id: int | None, now: datetime
) -> int | None:
    """Use the invite, inside the caller's transaction; its forum id, or None if not usable."""
    stamp = to_db_time(now)
    cursor = await conn.execute(
        f"UPDATE invites SET used_by = ?, used_at = ? WHERE code = ? AND kind = ? AND {_USABLE}"
        " RETURNING forum_id",
        (user_id, stamp, code, kind, stamp),
    )
    row = await cursor.fetchone()
    await cursor.close()
    return row[0] if row else None


async def claim_group_code(
    db: Database, *, code: str, user_id: int | None, now: datetime
) -> int | None:
    """Use a group-link code (once, whoever typed it: it has been seen in a group); the forum id,
    or None if it was not usable."""
    async with db.transaction() as conn:
        return await claim(conn, code=code, kind=GROUP, user_id=user_id, now=now)


async def revoke(db: Database, code: str, now: datetime) -> bool:
    """Revoke one unused invite (seen where it should not be); True if it was still open."""
    return (
        await db.changes(
            "UPDATE invites SET revoked_at = ? WHERE code = ? AND used_at IS NULL"
            " AND revoked_at IS NULL",
            (to_db_time(now), code),
        )
        > 0
    )


async def revoke_all(
    db: Database, forum_id: int, now: datetime, *, created_by: int | None = None
) -> int:
    """Revoke every open coordinator and group-link invite of a forum; how many there were."""
    async with db.transaction() as conn:
        return await revoke_all_on(conn, forum_id, now, created_by=created_by)


async def revoke_all_on(
    conn: aiosqlite.Connection, forum_id: int, now: datetime, *, created_by: int | None = None
) -> int:
    """`revoke_all` in the caller's transaction, or only the invites one person made: they stop
    being a coordinator in that transaction, and a later promotion must not revive them."""
    stamp = to_db_time(now)
    mine = " AND created_by = ?" if created_by is not None else ""
    cursor = await conn.execute(
        "UPDATE invites SET revoked_at = ? WHERE forum_id = ? AND used_at IS NULL"
        f" AND revoked_at IS NULL AND expires_at > ?{mine}",
        (stamp, forum_id, stamp, *(() if created_by is None else (created_by,))),
    )
    return cursor.rowcount
