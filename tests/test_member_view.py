"""What a member sees: no "[]", "None" or empty toast, ever (issue 13).

python-telegram-bot 22 with `Defaults` turns an empty string parameter into an empty list
(`ExtBot._insert_defaults` treats "" as a sequence), so `query.answer("")` reaches Telegram as
`text="[]"` and the member's screen shows "[]". The fake records every callback answer
(`fake.callback_answers`) and `running_bot` fails any test in which a member would see one of
these; the tests below prove the harness does, and that ballot taps answer with no text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from telegram import Update
from telegram.constants import CallbackQueryLimit
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler

from fake_telegram import FakeTelegram
from tests.harness import new_poll, running_bot
from tests.test_polls import POLL, ballot
from tests.worlds import forum_with_members

# Shown as an alert from a variable (handlers/polls/commands.py), so the scan below cannot see it.
ALERT = (
    "This poll is not one you can vote in. Join its forum first with the invite link from your "
    "coordinator."
)


async def test_rank_and_undo_taps_answer_without_text(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, *_ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, POLL)
        message_id = ballot(bot, niran)["message_id"]
        taps = [
            *await bot.tap(niran, "2. Develop", message_id=message_id),
            *await bot.tap(niran, "↩", message_id=message_id),
            *await bot.tap(niran, "1. Institutionalise", message_id=message_id),
        ]
        answers = [c.params for c in taps if c.method == "answerCallbackQuery"]
        assert len(answers) == 3
        # No text at all: Telegram then shows nothing (an empty text would arrive as "[]").
        assert all("text" not in params for params in answers), answers
        assert [a["text"] for a in fake.callback_answers[-3:]] == [None, None, None]


@pytest.mark.parametrize(
    ("text", "show_alert"),
    [("", False), ("[]", False), ("None", False), (None, True), ("", True), ("  ", False)],
)
async def test_the_harness_fails_a_test_whose_member_sees_an_empty_toast(
    tmp_path, text, show_alert
):
    """Whatever a handler does, a toast a member would see as "[]", "None" or blank fails."""
    fake = FakeTelegram()
    with pytest.raises(AssertionError, match="members would see"):
        async with running_bot(tmp_path, fake=fake) as bot:

            async def careless(update: Update, context: object) -> None:
                await update.callback_query.answer(text, show_alert=show_alert)
                raise ApplicationHandlerStop

            # A handler of its own, ahead of the bot's, answering through the bot's ExtBot.
            bot.app.add_handler(CallbackQueryHandler(careless, pattern=r"^zz:"), group=-9)
            alice = fake.add_user("Alice")
            await bot.send(alice, "/help")
            await bot.forge(alice, "zz:tap")


async def test_the_fake_records_what_each_toast_showed(tmp_path, fake):
    async with running_bot(tmp_path, fake=fake) as bot:
        alice = fake.add_user("Alice")
        await bot.send(alice, "/help")
        await bot.forge(alice, "poll:rank:999:1")
    assert fake.callback_answers[-1]["text"] == "This button is no longer valid."
    assert fake.callback_answers[-1]["user_id"] == alice.id
    assert fake.callback_answers[-1]["show_alert"] is False


def test_every_toast_fits_telegrams_200_characters_in_every_language():
    """Toasts are translated: a long translation would be refused (MESSAGE_TOO_LONG)."""
    texts = "\n".join(path.read_text() for path in Path("handlers").rglob("*.py"))
    toasts = {
        "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', match[1]))
        for match in re.finditer(
            r'\.answer\(\s*(?:\w+\.)*tr\._\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)', texts
        )
    } | {ALERT}
    assert len(toasts) > 10
    limit = CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH
    for po in Path("locales").glob("*/LC_MESSAGES/messages.po"):
        catalog = read_po(po.open("rb"))
        for toast in toasts:
            message = catalog.get(toast)
            shown = (message.string if message and message.string else toast) % {"number": 999}
            assert len(shown) <= limit, (po, toast)
