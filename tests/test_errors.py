"""Telegram failing (5xx, 429, timeouts) gets a short sorry and never stops the update loop."""

from __future__ import annotations

from tests.harness import new_forum, running_bot


async def test_server_error_gets_a_sorry_and_the_loop_goes_on(tmp_path, fake):
    admin = fake.add_user("Ada")
    async with running_bot(tmp_path, admins=[admin.id], fake=fake, expect_errors=True) as bot:
        await new_forum(bot, admin)
        bot.fake.fail("sendMessage", chat_id=admin.id, error_code=502, description="Bad Gateway")
        await bot.send(admin, "/help")
        assert bot.last(admin)["text"] == "Sorry, something went wrong. Please try again."
        assert len(bot.errors) == 1
        await bot.send(admin, "/help")  # the next update is handled normally
        assert "/invite" in bot.last(admin)["text"]
        assert len(bot.errors) == 1


async def test_timeout_and_flood_errors_do_not_stop_the_loop(tmp_path, fake):
    admin = fake.add_user("Ada")
    async with running_bot(tmp_path, admins=[admin.id], fake=fake, expect_errors=True) as bot:
        await new_forum(bot, admin)
        bot.fake.fail("sendMessage", chat_id=admin.id, timeout=True)
        await bot.send(admin, "/help")
        bot.fake.fail("sendMessage", chat_id=admin.id, error_code=429, retry_after=1, times=2)
        await bot.send(admin, "/help")
        await bot.send(admin, "/start")
        assert "Thailand SCP Forum (coordinator)" in bot.last(admin)["text"]
        assert [type(e).__name__ for e in bot.errors] == ["TimedOut", "RetryAfter"]
