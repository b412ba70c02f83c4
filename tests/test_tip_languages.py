"""`/tip add`: a line with a language code the bot does not have is refused with the codes it has.

Before, "de: Text" was stored as a tip in the coordinator's own language that began with "de:",
and members of that language read a German sentence with a code in front of it.
"""

from __future__ import annotations

import pytest

from tests.harness import running_bot, snapshot
from tests.test_tips import forum


@pytest.mark.parametrize("code", ["de", "xx", "pt-BR", "zh-Hant", "yue"])
async def test_an_unknown_language_code_is_refused_with_the_list(tmp_path, fake, code):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, _, _ = await forum(bot, fake)
        before = await snapshot(bot)
        await bot.send(ada, f"/tip add energy\nen: Switch off the lights.\n{code}: Licht aus.")
        text = bot.last(ada)["text"]
        assert f"I don't have the language “{code}”" in text
        codes = sorted(bot.services.catalogs.languages)
        assert ", ".join(codes) in text and "zh_Hans" in text and "th" in text
        assert await snapshot(bot) == before


async def test_codes_we_have_in_other_spellings_and_text_with_a_colon(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, _, _ = await forum(bot, fake)
        await bot.send(
            ada,
            "/tip add energy\n"
            "EN-us: Switch off the lights.\n"
            "Tip: no code, so English too.\n"
            "zh: 随手关灯。\n"
            "TH: ปิดไฟ",
        )
        assert "Tip #1 added in English, 中文 (简体), ไทย." in bot.last(ada)["text"]
        rows = await bot.services.db.fetchall(
            "SELECT lang, text FROM forum_tip_texts ORDER BY lang"
        )
        assert [tuple(r) for r in rows] == [
            ("en", "Switch off the lights. Tip: no code, so English too."),
            ("th", "ปิดไฟ"),
            ("zh_Hans", "随手关灯。"),
        ]
