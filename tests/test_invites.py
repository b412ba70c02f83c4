"""Coordinator invites that cannot leak, groups that cannot be taken over (issue 12).

Each test attacks a promise: a coordinator code seen in a group, reused, reused after demotion,
or expired makes nobody a coordinator; another forum's coordinator cannot move a group; renewed
links stop working; and no message to a group ever carries a code.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

from db.connection import Database
from db.migrate import known_migrations, migrate
from fake_telegram import FakeTelegram
from tests.harness import (
    Harness,
    coordinator_invite,
    invite_codes,
    join,
    link_group,
    new_forum,
    running_bot,
    snapshot,
)

NOT_VALID = "This invite link is not valid (any more)."
FORUM_B = "/newforum Other Forum\ntimezone: UTC\nlanguage: en"


async def role(bot: Harness, user, forum_id: int = 1) -> str | None:
    row = await bot.services.db.fetchone(
        "SELECT role FROM memberships WHERE forum_id = ? AND user_id = ?", (forum_id, user.id)
    )
    return row["role"] if row else None


async def linked_forum(bot: Harness, group) -> int | None:
    row = await bot.services.db.fetchone(
        "SELECT forum_id FROM forum_chats WHERE chat_id = ?", (group.id,)
    )
    return row["forum_id"] if row else None


def group_code(text: str) -> str:
    return re.findall(r"startgroup=([A-Za-z0-9_-]+)", text)[0]


async def test_a_coordinator_code_posted_in_the_group_makes_nobody_a_coordinator(tmp_path, fake):
    """The old hello told coordinators to post `/start <coordinator code>` in the group; anyone
    there could then use it in private."""
    ada, omar = fake.add_user("Ada", username="ada"), fake.add_user("Omar", username="omar")
    group = fake.add_group("Forum group", members=[ada, omar], admins=[ada])
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        member_code, coordinator_code = await new_forum(bot, ada)
        await bot.send(ada, f"/start {coordinator_code}", chat=group)
        await bot.send(omar, f"/start {coordinator_code}")
        assert NOT_VALID in bot.last(omar)["text"]
        said = bot.last(group)["text"]
        assert "private coordinator invite" in said and coordinator_code not in said
        await join(bot, omar, member_code)
        await bot.send(omar, f"/start {coordinator_code}")
        assert NOT_VALID in bot.last(omar)["text"]
        assert await role(bot, omar) == "member"


async def test_a_coordinator_invite_works_once(tmp_path, fake):
    ada, niran, mali = (fake.add_user(n, username=n.lower()) for n in ("Ada", "Niran", "Mali"))
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        member_code, coordinator_code = await new_forum(bot, ada)
        await join(bot, niran, coordinator_code)
        assert await role(bot, niran) == "coordinator"
        await bot.send(mali, f"/start {coordinator_code}")  # the link was forwarded to her
        assert NOT_VALID in bot.last(mali)["text"]
        await join(bot, mali, member_code)
        await bot.send(mali, f"/start {coordinator_code}")
        assert NOT_VALID in bot.last(mali)["text"] and await role(bot, mali) == "member"
        used = await bot.services.db.fetchone(
            "SELECT used_by FROM invites WHERE code = ?", (coordinator_code,)
        )
        assert used["used_by"] == niran.id
        # Two people between opening the link and accepting the notice: only the first gets it.
        fresh = await coordinator_invite(bot, ada)
        assert fresh != coordinator_code
        lena, dara = fake.add_user("Lena"), fake.add_user("Dara")
        for person in (lena, dara):
            await bot.send(person, f"/start {fresh}")
            await bot.tap(person, 1)  # the language Telegram suggests
        await bot.tap(lena, "✅ I agree")
        await bot.tap(dara, "✅ I agree")
        assert NOT_VALID in bot.last(dara)["text"]
        assert await role(bot, lena) == "coordinator" and await role(bot, dara) is None
        assert (
            await bot.services.db.fetchone("SELECT 1 FROM users WHERE id = ?", (dara.id,)) is None
        )


async def test_a_demoted_coordinator_cannot_reelevate(tmp_path, fake):
    ada, niran = fake.add_user("Ada", username="ada"), fake.add_user("Niran", username="niran")
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        _, coordinator_code = await new_forum(bot, ada)
        await join(bot, niran, coordinator_code)
        own = await coordinator_invite(bot, niran)  # made while he was a coordinator, unused
        await bot.send(ada, "/demote @niran")
        assert await role(bot, niran) == "member"
        for code in (coordinator_code, own):
            await bot.send(niran, f"/start {code}")
            assert NOT_VALID in bot.last(niran)["text"]
        assert await role(bot, niran) == "member"
        # Promoted again later, his old link stays dead: it was revoked with the rank.
        await bot.send(ada, "/promote @niran")
        mali = fake.add_user("Mali")
        await bot.send(mali, f"/start {own}")
        assert NOT_VALID in bot.last(mali)["text"]


async def test_invites_expire(tmp_path, fake):
    ada, niran = fake.add_user("Ada", username="ada"), fake.add_user("Niran", username="niran")
    group = fake.add_group("Forum group", members=[ada], admins=[ada])
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        _, coordinator_code = await new_forum(bot, ada)
        link = group_code(bot.last(ada)["text"])
        bot.clock.advance(timedelta(days=1, minutes=1))
        await bot.send(ada, f"/start {link}", chat=group)
        assert "has expired or was used already" in bot.last(group)["text"]
        assert await linked_forum(bot, group) is None
        bot.clock.advance(timedelta(days=6))
        await bot.send(niran, f"/start {coordinator_code}")
        assert NOT_VALID in bot.last(niran)["text"]
        fresh = await coordinator_invite(bot, ada)  # /invite makes a new one once it expired
        assert fresh != coordinator_code
        await join(bot, niran, fresh)
        assert await role(bot, niran) == "coordinator"


async def test_invite_new_renews_the_member_link_and_revokes_coordinator_links(tmp_path, fake):
    ada, niran, mali = (fake.add_user(n, username=n.lower()) for n in ("Ada", "Niran", "Mali"))
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        member_code, coordinator_code = await new_forum(bot, ada)
        await bot.send(ada, "/invite new member")
        assert "The old member link of Thailand SCP Forum no longer works." in bot.last(ada)["text"]
        (renewed,) = invite_codes(bot.last(ada)["text"])
        await bot.send(niran, f"/start {member_code}")
        assert NOT_VALID in bot.last(niran)["text"]
        await join(bot, niran, renewed)
        assert await role(bot, niran) == "member"
        await bot.send(ada, "/invite")
        await bot.tap(ada, "➕ Another coordinator link")
        another = invite_codes(bot.last(ada)["text"])[0]
        await bot.send(ada, "/invite new")
        await bot.tap(ada, "🚫")
        assert "links of Thailand SCP Forum no longer work" in bot.last(ada)["text"]
        for code in (coordinator_code, another):
            await bot.send(mali, f"/start {code}")
            assert NOT_VALID in bot.last(mali)["text"]
        await bot.send(ada, "/invite new")
        await bot.tap(ada, "🔄")
        (third,) = invite_codes(bot.last(ada)["text"])
        await bot.send(mali, f"/start {renewed}")
        assert NOT_VALID in bot.last(mali)["text"]
        await join(bot, mali, third)
        assert await role(bot, mali) == "member"


async def forum_a_with_group(bot: Harness, fake: FakeTelegram, *people, admins=()):
    """Ada's forum A with its group linked (Ada is an admin of the group)."""
    ada = people[0]
    group = fake.add_group("Forum A group", members=list(people), admins=[ada, *admins])
    member_code, _ = await new_forum(bot, ada)
    await link_group(bot, ada, group)
    assert await linked_forum(bot, group) == 1
    return group, member_code


