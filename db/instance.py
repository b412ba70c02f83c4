"""One bot per database: an OS lock beside the database file, held for the life of the process.

A second `main.py run` on the same database would requeue the first one's in-flight outbox rows
at its start and drain the same queue beside it: members would get messages twice. So before it
migrates or reads a row, `claim` takes an exclusive `flock` on `<database>.lock` and writes its
pid there; a second process finds the lock taken and refuses, naming that pid. The kernel
releases the lock when the process ends, however it ends (SIGKILL included), so a lock file left
behind never blocks the next start. `main.py backup` does not take the lock: it only reads.

`claim` also checks that DATABASE_PATH is usable (a file, in a directory we can write, that is
an SQLite database or not there yet), so that a bad path is one line naming the variable.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path


class DatabasePathError(Exception):
    """DATABASE_PATH cannot be used; the message names the variable and says why."""


class AlreadyRunning(Exception):
    """Another live process holds the database."""

    def __init__(self, database: Path, pid: int | None) -> None:
        self.database, self.pid = database, pid
        holder = f"pid {pid}" if pid else "pid unknown"
        super().__init__(
            f"another bot ({holder}) is running on DATABASE_PATH {database}; "
            "stop it first, or give this one its own database"
        )


@dataclass
class Claim:
    """The held lock; it lasts until `release()` or the end of the process."""

    lock_path: Path
    fd: int

    def release(self) -> None:
        os.close(self.fd)  # closing the only descriptor drops the flock


def lock_path_of(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def claim(database: Path) -> Claim:
    """Lock the database for this process; AlreadyRunning or DatabasePathError if we can't."""
    if database.is_dir():
        raise DatabasePathError(
            f"DATABASE_PATH {database} is a directory; name a file in it, "
            f"such as {database / 'forum.sqlite3'}"
        )
    _make_directory(database)
    lock_path = lock_path_of(database)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise DatabasePathError(
            f"DATABASE_PATH {database}: cannot create files in {database.parent} ({error.strerror})"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = _holder(fd)
        os.close(fd)
        raise AlreadyRunning(database, pid) from None
    except OSError as error:  # e.g. a network file system without locks
        os.close(fd)
        raise DatabasePathError(
            f"DATABASE_PATH {database}: cannot lock {lock_path} ({error.strerror})"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    try:
        _probe(database)
    except BaseException:
        os.close(fd)
        raise
    return Claim(lock_path, fd)


def _make_directory(database: Path) -> None:
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        parents = reversed(database.parents)  # from the root down: the first that is a file
        blocker = next((p for p in parents if p.exists() and not p.is_dir()), database.parent)
        raise DatabasePathError(
            f"DATABASE_PATH {database}: {blocker} is a file, not a directory"
        ) from None
    except OSError as error:
        raise DatabasePathError(
            f"DATABASE_PATH {database}: cannot create the directory {database.parent} "
            f"({error.strerror})"
        ) from None


def _holder(fd: int) -> int | None:
    """The pid the lock's holder wrote (it writes it just after locking: wait a moment)."""
    for _ in range(20):
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if text.isdigit():
            return int(text)
        time.sleep(0.025)
    return None


def _probe(database: Path) -> None:
    """Open the file and start a write: unreadable, read-only or not SQLite fails here."""
    try:
        conn = sqlite3.connect(database, timeout=5, isolation_level=None)
        try:
            conn.execute("PRAGMA schema_version").fetchone()  # reads the header
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        finally:
            conn.close()
    except sqlite3.Error as error:
        raise DatabasePathError(f"DATABASE_PATH {database}: {error}") from None
