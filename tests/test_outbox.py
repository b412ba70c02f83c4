"""Every bulk send goes through the outbox, not only announcements: ballots, reminders with their
calendar file, feedback photos; with Telegram's faults and a stop in the middle."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from datetime import timedelta

from app.outbox import IN_FLIGHT
from bot.clock import FakeClock
from fake_telegram import FakeTelegram, FakeUser
from tests.harness import START as START_OF_TESTS
from tests.harness import _start as start_application
from tests.harness import _stop as stop_application
from tests.harness import close_poll, running_bot
from tests.test_announce import TEXT, crowd, deliveries
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
        await bot.send(ada, POLL)  # the preview, then "Send" not settled: ballots on their way
        fake.tap(ada, bot.last_keyboard(ada.id)["message_id"], "✅ Send")
        async with asyncio.timeout(10):
            while sum(ballots(fake).values()) < 100:  # noqa: ASYNC110 - the fake's log has no event
                await asyncio.sleep(0.001)
        assert sum(ballots(fake).values()) < len(ids), "stopped in the middle"
        await bot.restart()  # the drain is cancelled; the rest goes out after the start

        # How many went twice depends on where the stop landed in the running drain (a race
        # by design): the promise is the bound.
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
        await bot.send(
            ada, POLL
        )  # the preview, then "Send" not settled: ballots still going out...
        fake.tap(ada, bot.last_keyboard(ada.id)["message_id"], "✅ Send")
        async with asyncio.timeout(10):
            while sum(ballots(fake).values()) < 5:  # noqa: ASYNC110 - the fake's log has no event
                await asyncio.sleep(0.001)
        await close_poll(bot, ada, "/closepoll 1")  # ...when the (anonymous) poll closes
        # Ballots still queued at the close are dropped with their rows (those listed the
        # voters); the ones already out lost their buttons.
        assert set(ballots(fake)) <= {ada.id, *ids}
        assert not await bot.services.db.fetchall("SELECT * FROM outbox WHERE on_sent NOT NULL")
        rows = await bot.services.db.fetchall("SELECT user_id FROM ballots")
        assert [r["user_id"] for r in rows] == [], "no ballot row names a member afterwards"


class Blocker:
    """Another process holding the database: a second sqlite3 connection in BEGIN IMMEDIATE,
    taken when the bot is in the middle of a broadcast and let go after `hold` seconds of the
    bot's virtual time (its retry waits move that clock; nothing here waits on the wall)."""

    def __init__(self, bot, fake: FakeTelegram, *, after: int, hold: float) -> None:
        self.conn = sqlite3.connect(bot.config.database_path, isolation_level=None, timeout=0)
        self.bot, self.fake, self.after, self.hold = bot, fake, after, hold
        self.since: float | None = None
        self.released = False
        handle, sleep = fake.handle, bot.services.sleep

        async def handle_then_lock(method: str, params: dict) -> dict:
            answer = await handle(method, params)
            if self.since is None and sum(deliveries(fake).values()) >= after:
                await self.take()
            return answer

        async def sleep_then_release(seconds: float) -> None:
            await sleep(seconds)
            if self.since is not None and self.bot.clock().timestamp() - self.since > self.hold:
                self.release()

        fake.handle = handle_then_lock  # type: ignore[method-assign]
        bot.services.sleep = sleep_then_release

    async def take(self) -> None:
        while True:  # the bot may be inside a transaction of its own: wait for it, not block it
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError:
                await asyncio.sleep(0)
        self.since = self.bot.clock().timestamp()

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.conn.rollback()


def _fake_on_the_clock() -> tuple[FakeClock, FakeTelegram]:
    """A fake Bot API whose times follow the bot's injected clock."""
    clock = FakeClock(START_OF_TESTS)
    return clock, FakeTelegram(clock=lambda: clock().timestamp())


async def _sixty_and_a_short_busy_timeout(bot, fake) -> tuple[FakeUser, list[int]]:
    """Ada, sixty members and the preview of her announcement; the bot's busy_timeout lowered
    so that waiting out a lock longer than it costs milliseconds of the test's time."""
    ada = fake.add_user("Ada", username="ada", user_id=1001)
    ids = await crowd(bot, fake, ada, 60)
    await bot.send(ada, f"/announce\n{TEXT}")
    await bot.services.db.conn.execute("PRAGMA busy_timeout = 20")
    return ada, ids


