"""Coordinators move or cancel meetings and change the place; members are told once."""

from __future__ import annotations

from datetime import timedelta

from tests.harness import snapshot
from tests.test_meetings import FORM, START, forum, reminders_to


async def _meeting_message(bot, user) -> dict:
    await bot.send(user, "/meetings")
    return next(
        m
        for m in reversed(bot.fake.messages(user.id))
        if "Mar 15, 2027" in m.get("text", "") and bot.fake.buttons(m)
    )


async def test_move_tells_members_once_and_reminds_again(tmp_path, fake):
    async with running(tmp_path, fake) as (bot, ada, niran):
        bot.clock.now = START - timedelta(days=1, minutes=-1)  # just after the 1-day reminder
        calls = await bot.run_due()
        assert len(reminders_to(bot, niran, calls)) == 1
        message = await _meeting_message(bot, ada)
        await bot.tap(ada, "🕑", message_id=message["message_id"])
        await bot.send(ada, "yesterday")
        assert "I can't read the time “yesterday”" in bot.last(ada)["text"]
        calls = await bot.send(ada, "2027-03-20 10:00")
        to_ada = [c.params.get("text", "") for c in calls if c.params.get("chat_id") == ada.id]
        assert "Moved to Mar 20, 2027, 10:00" in to_ada[0]  # the answer, then her own notice
        notices = [c.params["text"] for c in calls if c.params.get("chat_id") == niran.id]
        assert len(notices) == 1 and notices[0].startswith("🕑 This meeting has moved:")
        assert "Starts Mar 20, 2027, 10:00" in notices[0]
        # The 1-day reminder is ahead again at the new time: it will be sent again, once.
        bot.clock.now = START + timedelta(days=4, hours=1)  # 1 day before the new start
        calls = await bot.run_due()
        assert len(reminders_to(bot, niran, calls)) == 1
        assert await bot.run_due() == []


async def test_cancel_with_confirmation_and_series(tmp_path, fake):
    async with running(tmp_path, fake) as (bot, ada, niran):
        message = await _meeting_message(bot, ada)
        await bot.tap(ada, "✖ Cancel", message_id=message["message_id"])
        confirm = next(
            m for m in bot.fake.messages(ada.id) if m["message_id"] == message["message_id"]
        )
        assert "Members will be told" in confirm["text"]
        await bot.tap(ada, "Keep it", message_id=message["message_id"])
        assert (
            await bot.services.db.fetchone(
                "SELECT count(*) FROM meetings WHERE cancelled_at IS NOT NULL"
            )
        )[0] == 0
        await bot.tap(ada, "✖ Cancel", message_id=message["message_id"])
        calls = await bot.tap(ada, "✖ Yes", message_id=message["message_id"])
        notices = [c.params["caption"] for c in calls if c.params.get("chat_id") == niran.id]
        assert len(notices) == 1 and notices[0].startswith("❌ This meeting is cancelled.")
        # A cancelled meeting is never reminded; RSVP to it is refused.
        bot.clock.now = START - timedelta(hours=2)
        assert reminders_to(bot, niran, await bot.run_due()) == []
        calls = await bot.forge(niran, "mtg:rsvp:1:going")  # on the cancellation notice
        assert bot.answers(calls) == ["This meeting is cancelled or over; answers are closed."]
        # Cancel the rest of the series from its next meeting.
        second = next(
            m for m in (await _meeting_list(bot, ada)) if "Sep 15, 2027" in m.get("text", "")
        )
        await bot.tap(ada, "✖ Cancel the whole", message_id=second["message_id"])
        calls = await bot.tap(ada, "✖ Yes", message_id=second["message_id"])
        assert len([c for c in calls if c.params.get("chat_id") == niran.id]) == 1
        rows = await bot.services.db.fetchall("SELECT cancelled_at FROM meetings")
        assert all(r["cancelled_at"] for r in rows)


