"""/settings and /language: language, stakeholder group, time zone, current forum."""

from __future__ import annotations

from tests.harness import join, new_forum, running_bot, snapshot

# Values no settings screen offers, and data shaped like an attack.
FORGED = (
    "set:lang:xx",
    "set:group:aliens",
    "set:tz:Mars/Base",
    "set:tz:",
    "set:forum:999",
    "set:menu:nothing",
    "set:forum:1; DROP TABLE users",
)


async def _member(bot, fake):
    admin, niran = fake.add_user("Ada"), fake.add_user("Niran")
    code, _ = await new_forum(bot, admin)
    await join(bot, niran, code)
    return admin, niran


async def test_settings_show_and_change_group_and_zone(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        _, niran = await _member(bot, fake)
        await bot.send(niran, "/settings")
        text = bot.last(niran)["text"]
        assert "Stakeholder group: Government" in text
        assert "Time zone: Asia/Bangkok (the forum's)" in text
        await bot.tap(niran, "Stakeholder group")
        await bot.tap(niran, "Academia and research")
        assert "Stakeholder group: Academia and research" in bot.last(niran)["text"]
        await bot.tap(niran, "Time zone")
        await bot.tap(niran, "Asia/Tokyo")
        assert "Time zone: Asia/Tokyo" in bot.last(niran)["text"]
        row = await bot.services.db.fetchone(
            "SELECT stakeholder_group, timezone FROM users WHERE id = ?", (niran.id,)
        )
        assert tuple(row) == ("academia", "Asia/Tokyo")


async def test_typed_time_zone_unknown_then_known(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        _, niran = await _member(bot, fake)
        await bot.send(niran, "/settings")
        await bot.tap(niran, "Time zone")
        await bot.tap(niran, "Type another")
        before = await snapshot(bot)
        await bot.send(niran, "Atlantis")
        assert "I don't know the time zone “Atlantis”" in bot.last(niran)["text"]
        assert "Asia/Bangkok" in bot.last(niran)["text"]  # with an example
        await bot.send(niran, "x" * 2000)
        assert "too long" in bot.last(niran)["text"]
        assert await snapshot(bot) == before
        await bot.send(niran, "europe/berlin")
        assert "Time zone: Europe/Berlin" in bot.last(niran)["text"]


async def test_language_change_rerenders_in_the_new_language(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        _, niran = await _member(bot, fake)
        await bot.send(niran, "/language")
        await bot.tap(niran, "Русский")
        text = bot.last(niran)["text"]
        assert "Русский" in text and "Your settings" not in text
        row = await bot.services.db.fetchone("SELECT language FROM users WHERE id = ?", (niran.id,))
        assert row["language"] == "ru"
        menus = [
            c
            for c in bot.fake.calls_to("setMyCommands")
            if c.params.get("scope", {}).get("chat_id") == niran.id
        ]
        assert (
            menus
            and menus[-1].params["commands"][0]["description"] != "Join a forum or see your forums"
        )


async def test_forged_settings_values_change_nothing(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        _, niran = await _member(bot, fake)
        await bot.send(niran, "/settings")
        before = await snapshot(bot)
        await bot.forged_are_stale(niran, FORGED)
        assert await snapshot(bot) == before


async def test_switch_current_forum(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        admin, niran = await _member(bot, fake)
        code2, _ = await new_forum(bot, admin, "/newforum Lao SCP Forum\ntimezone: Asia/Vientiane")
        await bot.send(niran, f"/start {code2}")
        await bot.send(niran, "/settings")
        assert "Forum: Lao SCP Forum" in bot.last(niran)["text"]
        await bot.tap(niran, "Current forum")
        await bot.tap(niran, "Thailand SCP Forum")
        assert "Forum: Thailand SCP Forum" in bot.last(niran)["text"]


async def test_settings_need_a_forum_and_a_private_chat(tmp_path, fake):
    stranger = fake.add_user("Sam")
    group = fake.add_group("Some group", members=[stranger])
    async with running_bot(tmp_path, fake=fake) as bot:
        await bot.send(stranger, "/settings")
        assert "Join a forum first" in bot.last(stranger)["text"]
        await bot.send(stranger, "/settings", chat=group)
        assert "in a private chat" in bot.last(group)["text"]