async def test_a_busy_database_strands_no_row_and_the_report_completes(tmp_path):
    clock, fake = _fake_on_the_clock()
    async with running_bot(tmp_path, admins=[1001], fake=fake, clock=clock) as bot:
        # Another process (a backup, sqlite3 in a shell) holds the write lock for longer than the
        # bot's busy_timeout.
        ada, ids = await _sixty_and_a_short_busy_timeout(bot, fake)
        blocker = Blocker(bot, fake, after=20, hold=30.0)
        await bot.tap(ada, "✅")
        waited_it_out = blocker.released  # let go by the bot's own retry waits
        blocker.release()  # if the bot gave up waiting, nothing else would have let go
        await bot.run_due()  # the next heartbeat, in case the drain had died
        assert blocker.since is not None, "the lock was taken mid-broadcast"
        assert waited_it_out, "the drain waited through the lock instead of giving up"

        got = deliveries(fake)
        assert set(got) == {*ids, ada.id}, "nobody missed"
        assert max(got.values()) == 1, "nobody twice: no row was sent again in the same run"
        states = await bot.services.db.fetchall(
            "SELECT state, COUNT(*) AS n FROM outbox GROUP BY 1"
        )
        assert {r["state"]: r["n"] for r in states} == {"sent": len(ids) + 1}, "none left sending"
        reports = [m["text"] for m in fake.messages(ada.id) if "delivered." in m["text"]]
        assert reports == ["📣 Announcement delivered. 61 of 61 sent, 0 blocked the bot, 0 failed."]


async def test_a_timeout_is_retried_once_and_reported_as_possibly_delivered(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada = fake.add_user("Ada", username="ada", user_id=1001)
        ids = await crowd(bot, fake, ada, 40)
        # Telegram accepted the message and the answer was lost, once, or every time; or the
        # request itself was lost, once, or every time.
        lost_answer, always_lost_answer, lost_request, always_lost_request = ids[:4]
        fake.fail("sendMessage", chat_id=lost_answer, timeout=True, delivered=True)
        fake.fail("sendMessage", chat_id=always_lost_answer, timeout=True, delivered=True, times=9)
        fake.fail("sendMessage", chat_id=lost_request, timeout=True)
        fake.fail("sendMessage", chat_id=always_lost_request, timeout=True, times=9)
        # A 5xx after a timeout is retried as before, but the row stays one that may have arrived.
        after_5xx = ids[4]
        fake.fail("sendMessage", chat_id=after_5xx, timeout=True, delivered=True)
        fake.fail("sendMessage", chat_id=after_5xx, error_code=502, times=9)
        await bot.send(ada, f"/announce\n{TEXT}")
        await bot.tap(ada, "✅")

        got = deliveries(fake)
        timed_out = {lost_answer, always_lost_answer, lost_request, always_lost_request, after_5xx}
        assert {chat: got[chat] for chat in timed_out} == {
            lost_answer: 2,  # the lost answer's message, and the retry's
            always_lost_answer: 2,  # retried once, not a third time
            lost_request: 1,
            always_lost_request: 0,
            after_5xx: 1,
        }
        assert all(got[chat] == 1 for chat in {*ids, ada.id} - timed_out), "exactly once"
        rows = await bot.services.db.fetchall("SELECT chat_id, state FROM outbox")
        states = {r["chat_id"]: r["state"] for r in rows}
        assert {chat: states[chat] for chat in timed_out} == {
            lost_answer: "sent",
            always_lost_answer: "unconfirmed",
            lost_request: "sent",
            always_lost_request: "unconfirmed",
            after_5xx: "unconfirmed",
        }
        reports = [m["text"] for m in fake.messages(ada.id) if "delivered." in m["text"]]
        assert reports == [
            "📣 Announcement delivered. 38 of 41 sent, 0 blocked the bot, 0 failed."
            " 3 possibly delivered: Telegram did not confirm them in time, and they were not"
            " sent again. 2 may have arrived twice: the first try timed out."
        ]


async def test_a_stop_while_the_database_stays_busy_neither_hangs_nor_loses_anyone(
    tmp_path, monkeypatch
):
    monkeypatch.setattr("app.outbox.STOP_GRACE", 0.05)  # real seconds; 5 in production
    clock, fake = _fake_on_the_clock()
    async with running_bot(tmp_path, admins=[1001], fake=fake, clock=clock) as bot:
        ada, ids = await _sixty_and_a_short_busy_timeout(bot, fake)
        blocker = Blocker(bot, fake, after=20, hold=float("inf"))  # held until we let go
        fake.tap(ada, bot.last_keyboard(ada.id)["message_id"], "✅")  # not settled: it runs
        async with asyncio.timeout(10):
            while blocker.since is None or not any(  # noqa: ASYNC110 - no event to wait on
                r["state"] == "sending"
                for r in await bot.services.db.fetchall("SELECT state FROM outbox")
            ):
                await asyncio.sleep(0)
        async with asyncio.timeout(10):
            await stop_application(bot.app)  # the outcomes cannot be written: it stops anyway
        blocker.release()
        bot.app = await start_application(bot.config, fake, clock, bot.errors)
        await bot.settle()

        # How many went twice depends on where the stop landed in the running drain (a race
        # by design): the promise is the bound.
        got = deliveries(fake)
        assert set(got) == {*ids, ada.id}, "nobody missed"
        assert sum(got.values()) - len(got) <= IN_FLIGHT, "duplicates only from the window"
        states = await bot.services.db.fetchall("SELECT DISTINCT state FROM outbox")
        assert [r["state"] for r in states] == ["sent"]
