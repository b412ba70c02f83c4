"""The wall clock steps while the bot runs: back one hour, forward three years.

NTP corrects a drifting clock, an operator fixes a wrong date, a virtual machine resumes: the wall
clock jumps, while time itself (the monotonic clock) went on evenly. Pacing and retry waits must
not notice (a step back of an hour must not stall a broadcast for an hour, a step forward must
not cut a retry_after short), and nothing may be purged on the strength of a date that just
jumped. Attacked on the pacer, the outbox drain and the heartbeat, on virtual time only: the
FakeClock moves both clocks when time passes, and `step` moves the wall clock alone.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.pacing import OVERALL_PER_SECOND, Pacer
from fake_telegram import FakeTelegram, FakeUser
from tests.harness import START, Harness, close_poll, join, new_forum, new_poll, running_bot
from tests.test_announce import TEXT, crowd, deliveries

HOUR = timedelta(hours=1)
YEARS = timedelta(days=3 * 365)


def steps(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "bot.clock" and r.levelno == logging.WARNING
    ]


def after_deliveries(fake: FakeTelegram, count: int, action: Callable[[], None]) -> None:
    """Run `action` once, right after the announcement's `count`-th delivery."""
    handle, done = fake.handle, []

    async def handle_then_act(method: str, params: dict) -> dict:
        answer = await handle(method, params)
        if not done and sum(deliveries(fake).values()) >= count:
            done.append(True)
            action()
        return answer

    fake.handle = handle_then_act  # type: ignore[method-assign]


def virtual_telegram(clock: FakeClock) -> FakeTelegram:
    """Telegram's own clock is not ours: its flood control runs on time as it passes."""
    return FakeTelegram(clock=clock.monotonic)


def send_under_flood_control(fake: FakeTelegram, clock: FakeClock) -> None:
    """A moment after the preview (people take seconds), with Telegram's flood limits on."""
    clock.advance(timedelta(seconds=3))
    fake.flood.enabled = True


# --- the pacer ---


def test_the_pacer_measures_time_that_passed_not_the_wall_clock():
    clock = FakeClock(START)
    pacer = Pacer(clock.monotonic)
    assert pacer.overall_wait() == 0 and pacer.chat_wait(7) == 0
    pacer.spend(7)
    clock.step(-HOUR)
    assert pacer.overall_wait() == pytest.approx(1 / OVERALL_PER_SECOND), "not an hour"
    assert pacer.chat_wait(7) == pytest.approx(1.0), "one second per private chat, not an hour"
    pacer.hold(8, 10.0)  # Telegram said retry_after 10 for chat 8
    clock.step(YEARS)
    assert pacer.chat_wait(8) == pytest.approx(10.0), "a step forward does not end a hold"
    clock.advance(timedelta(seconds=10))
    assert pacer.chat_wait(8) == 0 and pacer.overall_wait() == 0


# --- the outbox drain ---


@asynccontextmanager
async def a_crowd_of_150(
    tmp_path: Path,
) -> AsyncIterator[tuple[Harness, FakeClock, FakeTelegram, FakeUser, list[int]]]:
    """A bot on virtual time (Telegram's too) with Ada's forum of 150 members: the bot, its
    clock, the fake, Ada and the members' ids."""
    clock = FakeClock(START)
    fake = virtual_telegram(clock)
    async with running_bot(tmp_path, admins=[1001], fake=fake, clock=clock) as bot:
        ada = fake.add_user("Ada", username="ada", user_id=1001)
        yield bot, clock, fake, ada, await crowd(bot, fake, ada, 150)


async def test_a_step_back_of_an_hour_mid_broadcast_does_not_stall_it(tmp_path, caplog):
    async with a_crowd_of_150(tmp_path) as (bot, clock, fake, ada, ids):
        await bot.send(ada, f"/announce\n{TEXT}")
        after_deliveries(fake, 50, lambda: clock.step(-HOUR))
        send_under_flood_control(fake, clock)
        started = clock.monotonic()
        await bot.tap(ada, "✅")

        got = deliveries(fake)
        assert set(got) == {*ids, ada.id} and max(got.values()) == 1
        # Still at the paced rate, measured in time that passed: 151 messages at ~29 a second.
        elapsed = clock.monotonic() - started
        assert 151 / 30 < elapsed < 151 / 25, f"took {elapsed:.0f} s"
        assert sum(fake.flood.rejected.values()) == 0
        reports = [m["text"] for m in fake.messages(ada.id) if "delivered." in m["text"]]
        assert reports == [
            "📣 Announcement delivered. 151 of 151 sent, 0 blocked the bot, 0 failed."
        ]
        assert len(steps(caplog)) == 1, steps(caplog)


