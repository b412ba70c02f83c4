"""/members, /remove, and naming a member through Telegram (issue 12).

Attacks: a list of 250 members with long, HTML-laden names must page within Telegram's limits;
a removed member must not get back in through any invite, not even after /forget; `/promote
@name` must not promote whoever held that username when the bot last saw it.
"""

from __future__ import annotations

import random
import re

from fake_telegram import FakeTelegram
from tests.harness import (
    Harness,
    coordinator_invite,
    join,
    link_group,
    new_forum,
    running_bot,
    snapshot,
)
from tests.test_invites import role

GROUPS = ("government", "industry", "civil_society", "academia", "international", "other", None)


async def crowd(bot: Harness, fake: FakeTelegram, size: int) -> list[int]:
    """`size` members straight in the database, in every stakeholder group and role, with names
    that need escaping and take many UTF-16 units."""
    rng = random.Random(12)
    ids = []
    rows = []
    for n in range(size):
        name = f"<b>M&{n}</b> " + "🌏" * rng.randint(0, 20) + "&" * rng.randint(0, 30)
        user = fake.add_user(name[:64], username=f"member_{n}")
        ids.append(user.id)
        role_ = "coordinator" if n % 50 == 0 else "observer" if n % 40 == 1 else "member"
        rows.append((user.id, name[:64], f"member_{n}", GROUPS[n % len(GROUPS)], role_))
    async with bot.services.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO users (id, first_name, username, stakeholder_group, consent_at,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, '2026-11-01', '2026-11-01', '2026-11-01')",
            [(i, name, username, group) for i, name, username, group, _ in rows],
        )
        await conn.executemany(
            "INSERT INTO memberships (forum_id, user_id, role, joined_at)"
            " VALUES (1, ?, ?, '2026-11-01')",
            [(i, role_) for i, _, _, _, role_ in rows],
        )
    return ids


async def test_members_pages_250_people_within_telegrams_limits(tmp_path, fake):
    ada = fake.add_user("Ada", username="ada")
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        await new_forum(bot, ada)
        ids = await crowd(bot, fake, 250)
        removed = ids[:3]
        for user_id in removed:
            await bot.send(ada, f"/remove {user_id}")
            await bot.tap(ada, "✅ Remove")
        await bot.send(ada, "/members")
        first = bot.last(ada)
        pages = int(re.search(r"Page 1 of (\d+)", first["text"])[1])
        assert pages == 12  # 248 people, 30 a page at most, fewer where names are long
        seen: list[int] = []
        texts: list[str] = []
        for page in range(1, pages + 1):  # one message, edited in place
            message = bot.fake.messages(ada.id)[-1]
            texts.append(message["text"])
            assert f"Page {page} of {pages}" in message["text"]
            assert len(message["text"].encode("utf-16-le")) // 2 <= 4096
            buttons = bot.fake.buttons(message)
            assert len(buttons) <= 100
            seen += [int(i) for i in re.findall(r"· (\d+)$", message["text"], re.MULTILINE)]
            if page < pages:
                await bot.tap(ada, "▶")
        assert "▶" not in [b["text"] for b in bot.fake.buttons(bot.fake.messages(ada.id)[-1])]
        assert sorted(seen) == sorted([ada.id, *ids]), "everyone exactly once, removed included"
        assert "<b>M&" in first["text"]  # names shown as typed: escaped, not taken as markup
        text = "\n".join(texts)
        assert "Government: 35 (" in text  # 36, one removed
        assert "Removed: 3. They can't rejoin until you let them back in." in text
        last = [b["text"] for b in bot.fake.buttons(bot.fake.messages(ada.id)[-1])]
        assert sum(label.startswith("↩ Let ") for label in last) == 3
        await bot.tap(ada, "◀")
        assert f"Page {pages - 1} of {pages}" in bot.fake.messages(ada.id)[-1]["text"]


async def forum(bot: Harness, fake: FakeTelegram, *, bot_is_admin: bool = True):
    """Ada's forum with Niran and Mali, and its group (where the bot may ban, or not)."""
    ada, niran, mali = (fake.add_user(n, username=n.lower()) for n in ("Ada", "Niran", "Mali"))
    group = fake.add_group("Forum group", members=[ada, niran, mali], admins=[ada])
    if bot_is_admin:
        group.admin_ids.add(fake.bot_user["id"])
    member_code, _ = await new_forum(bot, ada)
    await join(bot, niran, member_code)
    await join(bot, mali, member_code)
    await link_group(bot, ada, group)
    return ada, niran, mali, group, member_code


