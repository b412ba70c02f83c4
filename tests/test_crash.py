"""kill -9 of the real bot process (`main.py run` on loopback) in the middle of a broadcast and of
a poll's closing; a new process on the same database must finish the work without losing or
repeating more than the design allows (ARCHITECTURE.md, "The outbox").

The fake Bot API records every call as it arrives, so the test knows exactly what reached
"Telegram" before the kill. Where the moment of the kill must be exact, an injected timeout
stalls the loopback server on one call (30 s, longer than PTB's 5 s read timeout) and the kill
lands while the bot waits for it.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.outbox import IN_FLIGHT
from db import forums as forums_db
from db.connection import Database
from db.instance import AlreadyRunning, claim
from db.migrate import migrate
from fake_telegram import FakeChat, FakeTelegram, FakeUser, serve
from tests.test_announce import TEXT, deliveries
from tests.test_outbox import ballots
from tests.test_run import ROOT, eventually, start_bot, stop

pytestmark = pytest.mark.slow  # real processes, killed and restarted

BROADCAST_MEMBERS = 240  # ~8.5 s at the real pace of 28.5 messages a second
POLL_MEMBERS = 40
POLL = (
    "/newpoll Which priority should the forum take up first?\n"
    "Green public procurement\nEco-labelling\nWaste segregation"
)  # anonymous by default


def database(tmp_path: Path) -> Path:
    return tmp_path / "db" / "forum.sqlite3"  # where tests.test_run.start_bot puts it


async def seed(
    tmp_path: Path, fake: FakeTelegram, size: int, *, group: bool = False
) -> tuple[FakeUser, list[int], FakeChat | None]:
    """A forum with Ada (coordinator), `size` members and maybe a linked group, written before
    the bot starts, as the tests' crowd() does (onboarding is tested elsewhere)."""
    ada = fake.add_user("Ada", username="ada")
    ids = [fake.add_user(f"Member {n}").id for n in range(size)]
    chat = fake.add_group("Forum group", members=[ada], admins=[ada]) if group else None
    now = datetime.now(UTC)
    db = await Database.open(database(tmp_path))
    try:
        await migrate(db)
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO users (id, first_name, consent_at, created_at, updated_at, language,"
                " stakeholder_group) VALUES (?, ?, ?, ?, ?, 'en', 'industry')",
                [
                    (i, f"User {i}", "2026-11-01", "2026-11-01", "2026-11-01")
                    for i in [ada.id, *ids]
                ],
            )
        forum_id = await forums_db.create_forum(
            db,
            name="Crash Forum",
            timezone="Asia/Bangkok",
            language="en",
            country=None,
            member_code="crash-members",
            creator_id=ada.id,
            now=now,
        )
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO memberships (forum_id, user_id, role, joined_at)"
                " VALUES (?, ?, 'member', '2026-11-01')",
                [(forum_id, i) for i in ids],
            )
        if chat is not None:
            await forums_db.link_chat(
                db, chat_id=chat.id, forum_id=forum_id, title="Forum group", user_id=ada.id, now=now
            )
    finally:
        await db.close()
    return ada, ids, chat


def query(tmp_path: Path, sql: str, parameters: tuple = ()) -> list[tuple]:
    """Read the database as it is on disk (the bot is dead, or has its own connection)."""
    with sqlite3.connect(database(tmp_path)) as conn:
        return conn.execute(sql, parameters).fetchall()


def sound(tmp_path: Path) -> None:
    assert query(tmp_path, "PRAGMA integrity_check") == [("ok",)]
    with sqlite3.connect(database(tmp_path)) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


async def kill_9(process) -> None:
    process.kill()  # SIGKILL: no shutdown, no cleanup, the database as the kill left it
    await process.wait()


def keyboard_of(fake: FakeTelegram, chat_id: int) -> dict | None:
    found = [m for m in fake.messages(chat_id) if fake.buttons(m)]
    return found[-1] if found else None


