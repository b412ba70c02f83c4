"""An attack on the anonymity of closed polls: with the database, its WAL, a backup taken after
the close, the exports and /mydata in hand, try to tell who ranked what.

Twelve members with distinct, known rankings join in one order, have Telegram ids in another and
vote in a third; one revises, one drafts and never submits, a reminder goes out half-way. Then
the poll closes and a backup is taken. The attacker knows every member's id, join time and group
(the member tables stay), and that ballots exist; the test knows each member's ranking, so it
can score every guess. Each linkage below must recover no more than chance.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import sqlite3
from datetime import timedelta

from db.backup import backup_database
from db.connection import Database
from db.migrate import known_migrations, migrate
from fake_telegram import FakeUser
from tests.harness import Harness, close_poll, join, new_forum, new_poll, running_bot

OPTIONS = ["Procurement", "Eco-labels", "Waste", "Tourism", "Cleaner production"]
# Realistic Telegram ids (6-byte integers in a SQLite record), not in join or vote order.
IDS = [
    5829301744,
    6120488201,
    1543099812,
    7001234987,
    2290417733,
    6650021458,
    1187734590,
    4409911276,
    3305566120,
    7712004431,
    2871650093,
    5123987004,
]
GROUPS = ["government"] * 6 + ["industry"] * 4 + ["academia"] * 2
JOIN_ORDER = [7, 2, 10, 4, 0, 11, 5, 8, 1, 9, 3, 6]
VOTE_ORDER = [4, 9, 1, 11, 6, 8, 3, 10, 2, 7, 5, 0]  # final submissions
# Option positions, best first: all different, so a ranking names its member (to the test).
RANKINGS = [
    [3, 1, 2, 5, 4],
    [1, 2, 3, 4, 5],
    [5, 4, 3, 2, 1],
    [2, 5, 1],
    [4, 3, 5, 1, 2],
    [1, 3],
    [2, 1, 4, 3, 5],
    [5, 1, 2, 3],
    [3, 4],
    [4, 1, 5, 2, 3],
    [1, 5, 2, 4, 3],
    [2, 3, 4, 5, 1],
]
REVISER, FIRST_TRY = 0, [1, 4, 2]  # member 0 submits this first of all, RANKINGS[0] last
DRAFTER_DRAFT = [5, 2, 4, 1]  # a thirteenth member who drafts this and never submits
ALPHA = 0.9  # |Kendall tau| at or above this is a linkage: by chance, p ≈ 5e-5 for n = 12
MAX_HITS = 7  # more right guesses than this out of 12: by chance, p ≈ 1e-5


def ballot_message(bot: Harness, user: FakeUser) -> int:
    for message in reversed(bot.fake.messages(user.id)):
        if any(b.get("callback_data") == "poll:submit:1" for b in bot.fake.buttons(message)):
            return message["message_id"]
    raise AssertionError(f"{user.first_name} has no ballot")


async def rank(
    bot: Harness, user: FakeUser, positions: list[int], *, submit: bool = True, undo: int = 0
) -> None:
    message_id = ballot_message(bot, user)
    for _ in range(undo):
        await bot.tap(user, "↩", message_id=message_id)
    for position in positions:
        await bot.tap(user, f"{position}.", message_id=message_id)
    if submit:
        await bot.tap(user, "✅", message_id=message_id)


def draft_json(option_ids: dict[int, int], positions: list[int]) -> bytes:
    """The draft column's text for a ranking of positions (db.polls stores option ids)."""
    return json.dumps([option_ids[p] for p in positions]).encode()


def kendall_tau(order: list[int], reference: list[int]) -> float:
    """Rank correlation of two orders of the same members: 1 same, -1 reversed, ~0 unrelated."""
    where = {member: i for i, member in enumerate(reference)}
    seq = [where[m] for m in order]
    n = len(seq)
    concordant = sum(1 for i in range(n) for j in range(i + 1, n) if seq[i] < seq[j])
    pairs = n * (n - 1) // 2
    return (2 * concordant - pairs) / pairs