async def test_another_forums_coordinator_cannot_take_over_the_group(tmp_path, fake):
    ada, boss = fake.add_user("Ada", username="ada"), fake.add_user("Boss", username="boss")
    async with running_bot(tmp_path, admins=[ada.id, boss.id], fake=fake) as bot:
        group, _ = await forum_a_with_group(bot, fake, ada, boss)
        await bot.send(boss, FORUM_B)
        b_member, b_coordinator = invite_codes(bot.last(boss)["text"])[:2]
        b_group = group_code(bot.last(boss)["text"])
        before = await snapshot(bot)
        # With B's codes, and with a plain /start (Boss is no admin of the group).
        for text in (f"/start {b_member}", "/start"):
            await bot.send(boss, text, chat=group)
            assert bot.last(group)["text"] == (
                "This is the group of Thailand SCP Forum. Moving it to another forum needs"
                " someone who is both a coordinator of Thailand SCP Forum and an admin of this"
                " group. Nothing was changed."
            ), text
        assert await snapshot(bot) == before
        await bot.send(boss, f"/start {b_group}", chat=group)
        assert (
            "Moving it to another forum needs someone who is both a coordinator of "
            in (bot.last(group)["text"])
        )
        await bot.send(boss, f"/start {b_coordinator}", chat=group)
        assert "private coordinator invite" in bot.last(group)["text"]
        some_message = bot.last(group)["message_id"]
        assert await linked_forum(bot, group) == 1
        # An admin of the group who coordinates B but not A: still refused.
        group.admin_ids.add(boss.id)
        await bot.send(boss, "/start", chat=group)
        assert "Moving it to another forum needs" in bot.last(group)["text"]
        assert bot.fake.buttons(bot.last(group)) == []
        # A forged confirmation changes nothing either.
        bot.fake.send_callback(boss, some_message, f"lnk:ok:2:{boss.id}", chat=group)
        await bot.settle()
        assert await linked_forum(bot, group) == 1


