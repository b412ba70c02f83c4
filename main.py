"""SCP Forum Bot — command line: `run` (default), `demo`, `backup PATH`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Config, ConfigError, load_config
from bot.i18n import available_languages
from bot.logs import configure_logging

if TYPE_CHECKING:
    from app.runner import StopSignals


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
            from tools.demo import run_demo

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


def run_bot(config: Config) -> int:
    """Lock and migrate the database, then poll (or serve the webhook) until SIGINT/SIGTERM."""
    from app.runner import StopSignals

    stop = StopSignals()
    stop.install()  # first of all: a stop asked for during the start-up is kept, not fatal
    try:
        return _run_bot(config, stop)
    finally:
        stop.ignore_from_now()


def _run_bot(config: Config, stop: StopSignals) -> int:
    from db.instance import AlreadyRunning, DatabasePathError, claim

    try:
        claim(config.database_path)  # held until the process ends, however it ends
    except (AlreadyRunning, DatabasePathError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    from telegram.error import InvalidToken

    from app.runner import serve, updater_start
    from app.wiring import build_application, open_database
    from db.migrate import SchemaTooNewError

    async def prepare() -> None:
        db = await open_database(config)  # applies pending migrations, refuses a newer schema
        await db.close()

    try:
        asyncio.run(prepare())
    except SchemaTooNewError as error:
        print(f"error: DATABASE_PATH: {error}", file=sys.stderr)
        return 2
    if stop.requested:
        return 0
    application = build_application(config)
    try:
        asyncio.run(serve(application, updater_start(application, config), stop))
    except InvalidToken:
        print(
            f"error: TELEGRAM_BOT_TOKEN was rejected by the Bot API at {config.api_url}",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
