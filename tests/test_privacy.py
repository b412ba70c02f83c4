"""/mydata and /forget: the member's data as JSON, then deleted from every table."""

from __future__ import annotations

import json

from tests.harness import close_poll, join, new_forum, new_poll, running_bot, snapshot

ZEPH_ID, ZEPH_NAME, ZEPH_USERNAME = 777000123, "Zephyrine", "zeph_x"
MEETING = "/meeting Spring session\nstarts: 2027-03-15 09:00\nplace: Room 3"


def ballot_of(bot, user, poll_id: int) -> int:
    for message in reversed(bot.fake.messages(user.id)):
        if any(
            b.get("callback_data") == f"poll:submit:{poll_id}" for b in bot.fake.buttons(message)
        ):
            return message["message_id"]
    raise AssertionError("no ballot")


async def vote(bot, user, poll_id: int) -> None:
    message_id = ballot_of(bot, user, poll_id)
    await bot.tap(user, "1.", message_id=message_id)
    await bot.tap(user, "✅", message_id=message_id)


async def tokyo_and_daily_tips(bot, user) -> None:
    """`user` picks Asia/Tokyo in /settings, then tips every day at 8:00 AM in /tip."""
    await bot.send(user, "/settings")
    await bot.tap(user, "Time zone")
    await bot.tap(user, "Asia/Tokyo")
    await bot.send(user, "/tip")
    await bot.tap(user, "🔔")
    await bot.tap(user, "Every day")
    await bot.tap(user, "8:00\u202fAM")


async def voted_and_closed(bot, coordinator, user, form: str, poll_id: int) -> None:
    """`coordinator` sends the /newpoll `form` (poll `poll_id`), `user` votes, it is closed."""
    await new_poll(bot, coordinator, form)
    await vote(bot, user, poll_id)
    await close_poll(bot, coordinator, f"/closepoll {poll_id}")


async def test_mydata_then_forget_leaves_nothing_behind(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada = fake.add_user("Ada", username="ada", user_id=1001)
        zeph = fake.add_user(ZEPH_NAME, username=ZEPH_USERNAME, user_id=ZEPH_ID)
        code, _ = await new_forum(bot, ada)
        await join(bot, zeph, code, group="civil_society")
        # A life in the forum: settings, tips, a meeting answer, three ballots, an announcement.
        await tokyo_and_daily_tips(bot, zeph)
        await bot.send(ada, MEETING)
        await bot.send(zeph, "/meetings")
        await bot.tap(zeph, "Going")
        await voted_and_closed(bot, ada, zeph, "/newpoll Closed and anonymous?\nA\nB", 1)
        await voted_and_closed(
            bot, ada, zeph, "/newpoll Closed and public?\nA\nB\nanonymous: no", 2
        )
        await new_poll(bot, ada, "/newpoll Still open?\nA\nB")
        await vote(bot, zeph, 3)
        await bot.send(ada, "/announce\nSee you in Room 3")
        await bot.tap(ada, "✅")
        await bot.send(zeph, "/tip add")  # leaves nothing: members may not add tips
        await bot.send(zeph, "/feedback")
        await bot.tap(zeph, "Meetings")
        await bot.send(zeph, "Please start on time")
        await bot.tap(zeph, "Send with my name")
        await bot.tap(ada, "↩ Reply")
        await bot.send(ada, "We will.")
        await bot.tap(zeph, "↩ Answer")
        await bot.send(zeph, "Thanks")

        calls = await bot.send(zeph, "/mydata")
        document = next(c for c in calls if c.method == "sendDocument").params["document"]
        assert document["filename"] == "my-data.json"
        data = json.loads(document["content"])
        tables = data["tables"]
        assert tables["users"][0]["first_name"] == ZEPH_NAME
        assert tables["users"][0]["timezone"] == "Asia/Tokyo"
        assert {"memberships", "rsvps", "tip_views", "tip_subscriptions", "outbox"} <= set(tables)
        assert tables["feedback"][0]["signed"] == 1
        assert [r["text"] for r in tables["feedback_replies"]] == ["Thanks"]  # their own only
        assert len(tables["ballots"]) == 2, "the public poll and the open one; not the anonymous"

        await bot.send(ada, "/forget")
        await bot.tap(ada, "✅ Yes")  # the only coordinator must hand over first
        assert "You are the only coordinator of Thailand SCP Forum" in bot.last(ada)["text"]

        await bot.send(zeph, "/forget")
        await bot.tap(zeph, "No, keep it")
        assert bot.last(zeph)["text"] == "Nothing was deleted."
        await bot.send(zeph, "/forget")
        await bot.tap(zeph, "✅ Yes, delete my data")
        assert bot.last(zeph)["text"].startswith("Done: your data is deleted.")

        # Grep every table for the member's id and names.
        dump = json.dumps(await snapshot(bot), default=str)
        for trace in (str(ZEPH_ID), ZEPH_NAME, ZEPH_USERNAME):
            assert trace not in dump, trace
        # The closed polls still count the ballot, without anyone's name; the open one does not.
        counted = await bot.services.db.fetchall(
            "SELECT poll_id, user_id FROM ballots WHERE submitted_at IS NOT NULL ORDER BY poll_id"
        )
        assert [tuple(row) for row in counted] == [(1, None), (2, None)]
        kept = await bot.services.db.fetchall("SELECT text, author_id, signed FROM feedback")
        assert [tuple(row) for row in kept] == [("Please start on time", None, 0)]  # anonymous
        calls = await bot.send(zeph, "/mydata")
        assert calls[0].params["text"] == "The bot keeps no data about you."

        await join(bot, zeph, code)  # and may join again, as someone new
        assert "Thailand SCP Forum" in bot.last(zeph)["text"]
