"""Every bulk send goes through the outbox, not only announcements: ballots, reminders with their
calendar file, feedback photos; with Telegram's faults and a stop in the middle."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from bot.fake_telegram import FakeTelegram
from handlers.outbox import IN_FLIGHT
from tests.harness import running_bot
from tests.test_announce import crowd
from tests.test_feedback import forum as feedback_forum
from tests.test_meetings import FORM, START
from tests.test_meetings import forum as meeting_forum
from tests.test_polls import POLL, ballot


def ballots(fake: FakeTelegram) -> Counter[int]:
    """How many ballots of poll 1 each chat received (successful calls only)."""
    return Counter(
        c.params["chat_id"]
        for c in fake.calls
        if c.method == "sendMessage"
        and c.ok
        and "poll:submit:1" in str(c.params.get("reply_markup"))
    )


async def kinds(bot) -> dict[str, int]:
    rows = await bot.services.db.fetchall(
        "SELECT b.kind, COUNT(*) AS n FROM outbox o JOIN broadcasts b ON b.id = o.broadcast_id"
        " GROUP BY b.kind"
    )
    return {row["kind"]: row["n"] for row in rows}


async def test_ballots_survive_faults_and_a_stop_and_stay_tappable(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada = fake.add_user("Ada", username="ada", user_id=1001)
        ids = await crowd(bot, fake, ada, 300)
        flaky, blocked = ids[3], ids[4]
        fake.fail("sendMessage", chat_id=flaky, error_code=502)
        fake.fail("sendMessage", chat_id=blocked, error_code=403, description="Forbidden: blocked")
        fake.send_text(ada, POLL)  # not settled: the ballots are on their way
        async with asyncio.timeout(10):
            while sum(ballots(fake).values()) < 100:  # noqa: ASYNC110 - the fake's log has no event
                await asyncio.sleep(0.001)
        assert sum(ballots(fake).values()) < len(ids), "stopped in the middle"
        await bot.restart()  # the drain is cancelled; the rest goes out after the start

        got = ballots(fake)
        assert set(got) == {ada.id, *ids} - {blocked}, "every voter but the blocked one"
        assert sum(got.values()) - len(got) <= IN_FLIGHT, "duplicates only from the window"
        assert await kinds(bot) == {"ballot": len(ids) + 1}
        row = await bot.services.db.fetchone("SELECT is_active FROM users WHERE id = ?", (blocked,))
        assert row["is_active"] == 0
        # The outbox recorded each ballot's message: a tap edits the ballot that was sent.
        member = fake.user(flaky)
        sent = ballot(bot, member)
        calls = await bot.tap(member, "1.", message_id=sent["message_id"])
        edit = next(c for c in calls if c.method == "editMessageText")
        assert edit.params["message_id"] == sent["message_id"]


async def test_reminders_carry_their_calendar_file_through_a_5xx(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran = await meeting_forum(bot, fake)
        await bot.send(ada, FORM)
        fake.fail("sendDocument", chat_id=niran.id, error_code=502)
        bot.clock.now = START - timedelta(days=30)  # the first reminder, with the .ics file
        calls = await bot.run_due()
        documents = [
            c for c in calls if c.method == "sendDocument" and c.params["chat_id"] == niran.id
        ]
        assert [c.ok for c in documents] == [False, True], "retried after the 502"
        assert documents[1].params["caption"].startswith("🔔 Reminder")
        assert b"BEGIN:VCALENDAR" in documents[1].params["document"]["content"]
        rows = await bot.services.db.fetchall(
            "SELECT state, attempts, document FROM outbox WHERE chat_id = ?", (niran.id,)
        )
        # Sent on the second try; the copy of the file is gone once it was delivered.
        assert [tuple(r) for r in rows] == [("sent", 1, None)]
        assert await bot.run_due() == [], "never twice"


async def test_a_photo_and_its_long_text_keep_their_order_through_a_5xx(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, _, lena = await feedback_forum(bot, fake)
        await bot.send(lena, "/feedback")
        await bot.tap(lena, "Something else")
        fake.send_photo(lena, caption="y" * 1000)
        await bot.settle()
        fake.fail("sendPhoto", chat_id=ada.id, error_code=502)  # backs off, no hold
        calls = await bot.tap(lena, "✅ Send anonymously")
        to_ada = [(c.method, c.ok) for c in calls if c.params.get("chat_id") == ada.id]
        assert to_ada == [("sendPhoto", False), ("sendPhoto", True), ("sendMessage", True)]
        assert "y" * 1000 in bot.last(ada)["text"]


async def test_a_ballot_sent_after_its_poll_closed_ties_nobody_to_it(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada = fake.add_user("Ada", username="ada", user_id=1001)
        ids = await crowd(bot, fake, ada, 30)
        fake.send_text(ada, POLL)  # not settled: ballots are still going out...
        async with asyncio.timeout(10):
            while sum(ballots(fake).values()) < 5:  # noqa: ASYNC110 - the fake's log has no event
                await asyncio.sleep(0.001)
        await bot.send(ada, "/closepoll 1")  # ...when the (anonymous) poll closes
        # Ballots still queued at the close are dropped with their rows (those listed the
        # voters); the ones already out lost their buttons.
        assert set(ballots(fake)) <= {ada.id, *ids}
        assert not await bot.services.db.fetchall("SELECT * FROM outbox WHERE on_sent NOT NULL")
        rows = await bot.services.db.fetchall("SELECT user_id FROM ballots")
        assert [r["user_id"] for r in rows] == [], "no ballot row names a member afterwards"
