"""Ranked polls end to end: create → announce → rank → revise → remind → close → results → export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from tests.harness import close_poll, join, new_forum, new_poll, running_bot, snapshot
from tests.worlds import forum_with_members

POLL = (
    "/newpoll Which priorities should the forum take up first?\n"
    "Institutionalise green public procurement\n"
    "Develop national eco-labelling\n"
    "Mandatory waste segregation\n"
    "closes: 2026-11-30 17:00"
)
# Callback data with "²" where a number goes: str.isdigit() accepts it, int() does not.
SUPERSCRIPT_IDS = (
    "poll:rank:1:²",
    "poll:rank:²:1",
    "res:show:²",
    "mtg:rsvp:²:going",
    "mtgs:rate:1:²",
    "mtga:move:²",
)


def ballot(bot, user, poll_id: int = 1) -> dict:
    """The member's ballot message for a poll: the last one with that poll's submit button."""
    for message in reversed(bot.fake.messages(user.id)):
        if any(
            b.get("callback_data") == f"poll:submit:{poll_id}" for b in bot.fake.buttons(message)
        ):
            return message
    raise AssertionError(f"{user.first_name} has no ballot")


async def test_poll_from_creation_to_export(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, mali, lena, chat = await forum_with_members(bot, fake)
        calls = await new_poll(bot, ada, POLL)
        created = next(c.params["text"] for c in calls if "created" in c.params.get("text", ""))
        assert "Poll 1 created" in created
        assert "Sending the ballot to 3 members" in created  # not the observer
        announcement = bot.last(chat)
        assert (
            "Which priorities" in announcement["text"] and "Voted: 0 of 3" in announcement["text"]
        )
        assert "Nov 30, 2026, 5:00\u202fPM" in announcement["text"]  # the forum's zone
        link = bot.fake.buttons(announcement)[0]["url"]
        assert link.endswith("?start=poll-1")
        # Every voter got a ballot, in their language; the observer did not.
        assert "Tap the options in order of preference" in ballot(bot, niran)["text"]
        assert ballot(bot, mali)["text"] != ballot(bot, niran)["text"]
        with pytest.raises(AssertionError):
            ballot(bot, lena)
        # Niran ranks 3 then 1, undoes 1, ranks 2, submits.
        message_id = ballot(bot, niran)["message_id"]
        await bot.tap(niran, "3. Mandatory", message_id=message_id)
        assert "Your ranking: 3\n" in bot.last(niran)["text"]
        assert "3. Mandatory waste segregation" in bot.last(niran)["text"]  # listed whole
        assert "3. Mandatory" not in [b["text"] for b in bot.fake.buttons(bot.last(niran))]
        await bot.tap(niran, "1. Institutionalise", message_id=message_id)
        await bot.tap(niran, "↩", message_id=message_id)
        await bot.tap(niran, "2. Develop", message_id=message_id)
        calls = await bot.tap(niran, "✅", message_id=message_id)
        assert bot.answers(calls) == ["Submitted. Thank you!"]
        # The ballot (Niran's last message) and the announcement (the group's) are edited.
        assert bot.last(niran)["message_id"] == message_id
        assert "Your ranking is submitted" in bot.last(niran)["text"]
        assert bot.last(chat)["message_id"] == announcement["message_id"]
        assert "Voted: 1 of 3" in bot.last(chat)["text"]
        # A replayed submit changes nothing.
        calls = await bot.tap(niran, "✅", message_id=message_id)
        assert bot.answers(calls) == ["Your ranking is already submitted."]
        # Mali opens the ballot from the group's deep link and ranks 1 first.
        await bot.send(mali, "/start poll-1")
        await bot.tap(mali, "1.")
        await bot.tap(mali, "✅")
        # Ada revises nothing; the observer asks for results while hidden: allowed for analysts.
        await bot.send(lena, "/results")
        assert "2 of 3 members voted" in bot.fake.messages(lena.id)[-2]["text"]
        # Niran (a member) may not see hidden results of an open poll.
        await bot.send(niran, "/results")
        assert "hidden until it closes" in bot.last(niran)["text"]
        await close_poll(bot, ada, "/closepoll")
        assert "Poll 1 is closed." in [m["text"] for m in bot.fake.messages(ada.id)][-2]
        results = bot.last(ada)["text"]
        # Borda (modified): Niran 3>2 gives 2,1; Mali 1 gives 1. Option 3: 2, option 1: 1, 2: 1.
        assert "1. Mandatory waste segregation — 2 points" in results
        # One ballot per group: no group is shown, or its one ballot would be a member's ranking.
        assert "By stakeholder group: not shown." in results
        assert "Government" not in results and "Industry" not in results
        assert "Results of poll 1" in bot.last(chat)["text"]  # posted to the group at close
        # Members may now see the results, with the chart.
        calls = await bot.send(niran, "/results 1")
        assert [c.method for c in calls] == ["sendMessage", "sendPhoto"]
        assert calls[1].params["photo"]["content"].startswith(b"\x89PNG")
        # Exports for the observer: ballots and results as UTF-8 CSV with BOM.
        calls = await bot.send(lena, "/export 1")
        documents = [c.params["document"] for c in calls if c.method == "sendDocument"]
        assert [d["filename"] for d in documents] == ["poll-1-ballots.csv", "poll-1-results.csv"]
        assert all(d["content"].startswith("\ufeff".encode()) for d in documents)
        rows = list(csv.reader(io.StringIO(documents[0]["content"].decode("utf-8-sig"))))
        assert rows[0][:3] == ["ballot", "stakeholder_group", "rank_1"]
        assert sorted(r[1:3] for r in rows[1:]) == [["", "1"], ["", "3"]]  # groups of one


async def test_anonymous_poll_forgets_who_voted_at_close(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _, _, _ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, POLL)
        await bot.tap(niran, "2.", message_id=ballot(bot, niran)["message_id"])
        await bot.tap(niran, "✅")
        row = await bot.services.db.fetchone(
            "SELECT user_id FROM ballots WHERE submitted_at IS NOT NULL"
        )
        assert row["user_id"] == niran.id
        await close_poll(bot, ada, "/closepoll 1")
        rows = await bot.services.db.fetchall(
            "SELECT user_id, stakeholder_group, submitted_at, message_id FROM ballots"
        )
        # The group of one lost its label too; the only time left is the close's.
        assert [tuple(r) for r in rows] == [(None, None, "2026-11-23T09:00:00+00:00", None)]


async def test_named_poll_keeps_ballots_linked(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _, _, _ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, POLL + "\nanonymous: no\nresults: visible")
        await bot.tap(niran, "2.", message_id=ballot(bot, niran)["message_id"])
        await bot.tap(niran, "✅")
        await bot.send(niran, "/results")  # visible while open
        assert "1 of 3 members voted" in bot.fake.messages(niran.id)[-2]["text"]
        await close_poll(bot, ada, "/closepoll")
        row = await bot.services.db.fetchone("SELECT user_id FROM ballots")
        assert row["user_id"] == niran.id


async def test_deadline_reminder_and_close_after_restart(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, mali, _, chat = await forum_with_members(bot, fake)
        await new_poll(bot, ada, POLL)  # closes 2026-11-30 17:00 Bangkok = 10:00 UTC
        niran_ballot = ballot(bot, niran)["message_id"]
        await bot.tap(niran, "1.", message_id=niran_ballot)
        await bot.tap(niran, "✅")
        bot.clock.advance(timedelta(days=6))  # 2026-11-29 09:00 UTC: 25 h before close
        assert await bot.run_due() == []
        bot.clock.advance(timedelta(hours=2))  # 23 h before close
        calls = await bot.run_due()
        reminded = {c.params["chat_id"] for c in calls if c.method == "sendMessage"}
        assert reminded == {ada.id, mali.id}  # voters who have not submitted; not Niran
        assert await bot.run_due() == []  # never twice
        await bot.restart()  # bot down over the deadline...
        bot.clock.advance(timedelta(days=2))
        await bot.restart()  # ...and the poll is closed at start-up
        poll = await bot.services.db.fetchone("SELECT closed_at FROM polls")
        assert poll["closed_at"] == "2026-12-01T11:00:00+00:00"
        assert "Results of poll 1" in bot.last(chat)["text"]
        old = next(m for m in bot.fake.messages(niran.id) if m["message_id"] == niran_ballot)
        assert "This poll is closed." in old["text"]  # the ballot says so at close
        assert [b["callback_data"] for b in bot.fake.buttons(old)] == ["res:show:1"]
        calls = await bot.forge(niran, "poll:rank:1:2", message_id=niran_ballot)  # an old copy
        assert bot.answers(calls) == ["This poll is closed."]


@pytest.mark.parametrize(
    ("form", "answer"),
    [
        ("/newpoll Q?\nOnly one", "needs 2 to 12 options"),
        ("/newpoll Q?\n" + "\n".join(f"Option {i}" for i in range(13)), "this one has 13"),
        ("/newpoll Q?\nA\nB\ncloses: 2020-01-01 10:00", "must be in the future"),
        ("/newpoll Q?\nA\nB\ncloses: next tuesday", "I can't read the time “next tuesday”"),
        ("/newpoll " + "Q" * 301 + "\nA\nB", "at most 300 characters"),
        ("/newpoll Q?\nA\na", "Two options are the same"),
        ("/newpoll Q?\nA\nB\nanonymous: maybe", "I don't understand “anonymous: maybe”"),
        ("/newpoll Q?\nA\nB\ncloses: 2d\nremind: 3d", "reminder must be a lead time"),
    ],
)
async def test_malformed_polls_change_nothing(tmp_path, fake, form, answer):
    ada = fake.add_user("Ada")
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        await new_forum(bot, ada)
        await bot.refuses(ada, form, answer)


async def test_forged_ballot_taps_change_nothing(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001, 1005], fake=fake) as bot:
        ada, niran, _, _, _ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, POLL)
        await new_poll(bot, ada, "/newpoll Second?\nX\nY")
        boss = fake.add_user("Boss")  # 1005: admin of another forum, with a poll of its own
        await new_forum(bot, boss, "/newforum Other\ntimezone: UTC")
        await new_poll(bot, boss, "/newpoll Other forum's poll?\nP\nQ")
        message_id = ballot(bot, niran)["message_id"]
        await bot.tap(niran, "1.", message_id=message_id)
        before = await snapshot(bot)
        other_poll_option = (
            await bot.services.db.fetchone("SELECT id FROM poll_options WHERE poll_id = 3")
        )["id"]
        await bot.forged_are_stale(
            niran,
            (
                "poll:rank:1:1",  # already ranked
                "poll:rank:1:5",  # an option of poll 2
                f"poll:rank:3:{other_poll_option}",  # a poll of another forum
                "poll:rank:1:999",
                "poll:rank:x:y",
                "poll:rank:1",
                "poll:submit:999",
                "poll:close:1",  # members cannot close
                "poll:frobnicate:1",
                "res:export:1",
                "res:show:3",
            ),
            message_id=message_id,
        )
        assert await snapshot(bot) == before


async def test_several_open_polls_offer_buttons(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, *_ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, POLL)
        await new_poll(bot, ada, "/newpoll Second?\nX\nY")
        await close_poll(bot, ada, "/closepoll")
        assert bot.last(ada)["text"] == "Which poll?"
        assert bot.labels(ada) == ["2. Second?", "1. Which priorities should the forum take…"]
        await bot.tap(ada, "2.")
        assert bot.last(ada)["text"].startswith("Close poll 2 “Second?” now?")
        await bot.tap(ada, "✅ Close poll 2 now")
        assert (
            await bot.services.db.fetchone("SELECT number FROM polls WHERE closed_at IS NOT NULL")
        )["number"] == 2
        await close_poll(bot, ada, "/closepoll 2")
        assert "no open poll with the number 2" in bot.last(ada)["text"]


async def test_non_member_deep_link_and_polls_list(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _, lena, _ = await forum_with_members(bot, fake, group=False)
        stranger = fake.add_user("Sam")
        await new_poll(bot, ada, POLL)
        await bot.send(stranger, "/start poll-1")
        assert "not one you can vote in" in bot.last(stranger)["text"]
        await bot.send(niran, "/polls")
        assert bot.labels(niran) == ["Rank: poll 1"]
        await bot.tap(niran, "Rank")
        assert "Tap the options" in bot.last(niran)["text"]
        await bot.send(lena, "/polls")  # observers see polls, without a ballot
        assert "open until" in bot.last(lena)["text"]
        assert not bot.fake.buttons(bot.last(lena))


async def test_poll_from_a_priority_catalog_keep_drop_add(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, *_ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, "/newpoll")
        assert "Regional priority areas" in " ".join(bot.labels(ada))
        await bot.tap(ada, "Regional priority areas")
        labels = bot.labels(ada)
        assert len(labels) == 36 and labels[-1] == "Continue with 0 options ▶"
        for n in (1, 2, 3):
            await bot.tap(ada, n)  # keep items 1-3...
        await bot.tap(ada, 2)  # ...then drop item 2 again
        assert bot.labels(ada)[-1] == "Continue with 2 options ▶"
        await bot.tap(ada, "Continue")
        await new_poll(bot, ada, "Which areas first?\nA national green jobs programme\ncloses: 3d")
        poll = await bot.services.db.fetchone("SELECT id, question, catalog FROM polls")
        assert tuple(poll)[1:] == ("Which areas first?", "table2")
        options = await bot.services.db.fetchall(
            "SELECT position, ref, text FROM poll_options ORDER BY position"
        )
        assert [(o["position"], o["ref"]) for o in options] == [
            (1, "t2-01"),
            (2, "t2-03"),
            (3, None),
        ]
        assert options[2]["text"] == "A national green jobs programme"
        assert ballot(bot, niran)["text"].startswith("Poll 1: Which areas first?")


async def test_poll_dialog_typed_form_and_default_question(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, *_ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, "/newpoll")
        await bot.send(ada, "Just one option?\nA")
        assert "needs 2 to 12 options" in bot.last(ada)["text"]
        await new_poll(bot, ada, "Two options?\nA\nB")
        assert (await bot.services.db.fetchone("SELECT count(*) FROM polls"))[0] == 1
        await new_poll(bot, ada, "/newpoll")
        await bot.tap(ada, "Expanded roles for Cleaner")
        await bot.tap(ada, 1)
        await bot.tap(ada, "Continue")
        await bot.tap(ada, "Use the default question")
        assert "needs 2 to 12 options" in bot.last(ada)["text"]  # one kept option is too few
        calls = await bot.forge(ada, "np:item:1")  # the picker is over: stale
        assert bot.answers(calls) == ["This button is no longer valid."]


async def test_biggest_results_fit_one_message(tmp_path, fake):
    """12 options of the maximum length and all six stakeholder groups: one message."""
    groups = ["government", "industry", "civil_society", "academia", "international", "other"]
    groups *= 2  # two voters each, shown at the forum's smallest threshold
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada = fake.add_user("Ada")
        code, _ = await new_forum(bot, ada)
        await bot.send(ada, "/settings")
        await bot.tap(ada, "2 ballots")
        voters = [fake.add_user(f"Voter {g}") for g in groups]
        for voter, group in zip(voters, groups, strict=True):
            await join(bot, voter, code, group=group)
        options = [f"{n:02d} " + "x" * 143 + " end" for n in range(1, 13)]
        assert all(len(o) == 150 for o in options)
        await new_poll(bot, ada, "/newpoll " + "Q" * 300 + "\n" + "\n".join(options))
        for voter in voters:
            for n in range(12, 0, -1):
                await bot.tap(voter, f"{n}.", message_id=ballot(bot, voter)["message_id"])
            await bot.tap(voter, "✅")
        calls = await bot.send(ada, "/results")
        text = calls[0].params["text"]
        assert calls[0].ok and len(text) <= 4096
        # Each group's ranking names the options, shortened so that the whole fits.
        assert "Other (2): 12 xxxx" in text and "› 11 xxxx" in text
        assert "12 › 11" not in text


async def test_unicode_digits_are_not_numbers(tmp_path, fake):
    """str.isdigit() accepts "²", which int() rejects: typed or forged, it must change nothing."""
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, *_ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, POLL)
        before = await snapshot(bot)
        await bot.send(ada, "/results ²")
        assert "There is no poll with the number ²." in bot.last(ada)["text"]
        await close_poll(bot, ada, "/closepoll ١")
        assert "There is no open poll with the number ١." in bot.last(ada)["text"]
        await bot.send(niran, "/start poll-²")
        assert "not one you can vote in" in bot.last(niran)["text"]
        message_id = ballot(bot, niran)["message_id"]
        calls = await bot.forge(niran, "poll:open:²", message_id=message_id)
        assert "not one you can vote in" in bot.answers(calls)[0]
        await bot.forged_are_stale(niran, SUPERSCRIPT_IDS, message_id=message_id)
        assert await snapshot(bot) == before


async def test_a_failing_group_post_does_not_turn_a_close_into_sorry(tmp_path, fake):
    """Issue 13: a 5xx while refreshing the group's post at /closepoll made the bot say "Sorry"
    although the poll was closed, and the post kept looking open. The close is committed first;
    the post is retried in the background until Telegram answers."""
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, *_, chat = await forum_with_members(bot, fake)
        await new_poll(bot, ada, POLL)
        fake.fail("editMessageText", chat_id=chat.id, error_code=502, times=2)
        start = len(fake.calls)
        await close_poll(bot, ada, "/closepoll")
        texts = [m["text"] for m in fake.messages(ada.id)]
        assert "Poll 1 is closed." in texts[-2] and "Results of poll 1" in texts[-1]
        assert not any(text.startswith("Sorry") for text in texts)
        edits = [
            c
            for c in fake.calls[start:]
            if c.method == "editMessageText" and c.params.get("chat_id") == chat.id
        ]
        assert [c.ok for c in edits] == [False, False, True]
        assert "Closed." in edits[-1].params["text"]


async def test_undo_on_an_older_copy_of_the_ballot_is_no_error(tmp_path, fake):
    """Two copies of one ballot: the older one may already show what an undo leads to, and
    Telegram answers "message is not modified"; that is no reason to say "Sorry"."""
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, *_ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, POLL)
        await bot.send(niran, "/start poll-1")
        older = bot.last_keyboard(niran.id)["message_id"]
        await bot.send(niran, "/start poll-1")
        newer = bot.last_keyboard(niran.id)["message_id"]
        assert newer != older
        await bot.tap(niran, 1, message_id=newer)  # ranks the first option on the newer copy
        calls = await bot.tap(niran, "↩", message_id=older)  # the older copy shows no ranking
        assert not [m for m in fake.messages(niran.id) if m["text"].startswith("Sorry")]
        assert [c.method for c in calls] == ["answerCallbackQuery"]  # it shows that already


async def test_two_quick_taps_leave_the_ballot_showing_what_is_stored(tmp_path, fake):
    """Rank, then undo before the first edit reaches the phone: the undo's update carries the
    message as it was before the rank, which already looks like the undone ballot. The ballot
    must still be redrawn, or it keeps showing a ranking the database no longer holds."""
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, *_ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, POLL)
        message_id = ballot(bot, niran)["message_id"]
        before = ballot(bot, niran)["text"]
        fake.tap(niran, message_id, 1)  # both queued before the bot sees either
        fake.tap(niran, message_id, "↩")
        await bot.settle()
        shown = next(m for m in fake.messages(niran.id) if m["message_id"] == message_id)
        row = await bot.services.db.fetchone("SELECT draft FROM ballots")
        assert row["draft"] == "[]"  # the undo emptied the draft
        assert shown["text"] == before, shown["text"]
