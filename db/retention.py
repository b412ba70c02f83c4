"""Deleting what a forum's retention setting says it no longer keeps."""

from __future__ import annotations

from datetime import datetime

from db.connection import Database, to_db_time

RETENTION_CHOICES = (365, 730, 1825)  # one, two (the default) or five years
OUTBOX_DAYS = 30  # finished bulk sends, with their per-recipient rows


async def set_retention(db: Database, forum_id: int, days: int) -> None:
    assert days in RETENTION_CHOICES
    await db.execute("UPDATE forums SET retention_days = ? WHERE id = ?", (days, forum_id))


async def enforce(db: Database, now: datetime) -> tuple[int, int]:
    """Delete feedback (with its replies) and closed polls (with ballots and options) older
    than their forum keeps them; returns (feedback deleted, polls deleted).

    Everything here goes by `now`, the wall clock, so the heartbeat calls it only when
    `Services.retention_due()` says the wall clock has not just stepped (bot/clock.py)."""
    stamp = to_db_time(now)
    # julianday() compares the stored ISO times as moments, whatever their offset notation.
    feedback = await db.changes(
        "DELETE FROM feedback WHERE id IN (SELECT f.id FROM feedback f JOIN forums o"
        " ON o.id = f.forum_id WHERE julianday(f.created_at) < julianday(?) - o.retention_days)",
        (stamp,),
    )
    polls = await db.changes(
        "DELETE FROM polls WHERE id IN (SELECT p.id FROM polls p JOIN forums o"
        " ON o.id = p.forum_id WHERE p.closed_at IS NOT NULL"
        " AND julianday(p.closed_at) < julianday(?) - o.retention_days)",
        (stamp,),
    )
    # Delivery records are for the progress report and for finding what failed: a month.
    await db.changes(
        "DELETE FROM broadcasts WHERE julianday(finished_at) < julianday(?) - ?",
        (stamp, OUTBOX_DAYS),
    )
    return feedback, polls