async def test_a_coordinator_of_both_who_is_an_admin_moves_the_group(tmp_path, fake):
    ada, niran = fake.add_user("Ada", username="ada"), fake.add_user("Niran", username="niran")
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        group, _ = await forum_a_with_group(bot, fake, ada, niran)
        await bot.send(ada, FORUM_B)
        await bot.send(niran, "/start", chat=group)  # a member: told whose group it is
        assert bot.last(group)["text"] == "This is the group of Thailand SCP Forum."
        await bot.send(ada, "/start", chat=group)
        assert "Move it to another forum you coordinate?" in bot.last(group)["text"]
        await bot.tap(niran, "✅ Other Forum", chat=group)  # not his buttons
        assert await linked_forum(bot, group) == 1
        await bot.tap(ada, "✅ Other Forum", chat=group)
        assert bot.last(group)["text"].startswith(
            "This group has moved from Thailand SCP Forum to Other Forum (by Ada)."
        )
        assert await linked_forum(bot, group) == 2


async def test_link_with_the_add_to_group_link(tmp_path, fake):
    ada, niran = fake.add_user("Ada", username="ada"), fake.add_user("Niran", username="niran")
    group = fake.add_group("New group", members=[ada, niran], admins=[niran])  # Ada: no admin
    other = fake.add_group("Other group", members=[ada, niran], admins=[niran])
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        await new_forum(bot, ada)
        code = group_code(bot.last(ada)["text"])
        fake.add_bot_to_group(group, ada)
        await bot.settle()
        await bot.send(ada, "/start", chat=group)  # no code and no admin: refused
        assert "Only an admin of this group" in bot.last(group)["text"]
        await bot.send(ada, f"/start {code}", chat=group)  # what Telegram sends for the link
        assert bot.last(group)["text"].startswith(
            "This group is now the group of Thailand SCP Forum (linked by Ada)."
        )
        assert await linked_forum(bot, group) == 1
        await bot.send(ada, f"/start {code}", chat=other)  # used once
        assert "has expired or was used already" in bot.last(other)["text"]
        assert await linked_forum(bot, other) is None


async def test_a_coordinator_of_many_forums_picks_one_page_by_page(tmp_path, fake):
    ada = fake.add_user("Ada", username="ada")
    group = fake.add_group("Group", members=[ada], admins=[ada])
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        for n in range(1, 9):
            await bot.send(ada, f"/newforum Forum {n}\ntimezone: UTC")
        await bot.send(ada, "/start", chat=group)
        assert bot.last(group)["text"] == "Which forum should this group belong to?"
        labels = bot.labels(group)
        assert len([label for label in labels if label.startswith("✅")]) == 6
        assert "▶" in labels and "Cancel" in labels
        await bot.tap(ada, "▶", chat=group)
        assert "◀" in bot.labels(group)
        await bot.tap(ada, "✅ Forum 1", chat=group)
        assert "now the group of Forum 1" in bot.last(group)["text"]
        assert await linked_forum(bot, group) == 1


async def test_newforum_in_a_group_needs_an_admin_to_link(tmp_path, fake):
    ada, niran = fake.add_user("Ada", username="ada"), fake.add_user("Niran", username="niran")
    group = fake.add_group("Group", members=[ada, niran], admins=[niran])
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        await bot.send(ada, FORUM_B, chat=group)
        said = bot.last(group)["text"]
        assert "Forum Other Forum created" in said and "Only an admin of this group" in said
        assert await linked_forum(bot, group) is None
        assert len(invite_codes(bot.last(ada)["text"])) == 2  # the links, in private


def codes_shown(fake: FakeTelegram) -> set[str]:
    """Every deep-link code the bot ever wrote, anywhere (renewed ones are no longer stored)."""
    found: set[str] = set()
    for call in fake.calls:
        found |= set(re.findall(r"start(?:group)?=([A-Za-z0-9_-]+)", json.dumps(call.params)))
    return found


