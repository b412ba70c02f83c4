"""Issue 14, polls: nothing goes out before a preview (/newpoll form, dialog, group), Edit and
Discard, misspelt settings flagged, /closepoll confirmed, the ballot's anonymity line, short
reminders, and closed ballots that say so."""

from __future__ import annotations

from datetime import timedelta

from tests.dialog_steps import count
from tests.harness import new_poll, running_bot
from tests.test_polls import POLL, ballot
from tests.worlds import forum_with_members


async def stored_options(bot, column: str) -> list:
    """`column` of every stored poll option, in the order of the options."""
    rows = await bot.services.db.fetchall(f"SELECT {column} FROM poll_options ORDER BY position")
    return [row[column] for row in rows]


async def test_the_form_ends_in_a_preview_and_nothing_is_sent_before_send(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _, _, chat = await forum_with_members(bot, fake)
        before = {who.id: len(fake.messages(who.id)) for who in (niran, chat)}
        calls = await bot.send(ada, POLL)
        assert {c.params.get("chat_id") for c in calls if c.method == "sendMessage"} == {ada.id}
        preview = bot.last(ada)["text"]
        for shown in (
            "Which priorities should the forum take up first?",
            "1. Institutionalise green public procurement",
            "3. Mandatory waste segregation",
            "Closes: Nov 30, 2026, 5:00",
            "Results: hidden from members until the poll closes.",
            "Anonymous: after the poll closes nobody can see how you ranked.",  # the ballot's
        ):
            assert shown in preview, shown
        assert bot.labels(ada) == [
            "✅ Send to 3 members",
            "🌐 Add a language",
            "✏️ Edit",
            "✖ Discard",
        ]
        assert await count(bot, "polls") == 0 and await count(bot, "outbox") == 0
        assert {who.id: len(fake.messages(who.id)) for who in (niran, chat)} == before

        calls = await bot.tap(ada, "✅ Send")
        assert any("Poll 1 created" in c.params.get("text", "") for c in calls)
        assert ballot(bot, niran)["text"].startswith("Poll 1: Which priorities")
        assert await count(bot, "polls") == 1


async def test_edit_takes_changed_lines_or_a_new_form_and_a_second_send_does_nothing(
    tmp_path, fake
):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, *_ = await forum_with_members(bot, fake, group=False)
        await bot.send(ada, POLL)
        first_preview = bot.last_keyboard(ada.id)["message_id"]
        await bot.tap(ada, "✏️ Edit")
        assert "only the lines to change" in bot.last(ada)["text"]
        await bot.send(ada, "closes: 2026-12-02 12:00\nanonymous: no")
        preview = bot.last(ada)["text"]
        assert "Closes: Dec 2, 2026, 12:00" in preview
        assert "Named: coordinators will see how you ranked." in preview
        assert "1. Institutionalise green public procurement" in preview  # the options stay
        await bot.send(ada, "Which one first?\nEnergy\nWater\nresults: visible")
        preview = bot.last(ada)["text"]
        assert "Which one first?" in preview and "Which priorities" not in preview
        assert "members can see them while the poll is open" in preview
        assert await count(bot, "polls") == 0

        await bot.tap(ada, "✅ Send")
        row = await bot.services.db.fetchone("SELECT question, anonymous FROM polls")
        assert tuple(row) == ("Which one first?", 1)
        calls = await bot.tap(ada, "✅ Send", message_id=first_preview)  # an older preview
        assert await count(bot, "polls") == 1
        assert bot.answers(calls) == ["This button is no longer valid."]
        assert ballot(bot, niran)["text"].startswith("Poll 1: Which one first?")


async def test_discard_deletes_the_draft(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, *_ = await forum_with_members(bot, fake, group=False)
        await bot.send(ada, POLL)
        preview = bot.last_keyboard(ada.id)["message_id"]
        await bot.tap(ada, "✖ Discard")
        assert bot.last(ada)["text"] == "Discarded. No poll was created."
        assert await count(bot, "pending_inputs") == 0
        await bot.forge(ada, "np:send", message_id=preview)
        await bot.send(ada, "Still a poll?\nA\nB")  # no dialog: not a form any more
        assert await count(bot, "polls") == 0 and await count(bot, "outbox") == 0


async def test_the_dialog_ends_in_a_preview(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, *_ = await forum_with_members(bot, fake, group=False)
        await bot.send(ada, "/newpoll")
        await bot.tap(ada, "Regional priority areas")
        await bot.tap(ada, 1)
        await bot.tap(ada, 2)
        await bot.tap(ada, "Continue")
        await bot.tap(ada, "Use the default question")
        assert "Which of these should the forum take up first?" in bot.last(ada)["text"]
        assert bot.labels(ada)[0] == "✅ Send to 3 members"
        assert await count(bot, "polls") == 0
        await bot.tap(ada, "✅ Send")
        assert await stored_options(bot, "ref") == ["t2-01", "t2-02"]


async def test_a_form_sent_in_the_group_is_previewed_in_private(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _, _, chat = await forum_with_members(bot, fake)
        await bot.send(ada, POLL, chat=chat)
        assert "preview of the poll in our private chat" in bot.last(chat)["text"]
        assert bot.labels(ada)[0] == "✅ Send to 3 members"
        assert await count(bot, "polls") == 0
        await bot.tap(ada, "✅ Send")
        assert "Voted: 0 of 3" in bot.last(chat)["text"]  # the group's poll post, after Send
        assert ballot(bot, niran)


async def test_new_poll_helper_sends(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, *_ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, POLL)
        assert await count(bot, "polls") == 1


async def test_a_misspelt_setting_is_flagged_never_an_option(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, *_ = await forum_with_members(bot, fake, group=False)
        await bot.send(
            ada,
            "/newpoll Which first?\nEnergy\nGoal 12: responsible consumption\n"
            "Closing: 10 Jan 2027\nanonymus: no",
        )
        preview = bot.last(ada)["text"]
        assert "⚠️ “Closing: 10 Jan 2027” is not a setting — meant “closes:”?" in preview
        assert "⚠️ “anonymus: no” is not a setting — meant “anonymous:”?" in preview
        assert "2. Goal 12: responsible consumption" in preview  # a colon in an option is fine
        assert "3. " not in preview
        await bot.send(ada, "closes: 2027-01-10")  # the correction replaces the misspelt line
        preview = bot.last(ada)["text"]
        assert "Closing" not in preview and "Closes: Jan 10, 2027" in preview
        assert "anonymus" in preview  # only the corrected key's line went
        await bot.tap(ada, "✅ Send")
        assert await stored_options(bot, "text") == ["Energy", "Goal 12: responsible consumption"]


async def test_closepoll_asks_first(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _, _, chat = await forum_with_members(bot, fake)
        await new_poll(bot, ada, POLL)
        await bot.send(ada, "/closepoll 1")
        assert bot.last(ada)["text"].startswith(
            "Close poll 1 “Which priorities should the forum take up first?” now?"
        )
        assert bot.labels(ada) == ["✅ Close poll 1 now", "Keep it open"]
        assert await count(bot, "polls WHERE closed_at IS NULL") == 1
        await bot.tap(ada, "Keep it open")
        assert bot.last(ada)["text"] == "Poll 1 stays open."
        assert await count(bot, "polls WHERE closed_at IS NULL") == 1

        await bot.send(ada, "/closepoll", chat=chat)  # in the group: asked there
        asked = bot.last_keyboard(chat.id)["message_id"]
        calls = await bot.tap(niran, "✅ Close", chat=chat, message_id=asked)  # not a coordinator
        assert bot.answers(calls) == ["This button is no longer valid."]
        assert await count(bot, "polls WHERE closed_at IS NULL") == 1
        await bot.tap(ada, "✅ Close", chat=chat, message_id=asked)
        assert await count(bot, "polls WHERE closed_at IS NULL") == 0
        assert "Poll 1 is closed." in [m["text"] for m in fake.messages(chat.id)]


async def test_the_ballot_says_whether_the_poll_is_anonymous(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, *_ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, "/newpoll Anonymous?\nA\nB")
        await new_poll(bot, ada, "/newpoll Named?\nA\nB\nanonymous: no")
        lines = ballot(bot, niran, 1)["text"].split("\n")
        assert lines[1] == "Anonymous: after the poll closes nobody can see how you ranked."
        lines = ballot(bot, niran, 2)["text"].split("\n")
        assert lines[1] == "Named: coordinators will see how you ranked."
        assert "Named:" not in ballot(bot, niran, 1)["text"]


async def test_a_reminder_is_short_and_its_button_opens_the_ballot(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, mali, *_ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, POLL)  # closes 2026-11-30 17:00 Bangkok
        ballots_before = len(fake.messages(mali.id))
        bot.clock.advance(timedelta(days=6, hours=2))  # 23 h before the close
        await bot.run_due()
        reminder = bot.last(mali)
        assert "Institutionalise" not in reminder["text"]  # no options: not a second ballot
        assert [b["callback_data"] for b in fake.buttons(reminder)] == ["poll:open:1"]
        assert len(fake.messages(mali.id)) == ballots_before + 1
        niran_reminder = bot.last(niran)
        assert niran_reminder["text"].startswith("Reminder: poll 1 closes Nov 30, 2026")
        assert bot.labels(niran) == ["🗳 Open my ballot"]

        await bot.tap(niran, "🗳 Open my ballot")
        assert ballot(bot, niran)["message_id"] == bot.last(niran)["message_id"]
        await bot.tap(niran, "2.")
        await bot.tap(niran, "✅")
        assert "is submitted" in bot.last(niran)["text"]


async def test_closed_ballots_say_so_and_link_the_results(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, mali, *_ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, POLL)
        niran_ballot, mali_ballot = ballot(bot, niran), ballot(bot, mali)
        await bot.tap(niran, "3.", message_id=niran_ballot["message_id"])
        await bot.tap(niran, "✅", message_id=niran_ballot["message_id"])
        await bot.send(ada, "/closepoll 1")
        await bot.tap(ada, "✅ Close poll 1 now")

        def shown(message) -> dict:
            return next(
                m
                for m in fake.messages(message["chat"]["id"])
                if m["message_id"] == message["message_id"]
            )

        closed = shown(niran_ballot)
        assert closed["text"].startswith("Poll 1: Which priorities should the forum take up first?")
        assert "This poll is closed. See its results" in closed["text"]
        assert "Your ranking" not in closed["text"]  # anonymous: the ranking is not kept there
        assert [b["text"] for b in fake.buttons(closed)] == ["📊 Results"]
        assert fake.buttons(shown(mali_ballot))[0]["callback_data"] == "res:show:1"
        assert shown(mali_ballot)["text"].startswith("โพลที่ 1")  # in her language

        await bot.tap(niran, "📊 Results", message_id=closed["message_id"])
        assert any("Results of poll 1" in m["text"] for m in fake.messages(niran.id)[-2:])
