"""/tip, topics, subscriptions at a local hour, forum tips and the language fallback chain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.tips import TOPICS
from tests.harness import join, new_forum, running_bot, snapshot


async def forum(bot, fake, *, language="en"):
    ada = fake.add_user("Ada", username="ada")
    niran = fake.add_user("Niran", username="niran")
    member, _ = await new_forum(
        bot, ada, f"/newforum Thailand SCP Forum\ntimezone: Asia/Bangkok\nlanguage: {language}"
    )
    await join(bot, niran, member, group="industry")
    return ada, niran, member


def tip_messages(bot, user) -> list[str]:
    return [m["text"] for m in bot.fake.messages(user.id) if "💡" in m["text"]]


def library_tip(bot, text: str):
    """The library tip a message shows (by its English title)."""
    found = [tip for tip in bot.services.tips if f"💡 {tip.title}\n" in text]
    assert len(found) == 1, text
    return found[0]


async def test_tip_sends_unread_tips_then_starts_over(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        _, niran, _ = await forum(bot, fake)
        bot.services.tips = bot.services.tips[:3]  # a small library: the cycle ends quickly
        await bot.send(niran, "/tip")
        text = bot.last(niran)["text"]
        first = library_tip(bot, text)
        assert first.text in text and "Source: " in text
        assert bot.labels(niran) == ["➡️ Another tip", "🗂 By topic", "🔔 Tips by subscription"]
        for _ in range(2):
            await bot.tap(niran, "➡️ Another tip")
        shown = [library_tip(bot, t).id for t in tip_messages(bot, niran)]
        assert sorted(shown) == sorted(t.id for t in bot.services.tips), "all three, none twice"

        await bot.tap(niran, "➡️ Another tip")
        text = bot.last(niran)["text"]
        assert text.startswith("You have read every tip. Starting again")
        assert library_tip(bot, text).id == shown[0], "the same personal order again"
        views = await bot.services.db.fetchall("SELECT cycle, tip_key FROM tip_views")
        assert sorted(tuple(v) for v in views) == sorted(
            [(0, key) for key in shown] + [(1, shown[0])]
        )


async def test_tips_by_topic_and_forged_buttons(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        _, niran, _ = await forum(bot, fake)
        await bot.send(niran, "/tip")
        await bot.tap(niran, "🗂 By topic")
        assert bot.last(niran)["text"] == "Choose a topic:"
        assert bot.labels(niran) == list(TOPICS.values())
        await bot.tap(niran, "Public procurement")
        procurement = [t for t in bot.services.tips if t.topic == "procurement"]
        for _ in range(len(procurement) - 1):
            assert library_tip(bot, bot.last(niran)["text"]).topic == "procurement"
            await bot.tap(niran, "➡️ Another on this topic")
        seen = {library_tip(bot, t).id for t in tip_messages(bot, niran)[1:]}
        assert seen == {t.id for t in procurement}
        await bot.tap(niran, "➡️ Another on this topic")
        text = bot.last(niran)["text"]
        assert text.startswith("You have read every tip on this topic; here is one again.")
        assert library_tip(bot, text).topic == "procurement"

        before = await snapshot(bot)
        await bot.forged_are_stale(
            niran,
            (
                "tip:topic:nope",
                "tip:explode",
                "tipsub:hour:daily:24",
                "tipsub:day:8:7",
                "tipsub:freq:hourly",
                "tipsub:off",
                "tipsub:hour:daily:x",
            ),
        )
        assert await snapshot(bot) == before
        calls = await bot.send(niran, "/tip gardening")
        assert "I don't know the topic “gardening”" in calls[0].params["text"]
        assert bot.labels(niran) == list(TOPICS.values())


async def subscribe(bot, user, frequency: str, hour: str, day: str | None = None):
    await bot.send(user, "/settings")
    await bot.tap(user, "Tips")
    await bot.tap(user, frequency)
    await bot.tap(user, hour)
    if day:
        await bot.tap(user, day)


async def test_subscriptions_at_a_local_hour_in_two_zones_survive_a_restart(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        _, niran, code = await forum(bot, fake)  # Niran: the forum's zone, Asia/Bangkok (UTC+7)
        lena = fake.add_user("Lena", username="lena")
        await join(bot, lena, code)
        await bot.send(lena, "/settings")
        await bot.tap(lena, "Time zone")
        await bot.tap(lena, "Type another")
        await bot.send(lena, "Europe/Berlin")  # UTC+1 in winter
        await subscribe(bot, niran, "Every day", "8:00\u202fAM")
        assert "Tips: every day at 8:00\u202fAM" in bot.last(niran)["text"]
        await subscribe(bot, lena, "Every week", "8:00\u202fAM", "Wednesday")
        assert "Tips: every week, Wednesday at 8:00\u202fAM" in bot.last(lena)["text"]

        def delivered(calls, user):
            return [
                c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == user.id
            ]

        # Monday 23 Nov 2026, 09:00 UTC: Niran's first slot is Tuesday 08:00 Bangkok = 01:00 UTC.
        bot.clock.now = datetime(2026, 11, 24, 0, 59, tzinfo=UTC)
        assert not delivered(await bot.run_due(), niran)
        bot.clock.now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
        calls = await bot.run_due()
        assert len(delivered(calls, niran)) == 1 and not delivered(calls, lena)
        assert delivered(calls, niran)[0].params["text"].startswith("💡")

        await bot.restart()  # the same moment again after a restart: nothing twice
        assert not delivered(await bot.run_due(), niran)

        # Wednesday 08:00 Berlin = 07:00 UTC; Niran has had his Wednesday tip at 01:00 UTC.
        bot.clock.now = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
        calls = await bot.run_due()
        assert len(delivered(calls, lena)) == 1 and len(delivered(calls, niran)) == 1
        bot.clock.now += timedelta(days=6, hours=23)  # next Wednesday 06:00 UTC: Lena's is at 07:00
        calls = await bot.run_due()
        assert not delivered(calls, lena) and len(delivered(calls, niran)) == 1, "one, not six"

        tips = [t for t in tip_messages(bot, niran)]
        assert len(tips) == len(set(tips)) == 3
        rows = await bot.services.db.fetchall("SELECT next_at FROM tip_subscriptions ORDER BY 1")
        assert [r["next_at"] for r in rows] == [
            "2026-12-02T07:00:00+00:00",  # Lena: Wednesday 08:00 Berlin, still ahead
            "2026-12-03T01:00:00+00:00",  # Niran: Thursday 08:00 Bangkok
        ]
        await bot.send(niran, "/settings")
        await bot.tap(niran, "Tips")
        await bot.tap(niran, "Stop the tips")
        assert "Tips: not subscribed" in bot.last(niran)["text"]
        bot.clock.now += timedelta(days=2)
        assert not delivered(await bot.run_due(), niran)


async def test_a_member_who_blocked_the_bot_is_marked_inactive(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        _, niran, _ = await forum(bot, fake)
        await subscribe(bot, niran, "Every day", "8:00\u202fAM")
        fake.block_bot(niran)
        await bot.settle()
        bot.clock.now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
        await bot.run_due()
        row = await bot.services.db.fetchone(
            "SELECT is_active FROM users WHERE id = ?", (niran.id,)
        )
        assert row["is_active"] == 0


async def test_forum_tips_by_coordinators_with_the_language_fallback(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, code = await forum(bot, fake, language="th")
        wei = fake.add_user("Wei", username="wei")
        await join(bot, wei, code, language="zh_Hans")
        bot.services.tips = ()  # only the forum's own tips, so the test knows what comes next

        before = await snapshot(bot)
        calls = await bot.send(niran, "/tip add energy\nShare the ministry guide")
        assert (
            "Only coordinators of Thailand SCP Forum can use /tip add." in calls[0].params["text"]
        )
        calls = await bot.send(ada, "/tip add gardening\nen: Plant trees")
        assert "To add a tip of your forum" in calls[0].params["text"]
        calls = await bot.send(ada, "/tip add energy\nen: " + "x" * 601)
        assert "at most 600 characters" in calls[0].params["text"]
        assert await snapshot(bot) == before

        calls = await bot.send(
            ada,
            "/tip add energy\n"
            "en: The ministry's guide to efficient offices is on the forum drive <today>.\n"
            "th: คู่มือสำนักงานประหยัดพลังงานของกระทรวงอยู่ในไดรฟ์ของฟอรัม",
        )
        assert "Tip #1 added in English, ไทย." in calls[0].params["text"]
        await bot.send(niran, "/tip")  # English member: the English text, escaped
        text = bot.last(niran)["text"]
        # The fake parses the HTML as Telegram does: an unescaped "<today>" would be refused.
        assert "💡 From Thailand SCP Forum\n" in text and "forum drive <today>." in text
        await bot.send(wei, "/tip")  # Chinese: no Chinese text, so the forum's language, Thai
        assert "คู่มือสำนักงาน" in bot.last(wei)["text"]

        await bot.send(ada, "/tip list")
        assert "#1 · " in bot.last(ada)["text"] and "en, th" in bot.last(ada)["text"]
        await bot.send(ada, "/tip remove 1")
        assert bot.last(ada)["text"] == "Tip #1 removed."
        await bot.send(ada, "/tip remove 1")
        assert "There is no tip with that number" in bot.last(ada)["text"]
