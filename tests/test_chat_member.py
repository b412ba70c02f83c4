"""A member who blocks the bot is marked inactive; unblocking reactivates; nothing crashes."""

from __future__ import annotations

from tests.harness import join, new_forum, running_bot


async def active(bot, user) -> int:
    row = await bot.services.db.fetchone("SELECT is_active FROM users WHERE id = ?", (user.id,))
    return row["is_active"]


async def test_block_and_unblock(tmp_path, fake):
    admin, niran = fake.add_user("Ada", username="ada"), fake.add_user("Niran", username="niran")
    async with running_bot(tmp_path, admins=[admin.id], fake=fake) as bot:
        code, _ = await new_forum(bot, admin)
        await join(bot, niran, code)
        bot.fake.block_bot(niran)
        await bot.settle()
        assert await active(bot, niran) == 0
        # Promoting a member who blocked the bot works; the notice to them is skipped quietly.
        await bot.send(admin, "/promote @niran observer")
        assert "Niran is now an observer" in bot.last(admin)["text"]
        bot.fake.unblock_bot(niran)
        await bot.settle()
        assert await active(bot, niran) == 1


async def test_blocked_while_answering_marks_inactive_without_a_sorry(tmp_path, fake):
    admin, niran = fake.add_user("Ada"), fake.add_user("Niran")
    # The 403 reaches the error handler by design: it is where the block is noticed.
    async with running_bot(tmp_path, admins=[admin.id], fake=fake, expect_errors=True) as bot:
        code, _ = await new_forum(bot, admin)
        await join(bot, niran, code)
        bot.fake.fail(
            "sendMessage",
            chat_id=niran.id,
            error_code=403,
            description="Forbidden: bot was blocked by the user",
        )
        calls = await bot.send(niran, "/help")
        assert await active(bot, niran) == 0
        assert [type(e).__name__ for e in bot.errors] == ["Forbidden"]
        assert [c.method for c in calls] == ["sendMessage"]  # the failed one; no "sorry" after it


async def test_blocking_by_a_stranger_is_ignored(tmp_path, fake):
    stranger = fake.add_user("Sam")
    async with running_bot(tmp_path, fake=fake) as bot:
        bot.fake.block_bot(stranger)
        await bot.settle()
        assert await bot.services.db.fetchone("SELECT 1 FROM users") is None
