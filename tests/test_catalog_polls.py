"""Issue 14, content in every member's language: catalog polls (human sources, items from the
`content` domain, each reader's language) and translations a coordinator adds in the preview."""

from __future__ import annotations

import csv
import json
import re

from bot.priorities import item_key
from fake_telegram import Call
from tests.dialog_steps import count
from tests.harness import close_poll, invite_codes, join, new_forum, running_bot
from tests.test_exports import csv_of
from tests.test_polls import ballot
from tests.worlds import forum_with_members

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


async def thai_forum(bot, fake):
    """Somchai (Thai coordinator), Li (Chinese), Amal (Arabic), Niran (Thai)."""
    somchai = fake.add_user("Somchai", username="somchai", language_code="th")
    li = fake.add_user("Li", username="li", language_code="zh-hans")
    amal = fake.add_user("Amal", username="amal", language_code="ar")
    niran = fake.add_user("Niran", username="niran", language_code="th")
    code, _ = await new_forum(
        bot, somchai, "/newforum Thailand SCP Forum\ntimezone: Asia/Bangkok\nlanguage: th"
    )
    await join(bot, li, code, language="zh_Hans")
    await join(bot, amal, code, language="ar", group="civil_society")
    await join(bot, niran, code, language="th", group="industry")
    return somchai, li, amal, niran


async def thai_catalog_poll(bot, fake, question: str | None = None):
    """Somchai (Thai coordinator) makes a Table 2 poll (items 1, 3, 5) through the dialog, with
    the default question or `question` (the message he types); Li (Chinese), Amal (Arabic) and
    Niran (Thai) are members. Returns them."""
    somchai, li, amal, niran = await thai_forum(bot, fake)
    await bot.send(somchai, "/newpoll")
    await bot.forge(somchai, "np:cat:table2")
    for n in (1, 3, 5):
        await bot.forge(somchai, f"np:item:{n}")
    await bot.forge(somchai, "np:next")
    if question is None:
        await bot.forge(somchai, "np:default")
    else:
        await bot.send(somchai, question)
    await bot.forge(somchai, "np:send")
    return somchai, li, amal, niran


def ballot_shown(bot, user) -> str:
    message = ballot(bot, user)
    return "\n".join([message["text"], *(b["text"] for b in bot.fake.buttons(message))])


def lacks_latin(text: str, allowed: tuple[str, ...] = ("SCP",)) -> list[str]:
    """Words in Latin letters in `text`, beyond the allowed abbreviations."""
    return [w for w in re.findall(r"[A-Za-z]+", text) if w not in allowed]


async def test_a_thai_catalog_poll_reaches_chinese_and_arabic_members_in_their_language(
    tmp_path, fake
):
    """Issue 14's done-when: the ballot itself (question, options, buttons, anonymity line), as
    the Bot API carried it, holds no English: every word is the member's language."""
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        catalogs = bot.services.priorities
        items = [catalogs["table2"].items[n - 1] for n in (1, 3, 5)]
        _, li, amal, niran = await thai_catalog_poll(bot, fake)
        for who, lang in ((li, "zh_Hans"), (amal, "ar"), (niran, "th")):
            tr = bot.services.catalogs.translator(lang)
            shown = ballot_shown(bot, who)
            assert not lacks_latin(shown), (lang, lacks_latin(shown))
            assert tr._("Which of these should the forum take up first?") in shown, lang
            assert tr._("Anonymous: after the poll closes nobody can see how you ranked.") in shown
            for item in items:
                assert f"{tr.content_own(item_key(item.id), item.text)}" in shown, (lang, item.id)
            assert tr._("✅ Submit") in shown and tr._("↩ Undo") in shown


def options_of(bot, user) -> list[str]:
    """The numbered option lines of the member's ballot."""
    return [line for line in ballot(bot, user)["text"].split("\n") if re.match(r"\d+\. ", line)]


