"""Logging, set up in one place (`main.py run`): what an operator reads never betrays a member.

The libraries under the bot log whole payloads at DEBUG: python-telegram-bot every Bot API call
with its parameters and its answer, and every update it processes (the sender's id, name and
username next to the text they typed); aiosqlite every query with its parameters (a feedback
item's text next to its author's id); httpcore each request; PTB's webhook server the body it
received. At LOG_LEVEL=DEBUG an "anonymous" feedback item would stand next to its author. So,
whatever LOG_LEVEL says:

- those loggers stay at INFO or above (`FLOORS`): their DEBUG records are never even made;
- the one handler drops any other library's record below INFO (a library we did not name), and
  blanks a library record's arguments that look like payloads (a mapping, a list, a Telegram
  object, bytes, a long string): PTB logs the raw update when it cannot parse it, at CRITICAL;
- the token is cut out of every formatted line, tracebacks included (httpx's exceptions carry
  the request URL, and Telegram puts the token in it).

Our own modules (`OWN`) log at the operator's level; they log ids of rows, never text, and no
user id next to anything a member sent anonymously (see `app.wiring._describe`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import IO

from bot.config import Config

OWN = ("bot", "handlers", "db", "main", "__main__")  # the project's loggers
FLOORS = {  # the least these libraries' loggers are set to, whatever LOG_LEVEL says
    "telegram": logging.INFO,  # DEBUG: every update and Bot API call, whole
    "aiosqlite": logging.INFO,  # DEBUG: every query with its parameters
    "httpcore": logging.INFO,  # DEBUG: each request's trace
    "httpx": logging.WARNING,  # INFO: one line per request, with the token in the URL
    "apscheduler": logging.WARNING,  # INFO: each heartbeat run
}
LONGEST_ARGUMENT = 80  # a library's string argument longer than this may be a payload
REDACTED = "<redacted>"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def is_own(name: str) -> bool:
    """Whether a logger belongs to the project (its records pass as they are)."""
    return any(name == own or name.startswith(own + ".") for own in OWN)


class PrivacyFilter(logging.Filter):
    """On the handler: no library record below INFO, no payload in a library record's arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if is_own(record.name):
            return True
        if record.levelno < logging.INFO:
            return False
        if not isinstance(record.msg, str):  # an object logged as the message itself
            record.msg, record.args = f"{REDACTED} {type(record.msg).__name__}", ()
        elif isinstance(record.args, Mapping):
            record.args = {key: _blank(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_blank(value) for value in record.args)
        return True


def _blank(value: object) -> object:
    """The argument, or a placeholder when it may carry what someone sent."""
    if value is None or isinstance(value, bool | int | float | BaseException):
        return value
    if isinstance(value, str) and len(value) <= LONGEST_ARGUMENT:
        return value
    return f"{REDACTED} {type(value).__name__}"


class RedactingFormatter(logging.Formatter):
    """Formats a record, then removes the bot token from the whole text, traceback included."""

    def __init__(self, token: str | None, fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self._token = token

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text.replace(self._token, "<token>") if self._token else text


def configure_logging(config: Config, stream: IO[str] | None = None) -> None:
    """One handler on the root logger at LOG_LEVEL (stderr by default), libraries held back."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter(config.token))
    handler.addFilter(PrivacyFilter())
    logging.basicConfig(level=config.log_level, handlers=[handler], force=True)
    level = logging.getLevelName(config.log_level)
    for name, floor in FLOORS.items():
        logging.getLogger(name).setLevel(max(level, floor))
