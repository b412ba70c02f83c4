"""Queries on a forum's people: joining (by a member link or a coordinator invite), the member
list, and removing and letting back in.

A removal is a row in `removals`; while it is there every way in is refused, in the same
transaction that would add the membership.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from db import dialogs, invites
from db.connection import Database, to_db_time
from db.users import upsert_user_on


@dataclass(frozen=True)
class Profile:
    """The person's Telegram name and chosen language, stored when they accept the notice."""

    first_name: str
    username: str | None
    language: str | None


@dataclass(frozen=True)
class Admission:
    before: str | None  # their role before, None if they were not a member
    role: str | None  # their role now; None when refused
    refused: str | None = None  # "removed", or "invite" (no longer usable)


@dataclass(frozen=True)
class MemberRow:
    user_id: int
    first_name: str
    username: str | None
    role: str


async def store_consent_on(
    conn: aiosqlite.Connection, user_id: int, profile: Profile, now: datetime
) -> None:
    """Store the person, who consents now (they accepted the notice, or made a forum), in the
    caller's transaction."""
    await upsert_user_on(
        conn,
        user_id=user_id,
        first_name=profile.first_name,
        username=profile.username,
        language=profile.language,
        consent_at=now,
        now=now,
    )


class _Refused(Exception):
    """Rolls the joining transaction back (the stored profile too)."""


_RANK = {"member": 0, "observer": 1, "coordinator": 2}


async def join_forum(
    db: Database,
    *,
    forum_id: int,
    user_id: int,
    now: datetime,
    invite: str | None = None,
    profile: Profile | None = None,
    ends_step: tuple[int, str] | None = None,
) -> Admission:
    """Add a membership, all in one transaction: a member, or a coordinator by using `invite`.

    Refused for someone a coordinator removed. A coordinator invite is used only if it raises
    the person's role, so an existing coordinator does not waste it; a member link never lowers
    a role. With `profile`, the person is stored in the same transaction (consent given), so a
    refusal stores nothing. The forum becomes the user's current forum.
    `ends_step` (chat id, kind) is the dialog step the joining answers (onboarding's consent):
    it ends in the same transaction, so a busy database leaves the step to tap again.
    """
    try:
        async with db.transaction() as conn:
            admission = await _join(conn, forum_id, user_id, now, invite, profile)
            if ends_step is not None:
                chat_id, kind = ends_step
                await dialogs.take(conn, user_id=user_id, chat_id=chat_id, kind=kind)
            return admission
    except _Refused as refused:
        return Admission(None, None, str(refused))


async def _join(
    conn: aiosqlite.Connection,
    forum_id: int,
    user_id: int,
    now: datetime,
    invite: str | None,
    profile: Profile | None,
) -> Admission:
    cursor = await conn.execute(
        "SELECT 1 FROM removals WHERE forum_id = ? AND user_id = ?", (forum_id, user_id)
    )
    if await cursor.fetchone():
        raise _Refused("removed")
    if profile is not None:
        await store_consent_on(conn, user_id, profile, now)
    before = await _role_on(conn, forum_id, user_id)
    role = "coordinator" if invite else "member"
    if before is not None and _RANK[role] <= _RANK[before]:
        role = before
    elif invite and (
        await invites.claim(conn, code=invite, kind=invites.COORDINATOR, user_id=user_id, now=now)
        != forum_id
    ):
        raise _Refused("invite")
    if before is None:
        await conn.execute(
            "INSERT INTO memberships (forum_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)",
            (forum_id, user_id, role, to_db_time(now)),
        )
    elif role != before:
        await conn.execute(
            "UPDATE memberships SET role = ? WHERE forum_id = ? AND user_id = ?",
            (role, forum_id, user_id),
        )
    await conn.execute("UPDATE users SET current_forum_id = ? WHERE id = ?", (forum_id, user_id))
    return Admission(before, role)


async def set_role(db: Database, *, forum_id: int, user_id: int, role: str, now: datetime) -> bool:
    """Change a member's role; refuses (False) to remove the forum's last coordinator. Below
    coordinator, the person's unused invites are revoked in the same transaction, for good."""
    async with db.transaction() as conn:
        if role != "coordinator":
            cursor = await conn.execute(
                "SELECT count(*) FROM memberships WHERE forum_id = ? AND role = 'coordinator'"
                " AND user_id != ?",
                (forum_id, user_id),
            )
            (others,) = await cursor.fetchone() or (0,)
            if await _role_on(conn, forum_id, user_id) == "coordinator" and others == 0:
                return False
        cursor = await conn.execute(
            "UPDATE memberships SET role = ? WHERE forum_id = ? AND user_id = ?",
            (role, forum_id, user_id),
        )
        if cursor.rowcount == 0:
            return False
        if role != "coordinator":
            await invites.revoke_all_on(conn, forum_id, now, created_by=user_id)
        return True


