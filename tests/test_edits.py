"""Edited messages never act (issue 13): not as a command, not as a dialog answer.

python-telegram-bot's handlers accept `edited_message` by default, so editing a sent `/newpoll`
created a second poll and sent every member a second ballot. The bot now answers every edit in a
private chat (and every edited command in a group) with one short hint, and changes nothing.
"""

from __future__ import annotations

from bot.roles import COMMANDS
from fake_telegram import Call
from tests.harness import Harness, join, new_forum, new_poll, running_bot, snapshot

HINT = "I don't act on edited messages; send it again as a new message."

# A form of each command that acts when sent as a new message (by Ada: bot admin, coordinator).
FORMS = {
    "newpoll": "/newpoll Which first?\nGreen procurement\nEco-labels",
    "closepoll": "/closepoll 1",
    "results": "/results 1",
    "meeting": "/meeting Autumn session\nstarts: 2027-09-15 09:00\nplace: Room 5",
    "announce": "/announce\nPlease bring your country report.",
    "promote": "/promote @niran observer",
    "demote": "/demote @lena",
    "newforum": "/newforum Second Forum\ntimezone: UTC",
    "tip": "/tip add energy\nSwitch off the lights.",
    "export": "/export 1",
    "language": "/language",
    "start": "/start",
}


async def forum(bot: Harness):
    fake = bot.fake
    ada = fake.add_user("Ada", username="ada")
    niran = fake.add_user("Niran", username="niran")
    lena = fake.add_user("Lena", username="lena")
    code, coordinator_code = await new_forum(bot, ada)
    await join(bot, niran, code)
    await join(bot, lena, code)
    await bot.send(ada, "/promote @lena observer")
    group = fake.add_group("Forum group", members=[ada, niran, lena], admins=[ada])
    await bot.send(ada, f"/start {coordinator_code}", chat=group)
    await new_poll(bot, ada, "/newpoll Which priorities?\nProcurement\nLabels\nWaste")
    return ada, niran, lena, group


def only_the_hint(calls: list[Call], chat_id: int) -> bool:
    sent = [c for c in calls if c.method != "getUpdates"]
    return (
        len(sent) == 1
        and sent[0].method == "sendMessage"
        and sent[0].params["chat_id"] == chat_id
        and sent[0].params["text"] == HINT
    )


async def test_editing_any_command_changes_nothing_and_gets_the_hint(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, *_ = await forum(bot)
        # The second forum would become Ada's current one: last.
        names = sorted((c.name for c in COMMANDS), key=lambda name: name == "newforum")
        problems = {}
        for name in names:
            form = FORMS.get(name, f"/{name}")
            await bot.send(ada, form)  # as a new message it runs, once
            before = await snapshot(bot)
            calls = await bot.edit(ada, form)  # the same command again, as an edit
            if await snapshot(bot) != before:
                problems[name] = "rows changed"
            elif not only_the_hint(calls, ada.id):
                problems[name] = [(c.method, c.params.get("text")) for c in calls]
            await bot.send(ada, "/cancel")  # whatever dialog the command began
        assert problems == {}


async def test_an_edited_command_in_a_group_gets_the_hint_and_plain_text_is_ignored(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _, group = await forum(bot)
        await bot.send(ada, "/results", chat=group)
        before = await snapshot(bot)
        assert only_the_hint(await bot.edit(ada, "/results 1", chat=group), group.id)
        fake.send_text(niran, "nice poll", chat=group)
        await bot.settle()
        assert await bot.edit(niran, "nicer poll", chat=group) == []  # no command: not ours
        # Made into a command by the edit: it does not run, and the hint says why.
        assert only_the_hint(await bot.edit(niran, "/closepoll 1", chat=group), group.id)
        # A command for another bot is not ours to answer, edited or not.
        await bot.send(niran, "/help@other_bot", chat=group)
        assert await bot.edit(niran, "/start@other_bot", chat=group) == []
        assert await snapshot(bot) == before


async def test_an_edited_dialog_answer_is_not_taken_as_the_next_answer(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, *_ = await forum(bot)
        await bot.send(ada, "/newforum")
        await bot.send(ada, "Viet Nam SCP Forum")
        assert "time zone" in bot.last(ada)["text"]
        before = await snapshot(bot)
        # Editing the name would have been taken as the time zone ("I don't know …").
        assert only_the_hint(await bot.edit(ada, "Asia/Ho_Chi_Minh"), ada.id)
        assert await snapshot(bot) == before
        # An edit of an older message while a dialog waits is no answer either.
        await bot.send(ada, "/cancel")
        await bot.send(ada, "/help")
        help_id = fake.user_messages(ada.id, ada.id)[-1]["message_id"]
        await bot.send(ada, "/announce")
        before = await snapshot(bot)
        calls = await bot.edit(ada, "Spring session moved to Room 5.", message_id=help_id)
        assert only_the_hint(calls, ada.id)
        assert await snapshot(bot) == before
        # The dialog goes on with new messages.
        await bot.send(ada, "Spring session moved to Room 5.")
        assert "Spring session moved" in bot.last(ada)["text"]


async def test_an_edited_poll_creates_no_second_poll_or_ballot(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, *_ = await forum(bot)
        form = "/newpoll Which second?\nA\nB\nC"
        await bot.send(ada, form)
        ballots = len(fake.messages(niran.id))
        await bot.edit(ada, form + "\nD")
        await bot.send(ada, "/polls")
        assert "3. Which second?" not in bot.last(ada)["text"]
        assert len(fake.messages(niran.id)) == ballots