async def test_a_removed_member_cannot_rejoin_through_any_invite(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _, _, member_code = await forum(bot, fake)
        await bot.send(ada, "/remove @niran")
        assert "Remove Niran from Thailand SCP Forum?" in bot.last(ada)["text"]
        calls = await bot.tap(ada, "✅ Remove Niran")
        said = bot.last(ada)["text"]
        assert said.startswith("Niran was removed from Thailand SCP Forum.")
        assert "I removed them from the group Forum group too." in said
        assert [c.params["user_id"] for c in calls if c.method == "banChatMember"] == [niran.id]
        told = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == niran.id]
        assert len(told) == 1 and "a coordinator removed you" in told[0].params["text"]
        assert await role(bot, niran) is None
        # The member link, a fresh coordinator invite, and after /forget as a new person.
        fresh = await coordinator_invite(bot, ada)
        for code in (member_code, fresh):
            await bot.send(niran, f"/start {code}")
            assert (
                "You can't join Thailand SCP Forum: a coordinator removed you"
                in (bot.last(niran)["text"])
            )
        await bot.send(niran, "/forget")
        await bot.tap(niran, "✅")
        await bot.send(niran, f"/start {member_code}")
        assert "a coordinator removed you" in bot.last(niran)["text"]
        assert await role(bot, niran) is None
        # A coordinator lets him back in from /members; the group ban is lifted too.
        await bot.send(ada, "/members")
        calls = await bot.tap(ada, "↩ Let ")
        assert "may join Thailand SCP Forum again" in bot.last(ada)["text"]
        assert any(c.method == "unbanChatMember" for c in calls)
        await join(bot, niran, member_code)
        assert await role(bot, niran) == "member"


async def test_remove_by_reply_in_the_group_without_ban_rights(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, _, mali, group, _ = await forum(bot, fake, bot_is_admin=False)
        said = bot.fake.send_text(mali, "Buy my product!", chat=group)
        await bot.settle()
        await bot.send(ada, "/remove", chat=group, reply_to=said["message_id"])
        assert bot.last(group)["text"] == "I sent you a confirmation in our private chat."
        assert "Remove Mali from Thailand SCP Forum?" in bot.last(ada)["text"]
        await bot.tap(ada, "✅ Remove Mali")
        said = bot.last(ada)["text"]
        assert "I may not ban members of the group Forum group" in said
        assert await role(bot, mali) is None
        assert bot.fake.calls_to("banChatMember") == []


async def test_a_failed_ban_is_reported_and_nothing_crashes(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _, _, _ = await forum(bot, fake)
        bot.fake.fail(
            "banChatMember", error_code=400, description="Bad Request: CHAT_ADMIN_REQUIRED"
        )
        await bot.send(ada, f"/remove {niran.id}")
        await bot.tap(ada, "✅ Remove Niran")
        assert (
            "I could not remove them from the group Forum group (Telegram said: "
            in (bot.last(ada)["text"])
        )
        assert await role(bot, niran) is None


async def test_remove_refuses_oneself_and_cancels(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, *_ = await forum(bot, fake)
        before = await snapshot(bot)
        await bot.send(ada, "/remove @ada")
        assert bot.last(ada)["text"] == "You can't remove yourself."
        await bot.send(ada, "/remove @niran")
        await bot.tap(ada, "Cancel")
        assert bot.last(ada)["text"] == "Nothing was changed."
        await bot.send(ada, "/remove lift 12x")
        assert "followed by the person's id" in bot.last(ada)["text"]
        assert await snapshot(bot) == before
        await bot.forge(ada, f"rm:ok:1:{ada.id}")  # her own removal, forged
        assert await snapshot(bot) == before


async def test_promote_by_a_username_that_changed_hands(tmp_path, fake):
    """Niran was @niran when he joined, then renamed himself; Mallory, a member too, took
    @niran since. Neither has written to the bot since, so the stored names are stale."""
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _, group, member_code = await forum(bot, fake)
        mallory = fake.add_user("Mallory", username="mallory")
        group.member_ids.add(mallory.id)
        await join(bot, mallory, member_code)
        niran.username, mallory.username = "niran_old", "niran"  # no update reaches the bot
        before = await snapshot(bot)
        await bot.send(ada, "/promote @niran")
        said = bot.last(ada)["text"]
        assert said.startswith("I can't be sure who @niran is")
        assert "Reply to their message in the forum's group with /promote" in said
        assert await role(bot, niran) == "member" and await role(bot, mallory) == "member"
        # The check refreshed Niran's stored name; Mallory still holds @mallory for the bot.
        after = await snapshot(bot)
        assert {t for t in after if after[t] != before[t]} == {"users"}
        await bot.send(ada, "/promote @niran_old observer")
        assert bot.last(ada)["text"] == "Niran is now an observer of Thailand SCP Forum."
        said = bot.fake.send_text(mallory, "I can help", chat=group)  # she writes: name refreshed
        await bot.settle()
        await bot.send(ada, "/promote @niran")
        assert bot.last(ada)["text"] == "Mallory is now a coordinator of Thailand SCP Forum."


async def test_odd_ids_get_an_answer_not_a_crash(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, *_ = await forum(bot, fake)
        before = await snapshot(bot)
        for text in ("/promote ²", "/demote 99999999999999999999", "/remove ٣", "/remove 0"):
            await bot.send(ada, text)
            assert bot.last(ada)["text"].startswith("Name the member"), text
        assert await snapshot(bot) == before