async def find_member(db: Database, forum_id: int, user_id: int) -> MemberRow | None:
    """A member of the forum by Telegram id."""
    row = await db.fetchone(
        "SELECT u.id, u.first_name, u.username, m.role FROM memberships m"
        " JOIN users u ON u.id = m.user_id WHERE m.forum_id = ? AND u.id = ?",
        (forum_id, user_id),
    )
    return MemberRow(row["id"], row["first_name"], row["username"], row["role"]) if row else None


async def members_named(db: Database, forum_id: int, username: str) -> list[MemberRow]:
    """Members whose *stored* username is this one: only candidates, since a username can pass
    to someone else without us seeing it; the caller checks each with Telegram."""
    rows = await db.fetchall(
        "SELECT u.id, u.first_name, u.username, m.role FROM memberships m"
        " JOIN users u ON u.id = m.user_id WHERE m.forum_id = ? AND u.username = ? COLLATE NOCASE"
        " ORDER BY u.id",
        (forum_id, username.lstrip("@")),
    )
    return [MemberRow(r["id"], r["first_name"], r["username"], r["role"]) for r in rows]


async def _role_on(conn: aiosqlite.Connection, forum_id: int, user_id: int) -> str | None:
    """The person's role in the forum, inside the caller's transaction (None: not a member)."""
    cursor = await conn.execute(
        "SELECT role FROM memberships WHERE forum_id = ? AND user_id = ?", (forum_id, user_id)
    )
    row = await cursor.fetchone()
    return row["role"] if row else None


@dataclass(frozen=True)
class Entry:
    """A person on the member list: a member (with their role) or someone removed."""

    user_id: int
    first_name: str
    username: str | None
    role: str | None  # None: removed
    group: str | None  # stakeholder group key, None if not chosen


async def roster(db: Database, forum_id: int) -> list[Entry]:
    """The forum's members."""
    rows = await db.fetchall(
        "SELECT u.id, u.first_name, u.username, m.role, u.stakeholder_group FROM memberships m"
        " JOIN users u ON u.id = m.user_id WHERE m.forum_id = ?",
        (forum_id,),
    )
    return [Entry(r[0], r[1], r[2], r[3], r[4]) for r in rows]


async def removed(db: Database, forum_id: int) -> list[Entry]:
    """People removed from the forum (name unknown if they used /forget since)."""
    rows = await db.fetchall(
        "SELECT r.user_id, COALESCE(u.first_name, ''), u.username FROM removals r"
        " LEFT JOIN users u ON u.id = r.user_id WHERE r.forum_id = ? ORDER BY r.removed_at",
        (forum_id,),
    )
    return [Entry(r[0], r[1], r[2], None, None) for r in rows]


async def is_removed(db: Database, forum_id: int, user_id: int) -> bool:
    row = await db.fetchone(
        "SELECT 1 FROM removals WHERE forum_id = ? AND user_id = ?", (forum_id, user_id)
    )
    return row is not None


async def remove(db: Database, *, forum_id: int, user_id: int, by: int, now: datetime) -> str:
    """Delete the membership and record the removal, in one transaction.

    Returns "removed", "not_member", or "last_coordinator" (refused: a forum keeps one).
    The person's data in other forums, and a ballot they already submitted, stay.
    """
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "SELECT role, (SELECT count(*) FROM memberships o WHERE o.forum_id = m.forum_id"
            " AND o.role = 'coordinator' AND o.user_id != m.user_id) FROM memberships m"
            " WHERE m.forum_id = ? AND m.user_id = ?",
            (forum_id, user_id),
        )
        row = await cursor.fetchone()
        if row is None:
            return "not_member"
        if row[0] == "coordinator" and row[1] == 0:
            return "last_coordinator"
        await conn.execute(
            "DELETE FROM memberships WHERE forum_id = ? AND user_id = ?", (forum_id, user_id)
        )
        await conn.execute(
            "INSERT OR IGNORE INTO removals (forum_id, user_id, removed_by, removed_at)"
            " VALUES (?, ?, ?, ?)",
            (forum_id, user_id, by, to_db_time(now)),
        )
        await conn.execute(
            "UPDATE users SET current_forum_id = NULL WHERE id = ? AND current_forum_id = ?",
            (user_id, forum_id),
        )
        # Their unused invites die with the membership, in the same commit.
        await invites.revoke_all_on(conn, forum_id, now, created_by=user_id)
    return "removed"


async def lift(db: Database, forum_id: int, user_id: int) -> bool:
    """End a removal: invites work for them again. True if there was one."""
    return (
        await db.changes(
            "DELETE FROM removals WHERE forum_id = ? AND user_id = ?", (forum_id, user_id)
        )
        > 0
    )