async def test_a_language_without_the_catalog_falls_back_to_the_polls_own(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        catalogs = bot.services.catalogs
        catalogs._compiled.pop(("km", "content"))  # Khmer lacks the catalog's translations
        catalogs._translators.clear()
        somchai, li, _amal, niran = await thai_catalog_poll(bot, fake)
        dara = fake.add_user("Dara", username="dara", language_code="km")
        code = invite_codes((await bot.send(somchai, "/invite"))[-1].params["text"])[0]
        await join(bot, dara, code, language="km")
        await bot.send(dara, "/polls")
        await bot.tap(dara, 1)  # 🗳 Rank: poll 1 sends the ballot again
        thai = options_of(bot, somchai)
        assert thai == options_of(bot, niran) and not lacks_latin("".join(thai))
        assert options_of(bot, dara) == thai  # the poll's language, not English
        assert options_of(bot, li) != thai
        question = catalogs.translator("km")._("Which of these should the forum take up first?")
        assert question in ballot(bot, dara)["text"]  # our sentence: Khmer has it


async def test_a_typed_question_and_option_stay_the_coordinators(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        _somchai, li, _amal, _ = await thai_catalog_poll(bot, fake, "ควรทำอะไรก่อนดี\nตลาดนัดสีเขียว")
        shown = ballot(bot, li)["text"]
        assert "ควรทำอะไรก่อนดี" in shown and "4. ตลาดนัดสีเขียว" in shown
        tr = bot.services.catalogs.translator("zh_Hans")
        item = bot.services.priorities["table2"].items[0]
        assert f"1. {tr.content_own(item_key(item.id), item.text)}" in shown
        assert tr._("Which of these should the forum take up first?") not in shown


async def test_closed_ballots_and_results_in_each_members_language(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        somchai, li, amal, _niran = await thai_catalog_poll(bot, fake)
        for who in (li, amal):
            await bot.tap(who, 1, message_id=ballot(bot, who)["message_id"])
            await bot.tap(who, "✅", message_id=ballot(bot, who)["message_id"])
        ballots = {who.id: ballot(bot, who)["message_id"] for who in (li, amal)}
        calls = await close_poll(bot, somchai)
        await bot.run_due()  # the results, through the outbox, to members (no group)
        items = bot.services.priorities["table2"].items
        for who, lang in ((li, "zh_Hans"), (amal, "ar")):
            tr = bot.services.catalogs.translator(lang)
            closed = next(
                c.params["text"]
                for c in calls
                if c.method == "editMessageText"
                and c.params["message_id"] == ballots[who.id]
                and str(c.params["chat_id"]) == str(who.id)
            )
            assert tr._("Which of these should the forum take up first?") in closed, lang
            results = next(
                m["text"]
                for m in reversed(fake.messages(who.id))
                if "1" in m["text"]
                and tr.content_own(item_key(items[0].id), items[0].text) in m["text"]
            )
            # the formula's variable and the methods' names (the UI catalogs' choice) may stay
            allowed = ("k", "Borda", "Condorcet", "Schulze", "IRV")
            assert not lacks_latin(results, allowed), (lang, lacks_latin(results, allowed))


THAI_FORM = "/newpoll ควรทำอะไรก่อน\nพลังงาน\nน้ำ"
CHINESE = "首先应该做什么？\n能源\n水"


def button(bot, user, data: str) -> int:
    """The 1-based index of the button with this callback data on the user's last keyboard."""
    buttons = bot.fake.buttons(bot.last_keyboard(user.id))
    return next(i for i, b in enumerate(buttons, 1) if b.get("callback_data") == data)


def button_on(bot, user, message_id: int, data: str) -> int:
    message = next(m for m in bot.fake.messages(user.id) if m["message_id"] == message_id)
    buttons = bot.fake.buttons(message)
    return next(i for i, b in enumerate(buttons, 1) if b.get("callback_data") == data)


async def add_language(bot, user, code: str, lines: str) -> list[Call]:
    calls = await bot.tap(user, button(bot, user, "np:langs"))
    calls += await bot.tap(user, button(bot, user, f"np:lang:{code}"))
    return calls + await bot.send(user, lines)


async def test_an_added_language_reaches_its_members_others_read_the_polls_own(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        somchai, li, amal, niran = await thai_forum(bot, fake)
        await bot.send(somchai, THAI_FORM)
        await bot.tap(somchai, button(bot, somchai, "np:langs"))
        labels = bot.labels(somchai)
        assert "中文 (简体)" in labels and "العربية" in labels and "ไทย" not in labels
        await bot.tap(somchai, button(bot, somchai, "np:lang:zh_Hans"))
        assert "首先" not in bot.last(somchai)["text"] and "1. พลังงาน" in bot.last(somchai)["text"]
        await bot.send(somchai, CHINESE)
        preview = bot.last(somchai)
        assert "ไทย, 中文 (简体)" in preview["text"]
        assert "✏️ 中文 (简体)" in bot.labels(somchai) and "✖ 中文 (简体)" in bot.labels(somchai)
        assert await count(bot, "polls") == 0  # still a draft
        await bot.tap(somchai, button(bot, somchai, "np:send"))
        assert ballot(bot, li)["text"].split("\n")[0].endswith("首先应该做什么？")
        assert options_of(bot, li) == ["1. 能源", "2. 水"]
        assert [b["text"] for b in bot.fake.buttons(ballot(bot, li))][:2] == ["1. 能源", "2. 水"]
        for who in (amal, niran):  # no version of theirs: the poll's own language
            assert "ควรทำอะไรก่อน" in ballot(bot, who)["text"]
            assert options_of(bot, who) == ["1. พลังงาน", "2. น้ำ"]
        await bot.tap(li, 2, message_id=ballot(bot, li)["message_id"])  # a tap keeps Chinese
        assert "1. 能源" in ballot(bot, li)["text"] and "พลังงาน" not in ballot(bot, li)["text"]


async def test_a_wrong_line_count_is_refused_in_the_coordinators_language(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        somchai, li, *_ = await thai_forum(bot, fake)
        await bot.send(somchai, THAI_FORM)
        tr = bot.services.catalogs.translator("th")
        await add_language(bot, somchai, "zh_Hans", "首先应该做什么？\n能源")
        for lines, count in (("首先应该做什么？\n能源", 2), (CHINESE + "\n电", 4)):
            await bot.send(somchai, lines)  # the step waits until the count is right
            assert bot.last(somchai)["text"] == tr.n_(
                "Your message has %(count)s line, but this poll needs %(needed)s: the question, "
                "then each option, in the same order. Please send it again.",
                "Your message has %(count)s lines, but this poll needs %(needed)s: the "
                "question, then each option, in the same order. Please send it again.",
                count,
                needed=3,
            )
        await bot.send(somchai, "首先应该做什么？\n能源\n能源")  # the form's own rules hold
        assert bot.last(somchai)["text"] == tr._(
            "Two options are the same; each option must be different."
        )
        await bot.send(somchai, CHINESE)  # still waiting for the lines: now right
        await bot.tap(somchai, button(bot, somchai, "np:send"))
        assert options_of(bot, li) == ["1. 能源", "2. 水"]


async def test_a_language_can_be_replaced_or_removed_and_a_changed_form_drops_it(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        somchai, li, amal, _ = await thai_forum(bot, fake)
        await bot.send(somchai, THAI_FORM)
        await add_language(bot, somchai, "zh_Hans", CHINESE)
        await add_language(bot, somchai, "ar", "ماذا أولاً؟\nالطاقة\nالمياه")
        assert "ไทย, 中文 (简体), العربية" in bot.last(somchai)["text"]
        await bot.tap(somchai, button(bot, somchai, "np:lang:zh_Hans"))  # ✏️: send it again
        await bot.send(somchai, "先做什么？\n能源\n水资源")
        await bot.tap(somchai, button(bot, somchai, "np:unlang:ar"))  # ✖
        assert "العربية" not in bot.last(somchai)["text"]
        assert "np:unlang:ar" not in str(bot.fake.buttons(bot.last_keyboard(somchai.id)))
        await bot.tap(somchai, button(bot, somchai, "np:send"))
        assert options_of(bot, li) == ["1. 能源", "2. 水资源"]
        assert "ควรทำอะไรก่อน" in ballot(bot, amal)["text"]

        await bot.send(somchai, "/newpoll ข้อสอง\nก\nข")
        await add_language(bot, somchai, "zh_Hans", "第二\n甲\n乙")
        await bot.tap(somchai, button(bot, somchai, "np:langs"))
        await bot.tap(somchai, button(bot, somchai, "np:lang:ar"))  # asks for Arabic lines…
        preview = max(m["message_id"] for m in fake.messages(somchai.id) if "np:send" in str(m))
        await bot.tap(somchai, button_on(bot, somchai, preview, "np:edit"), message_id=preview)
        # …but ✏️ Edit was tapped: this is a correction (a third option), and the Chinese
        # version no longer fits it.
        await bot.send(somchai, "ข้อสอง\nก\nข\nค")
        assert "中文" not in bot.last(somchai)["text"] and "3. ค" in bot.last(somchai)["text"]
        await bot.tap(somchai, button(bot, somchai, "np:send"))
        assert "ข้อสอง" in ballot(bot, li, 2)["text"]


async def test_forged_language_buttons_change_nothing(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        somchai, li, *_ = await thai_forum(bot, fake)
        other = fake.add_user("Olga", username="olga", language_code="ru")
        await bot.send(somchai, THAI_FORM)
        preview = bot.last(somchai)["message_id"]
        pending = await bot.services.db.fetchone("SELECT data FROM pending_inputs")
        for data in ("np:lang:xx", "np:lang:zh-Hans", "np:lang:", "np:unlang:ar", "np:lang"):
            calls = await bot.forge(somchai, data, message_id=preview)
            assert bot.answers(calls) == [
                bot.services.catalogs.translator("th")._("This button is no longer valid.")
            ], data
        calls = await bot.forge(somchai, "np:lang:th", message_id=preview)  # its own language
        assert bot.answers(calls) != [""] and len(calls) == 1
        assert await bot.services.db.fetchone("SELECT data FROM pending_inputs") == pending
        # A coordinator of another forum forges the buttons in their own chat: no draft there.
        await bot.send(other, "/newforum Other Forum\ntimezone: Europe/Moscow\nlanguage: ru")
        for data in ("np:langs", "np:lang:zh_Hans", "np:unlang:zh_Hans"):
            calls = await bot.forge(other, data)
            assert [c.method for c in calls] == ["answerCallbackQuery"], data
        await bot.send(other, "中文\n能源\n水")  # not a step of anyone's dialog
        assert await bot.services.db.fetchone("SELECT data FROM pending_inputs") == pending
        await bot.tap(somchai, button(bot, somchai, "np:send"))
        assert "ควรทำอะไรก่อน" in ballot(bot, li)["text"]


async def test_the_export_keeps_the_polls_language_and_names_catalog_items(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        somchai, li, *_ = await thai_catalog_poll(bot, fake, "ควรทำอะไรก่อนดี\nตลาดนัดสีเขียว")
        await bot.tap(li, 1, message_id=ballot(bot, li)["message_id"])
        await bot.tap(li, "✅", message_id=ballot(bot, li)["message_id"])
        await close_poll(bot, somchai)
        calls = await bot.send(somchai, "/export 1")
        rows = list(csv.reader(csv_of(calls, "poll-1-results.csv").splitlines()))
        assert rows[0][:3] == ["option", "text", "catalog_item"]
        tr, items = bot.services.catalogs.translator("th"), bot.services.priorities["table2"].items
        thai = [tr.content_own(item_key(items[n].id), items[n].text) for n in (0, 2, 4)]
        assert {tuple(r[:3]) for r in rows[1:]} == {
            ("1", thai[0], "t2-01"),
            ("2", thai[1], "t2-03"),
            ("3", thai[2], "t2-05"),
            ("4", "ตลาดนัดสีเขียว", ""),
        }


async def test_a_fixed_catalog_option_or_question_is_the_coordinators_for_everyone(tmp_path, fake):
    """/editpoll's text fix on a catalog poll: the option is no longer the catalog's item, so no
    member may still read the catalog's translation of the old text (nor the export name the
    item); a fixed question replaces the default catalog question for every reader."""
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        somchai, li, amal, _ = await thai_catalog_poll(bot, fake)
        await bot.send(somchai, "/editpoll")
        await bot.forge(somchai, "pm:fix:1")
        await bot.forge(somchai, "pm:fx:1:1")
        await bot.send(somchai, "ข้อตกลงภาครัฐกับอุตสาหกรรม")
        await bot.send(somchai, "/editpoll")
        await bot.forge(somchai, "pm:fix:1")
        await bot.forge(somchai, "pm:fx:1:0")
        await bot.send(somchai, "เรื่องใดควรทำก่อน")
        third = bot.services.priorities["table2"].items[2]
        for who, lang in ((li, "zh_Hans"), (amal, "ar")):
            tr = bot.services.catalogs.translator(lang)
            shown = ballot(bot, who)["text"]  # edited in place after each fix
            assert "1. ข้อตกลงภาครัฐกับอุตสาหกรรม" in shown, shown
            assert "เรื่องใดควรทำก่อน" in shown, shown
            # The options nobody fixed are still the catalog's, in the member's language.
            assert tr.content_own(item_key(third.id), third.text) in shown, (lang, shown)
            assert tr._("✅ Submit") in ballot_shown(bot, who)
        refs = await bot.services.db.fetchall(
            "SELECT position, ref FROM poll_options ORDER BY position"
        )
        assert [tuple(r) for r in refs] == [(1, None), (2, "t2-03"), (3, "t2-05")]


async def test_deadline_and_cancellation_notices_name_the_poll_in_each_members_language(
    tmp_path, fake
):
    """/editpoll's notices quote the question: the Chinese member reads the default catalog
    question in Chinese, in the deadline notice, the cancellation and the edited ballot."""
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        somchai, li, amal, _ = await thai_catalog_poll(bot, fake)
        question = "Which of these should the forum take up first?"
        zh = bot.services.catalogs.translator("zh_Hans")._(question)
        ar = bot.services.catalogs.translator("ar")._(question)
        ballot_id = ballot(bot, li)["message_id"]
        await bot.send(somchai, "/editpoll")
        await bot.tap(somchai, 1)  # ⏰ Change deadline
        await bot.tap(somchai, 1)  # +1 day
        assert zh in bot.last(li)["text"] and ar in bot.last(amal)["text"]
        await bot.send(somchai, "/editpoll")
        await bot.tap(somchai, 3)  # 🗑 Cancel poll
        await bot.tap(somchai, 1)  # ✅ Yes, cancel
        said = [m["text"] for m in fake.messages(li.id)]
        assert sum(zh in text for text in said) == 3, said[-3:]
        edited = next(m for m in fake.messages(li.id) if m["message_id"] == ballot_id)
        assert zh in edited["text"] and not lacks_latin(edited["text"]), edited["text"]
