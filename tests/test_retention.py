"""A forum's retention setting: feedback and closed polls are deleted when they are older."""

from __future__ import annotations

from datetime import timedelta

from tests.harness import close_poll, join, new_forum, new_poll, running_bot, snapshot


async def test_old_feedback_and_closed_polls_are_deleted_daily(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada = fake.add_user("Ada", username="ada", user_id=1001)
        niran = fake.add_user("Niran", username="niran")
        code, _ = await new_forum(bot, ada)
        await join(bot, niran, code)

        before = await snapshot(bot)
        calls = await bot.forge(niran, "set:keep:365")  # only coordinators set it
        assert bot.answers(calls) == ["This button is no longer valid."]
        assert await snapshot(bot) == before

        await bot.send(ada, "/settings")
        assert "Feedback and closed polls are kept for 2 years." in bot.last(ada)["text"]
        assert bot.labels(ada)[-3:] == ["1 year", "✅ 2 years", "5 years"]
        await bot.tap(ada, "1 year")
        assert "kept for 1 year." in bot.last(ada)["text"]

        await new_poll(bot, ada, "/newpoll Old and closed?\nA\nB")
        await close_poll(bot, ada, "/closepoll 1")
        await bot.send(niran, "/feedback")
        await bot.tap(niran, "Tips")
        await bot.send(niran, "An old remark")
        await bot.tap(niran, "✅ Send anonymously")

        bot.clock.advance(timedelta(days=200))
        await new_poll(bot, ada, "/newpoll Still open?\nA\nB")
        await bot.send(niran, "/feedback")
        await bot.tap(niran, "Tips")
        await bot.send(niran, "A newer remark")
        await bot.tap(niran, "✅ Send anonymously")

        bot.clock.advance(timedelta(days=170))  # the first items are 370 days old now
        await bot.run_due()
        polls = await bot.services.db.fetchall("SELECT question FROM polls")
        assert [r["question"] for r in polls] == ["Still open?"]
        remarks = await bot.services.db.fetchall("SELECT text FROM feedback")
        assert [r["text"] for r in remarks] == ["A newer remark"]
        ballots = await bot.services.db.fetchall("SELECT DISTINCT poll_id FROM ballots")
        assert [r["poll_id"] for r in ballots] == []  # the closed poll's went with it
        # Delivery records (the ballots, the feedback for Ada) go after a month; their content
        # went as soon as each message was delivered.
        month_ago = bot.clock() - timedelta(days=30)
        old = await bot.services.db.fetchall(
            "SELECT kind FROM broadcasts WHERE julianday(created_at) < julianday(?)",
            (month_ago.isoformat(),),
        )
        assert old == []
        texts = await bot.services.db.fetchall("SELECT text FROM outbox WHERE state = 'sent'")
        # What is left is the second poll's close, at its deadline during this run: its results
        # and its ballots' edits, for Ada and Niran, their text gone on delivery.
        assert [r["text"] for r in texts] == ["", "", "", ""]
