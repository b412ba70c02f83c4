"""Fair queuing in the outbox (db/outbox_sending.py, `due`): a big announcement in one forum
does not hold up another forum's ballots, and messages to one chat still keep their order."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from bot.clock import FakeClock
from db.connection import Database, db_time, to_db_time
from db.migrate import migrate
from db.outbox_sending import BULK_KINDS, URGENT_KINDS, due
from fake_telegram import Call, FakeTelegram
from tests.harness import START, new_forum, running_bot
from tests.test_announce import TEXT, crowd, deliveries
from tests.test_polls import POLL

FORUM_B = "/newforum Vietnam SCP Forum\ntimezone: Asia/Ho_Chi_Minh\nlanguage: en"
MEMBERS_OF_A = 600  # about 21 s of sending at 29 msg/s
STARTED = 60  # announcement messages out before forum B's poll is sent


def ballot_calls(fake: FakeTelegram) -> list[Call]:
    """The ballots of poll 1 that reached their chat."""
    return [
        c
        for c in fake.calls
        if c.method == "sendMessage"
        and c.ok
        and "poll:submit:1" in str(c.params.get("reply_markup"))
    ]


async def test_another_forums_ballots_overtake_a_big_announcement(tmp_path):
    clock = FakeClock(START)
    fake = FakeTelegram(clock=lambda: clock().timestamp())  # one virtual time for both sides
    async with running_bot(tmp_path, admins=[1001, 1002], fake=fake, clock=clock) as bot:
        ada = fake.add_user("Ada", username="ada", user_id=1001)
        ids = await crowd(bot, fake, ada, MEMBERS_OF_A)  # forum A (1)
        bea = fake.add_user("Bea", username="bea", user_id=1002)
        await new_forum(bot, bea, FORUM_B)  # forum B (2), Bea its coordinator
        # B's members: three of its own, and four of A's last members, who get A's
        # announcement too: their two messages must arrive in the order they were queued.
        own = [fake.add_user(f"B member {n}").id for n in range(3)]
        both = ids[-4:]
        async with bot.services.db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO users (id, first_name, consent_at, created_at, updated_at, language,"
                " stakeholder_group) VALUES (?, 'B', '2026-11-01', '2026-11-01', '2026-11-01',"
                " 'en', 'industry')",
                [(i,) for i in own],
            )
            await conn.executemany(
                "INSERT INTO memberships (forum_id, user_id, role, joined_at)"
                " VALUES (2, ?, 'member', '2026-11-01')",
                [(i,) for i in [*own, *both]],
            )
        await bot.send(bea, POLL)  # B's preview, ready to send
        preview = bot.last_keyboard(bea.id)
        send = [b.get("callback_data") for b in fake.buttons(preview)].index("np:send") + 1

        # B's poll is sent when A's announcement has reached STARTED members: the fake taps
        # Bea's "Send" from inside its STARTED-th delivery, so no test loop polls or races.
        handle, started = fake.handle, []

        async def handle_then_send_b(method: str, params: dict) -> dict:
            answer = await handle(method, params)
            if method == "sendMessage" and str(params.get("text", "")).startswith("📣"):
                started.append(params["chat_id"])
                if len(started) == STARTED:
                    fake.tap(bea, preview["message_id"], send)  # queued mid-announcement
            return answer

        fake.handle = handle_then_send_b  # type: ignore[method-assign]
        await bot.send(ada, f"/announce\n{TEXT}")
        await bot.tap(ada, "✅")  # returns when both broadcasts are out
        assert len(started) > STARTED

        row = await bot.services.db.fetchone(
            "SELECT created_at FROM broadcasts WHERE kind = 'ballot'"
        )
        queued = db_time(row["created_at"]).timestamp()
        ballots = ballot_calls(fake)
        assert sorted(c.params["chat_id"] for c in ballots) == sorted([bea.id, *own, *both])
        late = {c.params["chat_id"]: round(c.at - queued, 2) for c in ballots}
        # The old order sent every earlier announcement row first: about 18 s here, 172 s
        # behind 5,000 members. Now a member of B alone waits for the drain's next look (0.5 s)
        # and a few rows on the wire; one in both forums for their own announcement row first,
        # then a second (one message a second to a private chat). Measured: 0.7-0.9 s and 1.8 s.
        assert max(late[chat] for chat in [bea.id, *own]) <= 1.5, late
        assert max(late.values()) <= 3.0, late
        announced_meanwhile = [
            c for c in deliveries_calls(fake) if queued <= c.at <= max(c.at for c in ballots)
        ]
        assert len(announced_meanwhile) <= 3 * 29, "B waited for seconds, not for A's members"

        # One chat, two messages: in the order they were queued, the announcement first.
        for member in both:
            texts = [m["text"] for m in fake.messages(member)]
            firsts = [t.startswith("📣") for t in texts]
            assert firsts.index(True) < [("Which priorities" in t) for t in texts].index(True)

        # A's announcement still reached everyone, once.
        got = deliveries(fake)
        assert set(got) == {*ids, ada.id}
        assert max(got.values()) == 1
        states = await bot.services.db.fetchall("SELECT DISTINCT state FROM outbox")
        assert [r["state"] for r in states] == ["sent"]


def deliveries_calls(fake: FakeTelegram) -> list[Call]:
    """The announcement's successful sends, in order."""
    return [
        c
        for c in fake.calls
        if c.method == "sendMessage" and c.ok and c.params.get("text", "").startswith("📣")
    ]