async def test_a_step_forward_of_three_years_does_not_cut_a_retry_after_short(tmp_path, caplog):
    async with a_crowd_of_150(tmp_path) as (bot, clock, fake, ada, ids):
        slow = ids[20:25]  # told to wait before the step, and waiting through it
        for chat in slow:
            fake.fail("sendMessage", chat_id=chat, retry_after=20)
        await bot.send(ada, f"/announce\n{TEXT}")
        after_deliveries(fake, 50, lambda: clock.step(YEARS))
        send_under_flood_control(fake, clock)
        started = clock.monotonic()
        await bot.tap(ada, "✅")

        got = deliveries(fake)
        assert set(got) == {*ids, ada.id} and max(got.values()) == 1
        for chat in slow:  # Telegram's retry_after counts in seconds that pass
            tries = [c.at for c in fake.calls if c.params.get("chat_id") == chat]
            assert len(tries) == 2 and 20 <= tries[1] - tries[0] < 20.1, tries  # and its slot
        elapsed = clock.monotonic() - started
        assert 151 / 30 < elapsed < 151 / 25 + 20, f"took {elapsed:.0f} s"
        assert sum(fake.flood.rejected.values()) == 0
        assert len(steps(caplog)) == 1, steps(caplog)


# --- the heartbeat ---


async def remark(bot, member, text: str) -> None:
    await bot.send(member, "/feedback")
    await bot.tap(member, "Tips")
    await bot.send(member, text)
    await bot.tap(member, "✅ Send anonymously")


async def kept(bot) -> dict[str, int]:
    """What retention would delete: feedback, closed polls, finished broadcasts."""
    db = bot.services.db
    return {
        "feedback": (await db.fetchone("SELECT COUNT(*) FROM feedback"))[0],
        "closed polls": (
            await db.fetchone("SELECT COUNT(*) FROM polls WHERE closed_at IS NOT NULL")
        )[0],
        "broadcasts": (
            # A poll's ballot deliveries go when it closes (anonymity), not by retention.
            await db.fetchone(
                "SELECT COUNT(*) FROM broadcasts WHERE finished_at IS NOT NULL AND poll_id IS NULL"
            )
        )[0],
    }


async def test_a_step_forward_of_three_years_purges_nothing_until_it_has_held_a_day(
    tmp_path, fake, caplog
):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada = fake.add_user("Ada", username="ada", user_id=1001)
        niran = fake.add_user("Niran", username="niran")
        code, _ = await new_forum(bot, ada)
        await join(bot, niran, code)
        await new_poll(bot, ada, "/newpoll Closed already?\nA\nB")
        await close_poll(bot, ada, "/closepoll 1")
        await remark(bot, niran, "A remark worth keeping")
        await new_poll(bot, ada, "/newpoll Still open?\nA\nB\ncloses: 2026-11-30 17:00")
        await bot.run_due()
        before = await kept(bot)
        assert before["feedback"] == 1 and before["closed polls"] == 1 and before["broadcasts"]

        bot.clock.step(YEARS)  # someone set the year wrong, or a VM resumed with a stale clock
        await bot.run_due()
        after = await kept(bot)
        # Kept, and one more broadcast: the results of the poll that closed.
        assert after["feedback"] == 1 and after["broadcasts"] == before["broadcasts"] + 1
        # Deadlines follow the wall clock: the open poll closed, and the closed one is still there.
        assert after["closed polls"] == 2
        assert len(steps(caplog)) == 1, steps(caplog)
        assert "forward" in steps(caplog)[0]

        for _ in range(23):  # the heartbeat keeps beating; the new date holds
            bot.clock.advance(HOUR)
            await bot.run_due()
        assert (await kept(bot))["feedback"] == 1, "23 hours are not yet a day"
        bot.clock.advance(HOUR)
        await bot.run_due()
        # The remark, the first poll and its delivery records are three years old now; the
        # second poll closed a day ago, and its results went to the members a day ago (no group).
        assert await kept(bot) == {"feedback": 0, "closed polls": 1, "broadcasts": 1}
        (kind,) = await bot.services.db.fetchone("SELECT kind FROM broadcasts")
        assert kind == "results"
        assert len(steps(caplog)) == 1, "logged once"


async def test_a_step_back_of_an_hour_repeats_nothing_and_holds_purges_back(tmp_path, fake, caplog):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada = fake.add_user("Ada", username="ada", user_id=1001)
        niran = fake.add_user("Niran", username="niran")
        code, _ = await new_forum(bot, ada)
        await join(bot, niran, code)
        # Closes at 02:00 UTC on the 25th (Bangkok time), 41 hours from now; reminds 2 h before.
        await new_poll(
            bot, ada, "/newpoll Which first?\nA\nB\ncloses: 2026-11-25 09:00\nremind: 2h"
        )
        await remark(bot, niran, "An old remark")
        bot.clock.advance(timedelta(hours=39, minutes=30))  # the reminder is due
        reminders = [c for c in await bot.run_due() if c.params.get("chat_id") == niran.id]
        assert len(reminders) == 1

        bot.clock.step(-HOUR)  # back before the reminder time
        assert await bot.run_due() == [], "no reminder again"
        bot.clock.advance(HOUR)
        assert await bot.run_due() == [], "nor when its time comes round again"
        assert len(steps(caplog)) == 1 and "back" in steps(caplog)[0]

        # The remark is 1 year and 1 day old by the wall clock and the forum keeps 1 year; the
        # retention run waits for the step to hold for a day before it deletes.
        await bot.send(ada, "/settings")
        await bot.tap(ada, "1 year")
        bot.clock.step(timedelta(days=366))
        await bot.run_due()
        assert (await kept(bot))["feedback"] == 1
        bot.clock.advance(timedelta(hours=24))
        await bot.run_due()
        assert (await kept(bot))["feedback"] == 0
        assert len(steps(caplog)) == 2
