"""Append-only numbered migrations (`db/migrations/NNNN_name.sql`), each in its own transaction.

The `schema_migrations` table records what was applied. A database that has a migration this code
does not know was written by a newer version of the bot: we refuse to touch it.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from db.connection import Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
log = logging.getLogger(__name__)


class SchemaTooNewError(Exception):
    """The database was migrated by a newer version of the code."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def known_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migrations shipped with this code, in order; gaps or duplicates are a packaging bug."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise RuntimeError(f"migration file {path.name} is not named NNNN_name.sql")
        found.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


async def migrate(db: Database, migrations: list[Migration] | None = None) -> list[int]:
    """Apply pending migrations; return the versions applied now."""
    migrations = known_migrations() if migrations is None else migrations
    await db.conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')))"
    )
    applied = {row["version"] for row in await db.fetchall("SELECT version FROM schema_migrations")}
    latest = migrations[-1].version if migrations else 0
    if applied and max(applied) > latest:
        raise SchemaTooNewError(
            f"the database {db.path} is at schema version {max(applied)}, newer than this code "
            f"knows ({latest}); run a newer version of the bot or restore a backup"
        )
    done = []
    for migration in migrations:
        if migration.version in applied:
            continue
        async with db.transaction() as conn:
            for statement in split_statements(migration.sql):
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                (migration.version, migration.name),
            )
        log.info("applied migration %04d_%s", migration.version, migration.name)
        done.append(migration.version)
    return done


def split_statements(sql: str) -> list[str]:
    """Split a migration into statements (executescript would commit our transaction)."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buffer += line
        # CREATE TRIGGER bodies contain ';' — sqlite3 knows when a statement is really complete.
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