async def test_new_place_and_refusals(tmp_path, fake):
    async with running(tmp_path, fake) as (bot, ada, niran):
        message = await _meeting_message(bot, ada)
        await bot.tap(ada, "📍", message_id=message["message_id"])
        await bot.tap(ada, "The whole series", message_id=message["message_id"])
        await bot.send(ada, "Room 5\nnot a link")
        assert "link" in bot.last(ada)["text"].lower()
        calls = await bot.send(ada, "Room 5, Ministry of Environment\nhttps://meet.example.org/scp")
        notice = next(c.params["text"] for c in calls if c.params.get("chat_id") == niran.id)
        assert "Place: Room 5, Ministry of Environment" in notice
        assert "Online: https://meet.example.org/scp" in notice
        # Members have no coordinator buttons, and forged ones change nothing.
        member_view = await _meeting_message(bot, niran)
        assert not any(
            b["callback_data"].startswith("mtga:") for b in bot.fake.buttons(member_view)
        )
        before = await snapshot(bot)
        await bot.forged_are_stale(
            niran,
            (
                "mtga:cancelok:1",
                "mtga:seriesok:1",
                "mtga:move:1",
                "mtga:place:1",
                "mtga:placeone:1",
                "mtga:placeall:1",
            ),
            message_id=member_view["message_id"],
        )
        assert await snapshot(bot) == before


async def _meeting_list(bot, user) -> list[dict]:
    await bot.send(user, "/meetings")
    return bot.fake.messages(user.id)[-3:]


class running:
    """A bot with Ada (coordinator), Niran (member) and the spring meeting series."""

    def __init__(self, tmp_path, fake) -> None:
        from tests.harness import running_bot

        self._context = running_bot(tmp_path, admins=[1001], fake=fake)

    async def __aenter__(self):
        bot = await self._context.__aenter__()
        ada, niran = await forum(bot, bot.fake)
        await bot.send(ada, FORM)
        return bot, ada, niran

    async def __aexit__(self, *exc):
        return await self._context.__aexit__(*exc)


async def test_survey_once_anonymous_summary_and_export(tmp_path, fake):
    async with running(tmp_path, fake) as (bot, ada, niran):
        message = await _meeting_message(bot, niran)
        await bot.tap(niran, "Going", message_id=message["message_id"])
        message = await _meeting_message(bot, ada)
        await bot.tap(ada, "Not going", message_id=message["message_id"])
        bot.clock.now = START + timedelta(hours=3, minutes=1)  # the 3-hour meeting has ended
        calls = await bot.run_due()
        asked = {c.params["chat_id"] for c in calls if "How was" in c.params.get("text", "")}
        assert asked == {niran.id}  # going or maybe only
        assert await bot.run_due() == []  # asked once
        await bot.tap(niran, "4 ★")
        assert "Your rating: 4 ★" in bot.last(niran)["text"]
        await bot.send(niran, "Great <b>discussion</b> & good food")
        assert bot.last(niran)["text"] == "Thank you, your comment was saved."
        calls = await bot.forge(niran, "mtgs:rate:1:5")  # a second rating is refused
        assert bot.answers(calls) == ["This button is no longer valid."]
        await bot.send(niran, "A second comment?")  # no dialog step any more: just the hint
        assert "/help" in bot.last(niran)["text"]
        calls = await bot.forge(niran, "mtgs:rate:1:5")
        assert bot.answers(calls) == ["This button is no longer valid."]
        ratings = await bot.services.db.fetchall("SELECT * FROM meeting_ratings")
        comments = await bot.services.db.fetchall("SELECT * FROM meeting_comments")
        assert [r["rating"] for r in ratings] == [4]
        assert [c["comment"] for c in comments] == ["Great <b>discussion</b> & good food"]
        # Nothing ties a rating or comment to a member: no user column, no lingering step.
        # sqlite3.Row's `in` looks at values; the column names are its keys().
        columns = set(ratings[0].keys()) | set(comments[0].keys())
        assert "user_id" not in columns
        assert await bot.services.db.fetchone("SELECT 1 FROM pending_inputs") is None
        bot.clock.advance(timedelta(days=3))
        calls = await bot.run_due()
        summary = next(c.params["text"] for c in calls if c.params.get("chat_id") == ada.id)
        assert "1 rating, average 4 of 5." in summary
        assert "– Great &lt;b&gt;discussion&lt;/b&gt; &amp; good food" in summary
        assert await bot.run_due() == []  # once
        calls = await bot.send(ada, "/export meetings")
        files = {
            c.params["document"]["filename"]: c.params["document"]["content"]
            for c in calls
            if c.method == "sendDocument"
        }
        meetings_csv = files["meetings.csv"].decode("utf-8-sig").splitlines()
        assert meetings_csv[1].endswith(",0,1,0,1,1,4.0")  # going, maybe, no, ratings, average
        assert "Great <b>discussion</b> & good food" in files["meeting-comments.csv"].decode()


