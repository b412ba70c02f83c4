"""Issue 14, forum tips: `/tip add` alone, in private, asks step by step (language, topic, text)
and ends in a preview; "✅ Save" goes through the one-message form's code path, once. Unknown
language codes are refused with the codes the bot has, texts over the limit are refused, non-text
is asked again as text, the dialog survives a restart, /cancel ends it, edits never act, and only
coordinators may drive it."""

from __future__ import annotations

from tests.dialog_steps import HINT, TEXT_PLEASE, count, only_coordinators_start, said, step
from tests.harness import STALE, running_bot
from tests.worlds import forum_with_members

TH = "ประหยัดพลังงานในสำนักงาน ปิดไฟเมื่อไม่ใช้"
EN = "Switch off the lights when you leave: colon: stays text."
ROWS = (
    "SELECT t.topic, x.lang, x.text FROM forum_tips t JOIN forum_tip_texts x ON x.tip_id = t.id"
    " WHERE t.id = ? ORDER BY x.lang"
)


async def to_the_preview(bot, user) -> None:
    """`user` writes the English energy tip EN step by step: its preview waits for a tap."""
    await bot.send(user, "/tip add")
    await bot.tap(user, "English")
    await bot.tap(user, "Energy")
    await bot.send(user, EN)


async def test_step_by_step_in_two_languages_stores_what_the_form_stores(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, *_ = await forum_with_members(bot, fake, group=False)
        await bot.send(ada, "/tip add")
        assert "Which language is it written in?" in bot.last(ada)["text"]
        labels = bot.labels(ada)
        assert {"English", "ไทย", "中文 (简体)", "العربية"} <= set(labels) and len(
            labels
        ) == 20  # autonyms
        await bot.tap(ada, "ไทย")
        assert bot.labels(ada)[0] == "Energy"
        await bot.tap(ada, "Energy")
        assert bot.last(ada)["text"] == "Send the tip in ไทย, at most 600 characters."
        await bot.send(ada, TH)
        preview = bot.last(ada)["text"]
        for shown in (
            "Preview: nothing is saved until you tap “Save”.",
            "Languages: ไทย",
            "From Thailand SCP Forum",
            TH,
            "\n\nEnergy",
        ):
            assert shown in preview, shown
        assert bot.labels(ada) == ["✅ Save", "🌐 Add a language", "✖ Discard"]
        assert await count(bot, "forum_tips") == 0

        await bot.tap(ada, "🌐 Add a language")
        await bot.send(ada, "en-US")  # a typed code finds ours, as in the form; no topic again
        assert bot.last(ada)["text"] == "Send the tip in English, at most 600 characters."
        await bot.send(ada, "Switch off the lights\nwhen you leave: colon: stays text.")
        assert "Languages: ไทย, English" in bot.last(ada)["text"]
        calls = await bot.tap(ada, "✅ Save")
        assert said(calls) == [
            "Tip #1 added in ไทย, English. Members of Thailand SCP Forum will meet it among the "
            "library's tips."
        ]
        assert await step(bot, ada) is None
        # A second tap on Save (or a forged one) stores nothing more.
        message = bot.last_keyboard(ada.id)["message_id"]
        assert bot.answers(await bot.forge(ada, "tipd:save", message_id=message)) == [STALE]
        assert await count(bot, "forum_tips") == 1

        # The one-message form, unchanged, stores the very same tip.
        await bot.send(ada, f"/tip add energy\nth: {TH}\nen: {EN}")
        first = [tuple(r) for r in await bot.services.db.fetchall(ROWS, (1,))]
        second = [tuple(r) for r in await bot.services.db.fetchall(ROWS, (2,))]
        assert first == second == [("energy", "en", EN), ("energy", "th", TH)]
        # …and members meet it.
        await bot.send(niran, "/tip energy")


async def test_unknown_languages_overlong_texts_and_stickers_keep_the_step(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, *_ = await forum_with_members(bot, fake, group=False)
        await bot.send(ada, "/tip add")
        waiting = await step(bot, ada)
        for typed in ("de", "pt-BR", "zh-Hant", "Deutsch please"):
            await bot.send(ada, typed)
            text = bot.last(ada)["text"]
            assert text.startswith(f"I don't have the language “{typed}”."), text
            assert "en, " in text and "th" in text  # the codes it has
        await bot._act(lambda: fake.send_sticker(ada))
        assert bot.last(ada)["text"] == TEXT_PLEASE
        assert await step(bot, ada) == waiting
        await bot.send(ada, "en")
        await bot.send(ada, "recycling")  # not a topic: the buttons, please
        assert bot.last(ada)["text"] == "Please use the buttons in my message above."
        await bot.send(ada, "waste")  # a topic's key, typed, as in the form
        waiting = await step(bot, ada)
        await bot._act(lambda: fake.send_photo(ada, caption="A tip as a caption"))
        assert bot.last(ada)["text"] == TEXT_PLEASE
        await bot.send(ada, "x" * 601)
        assert bot.last(ada)["text"] == "That is too long: at most 600 characters, please."
        await bot.send(ada, "x" * 5000)
        assert bot.last(ada)["text"] == "That is too long: at most 600 characters, please."
        assert await step(bot, ada) == waiting
        await bot.send(ada, "x" * 600)
        await bot.tap(ada, "✅ Save")
        rows = await bot.services.db.fetchall(ROWS, (1,))
        assert [tuple(r) for r in rows] == [("waste", "en", "x" * 600)]


async def test_discard_a_restart_and_cancel(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, *_ = await forum_with_members(bot, fake, group=False)
        await to_the_preview(bot, ada)
        preview = bot.last_keyboard(ada.id)["message_id"]
        await bot.tap(ada, "✖ Discard")
        assert bot.last(ada)["text"] == "Discarded. No tip was saved."
        assert bot.answers(await bot.forge(ada, "tipd:save", message_id=preview)) == [STALE]

        await bot.send(ada, "/tip add")
        await bot.restart()
        await bot.tap(ada, "English")  # a button sent before the restart
        await bot.restart()
        await bot.tap(ada, "Energy")
        await bot.restart()
        await bot.send(ada, EN)
        await bot.restart()
        await bot.tap(ada, "✅ Save")
        assert await count(bot, "forum_tips") == 1

        await bot.send(ada, "/tip add")
        await bot.tap(ada, "English")
        topics = bot.last_keyboard(ada.id)["message_id"]
        await bot.send(ada, "/cancel")
        assert said(await bot.send(ada, EN)) == [HINT]
        assert bot.answers(await bot.tap(ada, "Energy", message_id=topics)) == [STALE]
        assert await count(bot, "forum_tips") == 1 and await step(bot, ada) is None


async def test_an_edited_answer_never_acts(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, *_ = await forum_with_members(bot, fake, group=False)
        await to_the_preview(bot, ada)
        waiting = await step(bot, ada)
        calls = await bot.edit(ada, "An edited tip")
        assert said(calls) == ["I don't act on edited messages; send it again as a new message."]
        assert await step(bot, ada) == waiting and "An edited tip" not in waiting


async def test_only_coordinators_and_forged_buttons_are_refused(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, _, lena, group = await forum_with_members(bot, fake)
        await only_coordinators_start(bot, "/tip add", ada, group, niran, lena)
        await bot.send(ada, "/tip add")
        await bot.forged_are_stale(
            ada, ("tipd:lang:de", "tipd:lang:", "tipd:topic:energy", "tipd:save", "tipd:drop")
        )
        await bot.tap(ada, "English")
        await bot.forged_are_stale(ada, ("tipd:topic:bogus", "tipd:lang:th", "tipd:save"))
        # Demoted in the middle: the next step ends the dialog.
        await bot.send(ada, "/promote @niran coordinator")
        await bot.send(niran, "/tip add")
        await bot.tap(niran, "English")
        await bot.send(ada, "/demote @niran")
        assert bot.answers(await bot.tap(niran, "Energy")) == [STALE]
        await bot.send(niran, "energy")
        assert bot.last(niran)["text"] == (
            "This tip draft is no longer open; start again with /tip add."
        )
        assert await step(bot, niran) is None and await count(bot, "forum_tips") == 0
