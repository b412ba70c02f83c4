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
