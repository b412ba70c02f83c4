"""Configuration from the environment (or a `.env` file), validated once at start-up.

Every problem becomes a `ConfigError` whose message names the variable and says what is wrong;
`main.py` prints it on one line and exits with status 2.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

DEFAULT_API_URL = "https://api.telegram.org"
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message is shown to the operator."""


@dataclass(frozen=True)
class Config:
    """Everything the bot reads from its environment."""

    token: str | None
    api_url: str = DEFAULT_API_URL
    database_path: Path = Path("data/forum.sqlite3")
    admins: frozenset[int] = frozenset()
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    default_language: str = "en"
    log_level: str = "INFO"

    def __repr__(self) -> str:
        # The token must never reach a log line, not even through a debug print of the config.
        return f"Config(api_url={self.api_url!r}, database_path={str(self.database_path)!r})"

    @property
    def bot_api_base(self) -> str:
        """Root for method calls: PTB appends `<token>/<method>`."""
        return f"{self.api_url}/bot"

    @property
    def bot_file_base(self) -> str:
        """Root for file downloads: PTB appends `<token>/<file_path>`."""
        return f"{self.api_url}/file/bot"


def load_config(
    environ: Mapping[str, str] | None = None,
    *,
    env_file: Path | None = Path(".env"),
    available_languages: frozenset[str] = frozenset({"en"}),
    require_token: bool = True,
) -> Config:
    """Read and validate the configuration; real environment variables win over `.env`."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = values.get(name, "").strip()
        return value or None

    token = get("TELEGRAM_BOT_TOKEN")
    if require_token and token is None:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather")
    if token is not None and not _looks_like_token(token):
        raise ConfigError("TELEGRAM_BOT_TOKEN is malformed: expected '<digits>:<secret>'")

    return Config(
        token=token,
        api_url=_parse_api_url(get("TELEGRAM_API_URL") or DEFAULT_API_URL),
        database_path=Path(get("DATABASE_PATH") or "data/forum.sqlite3"),
        admins=_parse_admins(get("BOT_ADMINS") or ""),
        webhook_url=_parse_webhook_url(get("WEBHOOK_URL")),
        webhook_listen=get("WEBHOOK_LISTEN") or "0.0.0.0",
        webhook_port=_parse_port(get("WEBHOOK_PORT") or "8443"),
        webhook_secret=_parse_secret(get("WEBHOOK_SECRET")),
        default_language=_parse_language(get("DEFAULT_LANGUAGE") or "en", available_languages),
        log_level=_parse_log_level(get("LOG_LEVEL") or "INFO"),
    )


def _looks_like_token(token: str) -> bool:
    bot_id, sep, secret = token.partition(":")
    return bool(sep) and bot_id.isdigit() and bool(secret) and not any(c.isspace() for c in secret)


def _parse_api_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            f"TELEGRAM_API_URL is malformed: expected an http(s) URL like {DEFAULT_API_URL}, "
            f"got {raw!r}"
        )
    return raw.rstrip("/")


def _parse_webhook_url(raw: str | None) -> str | None:
    if raw is None:
        return None
    parts = urlsplit(raw)
    if parts.scheme != "https" and parts.hostname not in ("localhost", "127.0.0.1"):
        raise ConfigError(f"WEBHOOK_URL must be an https URL (Telegram requires it), got {raw!r}")
    if not parts.netloc:
        raise ConfigError(f"WEBHOOK_URL is malformed: no host in {raw!r}")
    return raw


def _parse_admins(raw: str) -> frozenset[int]:
    admins = set()
    for item in filter(None, (part.strip() for part in raw.split(","))):
        if not item.lstrip("-").isdigit():
            raise ConfigError(
                f"BOT_ADMINS must be comma-separated numeric Telegram user ids; {item!r} is not one"
            )
        admins.add(int(item))
    return frozenset(admins)


def _parse_port(raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"WEBHOOK_PORT must be a port number between 1 and 65535, got {raw!r}")
    return int(raw)


def _parse_secret(raw: str | None) -> str:
    if raw is None:
        return secrets.token_urlsafe(32)
    # Telegram accepts 1-256 characters from A-Z, a-z, 0-9, _ and - for secret_token.
    if len(raw) > 256 or not all(c.isalnum() or c in "_-" for c in raw):
        raise ConfigError("WEBHOOK_SECRET must be 1-256 characters of letters, digits, '_' or '-'")
    return raw


def _parse_language(raw: str, available: frozenset[str]) -> str:
    if raw not in available:
        listed = ", ".join(sorted(available))
        raise ConfigError(f"DEFAULT_LANGUAGE {raw!r} is not available; choose one of: {listed}")
    return raw


def _parse_log_level(raw: str) -> str:
    level = raw.upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {raw!r}")
    return level
