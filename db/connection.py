"""The one aiosqlite connection the bot uses, with its PRAGMAs and explicit transactions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 5000
CHECKPOINT_WAIT_MS = 200  # a checkpoint a reader blocks is retried by the heartbeat, not waited for
PRAGMAS = (
    "PRAGMA journal_mode=WAL",  # readers (backup, exports) never block the bot's writes
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",  # safe with WAL; a power cut loses at most the last commits
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    # Deleted and overwritten rows are zeroed, not left in free space for anyone with the file
    # (an anonymous poll's ballots before its close, a delivered message's text).
    "PRAGMA secure_delete=ON",
)


class Database:
    """A single connection shared by all handlers; transactions are serialised by a lock.

    One connection keeps SQLite simple and fast, but SQLite sees it as one session: a statement
    sent while another task's transaction is open runs inside that transaction. So the lock is
    held for a whole transaction, and a read (`fetchone`, `fetchall`) from another task waits
    for it to end: it never sees rows that may yet be rolled back. The task that holds the lock
    reads without waiting, and sees what it wrote so far. A read with no transaction open takes
    no lock: aiosqlite queues calls in order, so it runs before any BEGIN sent after it.
    """

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None  # the task whose transaction is open
        self.checkpoint_owed = False  # a checkpoint was blocked: the heartbeat tries again

    @classmethod
    async def open(cls, path: Path) -> Database:
        """Open (creating directories) and configure the database file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: autocommit, so transactions are exactly the ones we BEGIN.
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        for pragma in PRAGMAS:
            await conn.execute(pragma)
        db = cls(conn, path)
        await db.checkpoint()  # a WAL left by a crash holds old page versions: empty it now
        return db

    async def close(self) -> None:
        """Close the connection (checkpointing the WAL)."""
        async with self._lock:
            await self.conn.close()

    async def checkpoint(self) -> bool:
        """Copy the WAL into the database file and truncate it to nothing.

        Committed changes stay in the -wal file, beside the pages they replaced, until a
        checkpoint: after an anonymous poll closes, that file would still hold its ballots as
        they were. A reader (a backup running) can block it: then this returns False, leaves
        `checkpoint_owed` set, and the heartbeat calls it again; nothing is lost meanwhile.
        """
        async with self._lock:
            await self.conn.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
            try:
                rows = await self.conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                await self.conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        busy = next(iter(rows))[0]
        self.checkpoint_owed = bool(busy)
        return not busy

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """`async with db.transaction() as conn:` — committed on success, rolled back on error."""
        async with self._lock:
            # BEGIN and COMMIT sit inside the try: a COMMIT can fail (a deferred constraint, a
            # busy file) and a task can be cancelled while its BEGIN runs in aiosqlite's thread.
            # Either way the connection would stay inside the transaction, and every later
            # writer would fail with "cannot start a transaction within a transaction".
            self._owner = asyncio.current_task()
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                yield self.conn
                await self.conn.commit()
            except BaseException:
                await self._roll_back()
                raise
            finally:
                self._owner = None

    async def _roll_back(self) -> None:
        """End whatever transaction is open. aiosqlite runs calls in order in its thread, so
        this runs after a BEGIN or COMMIT still in flight; without a transaction it does nothing.
        Shielded: a second cancellation must not skip it."""
        await asyncio.shield(self.conn.rollback())

    # A lone write statement needs no BEGIN and COMMIT around it: with no transaction open (the
    # lock is held, so no other task's is), SQLite runs it in a transaction of its own, committed
    # when it ends or undone whole if it fails. One trip to aiosqlite's thread instead of three:
    # a ballot tap writes its draft this way (bench/taps.py, bench/TAP_PROFILE.md).

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write statement, atomic on its own; returns lastrowid."""
        async with self._lock:
            cursor = await self.conn.execute(sql, tuple(params))
            return cursor.lastrowid or 0

    async def changes(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one UPDATE or DELETE, atomic on its own; returns how many rows it changed."""
        async with self._lock:
            cursor = await self.conn.execute(sql, tuple(params))
            return cursor.rowcount

    # One trip to aiosqlite's thread per query (execute_fetchall), not three (execute, fetch,
    # close): a trip costs ~0.2 ms, the query itself microseconds (bench/taps.py).

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """The first row or None (for queries of one row: the others are fetched too)."""
        return next(iter(await self._read(sql, params)), None)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """All rows."""
        return list(await self._read(sql, params))

    async def _read(self, sql: str, params: Iterable[Any]) -> Iterable[aiosqlite.Row]:
        """Rows as committed, or as this task's own transaction has them so far."""
        if self._lock.locked() and self._owner is not asyncio.current_task():
            async with self._lock:  # another task's transaction (or a checkpoint) is open
                return await self.conn.execute_fetchall(sql, tuple(params))
        # No await between the check and aiosqlite queueing the call: no BEGIN can come first.
        return await self.conn.execute_fetchall(sql, tuple(params))


def to_db_time(moment: datetime) -> str:
    """Aware datetime → ISO-8601 UTC text (sorts correctly as text)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_db_time(text: str | None) -> datetime | None:
    """ISO-8601 text from the database → aware UTC datetime; NULL stays None."""
    return None if text is None else db_time(text)


def db_time(text: str) -> datetime:
    """A NOT NULL time column → aware UTC datetime (typed as never None, unlike from_db_time)."""
    return datetime.fromisoformat(text).astimezone(UTC)


async def the_row(cursor: aiosqlite.Cursor) -> aiosqlite.Row:
    """The row a statement always yields (an aggregate, `RETURNING`, a row the transaction holds)."""
    row = await cursor.fetchone()
    assert row is not None, "the statement yielded no row"
    return row
