"""Promote/demote, and the authorization matrix: every privileged command × every lesser role."""

from __future__ import annotations

import pytest

from bot.roles import COMMANDS, Access, Role, may_use
from db import forums as forums_db
from tests.harness import join, link_group, new_forum, running_bot, snapshot
from tests.test_authorization import FORUM, rank_refusal

# Forms that would change something if the role check were missing.
PRIVILEGED_FORMS = {
    "newforum": "/newforum Sneaky Forum\ntimezone: UTC",
    "invite": "/invite",
    "members": "/members",
    "remove": "/remove @ada",
    "promote": "/promote @mallory coordinator",
    "demote": "/demote @ada",
    "newpoll": "/newpoll Q?\nA\nB",
    "closepoll": "/closepoll",
    "editpoll": "/editpoll",
    "meeting": "/meeting M\nstarts: 2027-03-15 09:00",
    "announce": "/announce\nHello",
    "export": "/export",
}
# Coordinator-only forms of a command everyone may use.
PRIVILEGED_SUBCOMMANDS = ("/tip add energy\nSneaky tip", "/tip list", "/tip remove 1")


def test_every_privileged_command_has_a_form_in_the_matrix():
    privileged = {c.name for c in COMMANDS if c.access is not Access.EVERYONE}
    assert privileged == set(PRIVILEGED_FORMS)


async def test_promote_and_demote_by_username(tmp_path, fake):
    ada, niran = fake.add_user("Ada", username="ada"), fake.add_user("Niran", username="niran")
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        code, _ = await new_forum(bot, ada)
        await join(bot, niran, code)
        await bot.send(ada, "/promote @NIRAN observer")
        assert bot.last(ada)["text"] == "Niran is now an observer of Thailand SCP Forum."
        assert "You are now an observer of Thailand SCP Forum" in bot.last(niran)["text"]
        await bot.send(niran, "/help")
        assert "/export" in bot.last(niran)["text"] and "/invite" not in bot.last(niran)["text"]
        assert "you are an observer" in bot.last(niran)["text"]
        await bot.send(ada, f"/promote {niran.id}")
        assert "coordinator" in bot.last(ada)["text"]
        await bot.send(niran, "/demote @ada")  # the new coordinator may demote the old one
        assert bot.last(niran)["text"] == "Ada is now a member of Thailand SCP Forum."
        await bot.send(niran, "/demote @niran")  # but not leave the forum without a coordinator
        assert "last coordinator" in bot.last(niran)["text"]
        rows = await bot.services.db.fetchall("SELECT user_id, role FROM memberships ORDER BY 1")
        assert [tuple(r) for r in rows] == [(ada.id, "member"), (niran.id, "coordinator")]


async def test_promote_by_replying_in_the_group(tmp_path, fake):
    ada, niran = fake.add_user("Ada", username="ada"), fake.add_user("Niran")
    group = fake.add_group("Forum group", members=[ada, niran], admins=[ada])
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        code, _ = await new_forum(bot, ada)
        await join(bot, niran, code)
        await link_group(bot, ada, group)
        assert "now the group of" in bot.last(group)["text"]
        said = bot.fake.send_text(niran, "I can help with the waste report", chat=group)
        await bot.settle()
        await bot.send(ada, "/promote", chat=group, reply_to=said["message_id"])
        assert bot.last(group)["text"] == "Niran is now a coordinator of Thailand SCP Forum."


async def test_promote_usage_and_unknown_target(tmp_path, fake):
    ada = fake.add_user("Ada", username="ada")
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        await new_forum(bot, ada)
        await bot.refuses(ada, "/promote", "reply to their message")
        await bot.refuses(ada, "/promote @nobody", "can't find")
        await bot.refuses(ada, "/promote @ada <b>boss</b>", "reply to their message")


@pytest.mark.parametrize("lesser", ["member", "observer", "outsider", "other_forum_member"])
async def test_privileged_commands_are_refused_for_lesser_roles(tmp_path, fake, lesser):
    ada = fake.add_user("Ada", username="ada")
    boss = fake.add_user("Boss", username="boss")  # admin of the second forum
    mallory = fake.add_user("Mallory", username="mallory")
    async with running_bot(tmp_path, admins=[ada.id, boss.id], fake=fake) as bot:
        code, _ = await new_forum(bot, ada)
        if lesser in ("member", "observer"):
            await join(bot, mallory, code)
        if lesser == "observer":
            await bot.send(ada, "/promote @mallory observer")
        if lesser == "other_forum_member":
            other_code, _ = await new_forum(bot, boss, "/newforum Other Forum\ntimezone: UTC")
            await join(bot, mallory, other_code)
        role = {
            "member": Role.MEMBER,
            "observer": Role.OBSERVER,
            "other_forum_member": Role.MEMBER,
        }.get(lesser)
        forum = {"outsider": None, "other_forum_member": "Other Forum"}.get(lesser, FORUM)
        await bot.send(ada, "/tip add energy\nA real tip")  # tip #1, which /tip remove 1 targets
        before = await snapshot(bot)
        for command in COMMANDS:
            if command.access is Access.EVERYONE or may_use(command.access, role, is_admin=False):
                continue
            await bot.send(mallory, PRIVILEGED_FORMS[command.name])
            refusal = rank_refusal(command.access, command.name, forum, role)
            assert bot.last(mallory)["text"] == refusal, command.name
        for form in PRIVILEGED_SUBCOMMANDS:
            await bot.send(mallory, form)
            subcommand = " ".join(form.removeprefix("/").split()[:2])  # "tip add"
            refusal = rank_refusal(Access.COORDINATORS, subcommand, forum, role)
            assert bot.last(mallory)["text"] == refusal, form
        assert await snapshot(bot) == before


async def test_coordinator_of_another_forum_is_refused_in_this_forums_group(tmp_path, fake):
    ada, boss = fake.add_user("Ada", username="ada"), fake.add_user("Boss", username="boss")
    group = fake.add_group("Forum A group", members=[ada, boss], admins=[ada])
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        await new_forum(bot, ada)
        await link_group(bot, ada, group)
        # Boss is no bot admin: he coordinates forum B by its coordinator invite.
        assert boss.id not in bot.config.admins
        _, b_coordinator_code = await new_forum(bot, ada, "/newforum Forum B\ntimezone: UTC")
        await join(bot, boss, b_coordinator_code)
        [membership] = await forums_db.memberships_of(bot.services.db, boss.id)
        assert (membership.forum.name, membership.role) == ("Forum B", "coordinator")
        before = await snapshot(bot)
        for name in ("invite", "promote", "demote", "newpoll", "announce", "export"):
            await bot.send(boss, PRIVILEGED_FORMS[name], chat=group)
            assert bot.last(group)["text"].startswith("You are not a member"), name
        await bot.send(boss, "/results", chat=group)  # everyone's command, but not of this forum
        assert bot.last(group)["text"].startswith("You are not a member"), "results"
        await bot.send(boss, "/start", chat=group)  # nor re-link the group
        assert "Moving it to another forum needs someone" in bot.last(group)["text"]
        assert await snapshot(bot) == before