async def assert_no_code_in_groups(bot: Harness) -> int:
    """No message the bot sent or edited in a group or supergroup contains any code (of the
    database's, or one it ever showed); returns how many group messages were checked."""
    db = bot.services.db
    codes = codes_shown(bot.fake)
    for row in await db.fetchall("SELECT member_code, coordinator_code FROM forums"):
        codes |= {row[0], row[1]}
    codes |= {row[0] for row in await db.fetchall("SELECT code FROM invites")}
    checked = 0
    for call in bot.fake.calls:
        chat_id = call.params.get("chat_id")
        if call.method == "getUpdates" or not isinstance(chat_id, int) or chat_id >= 0:
            continue
        if call.method.startswith(("get", "ban", "unban")):
            continue
        payload = json.dumps(call.params, ensure_ascii=False)
        leaked = [code for code in codes if code in payload]
        assert not leaked, f"{call.method} to group {chat_id} contains {leaked}: {payload}"
        checked += 1
    return checked


async def test_no_message_to_a_group_contains_a_code(tmp_path, fake):
    ada, niran, boss = (fake.add_user(n, username=n.lower()) for n in ("Ada", "Niran", "Boss"))
    group = fake.add_group("Group", members=[ada, niran, boss], admins=[ada])
    second = fake.add_group("Second", members=[ada, niran], admins=[ada], supergroup=True)
    async with running_bot(tmp_path, admins=[ada.id, boss.id], fake=fake) as bot:
        fake.add_bot_to_group(group, ada)  # the hello
        await bot.settle()
        await bot.send(ada, "/newforum Thailand SCP Forum\ntimezone: Asia/Bangkok", chat=group)
        await bot.send(ada, "/invite", chat=group)
        await bot.send(ada, "/invite new member", chat=group)
        await bot.send(ada, "/invite", chat=second)
        text = bot.last(ada)["text"]
        member, coordinator = invite_codes(text)[:2]
        await join(bot, niran, member)
        fake.add_bot_to_group(second, ada)
        await bot.settle()
        for code in (member, coordinator, group_code(text)):
            await bot.send(ada, f"/start {code}", chat=second)
        await bot.send(niran, f"/start {member}", chat=group)
        await bot.send(ada, "/start", chat=group)
        await bot.send(boss, FORUM_B)
        await bot.send(boss, f"/start {group_code(bot.last(boss)['text'])}", chat=group)
        said = bot.fake.send_text(niran, "hello", chat=group)
        await bot.settle()
        await bot.send(ada, "/promote observer", chat=group, reply_to=said["message_id"])
        await bot.send(ada, "/members", chat=group)
        await bot.send(ada, "/remove", chat=group, reply_to=said["message_id"])
        assert await assert_no_code_in_groups(bot) == 15


async def test_the_legacy_coordinator_code_grants_nothing_after_the_upgrade(tmp_path, fake):
    """A database from before migration 0010: its permanent coordinator code, and an onboarding
    begun with it but not yet accepted, make nobody a coordinator; the member link still works."""
    ada, omar, niran = fake.add_user("Ada"), fake.add_user("Omar"), fake.add_user("Niran")
    db = await Database.open(tmp_path / "forum.sqlite3")
    await migrate(db, known_migrations()[:9])
    stamp = "2026-11-01T00:00:00+00:00"
    await db.execute(
        "INSERT INTO users (id, first_name, consent_at, created_at, updated_at)"
        " VALUES (?, 'Ada', ?, ?, ?)",
        (ada.id, stamp, stamp, stamp),
    )
    await db.execute(
        "INSERT INTO forums (id, name, timezone, language, member_code, coordinator_code,"
        " created_by, created_at) VALUES (1, 'Old Forum', 'UTC', 'en', 'OLDMEMBER', 'OLDCOORD',"
        " ?, ?)",
        (ada.id, stamp),
    )
    await db.execute("INSERT INTO memberships VALUES (1, ?, 'coordinator', ?)", (ada.id, stamp))
    await db.execute(
        "INSERT INTO pending_inputs (user_id, chat_id, kind, data, created_at)"
        ' VALUES (?, ?, \'onboarding\', \'{"forum_id": 1, "role": "coordinator"}\', ?)',
        (omar.id, omar.id, stamp),
    )
    await db.close()
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        await bot.send(niran, "/start OLDCOORD")
        assert NOT_VALID in bot.last(niran)["text"]
        code = (await bot.services.db.fetchone("SELECT coordinator_code FROM forums"))[0]
        assert code.startswith("retired-") and len(code) == 40
        await bot.send(omar, "/start")
        await bot.forge(omar, "onb:consent:yes")
        assert await role(bot, omar) is None
        await join(bot, niran, "OLDMEMBER")
        assert await role(bot, niran) == "member"
