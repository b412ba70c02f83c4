"""Issue 14, content in every member's language: catalog polls (human sources, items from the
`content` domain, each reader's language) and translations a coordinator adds in the preview."""

from __future__ import annotations

import json

from bot.fake_telegram import Call
from tests.harness import running_bot
from tests.test_polls import forum_with_members

SOURCES = {
    "table2": "Seoul 2003 expert meeting, Table 2",
    "national": "Seoul 2003 expert meeting, paragraphs 21-23",
    "regional": "Seoul 2003 expert meeting, paragraph 24",
    "jpoi": "Seoul 2003 expert meeting, paragraph 51",
    "ncpc": "UNEP training module for Cleaner Production Centres, roles 1-9",
}


def shown(calls: list[Call]) -> list[str]:
    """Every text and button label the bot showed (or answered) in these calls."""
    out = []
    for call in calls:
        for key in ("text", "caption"):
            if call.params.get(key):
                out.append(call.params[key])
        markup = call.params.get("reply_markup")
        if markup:
            markup = json.loads(markup) if isinstance(markup, str) else markup
            for row in markup.get("inline_keyboard", []):
                out += [button["text"] for button in row]
    return out


async def test_every_catalog_shows_its_human_source_never_a_file_name(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, *_ = await forum_with_members(bot, fake, group=False)
        for cid, source in SOURCES.items():
            calls = await bot.send(ada, "/newpoll")
            calls += await bot.forge(ada, f"np:cat:{cid}")
            assert source in bot.last(ada)["text"], cid
            calls += await bot.tap(ada, 1)
            calls += await bot.tap(ada, 2)
            calls += await bot.tap(ada, "Continue")
            assert any(f"({source})" in text for text in shown(calls)), cid
            calls += await bot.tap(ada, "Use the default question")
            calls += await bot.tap(ada, "✅ Send", message_id=bot.last(ada)["message_id"])
            calls += await bot.send(niran, "/polls")
            texts = shown(calls)
            assert not [t for t in texts if ".txt" in t], cid
            assert "Which of these" in bot.last(niran)["text"]
