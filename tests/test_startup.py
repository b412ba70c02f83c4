"""Start-up survives one-off Telegram failures: the bot starts and catches up.

In-process (harness): a 5xx while start-up closes an overdue poll. As deployed (`main.py run`
on loopback): a 5xx on getMe, on deleteWebhook and on the command menus.
"""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import timedelta

from bot.i18n import available_languages
from fake_telegram import FakeTelegram, serve
from tests.harness import new_poll, running_bot
from tests.test_polls import POLL
from tests.test_run import eventually, start_bot, stop
from tests.worlds import forum_with_members


async def test_a_5xx_while_start_up_closes_an_overdue_poll(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _, _, chat = await forum_with_members(bot, fake)
        await new_poll(bot, ada, POLL)  # closes 2026-11-30 17:00 Bangkok
        bot.clock.advance(timedelta(days=8))  # the bot was down over the deadline
        fake.fail("editMessageText", chat_id=chat.id, error_code=500)  # the group's poll post
        await bot.restart()  # start-up closes the poll: the 5xx must not stop the start
        assert any(c.injected for c in fake.calls_to("editMessageText", chat_id=chat.id))
        poll = await bot.services.db.fetchone("SELECT closed_at FROM polls")
        assert poll["closed_at"] is not None
        assert "Results of poll 1" in bot.last(chat)["text"]  # queued before the edit
        await bot.send(niran, "/help")  # and the bot answers
        assert "/polls" in bot.last(niran)["text"]


def published_menus(fake: FakeTelegram) -> set[tuple[str | None, str]]:
    """(language, scope) of every menu Telegram accepted."""
    return {
        (c.params.get("language_code"), str(c.params["scope"]))
        for c in fake.calls_to("setMyCommands")
        if c.ok
    }


async def test_one_off_5xx_at_start_up_are_retried(tmp_path):
    fake = FakeTelegram()
    admin = fake.add_user("Ada")
    for method in ("getMe", "deleteWebhook", "setMyCommands"):
        fake.fail(method, error_code=502, description="Bad Gateway")
    server, port = await serve(fake)
    try:
        bot = await start_bot(tmp_path, fake, port, BOT_ADMINS=str(admin.id), LOG_LEVEL="INFO")
        fake.send_text(admin, "/help")
        await eventually(lambda: fake.calls_to("sendMessage", chat_id=admin.id))
        # Every language's two menus, the one whose call failed included.
        await eventually(lambda: len(published_menus(fake)) == 2 * len(available_languages()))
        logs = await stop(bot)
    finally:
        server.stop()
    assert all(any(c.injected for c in fake.calls_to(m)) for m in ("getMe", "deleteWebhook"))
    assert "Traceback" not in logs


async def test_a_stop_while_telegram_is_down_at_start_up(tmp_path):
    fake = FakeTelegram()
    fake.fail("getMe", error_code=502, description="Bad Gateway", times=1000)
    server, port = await serve(fake)
    bot = None
    try:
        bot = await start_bot(tmp_path, fake, port, LOG_LEVEL="INFO")
        await eventually(lambda: any(c.injected for c in fake.calls_to("getMe")))
        os.killpg(bot.pid, signal.SIGTERM)
        await asyncio.wait_for(bot.wait(), timeout=10)
    finally:
        if bot is not None and bot.returncode is None:
            bot.kill()
        server.stop()
    log = bot.log_path.read_text(encoding="utf-8")
    assert bot.returncode == 0, log
    assert "stopping during start-up" in log and "Traceback" not in log, log
    assert not fake.calls_to("getUpdates")
