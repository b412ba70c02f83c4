"""Localized input (issue 14): tip topics typed in the member's language, time zones by city,
country or UTC offset. Each test attacks a promise: a Thai word finds its topic, an unknown or
ambiguous one changes nothing and offers the topics in the member's language; a city spelt
several ways finds its zone, an ambiguous one asks, an offset with no zone says so, a forged
zone button is refused."""

from __future__ import annotations

from bot.tips import TOPICS
from bot.topics import match_topics
from tests.harness import join, new_forum, running_bot, snapshot

THAI = {"Energy": "พลังงาน", "Waste and recycling": "ของเสียและการรีไซเคิล"}


def thai(label: str) -> str:
    return THAI.get(label, label)


# --- the rule, on plain strings ---------------------------------------------------------------


def test_a_topic_by_key_english_label_or_the_members_language():
    assert match_topics("energy", thai) == ["energy"]
    assert match_topics("ENERGY", thai) == ["energy"]
    assert match_topics("พลังงาน", thai) == ["energy"]
    assert match_topics("พลัง", thai) == ["energy"], "a unique start is enough"
    assert match_topics("Ｅｎｅｒｇｙ", thai) == ["energy"], "full-width letters (NFKC)"
    assert match_topics("eco-efficiency", thai) == ["eco_efficiency"]
    assert match_topics("eco efficiency", thai) == ["eco_efficiency"]
    assert match_topics("recycling", thai) == ["waste"], "a word of the label"
    assert match_topics("public procurement", thai) == ["procurement"]


def test_an_ambiguous_or_unknown_topic_is_not_guessed():
    assert match_topics("e", thai) == ["energy", "education", "eco_efficiency"]
    assert match_topics("gardening", thai) == []
    assert match_topics("   ", thai) == []
    assert match_topics("พลงงาน", thai) == [], "a Thai mark is a letter, not an accent"


# --- the conversation -------------------------------------------------------------------------


async def forum(bot, fake, *, language="en"):
    ada = fake.add_user("Ada", username="ada")
    niran = fake.add_user("Niran", username="niran", language_code=language)
    member, _ = await new_forum(
        bot, ada, "/newforum Thailand SCP Forum\ntimezone: Asia/Bangkok\nlanguage: en"
    )
    await join(bot, niran, member, language=language)
    return ada, niran


async def last_topic(bot) -> str:
    """The topic of the tip shown last (tip_views records each one shown)."""
    rows = await bot.services.db.fetchall("SELECT tip_key FROM tip_views ORDER BY rowid")
    return next(t.topic for t in bot.services.tips if t.id == rows[-1][0])


async def test_a_thai_member_types_a_topic_in_thai(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        _, niran = await forum(bot, fake, language="th")
        for typed in ("/tip พลังงาน", "/tip พลัง", "/tip energy", "/tip ENERGY"):
            before = await snapshot(bot)
            await bot.send(niran, typed)
            assert len((await snapshot(bot))["tip_views"]) == len(before["tip_views"]) + 1
            assert await last_topic(bot) == "energy", typed
            assert "💡" in bot.last(niran)["text"]


async def test_an_unknown_topic_changes_nothing_and_offers_the_topics_in_thai(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        _, niran = await forum(bot, fake, language="th")
        tr = bot.services.catalogs.translator("th")
        before = await snapshot(bot)
        calls = await bot.send(niran, "/tip การทำสวน")  # "gardening"
        assert await snapshot(bot) == before, "no tip was shown or recorded"
        text = calls[-1].params["text"]
        assert "การทำสวน" in text
        assert bot.labels(niran) == [tr._(label) for label in TOPICS.values()]
        assert "พลังงาน" in bot.labels(niran)
        await bot.tap(niran, "พลังงาน")
        assert "💡" in bot.last(niran)["text"]


async def test_an_ambiguous_topic_offers_only_the_candidates(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        _, niran = await forum(bot, fake)
        before = await snapshot(bot)
        calls = await bot.send(niran, "/tip e")
        assert await snapshot(bot) == before
        assert "could be several topics" in calls[-1].params["text"]
        assert bot.labels(niran) == ["Energy", "Education and awareness", "Eco-efficiency"]
        await bot.tap(niran, "Education")
        assert await last_topic(bot) == "education"
        calls = await bot.send(niran, "/tip " + "x" * 3000)
        assert len(calls[-1].params["text"]) < 300, "the typed text is not echoed in full"
