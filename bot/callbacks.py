"""The callback-data protocol: `<feature>:<action>:<ids…>`, at most 64 bytes, parsed in one place.

Callback data comes from the client and can be forged: handlers re-check every part against the
database before acting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64  # Telegram's limit for callback_data

# The buttons that may be pressed in a group, as "feature:action": only the bot's answers to
# /results and /closepoll there ("Which poll?", its pages, the close confirmation) and to
# /start when it links the group (the choice of forum, for who asked) carry buttons, and what
# they show every member may see. Every other button belongs to a private chat (ballots,
# settings, feedback, exports, dialogs, member lists): pressed in a group, which only a forged
# press can do, it is refused before any handler runs.
IN_GROUPS = frozenset(
    {"res:show", "poll:close", "poll:shut", "poll:keep", "page:poll", "lnk:ok", "lnk:pg", "lnk:no"}
)


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


def allowed_in_group(data: str | None) -> bool:
    """Whether this button may act when pressed in a group (see IN_GROUPS)."""
    parsed = parse(data)
    return parsed is not None and f"{parsed.feature}:{parsed.action}" in IN_GROUPS


def parse(data: str | None) -> Callback | None:
    """Split callback data; None for anything not in our shape."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) < 2 or not all(parts[:2]):
        return None
    return Callback(parts[0], parts[1], tuple(parts[2:]))
