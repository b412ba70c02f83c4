"""Invite codes must never reach a group: the suite-wide check behind `tests/conftest.py`.

Every `FakeTelegram` made during the session is watched, and at the end of each test every Bot API
call the bot made to a group or supergroup since the last check (texts, captions, buttons with
their labels, URLs and data, uploaded files) is searched for every invite code in the databases
the test used: each column whose name contains "code" in any table (`forums.member_code`,
`forums.coordinator_code`, and whatever table a later feature adds). A group holds people who are
not (or no longer) members, and coordinators of other forums: any code there is a leak.
"""

from __future__ import annotations

import json
import sqlite3
import weakref
from pathlib import Path

from fake_telegram import Call, FakeTelegram

SQLITE_HEADER = b"SQLite format 3\x00"
MIN_CODE_LENGTH = 6  # shorter values ("en", "TH") are not secrets and would match by chance

_checked: weakref.WeakKeyDictionary[FakeTelegram, int] = weakref.WeakKeyDictionary()
_databases: weakref.WeakKeyDictionary[FakeTelegram, set[Path]] = weakref.WeakKeyDictionary()


def track(fake: FakeTelegram) -> None:
    """Watch `fake` from now on (conftest calls it for every FakeTelegram made)."""
    _checked.setdefault(fake, 0)


def uses_database(fake: FakeTelegram, path: Path) -> None:
    """`fake` talks to a bot whose database is `path` (harness.running_bot says so)."""
    track(fake)
    _databases.setdefault(fake, set()).add(path)


def invite_codes(path: Path) -> dict[str, str]:
    """Every value of a column named like "code" in the database at `path` → "table.column"."""
    try:
        with path.open("rb") as file:
            if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                return {}
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except (OSError, sqlite3.Error):
        return {}
    codes: dict[str, str] = {}
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
            for column in (c for c in columns if "code" in c.lower()):
                for (value,) in conn.execute(f'SELECT "{column}" FROM "{table}"'):
                    if isinstance(value, str) and len(value) >= MIN_CODE_LENGTH:
                        codes[value] = f"{table}.{column}"
    except sqlite3.Error:  # a test's deliberately damaged file: nothing to read
        pass
    finally:
        conn.close()
    return codes


def databases_under(folder: Path | None) -> list[Path]:
    """Files a test made in its tmp_path (databases of bots run as a separate process)."""
    if folder is None or not folder.is_dir():
        return []
    return [path for path in folder.rglob("*") if path.is_file()]  # invite_codes reads the header


def _group_chat(fake: FakeTelegram, call: Call) -> int | None:
    """The group or supergroup a call is aimed at, if it is."""
    try:
        chat_id = int(call.params.get("chat_id"))
    except (TypeError, ValueError):
        return None
    try:
        is_group = fake.chat(chat_id).type in ("group", "supergroup")
    except KeyError:
        is_group = chat_id < 0  # Telegram's groups and supergroups have negative ids
    return chat_id if is_group else None


def _problems(call: Call, chat_id: int, codes: dict[str, str]) -> list[str]:
    # Everything a group member could read: text, caption, buttons (labels, URLs, data), files.
    content = json.dumps(call.params, default=repr, ensure_ascii=False)
    text = str(call.params.get("text") or call.params.get("caption") or "")
    return [
        f"{column} {code!r} in {call.method} to chat {chat_id}: {text[:120]!r}"
        for code, column in codes.items()
        if code in content
    ]


def skip_to_now() -> None:
    """Check nothing sent so far (after a failed test, whose calls nobody should answer for)."""
    for fake in list(_checked.keys()):
        _checked[fake] = len(fake.calls)


def find_leaks(fallback_databases: list[Path]) -> list[str]:
    """What every watched fake sent to groups since the last check that leaks an invite code.

    A fake's databases are those `uses_database` named, else `fallback_databases`.
    """
    problems: list[str] = []
    for fake in list(_checked.keys()):
        since, _checked[fake] = _checked[fake], len(fake.calls)
        calls = [(c, chat) for c in fake.calls[since:] if (chat := _group_chat(fake, c))]
        if not calls:
            continue
        codes: dict[str, str] = {}
        for path in sorted(_databases.get(fake) or fallback_databases):
            codes |= invite_codes(path)
        for call, chat_id in calls:
            problems += _problems(call, chat_id, codes)
    return problems
