"""Issue 14, polls after sending: /editpoll moves the deadline (every member told once, the close
and the reminder follow, across a restart), fixes a typo before the first ballot (never after
it, even racing it), and cancels a poll (ballots deleted, members told once, results say so).
Only coordinators of the poll's forum; forged and stale presses change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.harness import join, new_forum, new_poll, running_bot, snapshot
from tests.test_polls import POLL, ballot
from tests.worlds import forum_with_members

STALE = "This button is no longer valid."
NOV30 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # POLL's deadline, 17:00 in Bangkok


def stamp(moment: datetime) -> int:
    return int(moment.timestamp())


def texts(bot, user) -> list[str]:
    return [m.get("text", "") for m in bot.fake.messages(user.id)]


def notices(bot, user, words: str) -> list[str]:
    return [t for t in texts(bot, user) if words in t]


async def closes_at(bot) -> datetime:
    row = await bot.services.db.fetchone("SELECT closes_at FROM polls WHERE number = 1")
    return datetime.fromisoformat(row[0]).astimezone(UTC)


async def test_moving_the_deadline_tells_each_member_once_and_the_jobs_follow(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, mali, lena, chat = await forum_with_members(bot, fake)
        await new_poll(bot, ada, POLL)
        await bot.tap(niran, "2.", message_id=ballot(bot, niran)["message_id"])  # a draft
        ballot_id = ballot(bot, niran)["message_id"]

        await bot.send(ada, "/editpoll")  # one open poll: its panel at once
        assert bot.labels(ada) == ["⏰ Change deadline", "✏️ Fix text", "🗑 Cancel poll"]
        assert "Closes Nov 30, 2026, 5:00" in bot.last(ada)["text"]
        await bot.tap(ada, "⏰")
        assert bot.labels(ada)[:3] == ["+1 day", "+7 days", "−1 day"]
        before = {who.id: len(texts(bot, who)) for who in (niran, mali, lena, ada)}
        calls = await bot.tap(ada, "+7 days")
        assert bot.answers(calls) == [
            "Done: poll 1 has its new deadline, and every member is being told."
        ]
        assert await closes_at(bot) == NOV30 + timedelta(days=7)
        # Niran: one notice, in his zone, with both times and a button to his ballot.
        told = notices(bot, niran, "now closes")
        assert told == [
            "Poll 1 “Which priorities should the forum take up first?” now closes Dec 7, 2026, "
            "5:00\u202fPM (Thailand Time) (before: Nov 30, 2026, 5:00\u202fPM (Thailand Time))."
        ]
        assert len(texts(bot, niran)) == before[niran.id] + 1
        # Mali (Thai) is told once, in her language; the observer and Ada herself get no notice.
        assert len(texts(bot, mali)) == before[mali.id] + 1
        assert (
            "7 ธ.ค. 2026" in texts(bot, mali)[-1]
        )  # her language's dates (text: translated later)
        assert len(texts(bot, lena)) == before[lena.id]
        assert not notices(bot, ada, "now closes")
        # His ballot shows the new deadline and still his draft.
        shown = next(m for m in fake.messages(niran.id) if m["message_id"] == ballot_id)
        assert "Closes Dec 7, 2026" in shown["text"] and "Your ranking: 2" in shown["text"]
        assert "Closes Dec 7" in bot.last(chat)["text"]  # the group's post too

        # A second tap on the screen as it was (a double tap) changes nothing more.
        calls = await bot.forge(ada, f"pm:mv:1:p7:{stamp(NOV30)}")
        assert bot.answers(calls) == ["The deadline was changed meanwhile; here it is now."]
        assert await closes_at(bot) == NOV30 + timedelta(days=7)
        assert len(notices(bot, niran, "now closes")) == 1

        # After a restart the old deadline passes and the poll stays open; the reminder comes
        # 24 hours before the new one, once; then the poll closes at the new time.
        await bot.restart()
        bot.clock.advance(NOV30 + timedelta(hours=1) - bot.clock())
        await bot.run_due()
        row = await bot.services.db.fetchone("SELECT closed_at FROM polls")
        assert row[0] is None
        bot.clock.advance(NOV30 + timedelta(days=6, hours=1) - bot.clock())
        await bot.run_due()
        await bot.run_due()
        assert len(notices(bot, niran, "Reminder: poll 1 closes Dec 7")) == 1
        bot.clock.advance(NOV30 + timedelta(days=7, minutes=1) - bot.clock())
        await bot.run_due()
        row = await bot.services.db.fetchone("SELECT closed_at FROM polls")
        assert row[0] is not None


async def test_a_deadline_in_the_past_or_too_far_is_refused_and_typed_is_in_my_zone(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, *_ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, POLL.replace("2026-11-30 17:00", "2026-11-24 12:00"))
        deadline = await closes_at(bot)
        await bot.send(ada, "/editpoll 1")
        await bot.tap(ada, "⏰")
        before = await snapshot(bot)
        calls = await bot.tap(ada, "−1 day")  # would be in the past
        assert bot.answers(calls) == [
            "The closing time must be in the future (at least 5 minutes away)."
        ]
        assert await snapshot(bot) == before

        await bot.tap(ada, "📅")
        assert "in your time zone, Asia/Bangkok" in bot.last(ada)["text"]
        for typed, error in (
            ("2026-11-20 09:00", "The closing time must be in the future"),
            ("2028-01-01", "A poll can stay open for at most a year."),
            ("9999-12-31 23:59", "A poll can stay open for at most a year."),
            ("tomorrow", "I can't read the time “tomorrow”"),
        ):
            await bot.send(ada, typed)
            assert bot.last(ada)["text"].startswith(error), typed
            assert await closes_at(bot) == deadline
        assert not notices(bot, niran, "now closes")
        await bot.send(ada, "2026-12-05 09:00")  # Bangkok: 02:00 UTC
        assert await closes_at(bot) == datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
        assert len(notices(bot, niran, "now closes Dec 5, 2026, 9:00")) == 1
        # The step is over: a second message is not a second change.
        await bot.send(ada, "2026-12-06 09:00")
        assert await closes_at(bot) == datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
        # A typed step begun before another change (a second coordinator's tap) changes nothing.
        await bot.send(ada, "/editpoll")
        await bot.tap(ada, "⏰")
        await bot.tap(ada, "📅")
        await bot.forge(ada, f"pm:mv:1:p1:{stamp(datetime(2026, 12, 5, 2, 0, tzinfo=UTC))}")
        await bot.send(ada, "2026-12-09 09:00")
        assert "changed meanwhile, so nothing was changed" in texts(bot, ada)[-2]
        assert await closes_at(bot) == datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
        assert len(notices(bot, niran, "now closes")) == 2


async def test_the_notice_goes_out_once_through_a_failed_send(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, *_ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, POLL)
        await bot.send(ada, "/editpoll")
        await bot.tap(ada, "⏰")
        # Two 5xx: the outbox tries again (a timeout that may have delivered is the outbox's
        # own "possibly twice", tested there). A restart and heartbeats add nothing.
        fake.fail("sendMessage", chat_id=niran.id, error_code=502, times=2)
        await bot.tap(ada, "+1 day")
        await bot.run_due()
        await bot.restart()
        await bot.run_due()
        assert len(notices(bot, niran, "now closes")) == 1
        rows = await bot.services.db.fetchall(
            "SELECT o.state FROM outbox o JOIN broadcasts b ON b.id = o.broadcast_id"
            " WHERE b.kind = 'poll_deadline' AND o.chat_id = ? AND o.edit_message_id IS NULL",
            (niran.id,),
        )
        assert [r[0] for r in rows] == ["sent"]


async def test_fix_text_only_before_the_first_ballot_even_racing_it(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _mali, _, chat = await forum_with_members(bot, fake)
        await new_poll(bot, ada, POLL)
        await bot.tap(niran, "3.", message_id=ballot(bot, niran)["message_id"])
        ballot_id = ballot(bot, niran)["message_id"]
        await bot.send(ada, "/editpoll")
        await bot.tap(ada, "✏️")
        assert bot.labels(ada)[:2] == ["The question", "1. Institutionalise green public…"]
        await bot.tap(ada, "2.")
        assert "Now: “Develop national eco-labelling”" in bot.last(ada)["text"]
        await bot.send(ada, "Mandatory waste segregation")  # another option's text
        assert bot.last(ada)["text"].startswith("Two options are the same")
        await bot.send(ada, "Develop national eco-labels")
        assert "Fixed." in texts(bot, ada)[-2]
        shown = next(m for m in fake.messages(niran.id) if m["message_id"] == ballot_id)
        assert "2. Develop national eco-labels\n" in shown["text"]
        assert "Your ranking: 3" in shown["text"]  # his taps stay
        assert "2. Develop national eco-labels" in bot.last(chat)["text"]
        assert not notices(bot, niran, "now closes")  # a fix is shown, not announced

        # Ada starts fixing the question; Niran submits before she sends it: his ballot wins.
        await bot.send(ada, "/editpoll")
        await bot.tap(ada, "✏️")
        await bot.tap(ada, "The question")
        await bot.tap(niran, "✅", message_id=ballot_id)
        await bot.send(ada, "Which priorities first?")
        assert "its text can no longer change" in texts(bot, ada)[-2]
        row = await bot.services.db.fetchone("SELECT question FROM polls")
        assert row[0] == "Which priorities should the forum take up first?"
        # Now the button says why, and a forged press changes nothing either.
        await bot.send(ada, "/editpoll")
        assert "✏️ Fix text (locked: ballots are in)" in bot.labels(ada)
        calls = await bot.tap(ada, "✏️")
        assert "its text can no longer change" in bot.answers(calls)[0]
        before = await snapshot(bot)
        calls = await bot.forge(ada, "pm:fx:1:1")
        assert "its text can no longer change" in bot.answers(calls)[0]
        assert await snapshot(bot) == before


async def test_cancel_deletes_every_ballot_tells_once_and_results_say_so(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, mali, lena, chat = await forum_with_members(bot, fake)
        await new_poll(bot, ada, POLL)
        for choice in ("2.", "3.", "1."):
            await bot.tap(niran, choice, message_id=ballot(bot, niran)["message_id"])
        await bot.tap(niran, "✅")
        for choice in ("3.", "1."):  # a draft only
            await bot.tap(mali, choice, message_id=ballot(bot, mali)["message_id"])
        niran_ballot = ballot(bot, niran)["message_id"]

        def linkable() -> list[bytes]:
            """The two members' rankings (their drafts' JSON) in the database file or WAL."""
            path = Path(bot.config.database_path)
            data = b"".join(
                file.read_bytes() if file.exists() else b""
                for file in (path, path.with_name(path.name + "-wal"))
            )
            return [draft for draft in (b"[2, 3, 1]", b"[3, 1]") if draft in data]

        assert linkable() == [b"[2, 3, 1]", b"[3, 1]"]  # the attack sees them while they exist
        await bot.send(ada, "/editpoll")
        await bot.tap(ada, "🗑")
        assert bot.labels(ada) == ["✅ Yes, cancel poll 1", "Keep the poll"]
        await bot.tap(ada, "✅ Yes")
        assert bot.last(ada)["text"].startswith("Poll 1 is cancelled.")
        db = bot.services.db
        for table in ("ballots", "ballot_ranks"):
            assert (await db.fetchone(f"SELECT count(*) FROM {table}"))[0] == 0, table
        assert linkable() == []  # deleted, zeroed (secure_delete), and the WAL emptied
        ballot_rows = await db.fetchone(
            "SELECT count(*) FROM outbox WHERE on_sent LIKE 'ballot:%' OR text LIKE '%ranking%'"
        )
        assert ballot_rows[0] == 0  # nobody's ballot is left in the outbox either
        said = "This poll was cancelled by the coordinators."
        assert len(notices(bot, niran, said)) == 2  # one notice, and his ballot edited
        edited = next(m for m in fake.messages(niran.id) if m["message_id"] == niran_ballot)
        assert said in edited["text"] and not fake.buttons(edited)
        said_th = bot.services.catalogs.translator("th")._(
            "This poll was cancelled by the coordinators. Every ranking was deleted and "
            "there will be no results."
        )
        assert said_th != said  # in her language
        assert len(notices(bot, mali, said_th)) == 2  # her draft's ballot too
        assert not notices(bot, lena, said)
        assert "Cancelled: this poll has no results." in bot.last(chat)["text"]

        # Twice: nothing more.
        calls = await bot.forge(ada, "pm:drop:1")
        assert bot.answers(calls) == ["Poll 1 was cancelled."]
        assert len(notices(bot, niran, said)) == 2
        # Results, exports and the ballot say so; no results ever go out.
        await bot.send(niran, "/results 1")
        assert "was cancelled" in bot.last(niran)["text"]
        assert "it has no results" in bot.last(niran)["text"]
        await bot.send(lena, "/export 1")
        assert "it has no results" in bot.last(lena)["text"]
        calls = await bot.forge(niran, "poll:submit:1", message_id=niran_ballot)  # an old copy
        assert bot.answers(calls) == ["This poll is closed."]
        bot.clock.advance(timedelta(days=30))
        await bot.run_due()
        assert not [t for t in texts(bot, niran) if "Results of poll 1" in t]
        await bot.send(niran, "/polls")
        assert "— cancelled" in bot.last(niran)["text"]


async def test_only_coordinators_of_the_polls_forum_and_nothing_forged(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _mali, lena, chat = await forum_with_members(bot, fake)
        await new_poll(bot, ada, POLL)
        cora = fake.add_user("Cora", username="cora")  # coordinates forum B only
        _, b_code = await new_forum(bot, ada, "/newforum Other Forum\ntimezone: UTC\nlanguage: en")
        await join(bot, cora, b_code)
        for user in (niran, lena):
            await bot.send(user, "/editpoll")
            assert bot.last(user)["text"] == (
                "Only coordinators of Thailand SCP Forum can use /editpoll."
            )
        await bot.send(ada, "/editpoll", chat=chat)
        assert bot.last(chat)["text"].startswith("Please use /editpoll in a private chat")
        before = await snapshot(bot)
        for user in (niran, lena, cora):
            await bot.send(user, "/help")  # a text message to press the forged button on
            for data in (
                "pm:drop:1",
                f"pm:mv:1:p7:{stamp(NOV30)}",
                "pm:fx:1:0",
                "pm:type:1",
                "pm:menu:1",
            ):
                calls = await bot.forge(user, data)
                assert bot.answers(calls) == [STALE], (user.first_name, data)
        await bot.forged_are_stale(
            ada, ("pm:mv:1:p9:1", "pm:mv:1:p7:x", "pm:fx:1:99", "pm:zap:1", "pm:drop:x")
        )
        assert await snapshot(bot) == before


async def test_the_reminder_follows_a_moved_deadline_once(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, *_ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, POLL.replace("2026-11-30 17:00", "3d"))
        bot.clock.advance(timedelta(days=2, hours=1))  # within a day of the deadline
        await bot.run_due()
        assert len(notices(bot, niran, "Reminder: poll 1")) == 1
        # Moved 7 days later: a new reminder is owed a day before the new deadline, once.
        await bot.send(ada, "/editpoll")
        await bot.tap(ada, "⏰")
        await bot.tap(ada, "+7 days")
        await bot.run_due()
        assert len(notices(bot, niran, "Reminder: poll 1")) == 1
        bot.clock.advance(timedelta(days=7))  # 23 hours before the new deadline
        await bot.run_due()
        await bot.run_due()
        assert len(notices(bot, niran, "Reminder: poll 1")) == 2
        # Moved a day earlier, inside the reminder's lead: the notice stands in for it.
        await bot.send(ada, "/editpoll")
        await bot.tap(ada, "⏰")
        await bot.tap(ada, "+1 day")
        await bot.tap(ada, "−1 day")
        await bot.run_due()
        assert len(notices(bot, niran, "Reminder: poll 1")) == 2
        assert len(notices(bot, niran, "now closes")) == 3
