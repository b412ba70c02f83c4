"""A transaction that fails at BEGIN or at COMMIT, or whose task is cancelled there, must not leave
the shared connection inside it: the next writer would fail with "cannot start a transaction
within a transaction", and every write after it (the outbox's included) with it."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from db.connection import Database


async def _open(tmp_path) -> Database:
    db = await Database.open(tmp_path / "t.sqlite3")
    await db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    await db.execute("CREATE TABLE child (id INTEGER PRIMARY KEY, parent REFERENCES parent(id))")
    return db


async def _still_writable(db: Database) -> None:
    await db.execute("INSERT INTO parent (id) VALUES (7)")
    assert (await db.fetchone("SELECT count(*) FROM parent WHERE id = 7"))[0] == 1
    assert not db.conn.in_transaction


async def test_a_commit_that_fails_is_rolled_back(tmp_path):
    db = await _open(tmp_path)
    try:
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as conn:
                # Deferred foreign keys are checked at COMMIT: the commit itself fails.
                await conn.execute("PRAGMA defer_foreign_keys = ON")
                await conn.execute("INSERT INTO child (id, parent) VALUES (1, 99)")
        assert (await db.fetchone("SELECT count(*) FROM child"))[0] == 0
        await _still_writable(db)
    finally:
        await db.close()


async def test_a_task_cancelled_while_beginning_leaves_no_transaction_open(tmp_path):
    db = await _open(tmp_path)
    entered = False

    async def writer() -> None:
        nonlocal entered
        async with db.transaction() as conn:
            entered = True
            await conn.execute("INSERT INTO parent (id) VALUES (1)")

    try:
        task = asyncio.create_task(writer())
        await asyncio.sleep(0)  # the task now waits for BEGIN, which runs in aiosqlite's thread
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not entered
        await _still_writable(db)
        assert (await db.fetchone("SELECT count(*) FROM parent WHERE id = 1"))[0] == 0
    finally:
        await db.close()


async def test_a_task_cancelled_while_committing_leaves_no_transaction_open(tmp_path):
    db = await _open(tmp_path)
    committing = asyncio.Event()
    original_commit = db.conn.commit

    async def commit() -> None:
        committing.set()
        await original_commit()

    db.conn.commit = commit  # type: ignore[method-assign]

    async def writer() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO parent (id) VALUES (1)")

    try:
        task = asyncio.create_task(writer())
        await committing.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        db.conn.commit = original_commit  # type: ignore[method-assign]
        await _still_writable(db)
    finally:
        await db.close()


# One connection serves every task, so SQLite sees one session: a read sent while another task's
# transaction is open runs inside it. The reads must wait for that transaction to end.


class _Abandon(Exception):
    """The writer gives up: its transaction rolls back."""


async def _writer_inside(
    db: Database, inserted: asyncio.Event, go_on: asyncio.Event, *, fail: bool
):
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO parent (id) VALUES (1)")
        inserted.set()
        await go_on.wait()  # another task runs now: an await in a transaction, as a batch does
        if fail:
            raise _Abandon


async def _read_during_writer(tmp_path, *, fail: bool) -> tuple[Database, list, bool]:
    """Start a writer, read from another task while its insert is uncommitted, let it end."""
    db = await _open(tmp_path)
    inserted, go_on = asyncio.Event(), asyncio.Event()
    writer = asyncio.create_task(_writer_inside(db, inserted, go_on, fail=fail))
    await inserted.wait()
    reads = [
        asyncio.create_task(db.fetchone("SELECT count(*) FROM parent")),
        asyncio.create_task(db.fetchall("SELECT id FROM parent")),
    ]
    for _ in range(20):  # the reads are sent (old code: answered) before the writer goes on
        await asyncio.sleep(0)
    waited = not any(read.done() for read in reads)
    go_on.set()
    if fail:
        with pytest.raises(_Abandon):
            await writer
    else:
        await writer
    return db, [await read for read in reads], waited


async def test_a_read_never_sees_another_tasks_uncommitted_row(tmp_path):
    db, (count, rows), waited = await _read_during_writer(tmp_path, fail=True)
    try:
        assert count[0] == 0 and rows == []  # the row was rolled back: nobody may have seen it
        assert waited
        await _still_writable(db)
    finally:
        await db.close()


async def test_a_read_during_another_tasks_transaction_sees_it_once_committed(tmp_path):
    db, (count, rows), waited = await _read_during_writer(tmp_path, fail=False)
    try:
        assert waited and count[0] == 1 and [tuple(row) for row in rows] == [(1,)]
    finally:
        await db.close()


async def test_a_transaction_reads_its_own_rows_through_the_database(tmp_path):
    """Queries that take the Database run inside their own task's transaction without waiting
    for it (they would wait forever) and see what it wrote so far."""
    db = await _open(tmp_path)
    try:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO parent (id) VALUES (3)")
            assert (await db.fetchone("SELECT count(*) FROM parent"))[0] == 1
            assert [tuple(r) for r in await db.fetchall("SELECT id FROM parent")] == [(3,)]
    finally:
        await db.close()