def linkages(name: str, recovered: list[int], references: dict[str, list[int]]) -> list[str]:
    """`recovered`: members in the order the attacker sees the ballots. Pairing the i-th ballot
    with the i-th member of a known order must do no better than a random guess."""
    assert sorted(recovered) == list(range(len(IDS))), name
    found = []
    for label, reference in references.items():
        hits = sum(a == b for a, b in zip(recovered, reference, strict=True))
        tau = kendall_tau(recovered, reference)
        if hits > MAX_HITS or abs(tau) >= ALPHA:
            found.append(
                f"{name} follow the {label} order ({hits}/{len(IDS)} right, tau {tau:.2f})"
            )
    return found


def record_patterns(member_id: int) -> list[bytes]:
    """How a ballot row or its index entry names a member in the file's bytes (poll 1).

    A ballots record's body starts with poll_id (1: serial type 9, no bytes), then user_id
    (6 bytes here), then stakeholder_group or the draft; the UNIQUE (poll_id, user_id) index
    entry is a record [1, user_id, rowid]: header 04 09 05 <rowid type>, then the id.
    """
    uid = re.escape(member_id.to_bytes(6, "big"))
    # Not the id followed by itself: an outbox row to a member's own chat (chat id, then user
    # id), such as the results every member gets; its 4-byte id may start with "[" (0x5b).
    rest = re.escape(member_id.to_bytes(6, "big")[3:])
    return [
        uid + rb"(?:government|industry|academia|\[(?!" + rest + rb"))",
        rb"\x04\x09\x05[\x01-\x06]" + uid,
    ]


