"""What members are told about meetings: a new series once, with its calendar file; changes
(cancelled, moved, new place) with what changed; the RSVP tally on every message that shows it."""

from __future__ import annotations

from datetime import timedelta

from tests.harness import join, new_forum, running_bot, snapshot
from tests.test_meeting_changes import _meeting_message, running
from tests.test_meetings import FORM, START, forum


def _to(calls, user) -> list:
    return [
        c
        for c in calls
        if c.params.get("chat_id") == user.id and c.method in ("sendMessage", "sendDocument")
    ]


def _text(call) -> str:
    return call.params.get("text") or call.params.get("caption") or ""


async def _cancelled(bot, ada, niran, button: str) -> list:
    """Ada cancels the meeting of `_meeting_message` with `button`, then “✖ Yes”; returns what
    Niran was sent."""
    message = await _meeting_message(bot, ada)
    await bot.tap(ada, button, message_id=message["message_id"])
    return _to(await bot.tap(ada, "✖ Yes", message_id=message["message_id"]), niran)


async def test_a_new_series_is_announced_once_to_every_member_with_its_calendar(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, mali = fake.add_user("Ada"), fake.add_user("Niran"), fake.add_user("Mali")
        code, _ = await new_forum(bot, ada)
        await join(bot, niran, code, group="industry")
        await join(bot, mali, code, language="th")
        calls = await bot.send(ada, FORM)
        # The coordinator gets her confirmation and the file, no announcement on top.
        assert [c.method for c in _to(calls, ada)] == ["sendMessage", "sendDocument"]
        for member in (niran, mali):
            sent = _to(calls, member)
            assert len(sent) == 1 and sent[0].method == "sendDocument", member.first_name
            document = sent[0].params["document"]
            assert document["filename"].endswith("2027-03-15.ics")
            assert b"UID:meeting-1-0@scp-forum-bot" in document["content"]
            assert b"METHOD:PUBLISH" in document["content"]
        caption = _text(_to(calls, niran)[0])
        assert caption.startswith("📅 New meeting series, every 6 months:")
        assert "National SCP Forum, spring session" in caption
        assert "Starts Mar 15, 2027, 9:00" in caption
        announcement = bot.last(niran)
        assert [b["text"] for b in bot.fake.buttons(announcement)][:3] == [
            "Going",
            "Maybe",
            "Not going",
        ]
        # Once: not again after a restart, the heartbeat, or the series growing.
        await bot.restart()
        bot.clock.now = START - timedelta(days=40)
        calls = await bot.run_due()
        assert not any("New meeting" in _text(c) for c in calls)
        rows = await bot.services.db.fetchall(
            "SELECT user_id, revision FROM meeting_notices ORDER BY user_id"
        )
        assert [tuple(r) for r in rows] == [(niran.id, 0), (mali.id, 0)]


async def test_a_single_meeting_is_announced_as_one(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran = await forum(bot, fake)
        calls = await bot.send(ada, "/meeting Workshop\nstarts: 2027-01-10 10:00\nevery: none")
        sent = _to(calls, niran)
        assert len(sent) == 1 and _text(sent[0]).startswith("📅 New meeting:")


async def test_a_cancellation_cancels_the_calendar_entry_and_says_so_once(tmp_path, fake):
    async with running(tmp_path, fake) as (bot, ada, niran):
        sent = await _cancelled(bot, ada, niran, "✖ Cancel")
        assert len(sent) == 1 and sent[0].method == "sendDocument"
        notice = _text(sent[0])
        assert notice.startswith("❌ This meeting is cancelled.")
        assert notice.lower().count("cancelled") == 1, notice
        ics = sent[0].params["document"]["content"]
        assert b"METHOD:CANCEL" in ics and b"STATUS:CANCELLED" in ics
        assert b"UID:meeting-1-0@scp-forum-bot" in ics  # the announced entry's UID
        assert b"SEQUENCE:1" in ics  # newer than the announced one, so calendars apply it
        assert not bot.fake.buttons(bot.last(niran))  # no RSVP on a cancelled meeting


async def test_cancelling_a_series_cancels_every_entry_in_one_message(tmp_path, fake):
    async with running(tmp_path, fake) as (bot, ada, niran):
        sent = await _cancelled(bot, ada, niran, "✖ Cancel the whole")
        assert len(sent) == 1
        ics = sent[0].params["document"]["content"].decode()
        cancelled = await bot.services.db.fetchall("SELECT series_id, seq FROM meetings")
        for row in cancelled:
            assert f"UID:meeting-{row['series_id']}-{row['seq']}@scp-forum-bot" in ics
        assert ics.count("STATUS:CANCELLED") == len(cancelled) and "METHOD:CANCEL" in ics


async def test_a_moved_notice_shows_the_old_and_the_new_time(tmp_path, fake):
    async with running(tmp_path, fake) as (bot, ada, niran):
        await bot.send(niran, "/settings")
        await bot.tap(niran, "Time zone")
        await bot.tap(niran, "Asia/Tokyo")
        message = await _meeting_message(bot, ada)
        await bot.tap(ada, "🕑", message_id=message["message_id"])
        calls = await bot.send(ada, "2027-03-20 10:00")
        notices = [_text(c) for c in _to(calls, niran)]
        assert len(notices) == 1
        # In the reader's zone (Tokyo, two hours ahead of the forum's Bangkok).
        head = notices[0].split("\n")[0].replace("\u202f", " ")
        assert head == (
            "🕑 This meeting has moved: Mar 15, 2027, 11:00 AM (Japan Time)"
            " → Mar 20, 2027, 12:00 PM (Japan Time)."
        ), head


def _shown(bot, user, message_id) -> dict:
    return next(m for m in bot.fake.messages(user.id) if m["message_id"] == message_id)


def _body(message) -> str:
    return message.get("text") or message.get("caption") or ""


async def _tapped(bot, user, message, answer: str) -> dict:
    """`user` taps `answer` under `message`; returns the message as it shows now."""
    await bot.tap(user, answer, message_id=message["message_id"])
    return _shown(bot, user, message["message_id"])


async def test_the_tally_updates_on_every_message_that_shows_it(tmp_path, fake):
    async with running(tmp_path, fake) as (bot, ada, niran):
        # The announcement: a calendar file whose caption shows the tally.
        announcement = bot.last(niran)
        assert "document" in announcement
        shown = await _tapped(bot, niran, announcement, "Maybe")
        assert _body(shown).startswith("📅 New meeting series, every 6 months:")
        assert "Going: 0 · Maybe: 1 · Not going: 0" in _body(shown)
        assert "Your answer: Maybe" in _body(shown) and "document" in shown
        # The first reminder (with the file) and a later one (text): each keeps its head.
        bot.clock.now = START - timedelta(days=30)
        await bot.run_due()
        first = bot.last(niran)
        assert "document" in first
        shown = await _tapped(bot, niran, first, "Going")
        assert _body(shown).startswith("🔔 Reminder\n")
        assert "Going: 1 · Maybe: 0 · Not going: 0" in _body(shown)
        bot.clock.now = START - timedelta(days=7)
        await bot.run_due()
        second = bot.last(niran)
        shown = await _tapped(bot, niran, second, "Not going")
        assert _body(shown).startswith("🔔 Reminder\n")
        assert "Going: 0 · Maybe: 0 · Not going: 1" in _body(shown)
        # A coordinator's /meetings message keeps her change buttons.
        listed = await _meeting_message(bot, ada)
        shown = await _tapped(bot, ada, listed, "Going")
        assert "Going: 1 · Maybe: 0 · Not going: 1" in shown["text"]
        assert any(b["callback_data"].startswith("mtga:") for b in bot.fake.buttons(shown))


async def test_a_new_place_for_this_meeting_only_leaves_the_series_alone(tmp_path, fake):
    async with running(tmp_path, fake) as (bot, ada, niran):
        message = await _meeting_message(bot, ada)
        await bot.tap(ada, "📍", message_id=message["message_id"])
        asked = _shown(bot, ada, message["message_id"])
        assert "for this meeting" in asked["text"] and "or for the whole series?" in asked["text"]
        assert [b["text"] for b in bot.fake.buttons(asked)] == [
            "This meeting only",
            "The whole series",
            "Keep it",
        ]
        await bot.tap(ada, "This meeting only", message_id=message["message_id"])
        calls = await bot.send(ada, "Hotel Lotus, Hall B")
        assert "Saved for this meeting only" in _text(_to(calls, ada)[0])
        notice = [_text(c) for c in _to(calls, niran)]
        assert len(notice) == 1 and "Place: Hotel Lotus, Hall B" in notice[0]
        await bot.send(niran, "/meetings")
        listed = {
            m["text"].split("\n")[1]: m["text"]
            for m in bot.fake.messages(niran.id)[-3:]
            if "text" in m
        }
        march = next(t for line, t in listed.items() if "Mar 15, 2027" in line)
        september = next(t for line, t in listed.items() if "Sep 15, 2027" in line)
        assert "Place: Hotel Lotus, Hall B" in march
        assert "Place: Ministry of Environment, Room 3" in september
        # The whole series afterwards: every meeting ahead, this one included.
        message = await _meeting_message(bot, ada)
        await bot.tap(ada, "📍", message_id=message["message_id"])
        await bot.tap(ada, "The whole series", message_id=message["message_id"])
        await bot.send(ada, "Room 9")
        await bot.send(niran, "/meetings")
        shown = [m["text"] for m in bot.fake.messages(niran.id)[-3:] if "text" in m]
        assert all("Place: Room 9" in text for text in shown), shown


async def test_a_single_meeting_is_not_asked_about_a_series(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran = await forum(bot, fake)
        await bot.send(ada, "/meeting Workshop\nstarts: 2027-01-10 10:00\nevery: none")
        await bot.send(ada, "/meetings")
        listed = bot.last_keyboard(ada.id)
        await bot.tap(ada, "📍", message_id=listed["message_id"])
        assert "Send the new place" in bot.last(ada)["text"]
        calls = await bot.send(ada, "Room 2")
        assert "Place: Room 2" in _text(_to(calls, niran)[0])


async def test_text_buttons_forged_onto_a_calendar_file_are_stale(tmp_path, fake):
    """A forged /forget or onboarding button on a message that is a file (the meeting's
    announcement) is answered "no longer valid", not with an error, and changes nothing."""
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran = await forum(bot, fake)
        await bot.send(ada, FORM)
        announced = bot.last(niran)
        assert announced.get("document"), "the announcement is a file"
        before = await snapshot(bot)
        await bot.forged_are_stale(
            niran,
            ("priv:keep", "priv:forget", "onb:group:industry"),
            message_id=announced["message_id"],
        )
        assert await snapshot(bot) == before
