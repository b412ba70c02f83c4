"""Randomized Bot API faults under load: every delivery ends sent, or recorded with a reason.

An announcement, a poll's ballots and a meeting reminder (with its calendar file) go to every
member of a large forum at once, while the fake Bot API answers a random share of the calls with
429 (retry_after), 500/502, timeouts (the request lost, or the message delivered and the answer
lost), 403 (blocked), 400 (chat not found) and, for the group, a migration to a supergroup.
Virtual time (one FakeClock for the bot's pacing and the fake's flood model) lets thousands of
paced calls run in seconds. Afterwards the outbox and the fake's call
log must agree row by row, within the README's promise on duplicates (a row whose try timed out
may have arrived twice, no row more), and the database must be sound.

The faults come from a seeded `random.Random`, so a failure replays exactly. CI runs a fixed
seed; a longer soak with more members and many seeds:

    FAULT_SOAK=1 uv run pytest tests/test_faults.py
    FAULT_SOAK=1 FAULT_SEEDS=100 FAULT_MEMBERS=5000 uv run pytest tests/test_faults.py
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest

from app.heartbeat import run_due
from bot.clock import FakeClock
from fake_telegram import Call, FakeTelegram, settle
from tests.harness import START, link_group, running_bot
from tests.test_announce import crowd
from tests.test_polls import POLL

pytestmark = pytest.mark.slow  # randomized faults over hundreds of deliveries

SOAK = os.environ.get("FAULT_SOAK") == "1"
SEEDS = range(int(os.environ.get("FAULT_SEEDS", "20"))) if SOAK else (20261123,)
MEMBERS = int(os.environ.get("FAULT_MEMBERS", "4000")) if SOAK else 1000
FAULTY_SHARE = 0.3  # of the members' chats get one or two scripted faults
ANNOUNCEMENT = "Faults drill: the session moves to Room 7."
# At START its 30-day reminder (the one with the calendar file) is due, the 7-day one not yet.
MEETING = "/meeting Faults drill session\nstarts: 2026-12-20 09:00\nplace: Room 7"

# What identifies each kind of broadcast among the fake's successful calls.
MATCHERS: dict[str, Callable[[Call], bool]] = {
    "announcement": lambda c: (
        c.method == "sendMessage"
        and "Room 7" in c.params.get("text", "")
        and c.params["text"].startswith("📣")
    ),
    "ballot": lambda c: (
        c.method == "sendMessage" and "poll:submit:1" in str(c.params.get("reply_markup"))
    ),
    "meeting_reminder": lambda c: (
        c.method in ("sendMessage", "sendDocument")
        and c.params.get("caption", c.params.get("text", "")).startswith("🔔 Reminder")
    ),
    "meeting_new": lambda c: (
        c.method == "sendDocument" and c.params.get("caption", "").startswith("📅 New meeting")
    ),
}


def inject(fake: FakeTelegram, rng: random.Random, chat_id: int) -> None:
    """One scripted fault for a member's chat, on the methods the broadcasts use."""
    method = rng.choice(["sendMessage", "sendDocument", None])  # None: any method
    kinds, weights = ["429", "5xx", "timeout", "delivered", "403", "400"], [4, 3, 2, 2, 1, 1]
    kind = rng.choices(kinds, weights=weights)[0]
    if kind == "429":
        fake.fail(method, chat_id=chat_id, retry_after=rng.randint(1, 12), times=rng.randint(1, 3))
    elif kind == "5xx":
        fake.fail(
            method, chat_id=chat_id, error_code=rng.choice([500, 502]), times=rng.randint(1, 6)
        )
    elif kind == "timeout":
        fake.fail(method, chat_id=chat_id, timeout=True, times=rng.randint(1, 6))
    elif kind == "delivered":  # Telegram sent it; its answer was lost
        fake.fail(method, chat_id=chat_id, timeout=True, delivered=True, times=rng.randint(1, 3))
    elif kind == "403":
        fake.fail(
            method,
            chat_id=chat_id,
            error_code=403,
            description="Forbidden: bot was blocked by the user",
            times=99,
        )
    else:
        fake.fail(
            method,
            chat_id=chat_id,
            error_code=400,
            description="Bad Request: chat not found",
            times=99,
        )