async def test_forum_setting_asks_everyone_after_meetings(tmp_path, fake):
    async with running(tmp_path, fake) as (bot, ada, niran):
        await bot.send(niran, "/settings")  # a member does not see the forum's setting
        assert "Survey after meetings" not in bot.last(niran)["text"]
        calls = await bot.forge(niran, "set:survey:all")
        assert bot.answers(calls) == ["This button is no longer valid."]
        await bot.send(ada, "/settings")
        assert "Survey after meetings: those who said going or maybe" in bot.last(ada)["text"]
        await bot.tap(ada, "Ask everyone")
        assert "Survey after meetings: every member" in bot.last(ada)["text"]
        bot.clock.now = START + timedelta(hours=3, minutes=1)  # nobody answered the RSVP
        calls = await bot.run_due()
        asked = {c.params["chat_id"] for c in calls if "How was" in c.params.get("text", "")}
        assert asked == {ada.id, niran.id}


async def _series_starts(bot) -> list[str]:
    rows = await bot.services.db.fetchall("SELECT starts_at FROM meetings ORDER BY seq")
    return [row[0] for row in rows]


async def test_a_move_past_the_next_meeting_is_refused_and_changes_nothing(tmp_path, fake):
    """Issue 13: typing 2037 for 2027 must not carry one meeting past the rest of its series."""
    async with running(tmp_path, fake) as (bot, ada, niran):
        message = await _meeting_message(bot, ada)
        await bot.tap(ada, "🕑", message_id=message["message_id"])
        before = await snapshot(bot)
        calls = await bot.send(ada, "2029-03-20 10:00")  # 2029 typed for 2027
        answer = bot.last(ada)["text"]
        assert "on or after the next meeting of this series (Sep 15, 2027, 9:00" in answer
        assert not [c for c in calls if c.params.get("chat_id") == niran.id]
        assert await snapshot(bot) == before  # still waiting for a time, nothing moved
        # A time before the next one is taken.
        calls = await bot.send(ada, "2027-04-02 10:00")
        assert "Moved to Apr 2, 2027, 10:00" in calls[0].params["text"]


async def test_the_second_meeting_cannot_move_before_the_first(tmp_path, fake):
    async with running(tmp_path, fake) as (bot, ada, _niran):
        await bot.send(ada, "/meetings")
        second = next(
            m
            for m in reversed(bot.fake.messages(ada.id))
            if "Sep 15, 2027" in m.get("text", "") and bot.fake.buttons(m)
        )
        await bot.tap(ada, "🕑", message_id=second["message_id"])
        await bot.refuses(
            ada, "2027-03-01 10:00", "on or before the previous meeting of this series"
        )


async def test_a_series_goes_on_after_one_meeting_was_moved_far_ahead(tmp_path, fake):
    """Continuation follows the series' rule, not its latest stored start (moved by an older
    version, or by hand): the series keeps a year of meetings materialised."""
    async with running(tmp_path, fake) as (bot, _ada, _niran):
        starts = await _series_starts(bot)
        last_seq = len(starts) - 1
        await bot.services.db.execute(
            "UPDATE meetings SET starts_at = '2037-03-20T03:00:00Z' WHERE seq = ?", (last_seq,)
        )
        bot.clock.now = START + timedelta(days=400)
        await bot.run_due()
        later = await _series_starts(bot)
        assert (len(starts), len(later)) == (2, 5)
        rows = await bot.services.db.fetchall(
            "SELECT starts_at FROM meetings WHERE seq > ? ORDER BY seq", (last_seq,)
        )
        assert [row[0] for row in rows] == [
            "2028-03-15T02:00:00+00:00",
            "2028-09-15T02:00:00+00:00",
            "2029-03-15T02:00:00+00:00",
        ]
