"""SCP Forum Bot — command line: `run` (default), `demo`, `backup PATH`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.config import ConfigError, load_config
from bot.i18n import available_languages
from bot.logs import configure_logging


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="A Telegram bot for national Sustainable Consumption and Production forums.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="run the bot (default); needs TELEGRAM_BOT_TOKEN")
    commands.add_parser("demo", help="try the bot in this terminal: no token, no network")
    backup = commands.add_parser("backup", help="consistent copy of the database, while it runs")
    backup.add_argument("path", type=Path, help="where to write the copy")
    args = parser.parse_args(argv)
    command = args.command or "run"

    try:
        if command == "demo":
            from bot.demo import run_demo

            return run_demo()
        config = load_config(
            available_languages=available_languages(), require_token=command == "run"
        )
        configure_logging(config)
        if command == "backup":
            from db.backup import BackupError, backup_database

            try:
                pages = backup_database(config.database_path, args.path)
            except BackupError as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
            print(f"Backed up {config.database_path} to {args.path} ({pages} pages).")
            return 0
        return run_bot(config)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def run_bot(config) -> int:  # type: ignore[no-untyped-def]
    """Migrate the database, then poll (or serve the webhook) until SIGINT/SIGTERM."""
    from telegram import Update

    from bot.app import build_application, open_database
    from db.migrate import SchemaTooNewError

    async def prepare() -> None:
        db = await open_database(config)  # applies pending migrations, refuses a newer schema
        await db.close()

    try:
        asyncio.run(prepare())
    except SchemaTooNewError as error:
        print(f"error: DATABASE_PATH: {error}", file=sys.stderr)
        return 2
    application = build_application(config)
    if config.webhook_url:
        from urllib.parse import urlsplit

        application.run_webhook(
            listen=config.webhook_listen,
            port=config.webhook_port,
            url_path=urlsplit(config.webhook_url).path.lstrip("/"),
            webhook_url=config.webhook_url,
            secret_token=config.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
