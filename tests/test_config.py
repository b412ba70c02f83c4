"""Configuration and the command line: one-line errors, exit status 2, no token in logs."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from bot.logs import RedactingFormatter
from fake_telegram import FakeTelegram, serve

ROOT = Path(__file__).resolve().parent.parent
LANGS = frozenset({"en", "th"})


def run_main(
    tmp_path: Path, *args: str, input_text: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """main.py in a clean environment and an empty working directory (no .env)."""
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        cwd=tmp_path,
        env={**base, **env},
        input=input_text,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_without_a_token_is_one_line_and_exit_2(tmp_path):
    result = run_main(tmp_path, "run")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather"
    ]
    assert "Traceback" not in result.stderr
    assert run_main(tmp_path).returncode == 2  # `run` is the default


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"TELEGRAM_API_URL": "ftp://example.org"}, "TELEGRAM_API_URL"),
        ({"TELEGRAM_API_URL": "not a url"}, "TELEGRAM_API_URL"),
        ({"BOT_ADMINS": "12, abc"}, "BOT_ADMINS"),
        ({"DEFAULT_LANGUAGE": "xx"}, "DEFAULT_LANGUAGE"),
        ({"WEBHOOK_PORT": "99999"}, "WEBHOOK_PORT"),
        ({"WEBHOOK_URL": "http://example.org/hook"}, "WEBHOOK_URL"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"TELEGRAM_BOT_TOKEN": "no-colon"}, "TELEGRAM_BOT_TOKEN"),
    ],
)
def test_malformed_values_name_the_variable(tmp_path, env, variable):
    result = run_main(tmp_path, "run", **{"TELEGRAM_BOT_TOKEN": "123:abc", **env})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0], result.stderr


def test_help_lists_the_commands(tmp_path):
    result = run_main(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("run", "demo", "backup"):
        assert command in result.stdout


def test_dotenv_file_is_read_and_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("TELEGRAM_BOT_TOKEN=1:fromfile\nBOT_ADMINS=5,6\nDATABASE_PATH=x.db\n")
    config = load_config({"BOT_ADMINS": "7"}, env_file=env_file, available_languages=LANGS)
    assert config.token == "1:fromfile" and config.admins == {7}
    assert config.database_path == Path("x.db")
    assert "fromfile" not in repr(config)


def test_api_url_sets_method_and_file_roots():
    config = load_config(
        {"TELEGRAM_BOT_TOKEN": "1:a", "TELEGRAM_API_URL": "http://localhost:8081/"},
        env_file=None,
        available_languages=LANGS,
    )
    assert config.bot_api_base == "http://localhost:8081/bot"
    assert config.bot_file_base == "http://localhost:8081/file/bot"


def test_missing_token_is_fine_for_backup():
    config = load_config({}, env_file=None, available_languages=LANGS, require_token=False)
    assert config.token is None
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        load_config({}, env_file=None, available_languages=LANGS)


def test_token_is_redacted_from_log_lines_and_tracebacks():
    token = "123456:SECRET-abc"
    formatter = RedactingFormatter(token, "%(message)s")
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{token}/getMe failed")
    except RuntimeError:
        record = logging.LogRecord(
            "httpx",
            logging.ERROR,
            __file__,
            1,
            "HTTP Request: POST https://api.telegram.org/bot%s/getMe",
            (token,),
            sys.exc_info(),
        )
    text = formatter.format(record)
    assert token not in text and text.count("<token>") == 2


def unwritable_directory(tmp_path: Path) -> Path:
    """A directory this process may not create files in (root ignores permission bits)."""
    if os.geteuid() == 0:
        return Path("/sys/kernel")  # sysfs: not even root creates files there
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    return locked


@pytest.mark.parametrize(
    ("case", "problem"),
    [
        ("in /proc", "cannot create files in /proc"),
        ("unwritable directory", "cannot create files in"),
        ("a directory", "is a directory"),
        ("under a file", "is a file, not a directory"),
        ("not SQLite", "file is not a database"),
    ],
)
def test_an_unusable_database_path_is_one_line_and_exit_2(tmp_path, case, problem):
    (tmp_path / "plain.txt").write_text("not a directory")
    (tmp_path / "notes.sqlite3").write_text("These are my notes, not a database. " * 10)
    (tmp_path / "data").mkdir()
    path = {
        "in /proc": Path("/proc/x"),
        "unwritable directory": unwritable_directory(tmp_path) / "forum.sqlite3",
        "a directory": tmp_path / "data",
        "under a file": tmp_path / "plain.txt" / "forum.sqlite3",
        "not SQLite": tmp_path / "notes.sqlite3",
    }[case]
    result = run_main(
        tmp_path,
        "run",
        TELEGRAM_BOT_TOKEN="123:abc",
        TELEGRAM_API_URL="http://127.0.0.1:9",  # never reached
        DATABASE_PATH=str(path),
    )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith(f"error: DATABASE_PATH {path}") and problem in lines[0], lines


async def test_a_token_telegram_rejects_is_one_line_and_exit_2(tmp_path):
    fake = FakeTelegram()  # its token is another one: 401 Unauthorized, as for a revoked token
    server, port = await serve(fake)
    try:
        result = await asyncio.to_thread(
            run_main,
            tmp_path,
            "run",
            TELEGRAM_BOT_TOKEN="123:revoked",
            TELEGRAM_API_URL=f"http://127.0.0.1:{port}",
            DATABASE_PATH=str(tmp_path / "forum.sqlite3"),
        )
    finally:
        server.stop()
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: TELEGRAM_BOT_TOKEN was rejected by the Bot API at http://127.0.0.1:{port}"
    )
    assert "Traceback" not in result.stderr and "revoked" not in result.stderr, result.stderr


async def test_a_webhook_port_in_use_is_one_line_and_exit_2(tmp_path):
    fake = FakeTelegram()
    server, port = await serve(fake)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        try:
            result = await asyncio.to_thread(
                run_main,
                tmp_path,
                "run",
                TELEGRAM_BOT_TOKEN=fake.token,
                TELEGRAM_API_URL=f"http://127.0.0.1:{port}",
                DATABASE_PATH=str(tmp_path / "forum.sqlite3"),
                WEBHOOK_URL="https://forum.example.org/hook",
                WEBHOOK_LISTEN="127.0.0.1",
                WEBHOOK_PORT=str(taken.getsockname()[1]),
            )
        finally:
            server.stop()
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: WEBHOOK_LISTEN/WEBHOOK_PORT: cannot listen on 127.0.0.1:"), last
    assert "Traceback" not in result.stderr, result.stderr
