"""Localized input (issue 14): tip topics typed in the member's language, time zones by city,
country or UTC offset. Each test attacks a promise: a Thai word finds its topic, an unknown or
ambiguous one changes nothing and offers the topics in the member's language; a city spelt
several ways finds its zone, an ambiguous one asks, an offset with no zone says so, a forged
zone button is refused."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.timezones import find_zone, is_choosable, parse_offset
from bot.tips import TOPICS
from bot.topics import match_topics
from bot.zones import (
    COMMON_CITIES,
    country_of,
    country_zones,
    local_city,
    region_of,
    zone_countries,
)
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


# --- time zones: the rule ----------------------------------------------------------------------

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # northern winter: London is at UTC+0


def zones(text: str, *, lang: str = "en", prefer: tuple[str, ...] = ()) -> tuple[str, ...]:
    return find_zone(text, now=NOW, languages=(lang,), prefer=prefer).zones


def test_a_city_in_common_spellings_and_the_members_language():
    for typed in ("ho chi minh", "Ho Chi Minh City", "HO_CHI_MINH", "Saigon", "Hanoi", "hà nội"):
        assert zones(typed) == ("Asia/Ho_Chi_Minh",), typed
    assert zones("TP Hồ Chí Minh", lang="vi") == ("Asia/Ho_Chi_Minh",)
    assert zones("bangkok") == ("Asia/Bangkok",)
    assert zones("กรุงเทพ", lang="th") == ("Asia/Bangkok",)
    assert zones("東京", lang="ja") == ("Asia/Tokyo",)
    assert zones("Sao Paulo") == zones("são paulo") == ("America/Sao_Paulo",)
    assert zones("Calcutta") == zones("Delhi") == ("Asia/Kolkata",)
    assert zones("Thailand") == zones("ไทย", lang="th") == ("Asia/Bangkok",)
    assert zones("Phnom Penh") == ("Asia/Phnom_Penh",), "a link of equal clocks is no alias"
    assert zones("Christmas Island") == ("Indian/Christmas",)
    assert local_city("Asia/Bangkok", "en") == "Bangkok"
    assert zones("europe/berlin") == ("Europe/Berlin",), "an IANA id, any case"
    assert zones("UTC") == ("UTC",)


def test_an_ambiguous_place_gives_choices_and_an_unknown_one_none():
    indonesia = zones("Indonesia", prefer=("Asia/Makassar",))
    assert indonesia == ("Asia/Makassar", "Asia/Jakarta", "Asia/Pontianak", "Asia/Jayapura")
    assert zones("Atlantis") == ()
    assert zones("กรุงเทพ", lang="en") == (), "Thai names are matched for Thai members"
    many = find_zone("a", now=NOW, languages=("en",))
    assert many.zones == () and many.too_many
    assert zones("Etc") == (), "Etc/GMT+7 is UTC−7: never offered by a name"


def test_offsets_offer_the_zones_at_that_offset_now():
    for typed in ("GMT+7", "UTC+07:00", "+7", "utc +7", "+0700", "ＵＴＣ＋７"):
        assert parse_offset(typed) == 420, typed
    assert parse_offset("UTC-3:30") == parse_offset("−3:30") == -210
    for typed in ("7", "+15", "+5:75", "UTC+", "Bangkok"):
        assert parse_offset(typed) is None, typed
    at_7 = zones("GMT+7", prefer=("Asia/Jakarta", "Europe/Paris"))
    assert at_7[0] == "Asia/Jakarta" and "Europe/Paris" not in at_7
    assert {"Asia/Bangkok", "Asia/Ho_Chi_Minh", "Asia/Phnom_Penh"} <= set(at_7)
    assert zones("UTC-3:30") == ("America/St_Johns",)
    assert "Europe/London" in zones("+0")
    summer = find_zone("+1", now=datetime(2027, 7, 1, tzinfo=UTC)).zones
    assert "Europe/London" in summer and "Europe/London" not in zones("+1")
    no_zone = find_zone("UTC+2:17", now=NOW)
    assert no_zone.zones == () and no_zone.offset == 137


def test_every_zone_offered_is_loadable_and_every_button_fits():
    for zone in [*zone_countries(), *COMMON_CITIES]:
        assert is_choosable(zone), zone
        assert len(f"set:tz:{zone}".encode()) <= 64
    assert country_zones("ID") == (
        "Asia/Jakarta",
        "Asia/Pontianak",
        "Asia/Makassar",
        "Asia/Jayapura",
    )
    for forged in ("Mars/Olympus", "", "localtime", "../etc/passwd", "asia/bangkok", None):
        assert not is_choosable(forged), forged
    assert country_of("Thailand") == country_of("th") == country_of("ไทย", ["th"]) == "TH"
    assert country_of("Narnia") is None
    assert region_of("pt-br") == "BR" and region_of("en") is None and region_of(None) is None


# --- time zones: the conversation --------------------------------------------------------------


async def zone_forum(
    bot, fake, *, form_lines="timezone: Asia/Bangkok", language="en", code="en", typing=False
):
    """Niran, a member of Ada's forum (its `form_lines`), who speaks `language` in the bot and
    `code` in Telegram; with `typing`, he waits at the step where he types a zone."""
    ada = fake.add_user("Ada", username="ada")
    niran = fake.add_user("Niran", username="niran", language_code=code)
    member, _ = await new_forum(bot, ada, f"/newforum SCP Forum\n{form_lines}\nlanguage: en")
    await join(bot, niran, member, language=language)
    if typing:
        await typing_a_zone(bot, niran)
    return niran


async def typing_a_zone(bot, user) -> None:
    """/settings, Time zone, Type another… (by their data: labels are in the member's language)."""
    await bot.send(user, "/settings")
    await bot.tap(user, 3)
    await bot.tap(user, zone_data(bot, user).index("set:tz:?") + 1)


async def stored_zone(bot, user) -> str | None:
    row = await bot.services.db.fetchone("SELECT timezone FROM users WHERE id = ?", (user.id,))
    return row["timezone"]


def zone_data(bot, user) -> list[str]:
    message = bot.last_keyboard(user.id)
    return [b["callback_data"] for b in bot.fake.buttons(message)]


async def test_a_thai_member_types_a_city_in_thai_or_english(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        niran = await zone_forum(bot, fake, form_lines="timezone: UTC", language="th", typing=True)
        await bot.send(niran, "กรุงเทพ")
        assert await stored_zone(bot, niran) == "Asia/Bangkok"
        assert await bot.services.db.fetchall("SELECT * FROM pending_inputs") == []
        await typing_a_zone(bot, niran)
        await bot.send(niran, "saigon")
        assert await stored_zone(bot, niran) == "Asia/Ho_Chi_Minh"


async def test_an_ambiguous_city_asks_and_changes_nothing_until_a_tap(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        niran = await zone_forum(bot, fake, typing=True)
        before = await snapshot(bot)
        calls = await bot.send(niran, "Indonesia")
        assert "Several places match “Indonesia”" in calls[-1].params["text"]
        assert zone_data(bot, niran) == [
            "set:tz:Asia/Jakarta",
            "set:tz:Asia/Pontianak",
            "set:tz:Asia/Makassar",
            "set:tz:Asia/Jayapura",
        ]
        assert bot.labels(niran)[2] == "Asia/Makassar (UTC+8)"
        assert bot.labels(niran)[0] == "Asia/Jakarta (UTC+7)"
        assert await snapshot(bot) == before, "nothing stored, the step still waits"
        await bot.tap(niran, "Asia/Makassar")
        assert await stored_zone(bot, niran) == "Asia/Makassar"
        assert "Time zone: Asia/Makassar" in bot.last(niran)["text"]
        assert await bot.services.db.fetchall("SELECT * FROM pending_inputs") == []


async def test_an_offset_offers_its_zones_in_pages_the_forums_first(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        niran = await zone_forum(
            bot, fake, form_lines="timezone: Asia/Jakarta\ncountry: Indonesia", typing=True
        )
        before = await snapshot(bot)
        calls = await bot.send(niran, "GMT+7")
        assert "These time zones are at UTC+7 now" in calls[-1].params["text"]
        data = zone_data(bot, niran)
        assert data[:2] == ["set:tz:Asia/Jakarta", "set:tz:Asia/Pontianak"], "the country's first"
        assert data[-1] == "page:tz:o:420:1" and len(data) == 11
        await bot.tap(niran, "▶")
        page_two = zone_data(bot, niran)
        assert "page:tz:o:420:0" in page_two and "set:tz:Asia/Vientiane" in page_two
        assert await snapshot(bot) == before
        await bot.tap(niran, "Asia/Vientiane")
        assert await stored_zone(bot, niran) == "Asia/Vientiane"


async def test_an_offset_no_zone_has_and_an_unknown_place_change_nothing(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        niran = await zone_forum(bot, fake, typing=True)
        before = await snapshot(bot)
        calls = await bot.send(niran, "UTC+2:17")
        assert calls[-1].params["text"].startswith("No time zone is at UTC+2:17 now.")
        calls = await bot.send(niran, "Atlantis")
        text = calls[-1].params["text"]
        assert "I don't know the time zone “Atlantis”" in text and "UTC+7" in text
        calls = await bot.send(niran, "s")
        assert "Please type more of the name" in calls[-1].params["text"]
        assert await snapshot(bot) == before
        await bot.send(niran, "UTC-3:30")
        assert zone_data(bot, niran) == ["set:tz:America/St_Johns"], "offered, not guessed"
        assert await snapshot(bot) == before


async def test_forged_zone_and_page_buttons_are_refused(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        niran = await zone_forum(bot, fake)
        stranger = fake.add_user("Omar", username="omar")
        await typing_a_zone(bot, niran)
        await bot.send(niran, "GMT+7")
        before = await snapshot(bot)
        await bot.forged_are_stale(
            niran,
            (
                "set:tz:Mars/Olympus",
                "set:tz:asia/bangkok",
                "set:tz:localtime",
                "set:tz:Etc/../UTC",
                "page:tz:o:999:0",
                "page:tz:o:+420:0",
                "page:tz:o:137:0",  # an offset no zone has: nothing to page
                "page:tz:o:abc:0",
                "page:tz:x:0",
                "page:tz:m:x",
            ),
        )
        await bot.send(stranger, "/start")
        await bot.forged_are_stale(
            stranger, ("set:tz:Asia/Bangkok", "page:tz:m:0", "page:tz:o:420:0")
        )
        assert await snapshot(bot) == before


async def test_the_menu_offers_the_members_country_from_the_forum_or_telegram(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        niran = await zone_forum(bot, fake, form_lines="timezone: UTC", code="pt-br")
        await bot.send(niran, "/settings")
        await bot.tap(niran, "Time zone")
        data = zone_data(bot, niran)
        assert data[:3] == ["set:tz:UTC", "set:tz:America/Noronha", "set:tz:America/Belem"]
        assert "page:tz:m:1" in data and data[-2:] == ["set:tz:?", "set:menu:main"]
        await bot.tap(niran, "▶")
        assert "set:tz:America/Manaus" in zone_data(bot, niran)
        await bot.tap(niran, "◀")
        await bot.tap(niran, "America/Sao_Paulo")
        assert await stored_zone(bot, niran) == "America/Sao_Paulo"


async def test_the_menu_names_the_forums_country_in_the_members_language(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        niran = await zone_forum(
            bot, fake, form_lines="timezone: Asia/Tokyo\ncountry: Thailand", language="th"
        )
        await bot.send(niran, "/settings")
        await bot.tap(niran, 3)  # the time zone button, labelled in Thai
        data = zone_data(bot, niran)
        assert data[:2] == ["set:tz:Asia/Tokyo", "set:tz:Asia/Bangkok"]
        assert bot.labels(niran)[1] == "Asia/Bangkok · กรุงเทพ (UTC+7)"


async def test_the_new_forum_dialog_takes_a_city_and_lists_an_ambiguous_one(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        admin = fake.add_user("Ada", username="ada", user_id=1001)
        await bot.send(admin, "/newforum")
        await bot.send(admin, "Indonesia SCP Forum")
        before = await snapshot(bot)
        await bot.send(admin, "Indonesia")
        text = bot.last(admin)["text"]
        assert "Several time zones match “Indonesia”" in text
        assert "Asia/Jakarta (UTC+7)" in text and "Asia/Jayapura (UTC+9)" in text
        assert await snapshot(bot) == before
        await bot.send(admin, "jakarta")
        await bot.tap(admin, "English")
        assert "time zone Asia/Jakarta" in bot.last(admin)["text"]


async def test_a_thai_coordinator_adds_a_forum_tip_with_a_thai_topic(tmp_path, fake):
    """`/tip add พลังงาน` (the one-message form) files the tip under energy, like `/tip add energy`;
    a topic that is no topic in any language is still refused and stores nothing."""
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada = fake.add_user("Ada", username="ada", language_code="th")
        await new_forum(bot, ada, "/newforum Thailand SCP Forum\ntimezone: Asia/Bangkok")
        before = await snapshot(bot)
        await bot.send(ada, "/tip add การทำสวน\nปลูกต้นไม้")  # "gardening"
        assert await snapshot(bot) == before
        await bot.send(ada, "/tip add พลังงาน\nปิดไฟเมื่อออกจากห้อง")
        rows = await bot.services.db.fetchall("SELECT topic FROM forum_tips")
        assert [row[0] for row in rows] == ["energy"]
