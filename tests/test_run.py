"""`main.py run` as deployed: a real process against a Bot API server on loopback.

Covers TELEGRAM_API_URL, long polling, webhook mode with its secret, SIGTERM shutdown, and that
the token never reaches the logs even at DEBUG.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from fake_telegram import FakeTelegram, serve

pytestmark = pytest.mark.slow  # real processes (python and uv) started and signalled

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def uv_command() -> list[str] | None:
    """`uv run` as the README's systemd unit starts the bot (uv sets $UV for its children)."""
    uv = os.environ.get("UV") or shutil.which("uv")
    return [uv, "run", "--project", str(ROOT), "--frozen", "--no-sync"] if uv else None


async def start_bot(
    tmp_path: Path,
    fake: FakeTelegram,
    port: int,
    *,
    launcher: list[str] | None = None,
    log_name: str = "bot.log",
    **env: str,
):
    """`main.py run` in its own process group (as under systemd), stderr into a file."""
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    log = (tmp_path / log_name).open("wb")
    process = await asyncio.create_subprocess_exec(
        *(launcher or [sys.executable]),
        str(ROOT / "main.py"),
        "run",
        cwd=tmp_path,
        env={
            **base,
            "TELEGRAM_BOT_TOKEN": fake.token,
            "LOG_LEVEL": "DEBUG",
            "TELEGRAM_API_URL": f"http://127.0.0.1:{port}",
            "DATABASE_PATH": str(tmp_path / "db" / "forum.sqlite3"),
            **env,
        },
        # A file, not a pipe: at DEBUG the bot logs more than a pipe's buffer holds before the
        # test reads it, and a full pipe blocks the bot's next write (it looked like a hang).
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,  # its own process group, which a test may signal as a whole
    )
    log.close()  # the child has its own copy of the descriptor
    process.log_path = tmp_path / log_name  # read by stop()
    return process


async def eventually(condition: Callable[[], object], seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the bot did not get there in time")


async def stop(process: asyncio.subprocess.Process) -> str:
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), timeout=30)
    log = process.log_path.read_text(encoding="utf-8")
    assert process.returncode == 0, log
    return log


async def test_polling_against_a_self_hosted_api_and_sigterm(tmp_path):
    fake = FakeTelegram()
    admin = fake.add_user("Ada")
    server, port = await serve(fake)
    try:
        bot = await start_bot(tmp_path, fake, port, BOT_ADMINS=str(admin.id))
        fake.send_text(admin, "/newforum Polling Forum\ntimezone: UTC")
        await eventually(lambda: fake.calls_to("sendMessage", chat_id=admin.id))
        logs = await stop(bot)
    finally:
        server.stop()
    assert "Forum Polling Forum created" in fake.last_message(admin.id)["text"]
    assert fake.token not in logs and fake.token.split(":")[1] not in logs
    assert "database closed" in logs  # post_shutdown ran: a clean stop
    assert not (tmp_path / "db" / "forum.sqlite3-wal").exists()  # the last close deletes it


async def test_webhook_mode_checks_the_secret(tmp_path):
    fake = FakeTelegram()
    admin = fake.add_user("Ada")
    server, port = await serve(fake)
    hook_port = free_port()
    try:
        bot = await start_bot(
            tmp_path,
            fake,
            port,
            BOT_ADMINS=str(admin.id),
            WEBHOOK_URL="https://forum.example.org/tg/hook",
            WEBHOOK_LISTEN="127.0.0.1",
            WEBHOOK_PORT=str(hook_port),
            WEBHOOK_SECRET="s3cret-token",
        )
        await eventually(lambda: fake.webhook["url"])
        assert fake.webhook["url"] == "https://forum.example.org/tg/hook"
        assert fake.calls_to("setWebhook")[-1].params["secret_token"] == "s3cret-token"
        fake.send_text(admin, "/help")
        update = json.dumps(fake._updates.pop())  # deliver it ourselves, as Telegram would
        url = f"http://127.0.0.1:{hook_port}/tg/hook"
        async with httpx.AsyncClient() as client:
            headers = {"Content-Type": "application/json"}
            forged = await client.post(
                url, content=update, headers={**headers, "X-Telegram-Bot-Api-Secret-Token": "wrong"}
            )
            assert forged.status_code == 403
            real = await client.post(
                url,
                content=update,
                headers={**headers, "X-Telegram-Bot-Api-Secret-Token": "s3cret-token"},
            )
            assert real.status_code == 200
        await eventually(lambda: fake.calls_to("sendMessage", chat_id=admin.id))
        logs = await stop(bot)
    finally:
        server.stop()
    assert len(fake.calls_to("sendMessage", chat_id=admin.id)) == 1  # the forged one did nothing
    assert "/newforum" in fake.last_message(admin.id)["text"]
    assert fake.token not in logs