async def test_kill_9_in_the_middle_of_a_broadcast(tmp_path):
    fake = FakeTelegram()
    ada, ids, _ = await seed(tmp_path, fake, BROADCAST_MEMBERS)
    everyone = {ada.id, *ids}  # the coordinator is a member too
    server, port = await serve(fake)
    bot = None
    try:
        bot = await start_bot(tmp_path, fake, port, BOT_ADMINS=str(ada.id))
        fake.send_text(ada, f"/announce\n{TEXT}")
        await eventually(lambda: keyboard_of(fake, ada.id))
        fake.tap(ada, keyboard_of(fake, ada.id)["message_id"], "✅ Send to")
        await eventually(lambda: sum(deliveries(fake).values()) >= len(everyone) // 3)
        await kill_9(bot)

        # Bounds, not counts: a real process is killed wherever the OS had got it to.
        states = dict(query(tmp_path, "SELECT state, COUNT(*) FROM outbox GROUP BY state"))
        assert states.get("pending", 0) > 0, f"killed in the middle: {states}"
        assert states.get("sending", 0) <= IN_FLIGHT
        sent_before = sum(deliveries(fake).values())

        bot = await start_bot(tmp_path, fake, port, BOT_ADMINS=str(ada.id))
        await eventually(lambda: set(deliveries(fake)) == everyone, seconds=60)
        report = f"📣 Announcement delivered. {len(everyone)} of {len(everyone)} sent"
        await eventually(
            lambda: any(m["text"].startswith(report) for m in fake.messages(ada.id)), seconds=10
        )
        await stop(bot)
    finally:
        if bot is not None and bot.returncode is None:
            await kill_9(bot)
        server.stop()

    got = deliveries(fake)
    assert sent_before < len(everyone), "the kill came before the end"
    assert set(got) == everyone, "nobody missed"
    assert sum(got.values()) - len(got) <= IN_FLIGHT, f"duplicates beyond the window: {got}"
    assert query(tmp_path, "SELECT state, COUNT(*) FROM outbox GROUP BY state") == [
        ("sent", len(everyone))
    ]
    assert query(tmp_path, "SELECT COUNT(*) FROM broadcasts WHERE finished_at IS NULL") == [(0,)]
    sound(tmp_path)


def results_in(fake: FakeTelegram, chat: FakeChat) -> list[str]:
    return [
        c.params["text"]
        for c in fake.calls_to("sendMessage", chat_id=chat.id)
        if c.ok and "Results of poll 1" in c.params["text"]
    ]


@pytest.mark.parametrize(
    "stalled",
    [
        # While the ballots are edited to say closed (one direct call each): the close and the
        # results in the outbox are committed, the edits are not all done.
        ("editMessageText", None),
        # While the results go to the group from the outbox: the row is 'sending'.
        ("sendMessage", "group"),
    ],
    ids=["during-ballot-edits", "during-results-send"],
)
async def test_kill_9_while_a_poll_closes(tmp_path, stalled):
    fake = FakeTelegram()
    ada, ids, group = await seed(tmp_path, fake, POLL_MEMBERS, group=True)
    assert group is not None
    voters = [fake.user(i) for i in ids[:5]]
    server, port = await serve(fake)
    bot = None
    try:
        bot = await start_bot(tmp_path, fake, port, BOT_ADMINS=str(ada.id))
        fake.send_text(ada, POLL)
        await eventually(lambda: "np:send" in str(fake.messages(ada.id)[-1:]))
        fake.tap(ada, fake.last_message(ada.id)["message_id"], "✅ Send")
        await eventually(lambda: set(ballots(fake)) == {ada.id, *ids})
        for voter in voters:
            fake.tap(voter, keyboard_of(fake, voter.id)["message_id"], "1.")
        await eventually(
            lambda: all("Your ranking: 1" in fake.last_message(v.id)["text"] for v in voters)
        )
        for voter in voters:
            fake.tap(voter, keyboard_of(fake, voter.id)["message_id"], "✅")
        await eventually(
            lambda: all("is submitted" in fake.last_message(v.id)["text"] for v in voters)
        )

        method, chat = stalled
        # A ballot's edit, not just any edit: the group's live post is refreshed after the
        # submissions, and the limiter may hold one of those edits back until now.
        chat_id = group.id if chat == "group" else voters[-1].id
        fake.fail(method, chat_id=chat_id, timeout=True)
        fake.send_text(ada, "/closepoll 1")
        await eventually(lambda: "poll:shut:1" in str(fake.messages(ada.id)[-1:]))
        fake.tap(ada, fake.last_message(ada.id)["message_id"], "✅ Close")
        await eventually(lambda: any(c.injected for c in fake.calls_to(method, chat_id=chat_id)))
        await kill_9(bot)

        [(closed_at,)] = query(tmp_path, "SELECT closed_at FROM polls WHERE id = 1")
        assert closed_at is not None, "the kill came after the close committed"
        results_row = query(
            tmp_path,
            "SELECT o.state FROM outbox o JOIN broadcasts b ON b.id = o.broadcast_id"
            " WHERE b.kind = 'results' AND o.chat_id = ?",
            (group.id,),
        )
        delivered_before = len(results_in(fake, group))
        if method == "editMessageText":
            # The results and the ballots' edits are queued together: by the kill the results
            # may be anywhere from queued to delivered.
            assert results_row in ([("pending",)], [("sending",)], [("sent",)])
        else:
            assert results_row == [("sending",)]
            assert delivered_before == 0, "nothing reached the group before the kill"
        # What the restart owes: nothing once recorded as sent; otherwise one sending, also
        # when the kill came between Telegram's delivery and the record of it (the in-flight
        # window app/outbox.py documents: sent again, so that nobody is skipped).
        owed = 0 if results_row == [("sent",)] else 1
        getting = len(fake.calls_to("getUpdates"))

        bot = await start_bot(tmp_path, fake, port, BOT_ADMINS=str(ada.id))
        await eventually(lambda: results_in(fake, group))
        await eventually(lambda: len(fake.calls_to("getUpdates")) > getting)
        fake.send_text(ada, "/closepoll 1")  # a second close: nothing to do
        await eventually(lambda: "no open poll" in fake.last_message(ada.id)["text"])
        old_ballot = fake.messages(voters[0].id)[-1]
        if "poll:rank" in str(fake.buttons(old_ballot)):  # its edit has not come yet:
            # the tap is refused
            tap = fake.callback_queries[fake.tap(voters[0], old_ballot["message_id"], 1)["id"]]
            await eventually(lambda: tap["answered"])
            assert tap["answer"]["text"] == "This poll is closed."
        # The ballots' edits are in the outbox too: the one that timed out is retried after
        # its backoff, and nothing is left owed.
        await eventually(
            lambda: query(tmp_path, "SELECT COUNT(*) FROM outbox WHERE state != 'sent'") == [(0,)]
        )
        await stop(bot)
    finally:
        if bot is not None and bot.returncode is None:
            await kill_9(bot)
        server.stop()

    assert len(results_in(fake, group)) == delivered_before + owed, "the results, once more at most"
    assert len(results_in(fake, group)) >= 1
    assert query(tmp_path, "SELECT closed_at FROM polls") == [(closed_at,)], "closed once"
    closed_replies = [
        c
        for c in fake.calls_to("sendMessage", chat_id=ada.id)
        if "Poll 1 is closed" in c.params["text"]
    ]
    assert len(closed_replies) <= 1  # none if the kill lost it (the close had committed), or one
    assert query(tmp_path, "SELECT DISTINCT state FROM outbox") == [("sent",)]
    # Anonymous: five submitted ballots, with nothing left that leads back to the voters.
    assert query(
        tmp_path,
        "SELECT COUNT(*), COUNT(user_id), COUNT(chat_id), COUNT(message_id),"
        " COUNT(submitted_at), MAX(draft) FROM ballots",
    ) == [(5, 0, 0, 0, 5, "[]")]
    sound(tmp_path)


async def test_a_second_instance_refuses_and_a_killed_one_blocks_nothing(tmp_path):
    """A second `main.py run` on the same database must not touch it: on main it requeued the
    first one's in-flight rows at its start and sent them again. `backup` still works."""
    fake = FakeTelegram()
    _, ids, _ = await seed(tmp_path, fake, 1)
    server, port = await serve(fake)
    first = third = None
    try:
        first = await start_bot(tmp_path, fake, port, log_name="first.log")
        await eventually(lambda: fake.calls_to("getUpdates"))
        # A message the first instance has on the wire (as a drain leaves it mid-send).
        with sqlite3.connect(database(tmp_path)) as conn:
            conn.execute(
                "INSERT INTO broadcasts (id, forum_id, kind, created_at) VALUES"
                " (99, 1, 'announcement', '2026-11-01')"
            )
            conn.execute(
                "INSERT INTO outbox (broadcast_id, chat_id, user_id, text, state, not_before)"
                " VALUES (99, ?, ?, 'In flight', 'sending', '2026-11-01')",
                (ids[0], ids[0]),
            )
        getting_me = len(fake.calls_to("getMe"))

        second = await start_bot(tmp_path, fake, port, log_name="second.log")
        assert await asyncio.wait_for(second.wait(), timeout=15) == 2
        lines = second.log_path.read_text(encoding="utf-8").strip().splitlines()
        assert len(lines) == 1, lines
        assert f"pid {first.pid}" in lines[0] and "DATABASE_PATH" in lines[0], lines
        assert len(fake.calls_to("getMe")) == getting_me, "the second never reached Telegram"
        assert query(tmp_path, "SELECT state FROM outbox") == [("sending",)], "untouched"

        backup = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "main.py"),
            "backup",
            str(tmp_path / "copy.sqlite3"),
            cwd=tmp_path,
            env={"PATH": os.environ["PATH"], "DATABASE_PATH": str(database(tmp_path))},
        )
        assert await asyncio.wait_for(backup.wait(), timeout=30) == 0
        assert first.returncode is None, "the first runs on"

        await kill_9(first)  # the kernel drops its lock with it
        third = await start_bot(tmp_path, fake, port, log_name="third.log")
        await eventually(lambda: fake.messages(ids[0]))  # the row in flight goes out
        await stop(third)
    finally:
        for bot in (first, third):
            if bot is not None and bot.returncode is None:
                await kill_9(bot)
        server.stop()
    assert [m["text"] for m in fake.messages(ids[0])] == ["In flight"]


def test_the_lock_is_exclusive_and_names_its_holder(tmp_path):
    path = tmp_path / "db" / "forum.sqlite3"
    held = claim(path)
    with pytest.raises(AlreadyRunning) as refused:
        claim(path)  # another open file description: flock refuses it even in this process
    assert refused.value.pid == os.getpid()
    assert f"pid {os.getpid()}" in str(refused.value) and str(path) in str(refused.value)
    held.release()
    claim(path).release()  # free again
