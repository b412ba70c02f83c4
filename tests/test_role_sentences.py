"""Roles in English sentences: "you are a member", "is now an observer", never "is now observer".

Every message of the catalog's template (extracted from the source, as translators get it) is
scanned: no message may put a role, or a %(role)s placeholder, right after "is", "are", "as" and
the like; such sentences live in `bot/role_sentences.py`, one whole sentence per role.
"""

from __future__ import annotations

import re

import pytest

from bot import role_sentences
from bot.roles import Role
from tests.harness import running_bot
from tests.worlds import forum_with_members
from tools.catalog_tool import extract_messages

ROLE_WORDS = r"(coordinators?|observers?|members?|%\(role\)s)"
# A role right after a verb or "as" with no article: "you are member", "is now observer",
# "as coordinator", "make someone else coordinator".
SLIP = re.compile(
    r"\b(am|is|are|was|were|be|become|becomes|as|else|now|already)\s+" + ROLE_WORDS + r"\b",
    re.IGNORECASE,
)


def _texts() -> list[str]:
    texts = []
    for message in extract_messages():
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        texts += [text for text in ids if text]
    return texts


def test_no_message_puts_a_role_after_is_are_or_as():
    slips = [text for text in _texts() if SLIP.search(text)]
    assert not slips, slips


@pytest.mark.parametrize("table", sorted(role_sentences.TABLES))
def test_every_role_has_its_own_sentence(table):
    sentences = role_sentences.TABLES[table].by_role
    assert set(sentences) == set(Role)
    assert len(set(sentences.values())) == len(Role), "one msgid per role"
    for role, sentence in sentences.items():
        article = "an" if role is Role.OBSERVER else "a"
        assert f"{article} {role.value}" in sentence, (role, sentence)


async def test_what_a_promoted_member_and_a_newcomer_read(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _, lena, group = await forum_with_members(bot, fake)
        # Lena was promoted to observer while joining the forum (forum_with_members).
        assert any(
            "You are now an observer of Thailand SCP Forum." in m["text"]
            for m in bot.fake.messages(lena.id)
        )
        assert any(
            "You are now a member of Thailand SCP Forum." in m["text"]
            for m in bot.fake.messages(niran.id)
        )
        await bot.send(ada, "/promote @lena observer")
        assert bot.last(ada)["text"] == "Lena is already an observer."
        await bot.send(lena, "/help")
        assert bot.last(lena)["text"].startswith("Thailand SCP Forum — you are an observer.")
        await bot.send(ada, "/help", chat=group)
        assert bot.last(group)["text"].startswith("Thailand SCP Forum — you are a coordinator.")