@pytest.mark.parametrize("seed", SEEDS)
async def test_randomized_faults_leave_every_delivery_accounted_for(tmp_path, seed):
    rng = random.Random(seed)
    clock = FakeClock(START)
    fake = FakeTelegram(clock=lambda: clock().timestamp())  # one virtual time for both sides
    fake.flood.enabled = True
    async with running_bot(tmp_path, admins=[1001], fake=fake, clock=clock) as bot:
        db = bot.services.db
        ada = fake.add_user("Ada", username="ada", user_id=1001)
        ids = await crowd(bot, fake, ada, MEMBERS)
        # A second coordinator creates the poll: Ada's own chat already gets her answers and
        # progress report directly, beside her copy of the broadcast, and direct answers are not
        # paced by the outbox (a 429 on them is retried by the lanes limiter in production).
        bea = fake.add_user("Bea", username="bea")
        await db.execute(
            "INSERT INTO users (id, first_name, consent_at, created_at, updated_at, language,"
            " stakeholder_group) VALUES (?, 'Bea', '2026-11-01', '2026-11-01', '2026-11-01', 'en',"
            " 'government')",
            (bea.id,),
        )
        await db.execute(
            "INSERT INTO memberships (forum_id, user_id, role, joined_at)"
            " VALUES (1, ?, 'coordinator', '2026-11-01')",
            (bea.id,),
        )
        group = fake.add_group("Forum group", members=[ada], admins=[ada])

        async def human(action) -> None:  # people take a few seconds between taps
            clock.advance(timedelta(seconds=3))
            await action

        await human(link_group(bot, ada, group))
        await human(bot.send(ada, MEETING))
        await human(bot.send(ada, f"/announce\n{ANNOUNCEMENT}"))
        await human(bot.tap(ada, "👥 Audience"))
        await human(bot.tap(ada, "☐ The forum's group chat"))
        await human(bot.tap(ada, "« Back to the preview"))

        for chat_id in ids:
            for _ in range(rng.choice([1, 1, 2])) if rng.random() < FAULTY_SHARE else ():
                inject(fake, rng, chat_id)
        # The group became a supergroup while the bot was not looking: it learns at its next send.
        supergroup = fake.add_group("Forum group", members=[ada], admins=[ada], supergroup=True)
        fake.fail("sendMessage", chat_id=group.id, migrate_to_chat_id=supergroup.id, times=99)
        flaky = rng.choice([{"retry_after": 5}, {"error_code": 502}, {"timeout": True}])
        fake.fail("sendMessage", chat_id=supergroup.id, times=rng.randint(1, 2), **flaky)

        await bot.send(bea, POLL)  # its preview; "Send" below
        # All at once: the announcement's drain runs while the poll is created and the
        # heartbeat queues the meeting reminders.
        clock.advance(timedelta(seconds=3))
        fake.tap(ada, bot.last_keyboard(ada.id)["message_id"], f"✅ Send to {MEMBERS + 3:,}")
        fake.tap(bea, bot.last_keyboard(bea.id)["message_id"], "✅ Send")
        await run_due(bot.app)
        await settle(fake, bot.app, seconds=120)  # thousands of calls: more than the default 10 s

        rows = await db.fetchall(
            "SELECT o.id, o.chat_id, o.user_id, o.state, o.error, o.timeouts, b.kind FROM outbox o"
            " JOIN broadcasts b ON b.id = o.broadcast_id"
        )
        by_kind = Counter(r["kind"] for r in rows)
        assert by_kind == {
            "announcement": MEMBERS + 3,  # the members, Ada, Bea, the group
            "ballot": MEMBERS + 2,
            "meeting_reminder": MEMBERS + 2,
            "meeting_new": MEMBERS + 1,  # the announcement of the meeting: all but Ada
        }, by_kind
        states = Counter(r["state"] for r in rows)
        finished = {"sent", "blocked", "failed", "unconfirmed"}
        assert set(states) <= finished, f"rows left unfinished: {states}"
        assert all(states[state] > 0 for state in finished), states
        unexplained = [tuple(r) for r in rows if r["state"] != "sent" and not r["error"]]
        assert not unexplained, f"finished without a reason: {unexplained[:5]}"
        reasons = {r["error"] for r in rows if r["state"] != "sent"}
        assert {"Forbidden: bot was blocked by the user", "Chat not found"} <= reasons, reasons
        assert reasons & {"Internal Server Error", "Bad Gateway"}, "retries ran out"
        assert {r["error"] for r in rows if r["state"] == "unconfirmed"} >= {"Timed out"}
        injected = Counter(c.error_code for c in fake.calls if c.injected)
        assert injected[429] and injected[400] and injected[500] and injected[502], injected

        # The fake's log and the outbox agree: a sent row arrived exactly once, a failed or
        # blocked one never did; a row with a timed-out try arrived at most twice (once per
        # try that timed out after delivery, or the one that was confirmed), and only such
        # a row ends 'unconfirmed' ("possibly delivered").
        delivered: dict[str, Counter[int]] = {
            kind: Counter(c.params["chat_id"] for c in fake.calls if c.ok and matches(c))
            for kind, matches in MATCHERS.items()
        }

        def agrees(row) -> bool:
            n = delivered[row["kind"]][row["chat_id"]]
            if not row["timeouts"]:
                return row["state"] != "unconfirmed" and n == (row["state"] == "sent")
            return n <= 2 and (row["state"] != "sent" or n >= 1)

        wrong = [
            (r["kind"], r["chat_id"], r["state"], r["timeouts"], delivered[r["kind"]][r["chat_id"]])
            for r in rows
            if not agrees(r)
        ]
        assert not wrong, f"outbox and deliveries disagree: {wrong[:10]}"
        twice = sum(n - 1 for kind in delivered.values() for n in kind.values() if n > 1)
        assert twice > 0, "the drill had a message delivered twice (a lost answer, retried)"
        assert sum(sum(n.values()) for n in delivered.values()) <= states["sent"] + 2 * sum(
            1 for r in rows if r["timeouts"]
        ), "no strays"
        timed_out = [r for r in rows if r["timeouts"]]
        assert all(r["timeouts"] <= 2 for r in timed_out), "never a third try after a timeout"
        group_rows = [r for r in rows if r["user_id"] is None]
        assert [(r["chat_id"], r["state"]) for r in group_rows] == [(supergroup.id, "sent")]
        assert [r["chat_id"] for r in await db.fetchall("SELECT chat_id FROM forum_chats")] == [
            supergroup.id
        ]

        blocked = {r["user_id"] for r in rows if r["state"] == "blocked"}
        inactive = {r["id"] for r in await db.fetchall("SELECT id FROM users WHERE is_active = 0")}
        assert inactive == blocked
        assert sum(fake.flood.rejected.values()) == 0, "paced under the flood limits"

        assert (await db.fetchone("PRAGMA integrity_check"))[0] == "ok"
        assert await db.fetchall("PRAGMA foreign_key_check") == []
    # running_bot's exit checks: nothing reached the error handler, and every failed Bot API
    # call was either injected or a 403.
