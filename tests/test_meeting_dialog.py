"""Issue 14, meetings: `/meeting` alone, in private, asks step by step (title, date and time,
place or link, repeat) and ends in a preview; "✅ Create" goes through the one-message form's
code path, once. Wrong answers keep the step, non-text is asked again as text, the dialog
survives a restart, /cancel ends it, edits never act, and only coordinators may drive it."""

from __future__ import annotations

from tests.dialog_steps import HINT, TEXT_PLEASE, count, only_coordinators_start, said, step
from tests.harness import STALE, running_bot
from tests.test_meetings import FORM
from tests.worlds import forum_with_members

TITLE = "National SCP Forum, spring session"
PLACE = "Ministry of Environment, Room 3"
SERIES = (
    "SELECT title, place, link, first_start_local, timezone, duration_s, every_months, reminders"
    " FROM meeting_series ORDER BY id"
)


def announcements(bot, user) -> list[dict]:
    """The new-meeting announcements `user` got (each carries the calendar file)."""
    return [
        m for m in bot.fake.messages(user.id) if "New meeting" in (m.get("caption") or m["text"])
    ]


async def test_step_by_step_to_the_same_meeting_as_the_form_announced_once(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, *_ = await forum_with_members(bot, fake, group=False)
        await bot.send(ada, "/meeting")
        assert "What is the meeting's title?" in bot.last(ada)["text"]
        await bot.send(ada, TITLE)
        assert "Asia/Bangkok" in bot.last(ada)["text"]  # the zone the time is read in
        # Wrong times are refused with the form's sentences; the step stays.
        await bot.send(ada, "next Tuesday at nine")
        assert bot.last(ada)["text"] == (
            "I can't read the time “next Tuesday at nine”. Write it like 2027-03-15 09:00."
        )
        await bot.send(ada, "2026-01-15 09:00")
        assert bot.last(ada)["text"] == "The first meeting must start in the future."
        await bot.send(ada, "2027-03-15   09:00")
        assert "where?" in bot.last(ada)["text"] and bot.labels(ada) == ["Skip"]
        await bot.send(ada, PLACE)
        assert bot.labels(ada) == [
            "Only once",
            "Every month",
            "Every 3 months",
            "Every 6 months",
            "Every year",
        ]
        await bot.tap(ada, "Every 6 months")
        preview = bot.last(ada)["text"]
        for shown in (
            "Preview: nothing is sent until you tap “Create”.",
            "Reminders: 30 days, 7 days, 1 day, 1 hour before it.",
            "📅 New meeting series, every 6 months:",
            TITLE,
            "Starts Mar 15, 2027, 9:00",
            f"Place: {PLACE}",
            "Going: 0 · Maybe: 0 · Not going: 0",
        ):
            assert shown in preview, shown
        assert bot.labels(ada) == ["✅ Create", "✖ Discard"]
        assert await count(bot, "meeting_series") == 0 and announcements(bot, niran) == []

        calls = await bot.tap(ada, "✅ Create")
        assert any(s.startswith(f"Meeting scheduled: <b>{TITLE}</b>") for s in said(calls))
        assert any(c.method == "sendDocument" and c.params["chat_id"] == ada.id for c in calls)
        assert len(announcements(bot, niran)) == 1
        assert announcements(bot, niran)[0]["document"]["file_name"].endswith(".ics")
        assert await step(bot, ada) is None

        # A second tap on Create (or a forged one) creates nothing and tells nobody again.
        calls = await bot.forge(
            ada, "mtgd:make", message_id=bot.last_keyboard(ada.id)["message_id"]
        )
        assert bot.answers(calls) == [STALE]
        assert len(announcements(bot, niran)) == 1

        # The one-message form, unchanged, makes the very same series.
        await bot.send(ada, FORM)
        first, second = await bot.services.db.fetchall(SERIES)
        assert tuple(first) == tuple(second)


async def test_an_online_link_and_a_single_meeting(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, *_ = await forum_with_members(bot, fake, group=False)
        await bot.sends(ada, "/meeting", "Online check-in", "2027-02-01 14:00")
        await bot.send(ada, "ftp://example.org")  # a place, then; a bad link would be refused
        await bot.sends(ada, "/meeting", "Online check-in", "2027-02-01 14:00")
        await bot.send(ada, "javascript:alert(1)")  # just a (strange) place name
        await bot.sends(ada, "/meeting", "Online check-in", "2027-02-01 14:00")
        await bot.send(ada, "https://meet example.org")
        assert bot.last(ada)["text"].startswith("The link must be a web address")
        await bot.send(ada, "https://meet.example.org/scp")
        await bot.tap(ada, "Only once")
        preview = bot.last(ada)["text"]
        assert "📅 New meeting:\n" in preview and "Online: https://meet.example.org/scp" in preview
        assert "Place:" not in preview
        await bot.tap(ada, "✅ Create")
        row = await bot.services.db.fetchone("SELECT place, link, every_months FROM meeting_series")
        assert tuple(row) == (None, "https://meet.example.org/scp", None)
        assert len(announcements(bot, niran)) == 1


async def test_skip_and_a_typed_repeat_and_discard(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, *_ = await forum_with_members(bot, fake, group=False)
        await bot.sends(ada, "/meeting", "Workshop", "2027-02-01 09:00")
        await bot.tap(ada, "Skip")
        await bot.send(ada, "every fortnight")
        assert bot.last(ada)["text"].startswith("I don't understand “every: every fortnight”")
        await bot.send(ada, "quarterly")
        assert "every 3 months" in bot.last(ada)["text"]
        preview = bot.last_keyboard(ada.id)["message_id"]
        await bot.tap(ada, "✖ Discard")
        assert bot.last(ada)["text"] == "Discarded. No meeting was created."
        assert await step(bot, ada) is None
        calls = await bot.forge(ada, "mtgd:make", message_id=preview)
        assert bot.answers(calls) == [STALE]
        assert await count(bot, "meeting_series") == 0 and announcements(bot, niran) == []


async def test_stickers_photos_and_overlong_titles_keep_the_step(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, *_ = await forum_with_members(bot, fake, group=False)
        await bot.send(ada, "/meeting")
        waiting = await step(bot, ada)
        await bot._act(lambda: fake.send_sticker(ada))
        assert bot.last(ada)["text"] == TEXT_PLEASE
        await bot._act(lambda: fake.send_photo(ada, caption="Spring session"))
        assert bot.last(ada)["text"] == TEXT_PLEASE
        await bot.send(ada, "x" * 201)
        assert bot.last(ada)["text"] == "A meeting title can be at most 200 characters long."
        await bot.send(ada, "x" * 1001)
        assert bot.last(ada)["text"] == "That is too long: at most 1,000 characters, please."
        assert await step(bot, ada) == waiting
        await bot.send(ada, "Place: a title that looks like a setting")
        await bot.send(ada, "2027-02-01 09:00")
        await bot._act(lambda: fake.send_sticker(ada))  # at the place step
        assert bot.last(ada)["text"] == TEXT_PLEASE
        await bot.send(ada, "p" * 301)
        assert bot.last(ada)["text"] == "The place can be at most 300 characters long."
        await bot.tap(ada, "Skip")
        await bot.tap(ada, "Only once")
        await bot.tap(ada, "✅ Create")
        row = await bot.services.db.fetchone("SELECT title, place FROM meeting_series")
        assert tuple(row) == ("Place: a title that looks like a setting", None)


async def test_a_restart_keeps_the_dialog_and_cancel_ends_it(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, *_ = await forum_with_members(bot, fake, group=False)
        await bot.send(ada, "/meeting")
        await bot.send(ada, TITLE)
        await bot.restart()
        await bot.send(ada, "2027-03-15 09:00")
        await bot.restart()
        await bot.tap(ada, "Skip")  # a button of a message sent before the restart
        await bot.restart()
        await bot.tap(ada, "Every year")
        await bot.restart()
        await bot.tap(ada, "✅ Create")
        assert len(announcements(bot, niran)) == 1

        await bot.send(ada, "/meeting")
        await bot.send(ada, "Another")
        await bot.send(ada, "/cancel")
        calls = await bot.send(ada, "2027-04-01 09:00")
        assert said(calls) == [HINT]
        await bot.sends(ada, "/meeting", "Another", "2027-04-01 09:00")
        place = bot.last_keyboard(ada.id)["message_id"]
        await bot.send(ada, "/cancel")
        calls = await bot.tap(ada, "Skip", message_id=place)
        assert bot.answers(calls) == [STALE]
        assert await count(bot, "meeting_series") == 1 and await step(bot, ada) is None


async def test_an_edited_answer_never_acts(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, *_ = await forum_with_members(bot, fake, group=False)
        await bot.send(ada, "/meeting")
        await bot.send(ada, TITLE)
        waiting = await step(bot, ada)
        calls = await bot.edit(ada, "A different title")
        assert said(calls) == ["I don't act on edited messages; send it again as a new message."]
        assert await step(bot, ada) == waiting
        await bot.send(ada, "/meeting")  # an edited /meeting does not start one either
        await bot.send(ada, "Title two")
        await bot.edit(
            ada, "/meeting", message_id=fake.user_messages(ada.id, ada.id)[-2]["message_id"]
        )
        assert "Title two" in (await step(bot, ada) or "")


async def test_only_coordinators_and_forged_buttons_are_refused(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _, lena, group = await forum_with_members(bot, fake)
        await only_coordinators_start(bot, "/meeting", ada, group, niran, lena)
        # Ada's own buttons, forged out of step or with values the dialog does not offer.
        await bot.send(ada, "/meeting")
        await bot.send(ada, TITLE)
        await bot.forged_are_stale(ada, ("mtgd:every:6", "mtgd:make", "mtgd:skip"))  # time step
        await bot.send(ada, "2027-03-15 09:00")
        await bot.tap(ada, "Skip")
        await bot.forged_are_stale(
            ada, ("mtgd:every:7", "mtgd:every:-1", "mtgd:every:x", "mtgd:every", "mtgd:make")
        )
        # Demoted in the middle: the next step ends the dialog, a button is stale.
        await bot.send(ada, "/promote @niran coordinator")
        await bot.send(niran, "/meeting")
        await bot.send(niran, "Sneaky")
        await bot.send(ada, "/demote @niran")
        await bot.send(niran, "2027-03-15 09:00")
        assert bot.last(niran)["text"] == (
            "This meeting draft is no longer open; start again with /meeting."
        )
        assert await step(bot, niran) is None
        assert await count(bot, "meeting_series") == 0