async def test_closed_poll_cannot_be_linked_to_its_voters(tmp_path, fake, caplog):
    caplog.set_level(logging.DEBUG)
    ada = fake.add_user("Ada")
    members = [fake.add_user(f"Member {i}", user_id=uid) for i, uid in enumerate(IDS)]
    drafter = fake.add_user("Drafter", user_id=3900000017)
    boss = fake.add_user("Boss")
    async with running_bot(tmp_path, admins=[ada.id, boss.id], fake=fake) as bot:
        # Another forum first: ours is forum 2, so its membership index entries [2, id, rowid]
        # cannot pass for the ballot index entries of poll 1 [1, id, rowid] below.
        await new_forum(bot, boss, "/newforum Other forum\ntimezone: UTC")
        code, _ = await new_forum(bot, ada)
        for i in JOIN_ORDER:
            bot.clock.advance(timedelta(minutes=1))
            await join(bot, members[i], code, group=GROUPS[i])
        await join(bot, drafter, code, group="government")
        await new_poll(bot, ada, "/newpoll Which first?\n" + "\n".join(OPTIONS) + "\ncloses: 3d")
        db = bot.services.db
        option_ids = {
            r["position"]: r["id"]
            for r in await db.fetchall("SELECT id, position FROM poll_options WHERE poll_id = 1")
        }
        secrets: list[bytes] = []  # what existed before close next to a member's id
        vote_times: list[str] = []

        async def vote(i: int, positions: list[int], undo: int = 0) -> None:
            bot.clock.advance(timedelta(minutes=7))
            await rank(bot, members[i], positions, undo=undo)
            row = await db.fetchone(
                "SELECT submitted_at, draft FROM ballots WHERE user_id = ?", (IDS[i],)
            )
            assert row["draft"].encode() == draft_json(option_ids, positions)
            secrets.append(row["draft"].encode())
            vote_times.append(row["submitted_at"])

        await vote(REVISER, FIRST_TRY)
        for i in VOTE_ORDER[:6]:
            await vote(i, RANKINGS[i])
        # A day before the deadline the others are reminded (delivery rows name them).
        bot.clock.advance(timedelta(days=2, hours=1))
        await bot.run_due()
        assert await db.fetchone("SELECT 1 FROM broadcasts WHERE kind = 'poll_reminder'")
        await rank(bot, drafter, DRAFTER_DRAFT, submit=False)
        secrets.append(draft_json(option_ids, DRAFTER_DRAFT))
        for i in VOTE_ORDER[6:-1]:
            await vote(i, RANKINGS[i])
        await vote(REVISER, RANKINGS[REVISER], undo=len(FIRST_TRY))  # a revision, last of all
        assert len(set(vote_times)) == len(vote_times)  # every vote at its own moment

        bot.clock.advance(timedelta(hours=1))
        await close_poll(bot, ada, "/closepoll 1")
        await bot.settle()
        backup = tmp_path / "backup" / "forum.sqlite3"
        backup_database(bot.config.database_path, backup)

        # Who is who, as the test knows it: a ballot's ranking names its member.
        by_ranking = {tuple(option_ids[p] for p in r): i for i, r in enumerate(RANKINGS)}
        references = {
            "Telegram id": sorted(range(len(IDS)), key=lambda i: IDS[i]),
            "join": JOIN_ORDER,
            "vote": VOTE_ORDER,
            "first submission": [REVISER, *VOTE_ORDER[:-1]],
        }

        found: list[str] = []  # every linkage that worked, to report them all at once

        # 1. The rows: no member column, one timestamp, and no order to exploit.
        ballots = await db.fetchall(
            "SELECT rowid AS rid, * FROM ballots WHERE poll_id = 1 ORDER BY rowid"
        )
        assert len(ballots) == len(IDS)  # the drafter's and Ada's empty ballots are gone
        if any(
            (b["user_id"], b["chat_id"], b["message_id"], b["draft"]) != (None,) * 3 + ("[]",)
            for b in ballots
        ):
            found.append("a ballot row keeps its member, message or draft")
        stamps = {b["submitted_at"] for b in ballots}
        if len(stamps) > 1 or stamps & set(vote_times):
            found.append(f"ballot timestamps tell votes apart: {sorted(stamps)}")
        ranks = await db.fetchall(
            "SELECT rowid AS rid, ballot_id, option_id FROM ballot_ranks ORDER BY ballot_id, rank"
        )
        ranking_of: dict[int, list[int]] = {}
        for r in ranks:
            ranking_of.setdefault(r["ballot_id"], []).append(r["option_id"])
        member_of = {ballot_id: by_ranking[tuple(r)] for ballot_id, r in ranking_of.items()}
        found += linkages("ballot rowids", [member_of[b["rid"]] for b in ballots], references)
        by_rank_rowid = sorted(ranks, key=lambda r: r["rid"])
        first_seen = dict.fromkeys(member_of[r["ballot_id"]] for r in by_rank_rowid)
        found += linkages("ballot_ranks rowids", list(first_seen), references)
        # A group label is a link when the group is small: each one left names >= 3 ballots.
        labels = [b["stakeholder_group"] for b in ballots]
        if any(labels.count(g) < 3 for g in labels if g is not None):
            found.append(f"a ballot's group has fewer than 3 ballots: {sorted(map(str, labels))}")

        # 2. Delivery rows: nothing left of the ballots' or the reminders' recipients.
        delivered = await db.fetchall(
            "SELECT o.user_id FROM outbox o JOIN broadcasts b ON b.id = o.broadcast_id"
            " WHERE b.kind IN ('ballot', 'poll_reminder') OR o.on_sent LIKE 'ballot:%'"
        )
        if delivered:
            found.append(f"{len(delivered)} delivery rows of ballots and reminders name members")

        # 3. The bytes: live file, its WAL, the backup. No draft, no vote time, no ballot record
        # or index entry with a member's id, no ballot delivery row survives anywhere.
        files = sorted(p for p in tmp_path.rglob("*.sqlite3*") if p.is_file())
        assert backup in files and bot.config.database_path in files
        for path in files:
            data, where = path.read_bytes(), f"{path.parent.name}/{path.name}"
            drafts = [secret for secret in secrets if secret in data]
            if drafts:
                found.append(f"{len(drafts)} pre-close drafts survive in {where}")
            moments = [m for m in vote_times if m.encode() in data]
            if moments:
                found.append(f"{len(moments)} vote times survive in {where}")
            if b"ballot:1" in data:
                found.append(f"ballot delivery rows survive in {where}")
            records = [
                member_id
                for member_id in (*IDS, drafter.id, ada.id)
                for pattern in record_patterns(member_id)
                if re.search(pattern, data)
            ]
            if records:
                found.append(f"ballot records or index entries of {len(records)} ids in {where}")

        # 4. Exports: the per-ballot file's order is no member order either.
        calls = await bot.send(ada, "/export 1")
        documents = {
            c.params["document"]["filename"]: c.params["document"]["content"]
            for c in calls
            if c.method == "sendDocument"
        }
        rows = list(csv.reader(io.StringIO(documents["poll-1-ballots.csv"].decode("utf-8-sig"))))[
            1:
        ]
        exported = [by_ranking[tuple(option_ids[int(p)] for p in row[2:] if p)] for row in rows]
        found += linkages("the ballots CSV's rows", exported, references)
        if not {row[1] for row in rows} <= {"government", ""}:  # industry joins the hidden rest
            found.append(f"the ballots CSV names small groups: {sorted({row[1] for row in rows})}")
        if any(str(m).encode() in content for m in IDS for content in documents.values()):
            found.append("an export names a member")

        # 5. /mydata: a member's own file shows no ballot and no delivery of one.
        for i in (REVISER, VOTE_ORDER[-2], 8):
            calls = await bot.send(members[i], "/mydata")
            (document,) = [c.params["document"] for c in calls if c.method == "sendDocument"]
            content = document["content"]
            if (
                "ballots" in json.loads(content)["tables"]
                or b"ballot:" in content
                or draft_json(option_ids, RANKINGS[i]) in content
            ):
                found.append(f"/mydata of member {i} shows a ballot or its delivery")

        # 6. Our own logs, at DEBUG (the libraries' are held at INFO by bot/logs.py on main).
        ours = [r for r in caplog.records if r.name.split(".")[0] in ("bot", "handlers", "db")]
        logged = "\n".join(r.getMessage() for r in ours).encode()
        if any(str(m).encode() in logged for m in IDS) or any(s in logged for s in secrets):
            found.append("a log line names a voter or a draft")

        assert found == [], "linked:\n" + "\n".join(found)


