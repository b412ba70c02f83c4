"""The callback-data protocol: `<feature>:<action>:<ids…>`, at most 64 bytes, parsed in one place.

Callback data comes from the client and can be forged: handlers re-check every part against the
database before acting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64  # Telegram's limit for callback_data


@dataclass(frozen=True)
class Callback:
    feature: str
    action: str
    args: tuple[str, ...]

    def arg(self, index: int) -> str | None:
        return self.args[index] if index < len(self.args) else None

    def int_arg(self, index: int) -> int | None:
        """An id argument, or None if absent or not a plain number."""
        return parse_id(self.arg(index))


_ID = re.compile(r"^[0-9]{1,18}$")


def parse_id(text: str | None) -> int | None:
    """A database id or number typed or sent by a client: ASCII digits only, else None.

    Not str.isdigit(): it accepts "²" and other digits that int() then rejects.
    """
    return int(text) if text and _ID.match(text) else None


def make(feature: str, action: str, *args: object) -> str:
    """Build callback data; a value too long for Telegram is a programming error."""
    data = ":".join([feature, action, *(str(arg) for arg in args)])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def parse(data: str | None) -> Callback | None:
    """Split callback data; None for anything not in our shape."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) < 2 or not all(parts[:2]):
        return None
    return Callback(parts[0], parts[1], tuple(parts[2:]))
