"""Online backup with SQLite's backup API: a consistent copy while the bot keeps writing."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


class BackupError(Exception):
    """The backup cannot be made; the message says why."""


def backup_database(source: Path, target: Path) -> int:
    """Copy `source` to `target` atomically (temp file, then rename); returns the page count."""
    if not source.is_file():
        raise BackupError(f"DATABASE_PATH {source} does not exist: nothing to back up")
    if target.resolve() == source.resolve():
        raise BackupError("the backup PATH must differ from DATABASE_PATH")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # Read-only URI: a backup never changes the live database (nor creates one).
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst, pages=1024)  # in steps, so the bot's writers are never blocked for long
        (pages,) = dst.execute("PRAGMA page_count").fetchone()
    finally:
        dst.close()
        src.close()
    os.replace(partial, target)
    return int(pages)