async def test_a_blocked_checkpoint_is_retried_and_the_close_stands(tmp_path, fake):
    """A backup reading while the poll closes keeps the old pages in the WAL; the close is
    committed anyway, and the heartbeat empties the WAL once the reader is gone."""
    ada = fake.add_user("Ada")
    members = [fake.add_user(f"Member {i}") for i in range(3)]
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        code, _ = await new_forum(bot, ada)
        for member in members:
            await join(bot, member, code)
        await new_poll(bot, ada, "/newpoll Which first?\n" + "\n".join(OPTIONS))
        drafts = [[3, 1], [2, 5, 4], [4]]
        for member, positions in zip(members, drafts, strict=True):
            await rank(bot, member, positions)
        path = bot.config.database_path
        wal = path.with_name(path.name + "-wal")
        secrets = [json.dumps(d).encode() for d in drafts]  # option ids are positions here
        reader = sqlite3.connect(path)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM ballots").fetchone()  # holds a pre-close snapshot
        try:
            await close_poll(bot, ada, "/closepoll 1")
            assert "Poll 1 is closed." in [m["text"] for m in bot.fake.messages(ada.id)][-2]
            assert bot.services.db.checkpoint_owed
            assert all(secret in wal.read_bytes() for secret in secrets)  # the reader's pages
            assert await bot.run_due() == []  # still blocked: tried again, nothing lost
            assert bot.services.db.checkpoint_owed
        finally:
            reader.close()
        await bot.run_due()
        assert not bot.services.db.checkpoint_owed
        assert wal.stat().st_size == 0
        for file in (path, wal):
            assert not any(secret in file.read_bytes() for secret in secrets)
        row = await bot.services.db.fetchone("SELECT closed_at FROM polls")
        assert row["closed_at"] is not None
        assert (await bot.services.db.fetchone("PRAGMA secure_delete"))[0] == 1