def group_alive(pgid: int) -> bool:
    """Whether any process of the group is left (uv's child included)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_began(log_path: Path) -> bool:
    """The bot logged that a signal started its stop (the only line with both words)."""
    return re.search(r"received.*stop", log_path.read_text(encoding="utf-8")) is not None


@pytest.mark.parametrize(
    "signals",
    [(signal.SIGTERM, signal.SIGTERM), (signal.SIGINT, signal.SIGTERM)],
    ids=["term-term", "int-term"],
)
@pytest.mark.parametrize("launcher", ["python", "uv"])
async def test_signals_to_the_whole_group_give_one_clean_stop(tmp_path, launcher, signals):
    """systemd's KillMode=control-group signals uv and python alike, uv forwards its own
    signal to python, and an operator may press Ctrl-C and then send SIGTERM: every signal
    after the first must be a no-op, the answer being sent must go out, and the stop be clean.
    """
    command = [sys.executable] if launcher == "python" else uv_command()
    if command is None:
        pytest.skip("uv is not installed")
    fake = FakeTelegram()
    admin = fake.add_user("Ada")
    server, port = await serve(fake)
    bot = None
    try:
        bot = await start_bot(tmp_path, fake, port, launcher=command, BOT_ADMINS=str(admin.id))
        await eventually(lambda: fake.calls_to("getUpdates"))
        # Work in progress when the signals come: an answer held by flood control for 1 s.
        fake.fail("sendMessage", chat_id=admin.id, retry_after=1)
        fake.send_text(admin, "/help")
        await eventually(lambda: fake.calls_to("sendMessage", chat_id=admin.id))
        first, *later = signals
        os.killpg(bot.pid, first)
        started = time.monotonic()
        await eventually(lambda: stop_began(bot.log_path), seconds=5)
        for sig in later:  # in the middle of the stop: the answer is still waiting
            os.killpg(bot.pid, sig)
        await asyncio.wait_for(bot.wait(), timeout=10)
        stopped_in = time.monotonic() - started
        await eventually(lambda: not group_alive(bot.pid), seconds=2)
    finally:
        if bot is not None and group_alive(bot.pid):
            os.killpg(bot.pid, signal.SIGKILL)
        server.stop()
    log = bot.log_path.read_text(encoding="utf-8")
    assert bot.returncode == 0, log[-3000:]
    assert stopped_in < 10
    assert "never awaited" not in log and "Traceback" not in log, log[-3000:]
    assert log.count("database closed") == 1, log[-3000:]  # post_shutdown ran, once
    answered = [c for c in fake.calls_to("sendMessage", chat_id=admin.id) if c.ok]
    assert len(answered) == 1, "the answer in progress went out, once"


def test_a_stop_that_hangs_still_ends_the_process_at_the_deadline():
    """The last resort: a stop stuck where no deadline inside the loop can reach it."""
    script = (
        "import os, signal, time\n"
        "from app.runner import StopSignals\n"
        "stop = StopSignals(hard_deadline=0.5)\n"
        "stop.install()\n"
        "os.kill(os.getpid(), signal.SIGTERM)\n"
        "os.kill(os.getpid(), signal.SIGINT)\n"
        "assert stop.requested\n"
        "time.sleep(30)  # a stop that never ends\n"
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert "took too long" in result.stderr
    assert time.monotonic() - started < 10
