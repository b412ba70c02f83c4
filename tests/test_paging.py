"""Every list fits Telegram (issue 13): long lists are shown a page at a time, with ◀ ▶.

Telegram refuses a message over 4096 characters and a keyboard over 100 buttons; the fake does
too (with Telegram's own descriptions), and `running_bot` fails a test on any refused call. Each
test builds a list far past one message and walks every page, checking that nothing is lost.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from telegram.constants import InlineKeyboardMarkupLimit, MessageLimit

from bot.paging import clamp, split_pages
from fake_telegram import FakeUser
from tests.harness import Harness, join, new_forum, new_poll, running_bot, snapshot


async def walk(bot: Harness, user: FakeUser, first: dict) -> list[dict]:
    """Every page of a paged message, following ▶ until there is none."""
    refused = [(c.method, c.description) for c in bot.fake.calls if c.description and not c.ok]
    assert refused == [], "Telegram refused the list"
    pages = [first]
    while "▶" in [b["text"] for b in bot.fake.buttons(pages[-1])]:
        await bot.tap(user, "▶", message_id=first["message_id"])
        pages.append(bot.fake.stored(user.id, first["message_id"]).copy())
        assert len(pages) < 50, "the pages never end"
    return pages


def fits(message: dict) -> None:
    text = message.get("text", "")
    assert len(text) <= MessageLimit.MAX_TEXT_LENGTH
    assert len(message.get("reply_markup", {}).get("inline_keyboard", [])) <= (
        InlineKeyboardMarkupLimit.TOTAL_BUTTON_NUMBER
    )


async def test_a_choice_of_120_open_polls_is_paged(tmp_path, fake):
    ada = fake.add_user("Ada", username="ada")
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        await new_forum(bot, ada)
        for number in range(1, 121):
            await new_poll(bot, ada, f"/newpoll Question number {number} about priorities?\nA\nB")
        await bot.send(ada, "/results")
        first = bot.last(ada)
        pages = await walk(bot, ada, first)
        assert first["text"].startswith("Which poll?") and "Page 1 of " in first["text"]
        for page in pages:
            fits(page)
        labels = [
            b["text"] for page in pages for b in bot.fake.buttons(page) if b["text"] not in "◀▶"
        ]
        numbers = [int(label.split(".")[0]) for label in labels]
        assert sorted(numbers) == list(range(1, 121)), "every open poll on exactly one page"
        # ◀ goes back, and a poll on the last page can be chosen.
        await bot.tap(ada, "◀", message_id=first["message_id"])
        assert f"Page {len(pages) - 1} of {len(pages)}" in bot.last(ada)["text"]
        await bot.tap(ada, "▶", message_id=first["message_id"])
        last_label = bot.fake.buttons(bot.last(ada))[0]["text"]
        await bot.tap(ada, last_label, message_id=first["message_id"])
        number = last_label.split(".")[0]
        assert f"Results of poll {number}" in bot.last(ada)["text"]
        # /closepoll offers the same pages, with its own buttons.
        await bot.send(ada, "/closepoll")
        assert bot.fake.buttons(bot.last(ada))[0]["callback_data"].startswith("poll:close:")
        assert "▶" in [b["text"] for b in bot.fake.buttons(bot.last(ada))]


async def test_60_forum_tips_are_listed_page_by_page(tmp_path, fake):
    ada = fake.add_user("Ada", username="ada")
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        await new_forum(bot, ada)
        for number in range(1, 61):
            body = f"Tip {number:02d}: " + "save energy in offices and schools, " * 15
            await bot.send(ada, f"/tip add energy\nen: {body}\nth: ประหยัดพลังงาน {number}")
        await bot.send(ada, "/tip list")
        pages = await walk(bot, ada, bot.last(ada))
        assert len(pages) > 1
        for page in pages:
            fits(page)
            assert page["text"].startswith("Tips of Thailand SCP Forum")
        shown = [int(n) for page in pages for n in re.findall(r"^#(\d+) ·", page["text"], re.M)]
        assert sorted(shown) == list(range(1, 61))


async def test_an_admin_of_40_long_named_forums_sees_them_all(tmp_path, fake):
    ada = fake.add_user("Ada", username="ada")
    names = [f"{n:02d} " + "Sustainable Consumption and Production Forum " * 3 for n in range(40)]
    names = [name[:120] for name in names]
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        for name in names:
            await new_forum(bot, ada, f"/newforum {name}\ntimezone: UTC")
        await bot.send(ada, "/start")
        pages = await walk(bot, ada, bot.last(ada))
        assert len(pages) > 1
        for page in pages:
            fits(page)
        text = "\n".join(page["text"] for page in pages)
        assert all(name.strip() in text for name in names)
        # /settings: the choice of current forum is paged too, and a choice on page 2 works.
        await bot.send(ada, "/settings")
        await bot.tap(ada, "Current forum")
        chooser = bot.last(ada)
        assert len(bot.fake.buttons(chooser)) <= 13  # 10 forums, ◀ ▶, « Back
        await bot.tap(ada, "▶", message_id=chooser["message_id"])
        await bot.tap(ada, "25 ", message_id=chooser["message_id"])
        assert f"Forum: {names[25].strip()}" in bot.last(ada)["text"]


async def test_forged_page_buttons_show_nothing_they_should_not(tmp_path, fake):
    ada = fake.add_user("Ada", username="ada")
    niran = fake.add_user("Niran", username="niran")
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        code, _ = await new_forum(bot, ada)
        await join(bot, niran, code)
        await bot.send(ada, "/tip add energy\nSwitch off the lights.")
        before = await snapshot(bot)
        forged = (
            "page:tips:0",  # a coordinator's list
            "page:poll:mtga:cancel:0",  # not a choice the bot offers
            "page:nope:0",
            "page:forums",
            "page:forums:x",
            "page:tips:1:0",
        )
        for data, calls in zip(forged, await bot.forged_are_stale(niran, forged), strict=True):
            assert [c.method for c in calls] == ["answerCallbackQuery"], data
        assert await snapshot(bot) == before
        # His own forums, page "99": the last page there is.
        await bot.forge(niran, "page:forums:99")
        assert "Thailand SCP Forum" in bot.last(niran)["text"]


@given(
    sizes=st.lists(st.integers(0, 500), max_size=300),
    budget=st.integers(1, 4000),
    per_page=st.integers(1, 30),
)
def test_pages_cover_the_list_in_order_within_both_bounds(sizes, budget, per_page):
    pages = split_pages(sizes, budget=budget, per_page=per_page)
    assert [i for page in pages for i in page] == list(range(len(sizes)))
    assert all(len(page) <= per_page for page in pages)
    assert all(len(page) == 1 or sum(sizes[i] for i in page) <= budget for page in pages)
    assert all(len(page) > 0 for page in pages) or pages == [range(0)]
    assert clamp(10**6, len(pages)) == len(pages) - 1 and clamp(-3, len(pages)) == 0


async def test_polls_lists_the_ten_latest_and_fits_with_the_longest_questions(tmp_path, fake):
    """/polls is bounded (the 10 latest; older ones by number): 300-character questions fit."""
    ada = fake.add_user("Ada", username="ada", language_code="ta")
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        await new_forum(bot, ada)
        for number in range(1, 13):
            question = f"{number:02d} " + "நிலையான நுகர்வு மற்றும் உற்பத்தி? " * 20
            await new_poll(bot, ada, f"/newpoll {question[:300]}\nA\nB")
        await bot.send(ada, "/polls")  # in Tamil, Telegram's language for Ada
        listed = bot.last(ada)
        fits(listed)
        assert [b["callback_data"] for b in bot.fake.buttons(listed)][-1] == "poll:open:3"
