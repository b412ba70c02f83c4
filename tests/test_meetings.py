"""Meetings on a cycle: create → calendar file → RSVP → reminders at each lead time → restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.harness import join, new_forum, running_bot, snapshot

FORM = (
    "/meeting National SCP Forum, spring session\n"
    "starts: 2027-03-15 09:00\n"
    "place: Ministry of Environment, Room 3\n"
    "every: 6 months"
)
START = datetime(2027, 3, 15, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok


async def forum(bot, fake):
    ada = fake.add_user("Ada", username="ada")
    niran = fake.add_user("Niran", username="niran")
    code, _ = await new_forum(bot, ada)
    await join(bot, niran, code, group="industry")
    return ada, niran


def reminders_to(bot, user, calls) -> list:
    return [
        c
        for c in calls
        if c.params.get("chat_id") == user.id and c.method in ("sendMessage", "sendDocument")
    ]


async def test_schedule_list_rsvp_and_calendar_file(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran = await forum(bot, fake)
        calls = await bot.send(ada, FORM)
        assert "Meeting scheduled: National SCP Forum, spring session, Mar 15, 2027, 9:00" in calls[
            0
        ].params["text"].replace("<b>", "").replace("</b>", "")
        assert "Every 6 months." in calls[0].params["text"]
        document = calls[1].params["document"]
        assert document["filename"].endswith("2027-03-15.ics")
        assert b"BEGIN:VCALENDAR" in document["content"] and b"Asia/Bangkok" in document["content"]
        occurrences = await bot.services.db.fetchall("SELECT seq, starts_at FROM meetings")
        assert [tuple(o) for o in occurrences[:2]] == [
            (0, "2027-03-15T02:00:00+00:00"),
            (1, "2027-09-15T02:00:00+00:00"),
        ]
        await bot.send(niran, "/settings")
        await bot.tap(niran, "Time zone")
        await bot.tap(niran, "Asia/Tokyo")
        await bot.send(niran, "/meetings")
        first = next(m for m in bot.fake.messages(niran.id) if "Mar 15, 2027" in m.get("text", ""))
        text = first["text"]  # the soonest of the listed meetings
        assert "Starts Mar 15, 2027, 11:00" in text and "Forum time: Mar 15, 2027, 9:00" in text
        assert "Place: Ministry of Environment, Room 3" in text
        calls = await bot.tap(niran, "Going", message_id=first["message_id"])
        assert bot.answers(calls) == ["Thank you, noted."]
        edited = next(
            m for m in bot.fake.messages(niran.id) if m["message_id"] == first["message_id"]
        )
        assert "Going: 1 · Maybe: 0 · Not going: 0" in edited["text"]
        assert "Your answer: Going" in edited["text"]
        assert bot.fake.buttons(edited)[0]["text"] == "● Going"
        calls = await bot.tap(niran, "📅", message_id=first["message_id"])
        assert [c.method for c in calls] == ["answerCallbackQuery", "sendDocument"]


async def test_reminders_once_each_late_after_downtime_never_after_start(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran = await forum(bot, fake)
        await bot.send(ada, FORM)
        bot.clock.now = START - timedelta(days=31)
        assert await bot.run_due() == []
        bot.clock.now = START - timedelta(days=30)  # the first reminder, with the calendar file
        calls = await bot.run_due()
        assert [c.method for c in reminders_to(bot, niran, calls)] == ["sendDocument"]
        caption = reminders_to(bot, niran, calls)[0].params["caption"]
        assert caption.startswith("🔔 Reminder") and "National SCP Forum" in caption
        assert await bot.run_due() == []  # never twice
        # RSVP on the reminder itself.
        message = bot.fake.messages(niran.id)[-1]
        await bot.tap(niran, "Maybe", message_id=message["message_id"])
        bot.clock.now = START - timedelta(days=7)
        calls = await bot.run_due()
        assert [c.method for c in reminders_to(bot, niran, calls)] == ["sendMessage"]
        assert "Your answer: Maybe" in reminders_to(bot, niran, calls)[0].params["text"]
        bot.clock.now = START - timedelta(days=1)  # every reminder carries the tally
        calls = await bot.run_due()
        tally = "Going: 0 · Maybe: 1 · Not going: 0"
        assert tally in reminders_to(bot, ada, calls)[0].params["text"]
        assert tally in reminders_to(bot, niran, calls)[0].params["text"]
        # The bot is down when the 1-hour reminder falls due; it comes back 30 minutes before.
        await bot.restart()
        bot.clock.now = START - timedelta(minutes=30)
        before = len(bot.fake.calls)
        await bot.restart()  # start-up runs what is due
        late = reminders_to(bot, niran, bot.fake.calls[before:])
        assert len(late) == 1  # once, late
        assert await bot.run_due() == []
        # After the start, nothing more, even across a restart.
        bot.clock.now = START + timedelta(minutes=5)
        await bot.restart()
        assert await bot.run_due() == []
        sent = await bot.services.db.fetchall(
            "SELECT lead_s FROM meeting_reminders WHERE user_id = ? ORDER BY lead_s DESC",
            (niran.id,),
        )
        assert [r["lead_s"] for r in sent] == [30 * 86400, 7 * 86400, 86400, 3600]


async def test_a_missed_meeting_is_not_reminded_after_it_started(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran = await forum(bot, fake)
        await bot.send(ada, FORM)  # niran's announcement (with its file) goes out now
        sent = len(bot.fake.calls)
        bot.clock.now = START + timedelta(hours=1)  # the bot was down through every reminder
        await bot.restart()
        assert not [
            c
            for c in bot.fake.calls[sent:]
            if c.params.get("chat_id") == niran.id and c.method == "sendDocument"
        ]


async def test_series_extends_without_drift(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, _ = await forum(bot, fake)
        await bot.send(ada, "/meeting Autumn session\nstarts: 2027-08-31 10:00\nevery: 6 months")
        bot.clock.now = datetime(2029, 6, 1, tzinfo=UTC)
        await bot.run_due()
        rows = await bot.services.db.fetchall("SELECT seq, starts_at FROM meetings ORDER BY seq")
        days = [r["starts_at"][:10] for r in rows]
        assert days[:6] == [
            "2027-08-31",
            "2028-02-29",
            "2028-08-31",
            "2029-02-28",
            "2029-08-31",
            "2030-02-28",
        ]
        assert [r["seq"] for r in rows] == list(range(len(rows)))


@pytest.mark.parametrize(
    ("form", "answer"),
    [
        ("/meeting M\nstarts: 2020-03-15 09:00", "must start in the future"),
        ("/meeting M\nstarts: soon", "I can't read the time “soon”"),
        ("/meeting M\nstarts: 2027-03-15 09:00\nevery: 0 months", "months"),
        ("/meeting M\nstarts: 2027-03-15 09:00\nevery: 25 months", "months"),
        ("/meeting M\nstarts: 2027-03-15 09:00\nevery: 1 months\nreminders: 40d", "reminder"),
        ("/meeting M\nplace: nowhere", "starts"),
    ],
)
async def test_malformed_meetings_change_nothing(tmp_path, fake, form, answer):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, _ = await forum(bot, fake)
        await bot.refuses(ada, form, answer)


async def test_forged_rsvp_changes_nothing(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001, 1003], fake=fake) as bot:
        ada, niran = await forum(bot, fake)
        await bot.send(ada, FORM)
        boss = fake.add_user("Boss")
        await new_forum(bot, boss, "/newforum Other\ntimezone: UTC")
        await bot.send(
            boss, "/meeting Other forum's meeting\nstarts: 2027-01-10 10:00\nevery: none"
        )
        other = (
            await bot.services.db.fetchone(
                "SELECT m.id FROM meetings m JOIN meeting_series s ON s.id = m.series_id"
                " WHERE s.title LIKE 'Other%'"
            )
        )["id"]
        await bot.send(niran, "/meetings")
        before = await snapshot(bot)
        await bot.forged_are_stale(
            niran,
            (
                f"mtg:rsvp:{other}:going",
                "mtg:rsvp:1:perhaps",
                "mtg:rsvp:999:going",
                "mtg:rsvp:x:going",
                f"mtg:ics:{other}",
                "mtg:cancel:1",
            ),
        )
        assert await snapshot(bot) == before