async def test_polls_closed_before_the_upgrade_are_sealed_by_it(tmp_path):
    """Migration 0011 gives polls closed under the old code what a close does now."""
    db = await Database.open(tmp_path / "forum.sqlite3")
    try:
        await migrate(db, known_migrations()[:9])
        await db.conn.executescript(OLD_DATABASE)
        before = await db.fetchall("SELECT id FROM ballots WHERE poll_id = 1")
        await migrate(db)
        ballots = await db.fetchall(
            "SELECT rowid AS rid, * FROM ballots WHERE poll_id = 1 ORDER BY rowid"
        )
        assert not {b["id"] for b in ballots} & {b["id"] for b in before}
        assert {(b["user_id"], b["draft"], b["submitted_at"]) for b in ballots} == {
            (None, "[]", "2026-11-01T10:00:00+00:00")
        }
        # academia (1) lost its label, and so did industry (3), the smallest group left: else
        # total minus government minus industry would be the academic's ballot.
        groups = sorted(b["stakeholder_group"] or "" for b in ballots)
        assert groups == [""] * 4 + ["government"] * 4
        rankings = await db.fetchall(
            "SELECT group_concat(option_id, '>') AS r FROM (SELECT * FROM ballot_ranks"
            " WHERE ballot_id IN (SELECT id FROM ballots WHERE poll_id = 1)"
            " ORDER BY ballot_id, rank) GROUP BY ballot_id"
        )
        assert sorted(r["r"] for r in rankings) == sorted(
            f"{i % 2 + 1}>{2 - i % 2}" for i in range(8)
        )
        # The closed poll's ballot deliveries are gone; the open poll's know their poll.
        kept = await db.fetchall("SELECT id, kind, poll_id FROM broadcasts ORDER BY id")
        assert [tuple(b) for b in kept] == [(2, "ballot", 2), (3, "announcement", None)]
        assert (await db.fetchone("SELECT count(*) FROM outbox"))[0] == 2
        untouched = await db.fetchall("SELECT id, user_id FROM ballots WHERE poll_id = 2")
        assert [tuple(b) for b in untouched] == [(9, 101)]
        forum = await db.fetchone("SELECT min_group_ballots FROM forums")
        assert forum[0] == 3
    finally:
        await db.close()


# Under the old code: poll 1 (anonymous, closed) kept its ballots in member order, named groups
# of 1 and 3 and its delivery rows; poll 2 is open.
OLD_DATABASE = (
    "INSERT INTO users (id, created_at, updated_at) VALUES"
    + ", ".join(f"({100 + i}, 'x', 'x')" for i in range(1, 9))
    + ";"
    "INSERT INTO forums (id, name, timezone, language, member_code, coordinator_code, created_at)"
    " VALUES (1, 'F', 'UTC', 'en', 'm', 'c', 'x');"
    "INSERT INTO polls (id, forum_id, number, question, created_at, closes_at, closed_at) VALUES"
    " (1, 1, 1, 'Q', 'x', 'x', '2026-11-01T10:00:00+00:00'), (2, 1, 2, 'Q2', 'x', 'x', NULL);"
    "INSERT INTO poll_options (id, poll_id, position, text) VALUES"
    " (1, 1, 1, 'A'), (2, 1, 2, 'B'), (3, 2, 1, 'X'), (4, 2, 2, 'Y');"
    "INSERT INTO ballots (id, poll_id, user_id, stakeholder_group, submitted_at) VALUES "
    + ", ".join(
        f"({i}, 1, NULL, '{g}', '2026-10-2{i}')"
        for i, g in enumerate(["academia"] + ["industry"] * 3 + ["government"] * 4, 1)
    )
    + ", (9, 2, 101, 'government', '2026-11-02T10:00:00+00:00');"
    "INSERT INTO ballot_ranks (ballot_id, option_id, rank) VALUES "
    + ", ".join(f"({i}, {i % 2 + 1}, 1), ({i}, {2 - i % 2}, 2)" for i in range(1, 9))
    + ";"
    "INSERT INTO broadcasts (id, forum_id, kind, created_at) VALUES"
    " (1, 1, 'ballot', 'x'), (2, 1, 'ballot', 'x'), (3, 1, 'announcement', 'x');"
    "INSERT INTO outbox (broadcast_id, chat_id, user_id, text, not_before, on_sent) VALUES"
    " (1, 101, 101, '', 'x', 'ballot:1'), (1, 102, 102, '', 'x', 'ballot:1'),"
    " (2, 101, 101, '', 'x', 'ballot:2'), (3, 101, 101, 'Hello', 'x', NULL);"
)
