"""Migrations, PRAGMAs, refusing a newer schema, and the online backup."""

from __future__ import annotations

import sqlite3

import pytest

from db.backup import BackupError, backup_database
from db.connection import Database
from db.migrate import Migration, SchemaTooNewError, known_migrations, migrate, split_statements
from tests.harness import new_forum, running_bot
from tests.test_config import run_main


async def test_migrations_apply_once_with_pragmas(tmp_path):
    db = await Database.open(tmp_path / "sub" / "forum.sqlite3")
    try:
        assert await migrate(db) == [m.version for m in known_migrations()]
        assert await migrate(db) == []
        assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
        assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1
        assert (await db.fetchone("PRAGMA synchronous"))[0] == 1  # NORMAL
        assert (await db.fetchone("PRAGMA busy_timeout"))[0] == 5000
    finally:
        await db.close()


async def test_a_failing_migration_leaves_nothing_behind(tmp_path):
    db = await Database.open(tmp_path / "forum.sqlite3")
    broken = [
        *known_migrations(),
        Migration(
            len(known_migrations()) + 1,
            "broken",
            "CREATE TABLE t (x);\nINSERT INTO nope VALUES (1);",
        ),
    ]
    try:
        with pytest.raises(sqlite3.OperationalError):
            await migrate(db, broken)
        assert await db.fetchone("SELECT 1 FROM sqlite_master WHERE name = 't'") is None
        row = await db.fetchone("SELECT max(version) FROM schema_migrations")
        assert row[0] == len(known_migrations())
    finally:
        await db.close()


async def test_refuses_a_database_from_newer_code(tmp_path):
    db = await Database.open(tmp_path / "forum.sqlite3")
    try:
        await migrate(db)
        await db.execute("INSERT INTO schema_migrations (version, name) VALUES (99, 'future')")
        with pytest.raises(SchemaTooNewError, match="newer than this code"):
            await migrate(db)
    finally:
        await db.close()
    result = run_main(
        tmp_path, "run", TELEGRAM_BOT_TOKEN="1:abc", DATABASE_PATH=str(tmp_path / "forum.sqlite3")
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: DATABASE_PATH:")


def test_statement_splitting_keeps_trigger_bodies_whole():
    sql = (
        "CREATE TABLE a (x);\n-- comment; with semicolon\nCREATE TRIGGER t AFTER INSERT ON a"
        " BEGIN\n  UPDATE a SET x = 1;\nEND;\n"
    )
    assert len(split_statements(sql)) == 2


async def test_backup_while_the_bot_runs(tmp_path, fake):
    admin = fake.add_user("Ada")
    async with running_bot(tmp_path, admins=[admin.id], fake=fake) as bot:
        await new_forum(bot, admin)
        copy = tmp_path / "backups" / "copy.sqlite3"
        result = run_main(
            tmp_path, "backup", str(copy), DATABASE_PATH=str(bot.config.database_path)
        )
        assert result.returncode == 0, result.stderr
        assert "Backed up" in result.stdout
        with sqlite3.connect(copy) as conn:
            assert conn.execute("SELECT name FROM forums").fetchall() == [("Thailand SCP Forum",)]
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_backup_of_a_missing_database(tmp_path):
    with pytest.raises(BackupError, match="does not exist"):
        backup_database(tmp_path / "none.sqlite3", tmp_path / "copy.sqlite3")
    result = run_main(tmp_path, "backup", "copy.sqlite3", DATABASE_PATH="none.sqlite3")
    assert result.returncode == 2 and "does not exist" in result.stderr
