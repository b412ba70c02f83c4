"""The coordinator's report of a broadcast: sent, waiting, blocked, failed, and what a timeout left
uncertain. handlers/broadcast/commands.py shows it when the sending starts; app/outbox.py keeps it
current while the outbox drains and writes the final one.
"""

from __future__ import annotations

from collections import Counter

from bot.i18n import Translator


def progress_text(tr: Translator, counts: Counter[str], *, done: bool, twice: int = 0) -> str:
    """The coordinator's view of a broadcast: sent, waiting, blocked, failed, and what may have
    arrived twice or not at all because Telegram's answer timed out (app/outbox.py)."""
    return _progress(tr, counts, done=done) + "".join(
        " " + line for line in _timeouts(tr, counts["unconfirmed"], twice)
    )


def _timeouts(tr: Translator, unconfirmed: int, twice: int) -> list[str]:
    lines = []
    if unconfirmed:
        lines.append(
            tr.n_(
                "%(count)s possibly delivered: Telegram did not confirm it in time, and it was "
                "not sent again.",
                "%(count)s possibly delivered: Telegram did not confirm them in time, and they "
                "were not sent again.",
                unconfirmed,
            )
        )
    if twice:
        lines.append(
            tr.n_(
                "%(count)s may have arrived twice: the first try timed out.",
                "%(count)s may have arrived twice: the first try timed out.",
                twice,
            )
        )
    return lines


def _progress(tr: Translator, counts: Counter[str], *, done: bool) -> str:
    values = {
        "sent": counts["sent"],
        "pending": counts["pending"] + counts["sending"],
        "blocked": counts["blocked"],
        "failed": counts["failed"],
        "total": sum(counts.values()),
    }
    if done:
        return tr._(
            "📣 Announcement delivered. %(sent)s of %(total)s sent, %(blocked)s blocked the bot, "
            "%(failed)s failed.",
            **values,
        )
    return tr._(
        "📣 Sending the announcement… %(sent)s sent, %(pending)s waiting, %(blocked)s blocked "
        "the bot, %(failed)s failed.",
        **values,
    )
