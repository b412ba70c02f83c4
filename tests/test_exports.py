"""/export: the choice of files, feedback with names for coordinators only, member counts."""

from __future__ import annotations

from tests.harness import link_group, new_poll, running_bot, snapshot
from tests.worlds import forum_with_members


async def send_feedback(bot, member, text: str, signed: bool) -> None:
    """By button position: Mali reads the buttons in Thai."""
    await bot.send(member, "/feedback")
    await bot.tap(member, 4)  # The forum
    await bot.send(member, text)
    await bot.tap(member, 2 if signed else 1)  # with my name / anonymously


def csv_of(calls, filename: str) -> str:
    document = next(
        c.params["document"]
        for c in calls
        if c.method == "sendDocument" and c.params["document"]["filename"] == filename
    )
    content = document["content"]
    assert content.startswith("\ufeff".encode())  # BOM: spreadsheets read UTF-8 right
    return content.decode("utf-8-sig")


async def test_export_menu_feedback_names_and_member_counts(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, mali, lena, _ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, "/newpoll Which first?\nA\nB")
        await send_feedback(bot, niran, "Signed idea", signed=True)
        await send_feedback(bot, mali, "Quiet idea", signed=False)
        await send_feedback(bot, mali, '=HYPERLINK("http://x.test","click")', signed=False)

        await bot.send(ada, "/export")
        assert bot.last(ada)["text"] == "Which file would you like?"
        assert bot.labels(ada) == [
            "Poll 1: Which first?",
            "Meetings: answers and ratings",
            "Feedback",
            "Members by stakeholder group and language",
        ]
        calls = await bot.tap(ada, "Feedback")
        table = csv_of(calls, "feedback.csv")
        assert "Niran,1,0,Signed idea" in table and ",0,0,Quiet idea" in table
        assert ",0,0,\"'=HYPERLINK(" in table  # text, not a formula, in a spreadsheet

        calls = await bot.send(lena, "/export feedback")  # an observer: counts, no text, no name
        table = csv_of(calls, "feedback-counts.csv")
        assert table.splitlines() == ["month_utc,topic,items", "2026-11,forum,3"]

        calls = await bot.send(ada, "/export members")
        table = csv_of(calls, "members.csv")
        assert table.splitlines() == [
            "stakeholder_group,language,role,members",
            ",en,coordinator,1",  # Ada created the forum without choosing a group
            "civil_society,en,observer,1",
            "government,th,member,1",
            "industry,en,member,1",
        ]
        for name in ("Niran", "Mali", "Lena", "Ada", str(niran.id)):
            assert name not in table

        group = fake.add_group("Forum group", members=[ada, niran], admins=[ada])
        await link_group(bot, ada, group)
        before = await snapshot(bot)
        calls = await bot.forge(niran, "exp:feedback")  # a member forging the menu's button
        assert bot.answers(calls) == ["This button is no longer valid."]
        assert not [c for c in calls if c.method == "sendDocument"]
        calls = await bot.send(niran, "/export members")
        assert calls[0].params["text"].startswith("Only coordinators and observers")
        calls = await bot.send(ada, "/export feedback", chat=group)  # names: private chat only
        assert "Please use /export in a private chat" in calls[0].params["text"]
        assert await snapshot(bot) == before
