"""Creating forums (both forms), invite links, linking groups."""

from __future__ import annotations

import re

import pytest

from tests.harness import link_group, new_forum, running_bot

FORM = "/newforum Thailand SCP Forum\ntimezone: Asia/Bangkok\nlanguage: th"


def codes(text: str) -> list[str]:
    return re.findall(r"\?start=([A-Za-z0-9_-]+)", text)


async def test_admin_creates_forum_in_one_message(tmp_path, fake):
    admin = fake.add_user("Ada", username="ada")
    async with running_bot(tmp_path, admins=[admin.id], fake=fake) as bot:
        await bot.send(admin, FORM)
        text = bot.last(admin)["text"]
        assert "Thailand SCP Forum" in text and "Asia/Bangkok" in text
        member_code, coordinator_code = codes(text)
        assert member_code != coordinator_code
        row = await bot.services.db.fetchone("SELECT name, timezone, language FROM forums")
        assert tuple(row) == ("Thailand SCP Forum", "Asia/Bangkok", "th")
        role = await bot.services.db.fetchone(
            "SELECT role FROM memberships WHERE user_id = ?", (admin.id,)
        )
        assert role["role"] == "coordinator"


async def test_admin_creates_forum_step_by_step(tmp_path, fake):
    admin = fake.add_user("Ada")
    async with running_bot(tmp_path, admins=[admin.id], fake=fake) as bot:
        await bot.send(admin, "/newforum")
        assert "What is its name?" in bot.last(admin)["text"]
        await bot.send(admin, "  Viet Nam   SCP Forum ")
        assert "time zone" in bot.last(admin)["text"]
        await bot.send(admin, "Mars/Olympus_Mons")
        assert "I don't know the time zone “Mars/Olympus_Mons”" in bot.last(admin)["text"]
        bot.fake.send_sticker(admin)
        await bot.settle()
        assert "Please answer with text" in bot.last(admin)["text"]
        await bot.send(admin, "asia/ho_chi_minh")
        await bot.tap(admin, "Tiếng Việt")
        text = bot.last(admin)["text"]
        assert "Forum Viet Nam SCP Forum created" in text and "Asia/Ho_Chi_Minh" in text
        assert len(codes(text)) == 2
        row = await bot.services.db.fetchone("SELECT name, timezone, language FROM forums")
        assert tuple(row) == ("Viet Nam SCP Forum", "Asia/Ho_Chi_Minh", "vi")
        # The dialog is over: a stale language button changes nothing.
        await bot.forge(admin, "nf:lang:en")
        assert await bot.services.db.fetchone("SELECT count(*) AS n FROM forums") is not None
        assert (await bot.services.db.fetchone("SELECT count(*) AS n FROM forums"))["n"] == 1


async def test_cancel_stops_the_dialog(tmp_path, fake):
    admin = fake.add_user("Ada")
    async with running_bot(tmp_path, admins=[admin.id], fake=fake) as bot:
        await bot.send(admin, "/newforum")
        await bot.send(admin, "/cancel")
        assert bot.last(admin)["text"] == "Cancelled."
        await bot.send(admin, "Some forum")
        assert "/help" in bot.last(admin)["text"]
        await bot.send(admin, "/cancel")
        assert bot.last(admin)["text"] == "There is nothing to cancel."


@pytest.mark.parametrize(
    ("form", "answer"),
    [
        ("/newforum X\ntimezone: Nowhere/City", "I don't know the time zone “Nowhere/City”"),
        ("/newforum X\nlanguage: xx", "I don't have the language “xx”"),
        ("/newforum X\ncolour: green", "I don't understand the line “colour: green”"),
        ("/newforum " + "N" * 129, "at most 128 characters"),
        ("/newforum <script>\nfoo", "I don't understand the line “foo”"),
    ],
)
async def test_malformed_forms_change_nothing(tmp_path, fake, form, answer):
    admin = fake.add_user("Ada")
    async with running_bot(tmp_path, admins=[admin.id], fake=fake) as bot:
        await bot.refuses(admin, form, answer)


async def test_newforum_in_a_group_links_it_and_sends_links_privately(tmp_path, fake):
    admin, niran = fake.add_user("Ada"), fake.add_user("Niran")
    group = fake.add_group("SCP group", members=[admin, niran], admins=[admin])
    async with running_bot(tmp_path, admins=[admin.id], fake=fake) as bot:
        await bot.send(admin, FORM, chat=group)
        group_text = bot.last(group)["text"]
        assert "This group is now the group of Thailand SCP Forum (linked by Ada)." in group_text
        assert codes(group_text) == [] and "startgroup" not in group_text  # no code in a group
        assert len(codes(bot.last(admin)["text"])) == 2  # both links in private
        await bot.send(niran, "/start", chat=group)
        assert "This is the group of Thailand SCP Forum." in bot.last(group)["text"]
        await bot.send(admin, "/invite", chat=group)
        assert bot.last(group)["text"] == "I sent you the invite links in our private chat."
        assert len(codes(bot.last(admin)["text"])) == 2


async def test_group_link_survives_migration_to_supergroup(tmp_path, fake):
    admin = fake.add_user("Ada")
    group = fake.add_group("SCP group", members=[admin], admins=[admin])
    async with running_bot(tmp_path, admins=[admin.id], fake=fake) as bot:
        await new_forum(bot, admin)
        await link_group(bot, admin, group)
        supergroup = bot.fake.migrate_group(group)
        await bot.settle()
        row = await bot.services.db.fetchone("SELECT chat_id FROM forum_chats")
        assert row["chat_id"] == supergroup.id
        await bot.send(admin, "/invite", chat=supergroup)
        assert "Invite links for Thailand SCP Forum" in bot.last(admin)["text"]


async def test_bot_added_to_a_group_explains_and_removed_unlinks(tmp_path, fake):
    admin = fake.add_user("Ada")
    group = fake.add_group("SCP group", members=[admin], admins=[admin])
    async with running_bot(tmp_path, admins=[admin.id], fake=fake) as bot:
        await new_forum(bot, admin)
        bot.fake.add_bot_to_group(group, admin)
        await bot.settle()
        assert "add to group" in bot.last(group)["text"]
        await link_group(bot, admin, group)
        assert await bot.services.db.fetchone("SELECT 1 FROM forum_chats") is not None
        bot.fake.enqueue(
            "my_chat_member",
            {
                "chat": {"id": group.id, "type": "group", "title": group.title},
                "from": {"id": admin.id, "is_bot": False, "first_name": "Ada"},
                "date": 0,
                "old_chat_member": {"status": "member", "user": bot.fake.bot_user},
                "new_chat_member": {"status": "left", "user": bot.fake.bot_user},
            },
        )
        await bot.settle()
        assert await bot.services.db.fetchone("SELECT 1 FROM forum_chats") is None


async def test_invite_shows_both_links_in_private(tmp_path, fake):
    admin = fake.add_user("Ada")
    async with running_bot(tmp_path, admins=[admin.id], fake=fake) as bot:
        member_code, coordinator_code = await new_forum(bot, admin)
        group_code = re.findall(r"startgroup=([A-Za-z0-9_-]+)", bot.last(admin)["text"])
        await bot.send(admin, "/invite")
        text = bot.last(admin)["text"]
        # The unused coordinator and group-link codes are shown again, not multiplied.
        assert codes(text) == [member_code, coordinator_code]
        assert re.findall(r"startgroup=([A-Za-z0-9_-]+)", text) == group_code
        assert group_code[0] not in (member_code, coordinator_code)
