"""/mydata opens with a summary in the member's language, then the whole JSON file.

The summary names the forums and role, stakeholder group, language, time zone, tip subscription,
how much feedback was sent and which polls the member voted in, never how they ranked; a closed
anonymous poll cannot be listed at all, since nothing links the member to its ballot any more.
"""

from __future__ import annotations

import json

from tests.harness import new_poll, running_bot
from tests.test_privacy import tokyo_and_daily_tips, vote, voted_and_closed
from tests.worlds import forum_with_members


def _before_file(calls) -> list[str]:
    """Texts the bot sent before the JSON file, and checks that the file came last."""
    methods = [c.method for c in calls]
    assert methods[-1] == "sendDocument", methods
    return [c.params["text"] for c in calls if c.method == "sendMessage"]


async def test_mydata_opens_with_a_readable_summary(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _, _, _ = await forum_with_members(bot, fake)
        await tokyo_and_daily_tips(bot, niran)
        for text in ("The room was too cold", "Start on time"):
            await bot.send(niran, "/feedback")
            await bot.tap(niran, "Meetings")
            await bot.send(niran, text)
            await bot.tap(niran, "✅ Send anonymously")
        secret = "/newpoll Anonymous and closed?\nSecret option A\nSecret option B"
        await voted_and_closed(bot, ada, niran, secret, 1)
        named = "/newpoll Named and closed?\nNamed option A\nB\nanonymous: no"
        await voted_and_closed(bot, ada, niran, named, 2)
        await new_poll(bot, ada, "/newpoll Still open?\nOpen option A\nB")
        await vote(bot, niran, 3)
        await new_poll(bot, ada, "/newpoll Not voted in?\nA\nB")

        calls = await bot.send(niran, "/mydata")
        summary = "\n".join(_before_file(calls))
        for line in (
            "What the bot keeps about you",
            "Forum: Thailand SCP Forum (member)",
            "Stakeholder group: Industry and business",
            "Language: English",
            "Time zone: Asia/Tokyo",
            "Tips: every day at 8:00\u202fAM",
            "Feedback you sent: 2 items",
            "Polls you voted in: 2 (how you ranked is not shown here)",
            "• Still open?",
            "• Named and closed?",
        ):
            assert line in summary, (line, summary)
        assert summary.index("Still open?") < summary.index("Named and closed?")  # newest first
        assert "Anonymous and closed?" not in summary and "Not voted in?" not in summary
        assert "option A" not in summary, "how they ranked is not shown"
        # The file follows, whole, as before.
        document = next(c for c in calls if c.method == "sendDocument").params["document"]
        assert json.loads(document["content"])["tables"]["users"][0]["timezone"] == "Asia/Tokyo"


async def test_summary_is_in_the_members_language(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, _, mali, _, _ = await forum_with_members(bot, fake)
        coordinator = "\n".join(_before_file(await bot.send(ada, "/mydata")))
        assert "Forum: Thailand SCP Forum (coordinator)" in coordinator
        assert "Polls you voted in: 0" in coordinator
        calls = await bot.send(mali, "/mydata")
        summary = "\n".join(_before_file(calls))
        assert "ฟอรัม: Thailand SCP Forum (สมาชิก)" in summary
        assert "กลุ่มผู้มีส่วนได้ส่วนเสีย:" in summary


async def test_someone_mid_onboarding_gets_the_summary_and_the_file(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        await forum_with_members(bot, fake)
        kanya = fake.add_user("Kanya")
        code = (await bot.services.db.fetchone("SELECT member_code FROM forums"))[0]
        await bot.send(kanya, f"/start {code}")
        calls = await bot.send(kanya, "/mydata")
        summary = "\n".join(_before_file(calls))
        assert "You are not a member of a forum." in summary
