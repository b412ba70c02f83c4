"""Creating forums (both forms), invite links, linking groups."""

from __future__ import annotations

import re

from tests.harness import running_bot

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
        role = await bot.services.db.fetchone("SELECT role FROM memberships WHERE user_id = ?",
                                              (admin.id,))
        assert role["role"] == "coordinator"