async def test_the_order_rows_are_offered_in(tmp_path):
    """Urgent before bulk (forum 2's reminder, queued last, goes before forum 1's announcement);
    round-robin between forums, then between a forum's batches; per chat its earliest row, at
    the best place of its rows; a row waiting for its retry not at all."""
    db = await Database.open(tmp_path / "order.sqlite3")
    await migrate(db)
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO forums (id, name, timezone, language, member_code, coordinator_code,"
            " created_at) VALUES (?, ?, 'UTC', 'en', ?, ?, 'x')",
            [(f, f"Forum {f}", f"m{f}", f"c{f}") for f in (1, 2)],
        )
        batches = [(1, 1, "announcement"), (2, 1, "tip"), (3, 2, "announcement"), (4, 2, "ballot")]
        batches += [(5, 2, "meeting_reminder")]
        await conn.executemany(
            "INSERT INTO broadcasts (id, forum_id, kind, created_at) VALUES (?, ?, ?, 'x')", batches
        )
        later = to_db_time(START + timedelta(minutes=1))  # a retry not due yet
        rows = [(1, chat, None) for chat in (101, 102, 103, 104, 105)] + [(1, 106, later)]
        rows += [(2, 201, None), (2, 202, None), (3, 301, None), (3, 302, None), (3, 303, None)]
        rows += [(4, 401, None), (4, 402, None), (4, 103, None)]  # 103 has an announcement first
        rows += [(5, 501, None)]  # forum 2's reminder, queued last of all
        await conn.executemany(
            "INSERT INTO outbox (broadcast_id, chat_id, text, not_before) VALUES (?, ?, '', ?)",
            rows,
        )
    offered = [(row.broadcast_id, row.chat_id) for row in await due(db, START, 200)]
    await db.close()
    assert offered == [
        (4, 401), (5, 501), (4, 402), (1, 103),  # forum 2's ballots and reminder take turns
        # (103's announcement goes before its own ballot), all before forum 1's announcement
        (1, 101), (3, 301), (2, 201), (3, 302), (1, 102), (3, 303), (2, 202), (1, 104), (1, 105),
    ]  # fmt: skip


def test_every_kind_of_broadcast_has_its_lane():
    """A new kind of bulk send must say whether it is urgent (unlisted, it would count as urgent
    and could hold up others' ballots behind bulk)."""
    written = {
        kind
        for path in (Path(__file__).resolve().parent.parent / "handlers").rglob("*.py")
        for kind in re.findall(r'\bkind="([a-z_]+)"', path.read_text(encoding="utf-8"))
    }
    assert written, "the scan found the kinds the handlers write"
    assert not set(URGENT_KINDS) & set(BULK_KINDS)
    assert written <= {*URGENT_KINDS, *BULK_KINDS}, written - {*URGENT_KINDS, *BULK_KINDS}
