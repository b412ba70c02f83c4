"""Joining a forum by invite link: language, consent, stakeholder group; and refusals."""

from __future__ import annotations

from tests.harness import join, new_forum, running_bot, snapshot


async def test_member_joins_in_english(tmp_path, fake):
    admin, niran = fake.add_user("Ada"), fake.add_user("Niran", language_code="en")
    async with running_bot(tmp_path, admins=[admin.id], fake=fake) as bot:
        member_code, _ = await new_forum(bot, admin)
        await bot.send(niran, f"/start {member_code}")
        assert "Thailand SCP Forum" in bot.last(niran)["text"]
        assert bot.labels(niran)[0] == "✅ English"  # Telegram's language, suggested first
        # Nothing is stored before consent.
        assert (
            await bot.services.db.fetchone("SELECT 1 FROM users WHERE id = ?", (niran.id,)) is None
        )
        await bot.tap(niran, "✅ English")
        assert "/forget" in bot.last(niran)["text"]  # the consent notice says how to delete
        await bot.tap(niran, "✅ I agree")
        await bot.tap(niran, "Industry and business")
        assert "You are now a member of Thailand SCP Forum" in bot.last(niran)["text"]
        row = await bot.services.db.fetchone(
            "SELECT u.language, u.stakeholder_group, u.consent_at, m.role FROM users u"
            " JOIN memberships m ON m.user_id = u.id WHERE u.id = ?",
            (niran.id,),
        )
        assert (row["language"], row["stakeholder_group"], row["role"]) == (
            "en",
            "industry",
            "member",
        )
        assert row["consent_at"].startswith("2026-11-23T09:00")  # the injected clock
        menus = bot.fake.calls_to("setMyCommands", chat_id=None)
        assert any(c.params.get("scope", {}).get("chat_id") == niran.id for c in menus)


async def test_member_joins_in_thai_from_telegram_language(tmp_path, fake):
    admin, mali = fake.add_user("Ada"), fake.add_user("Mali", language_code="th")
    async with running_bot(tmp_path, admins=[admin.id], fake=fake) as bot:
        member_code, _ = await new_forum(bot, admin)
        await bot.send(mali, f"/start {member_code}")
        assert bot.labels(mali)[0] == "✅ ไทย 🤖"  # suggested first, marked as a machine draft
        assert "\n\n🤖 " in bot.last(mali)["text"]  # the note that explains the mark
        await join(bot, mali, member_code, language="th", group="civil_society")
        text = bot.last(mali)["text"]
        assert "Thailand SCP Forum" in text and "/settings" in text
        assert text != "You are now in <b>Thailand SCP Forum</b>"  # it is in Thai
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in text)
        await bot.send(mali, "/help")
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in bot.last(mali)["text"])


async def test_decline_stores_nothing(tmp_path, fake):
    admin, bob = fake.add_user("Ada"), fake.add_user("Bob")
    async with running_bot(tmp_path, admins=[admin.id], fake=fake) as bot:
        member_code, _ = await new_forum(bot, admin)
        before = await snapshot(bot)
        await bot.send(bob, f"/start {member_code}")
        await bot.tap(bob, 1)
        await bot.tap(bob, "No, thanks")
        assert "nothing was stored" in bot.last(bob)["text"]
        assert await snapshot(bot) == before


async def test_unknown_code_and_stale_buttons_change_nothing(tmp_path, fake):
    admin, eve = fake.add_user("Ada"), fake.add_user("Eve")
    async with running_bot(tmp_path, admins=[admin.id], fake=fake) as bot:
        await new_forum(bot, admin)
        before = await snapshot(bot)
        await bot.send(eve, "/start NotACode123")
        assert "not valid" in bot.last(eve)["text"]
        await bot.send(eve, "/start <b>&amp;")
        assert "not valid" in bot.last(eve)["text"]
        # Buttons pressed with no onboarding under way, or with forged data:
        await bot.forged_are_stale(
            eve,
            (
                "onb:consent:yes",
                "onb:group:government",
                "onb:lang:xx",
                "onb:lang:en",
                "onb",
                "zzz:yy:1",
                "set:tz:Asia/Bangkok",
                "nf:lang:en",
                "x" * 64,
            ),
        )
        assert await snapshot(bot) == before


async def test_joined_user_joining_again_and_coordinator_link(tmp_path, fake):
    admin, niran = fake.add_user("Ada"), fake.add_user("Niran")
    async with running_bot(tmp_path, admins=[admin.id], fake=fake) as bot:
        member_code, coordinator_code = await new_forum(bot, admin)
        await join(bot, niran, member_code)
        await bot.send(niran, f"/start {member_code}")
        assert "already a member of" in bot.last(niran)["text"]
        await bot.send(niran, f"/start {coordinator_code}")  # consented already: no new notice
        assert "a coordinator of Thailand SCP Forum" in bot.last(niran)["text"]
        await bot.send(niran, f"/start {member_code}")  # a member link never lowers a role
        assert "a coordinator of Thailand SCP Forum" in bot.last(niran)["text"]


async def test_text_and_stickers_during_onboarding_get_a_hint(tmp_path, fake):
    admin, bob = fake.add_user("Ada"), fake.add_user("Bob")
    async with running_bot(tmp_path, admins=[admin.id], fake=fake) as bot:
        member_code, _ = await new_forum(bot, admin)
        await bot.send(bob, f"/start {member_code}")
        await bot.send(bob, "hello?")
        assert "buttons" in bot.last(bob)["text"]
        bot.fake.send_sticker(bob)
        await bot.settle()
        assert "buttons" in bot.last(bob)["text"]


async def test_start_without_code(tmp_path, fake):
    admin, stranger = fake.add_user("Ada"), fake.add_user("Sam")
    async with running_bot(tmp_path, admins=[admin.id], fake=fake) as bot:
        await new_forum(bot, admin)
        await bot.send(stranger, "/start")
        assert "invite link" in bot.last(stranger)["text"]
        await bot.send(admin, "/start")
        assert "Thailand SCP Forum (coordinator)" in bot.last(admin)["text"]
