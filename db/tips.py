"""Queries on tips: what each member has read, subscriptions, and the forums' own tips."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from db import dialogs
from db.connection import Database, db_time, to_db_time


@dataclass(frozen=True)
class Subscription:
    user_id: int
    frequency: str  # "daily" or "weekly"
    hour: int
    weekday: int | None  # 0 = Monday; weekly only
    next_at: datetime


@dataclass(frozen=True)
class Subscriber:
    """Who is due a tip, with what is needed to choose and render it."""

    subscription: Subscription
    language: str | None
    timezone: str  # their own, else their current forum's, else UTC
    forum_language: str | None
    forum_id: int | None  # their current forum, else the first they joined


@dataclass(frozen=True)
class ForumTip:
    id: int
    forum_id: int
    forum_name: str
    topic: str
    texts: dict[str, str]  # language → text

    @property
    def key(self) -> str:
        return f"forum-{self.id}"


# --- reading history ---------------------------------------------------------------------------


async def seen_in_cycle(db: Database, user_id: int) -> tuple[int, list[tuple[str, datetime]]]:
    """The member's current cycle and the tips shown in it, oldest first."""
    row = await db.fetchone("SELECT tip_cycle FROM users WHERE id = ?", (user_id,))
    cycle = row["tip_cycle"] if row else 0
    rows = await db.fetchall(
        "SELECT tip_key, seen_at FROM tip_views WHERE user_id = ? AND cycle = ? ORDER BY seen_at",
        (user_id, cycle),
    )
    return cycle, [(r["tip_key"], db_time(r["seen_at"])) for r in rows]


async def record_view(db: Database, user_id: int, cycle: int, key: str, now: datetime) -> None:
    """Mark a tip shown in `cycle`; showing it again (a topic read twice) only moves the time."""
    await db.execute(
        "INSERT INTO tip_views (user_id, cycle, tip_key, seen_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (user_id, cycle, tip_key) DO UPDATE SET seen_at = excluded.seen_at",
        (user_id, cycle, key, to_db_time(now)),
    )


async def start_new_cycle(db: Database, user_id: int, cycle: int) -> int:
    """Begin the next cycle once every tip was read in `cycle`; idempotent for the same cycle."""
    await db.execute(
        "UPDATE users SET tip_cycle = ? WHERE id = ? AND tip_cycle = ?",
        (cycle + 1, user_id, cycle),
    )
    return cycle + 1


# --- subscriptions -------------------------------------------------------------------------------


async def subscription(db: Database, user_id: int) -> Subscription | None:
    row = await db.fetchone("SELECT * FROM tip_subscriptions WHERE user_id = ?", (user_id,))
    return _subscription(row) if row else None


async def subscribe(
    db: Database, user_id: int, frequency: str, hour: int, weekday: int | None, next_at: datetime
) -> None:
    await db.execute(
        "INSERT INTO tip_subscriptions (user_id, frequency, hour, weekday, next_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
        " frequency = excluded.frequency, hour = excluded.hour, weekday = excluded.weekday,"
        " next_at = excluded.next_at",
        (user_id, frequency, hour, weekday, to_db_time(next_at)),
    )


async def unsubscribe(db: Database, user_id: int) -> bool:
    return await db.changes("DELETE FROM tip_subscriptions WHERE user_id = ?", (user_id,)) > 0


async def due_subscribers(db: Database, now: datetime) -> list[Subscriber]:
    """Active members whose next tip is due, with their language and time zone."""
    rows = await db.fetchall(
        "SELECT s.*, u.language, COALESCE(u.timezone, f.timezone, 'UTC') AS zone,"
        " f.language AS forum_language, f.id AS forum_id"
        " FROM tip_subscriptions s JOIN users u ON u.id = s.user_id"
        " LEFT JOIN forums f ON f.id = COALESCE(u.current_forum_id,"
        "   (SELECT forum_id FROM memberships m WHERE m.user_id = u.id ORDER BY m.joined_at LIMIT 1))"
        " WHERE s.next_at <= ? AND u.is_active = 1 ORDER BY s.next_at, s.user_id",
        (to_db_time(now),),
    )
    return [
        Subscriber(_subscription(r), r["language"], r["zone"], r["forum_language"], r["forum_id"])
        for r in rows
    ]


async def claim_delivery(
    conn: aiosqlite.Connection, user_id: int, due_at: datetime, next_at: datetime
) -> bool:
    """Move a subscription past the slot `due_at`; False if someone else already did. Runs in
    the caller's transaction: the one that writes the tip to the outbox."""
    cursor = await conn.execute(
        "UPDATE tip_subscriptions SET next_at = ? WHERE user_id = ? AND next_at = ?",
        (to_db_time(next_at), user_id, to_db_time(due_at)),
    )
    return cursor.rowcount == 1


def _subscription(row: aiosqlite.Row) -> Subscription:
    next_at = db_time(row["next_at"])
    return Subscription(row["user_id"], row["frequency"], row["hour"], row["weekday"], next_at)


# --- forum tips ----------------------------------------------------------------------------------


async def add_forum_tip(
    db: Database,
    *,
    forum_id: int,
    topic: str,
    texts: dict[str, str],
    by: int,
    now: datetime,
    claim: tuple[int, int, str] | None = None,
) -> int | None:
    """The tip's number. `claim` (user id, chat id, dialog kind) is a /tip add dialog's draft,
    deleted in the same transaction: None if it was gone (a second tap on "Save")."""
    async with db.transaction() as conn:
        if claim and not await dialogs.take(
            conn, user_id=claim[0], chat_id=claim[1], kind=claim[2]
        ):
            return None
        cursor = await conn.execute(
            "INSERT INTO forum_tips (forum_id, topic, created_by, created_at) VALUES (?, ?, ?, ?)",
            (forum_id, topic, by, to_db_time(now)),
        )
        tip_id = cursor.lastrowid
        await conn.executemany(
            "INSERT INTO forum_tip_texts (tip_id, lang, text) VALUES (?, ?, ?)",
            [(tip_id, lang, text) for lang, text in texts.items()],
        )
    assert tip_id is not None
    return tip_id


async def forum_tips(db: Database, forum_ids: list[int]) -> list[ForumTip]:
    """The current (not removed) tips of these forums, oldest first."""
    if not forum_ids:
        return []
    marks = ",".join("?" * len(forum_ids))
    rows = await db.fetchall(
        "SELECT t.id, t.forum_id, f.name, t.topic, x.lang, x.text FROM forum_tips t"
        " JOIN forums f ON f.id = t.forum_id JOIN forum_tip_texts x ON x.tip_id = t.id"
        f" WHERE t.forum_id IN ({marks}) AND t.removed_at IS NULL ORDER BY t.id, x.lang",
        forum_ids,
    )
    tips: dict[int, ForumTip] = {}
    for r in rows:
        tip = tips.setdefault(r["id"], ForumTip(r["id"], r["forum_id"], r["name"], r["topic"], {}))
        tip.texts[r["lang"]] = r["text"]
    return list(tips.values())


async def remove_forum_tip(db: Database, forum_id: int, tip_id: int, now: datetime) -> bool:
    changed = await db.changes(
        "UPDATE forum_tips SET removed_at = ? WHERE id = ? AND forum_id = ? AND removed_at IS NULL",
        (to_db_time(now), tip_id, forum_id),
    )
    return changed == 1
