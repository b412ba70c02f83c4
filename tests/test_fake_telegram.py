"""Tests of the fake Bot API server itself, driven through PTB's real Bot and HTTPXRequest."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
from collections.abc import AsyncIterator

import pytest
from telegram import Bot as PtbBot
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
)
from telegram.constants import (
    CallbackQueryLimit,
    InlineKeyboardButtonLimit,
    InlineKeyboardMarkupLimit,
    MessageLimit,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest

from fake_telegram import FakeTelegram, FakeTransport, FakeUser, serve

# PTB warns whenever RetryAfter.retry_after is read as an int (it becomes a timedelta in v23).
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")


class ManualClock:
    """A clock tests move by hand, for the flood model."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def make_bot(fake: FakeTelegram, token: str | None = None) -> PtbBot:
    """A PTB Bot whose both request objects (normal and getUpdates) go to the fake."""

    def request() -> HTTPXRequest:
        return HTTPXRequest(httpx_kwargs={"transport": FakeTransport(fake)})

    return PtbBot(token or fake.token, request=request(), get_updates_request=request())


def seconds(value: int | dtm.timedelta) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB settings."""
    return value.total_seconds() if isinstance(value, dtm.timedelta) else value


def retry_after(error: RetryAfter) -> float:
    """The retry_after of an error in seconds."""
    return seconds(error.retry_after)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fake(clock: ManualClock) -> FakeTelegram:
    return FakeTelegram(clock=clock)


@pytest.fixture
def alice(fake: FakeTelegram) -> FakeUser:
    return fake.add_user("Alice", username="alice")


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[PtbBot]:
    async with make_bot(fake) as bot:
        yield bot


KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Yes ✅", callback_data="vote:yes"),
            InlineKeyboardButton("No", callback_data="vote:no"),
        ],
        [InlineKeyboardButton("Website", url="https://example.org")],
    ]
)


async def test_send_message_with_inline_keyboard(fake, alice, bot):
    message = await bot.send_message(alice.id, "Vote now", reply_markup=KEYBOARD)
    assert message.text == "Vote now"
    assert message.from_user.id == bot.id == fake.bot_user["id"]
    assert message.reply_markup.inline_keyboard[0][1].callback_data == "vote:no"
    stored = fake.last_message(alice.id)
    assert stored["message_id"] == message.message_id
    assert [b["text"] for b in fake.buttons(stored)] == ["Yes ✅", "No", "Website"]
    call = fake.calls_to("sendMessage", chat_id=alice.id)[0]
    assert call.ok and call.params["chat_id"] == alice.id
    assert call.params["reply_markup"]["inline_keyboard"][1][0]["url"] == "https://example.org"
    # Free text is never coerced, even when it looks like a number or a boolean.
    await bot.send_message(alice.id, "123")
    await bot.send_message(alice.id, "true")
    assert [c.params["text"] for c in fake.calls_to("sendMessage")][1:] == ["123", "true"]
    assert len(fake.messages(alice.id)) == 3


async def test_validation_errors(fake, alice, bot):
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "hi")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(alice.id, "  ")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(alice.id, "x" * 4097)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(alice.id, "hi", reply_markup=too_long)
    assert fake.messages(alice.id) == []
    assert all(not c.ok and c.error_code == 400 for c in fake.calls_to("sendMessage"))


async def test_telegram_limits_with_telegrams_own_descriptions(fake, alice, bot):
    """The numbers come from telegram.constants; lengths count after entity parsing, in code
    points (as the Bot API server counts: an emoji is one character, a tag none)."""
    most = MessageLimit.MAX_TEXT_LENGTH
    await bot.send_message(alice.id, "x" * most)
    await bot.send_message(alice.id, "<b>" + "x" * most + "</b>", parse_mode="HTML")  # tags free
    await bot.send_message(alice.id, "😀" * most)
    for text in ("x" * (most + 1), "😀" * (most + 1), "&amp;" * (most + 1)):
        with pytest.raises(BadRequest, match=r"^Message is too long$"):
            await bot.send_message(alice.id, text, parse_mode="HTML")
    sent = await bot.send_message(alice.id, "short")
    with pytest.raises(BadRequest, match=r"^Message is too long$"):
        await bot.edit_message_text("y" * (most + 1), alice.id, sent.message_id)
    caption = MessageLimit.CAPTION_LENGTH
    await bot.send_document(alice.id, b"a", filename="a.csv", caption="c" * caption)
    with pytest.raises(BadRequest, match=r"^Message caption is too long$"):
        await bot.send_document(alice.id, b"a", filename="a.csv", caption="c" * (caption + 1))
    data = "d" * InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
    await bot.send_message(alice.id, "ok", reply_markup=_buttons(1, data))
    for markup, description in (
        (_buttons(1, data + "d"), "Button_data_invalid"),
        (_buttons(1, "é" * (len(data) // 2 + 1)), "Button_data_invalid"),  # bytes, not chars
        (_buttons(InlineKeyboardMarkupLimit.TOTAL_BUTTON_NUMBER + 1), "Reply markup is too long"),
    ):
        with pytest.raises(BadRequest, match=rf"^{description}$"):
            await bot.send_message(alice.id, "no", reply_markup=markup)
    await bot.send_message(
        alice.id, "ok", reply_markup=_buttons(InlineKeyboardMarkupLimit.TOTAL_BUTTON_NUMBER)
    )
    refused = [c.description for c in fake.calls if not c.ok]
    assert "Bad Request: message is too long" in refused  # Telegram's words, as it sends them
    assert "Bad Request: BUTTON_DATA_INVALID" in refused


async def test_callback_answers_are_recorded_and_limited(fake, alice, bot):
    message = await bot.send_message(alice.id, "Vote", reply_markup=KEYBOARD)
    queries = [fake.tap(alice, message.message_id, 1)["id"] for _ in range(3)]
    limit = CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH
    with pytest.raises(BadRequest, match=r"^Message_too_long$"):
        await bot.answer_callback_query(queries[0], "t" * (limit + 1))
    await bot.answer_callback_query(queries[0], "t" * limit, show_alert=True)
    await bot.answer_callback_query(queries[1])
    await bot.answer_callback_query(queries[2], "")  # plain Bot: "" goes out as ""
    assert fake.callback_answers == [
        {"query_id": queries[0], "user_id": alice.id, "text": "t" * limit, "show_alert": True},
        {"query_id": queries[1], "user_id": alice.id, "text": None, "show_alert": False},
        {"query_id": queries[2], "user_id": alice.id, "text": "", "show_alert": False},
    ]


def _buttons(count: int, data: str = "b") -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(str(n), callback_data=data)] for n in range(count)]
    )


async def test_edit_message_and_not_modified(fake, alice, bot):
    sent = await bot.send_message(alice.id, "Draft", reply_markup=KEYBOARD)
    edited = await bot.edit_message_text("Final", alice.id, sent.message_id, reply_markup=KEYBOARD)
    assert edited.text == "Final" and edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Final", alice.id, sent.message_id, reply_markup=KEYBOARD)
    # Omitting reply_markup removes the keyboard, as Telegram does.
    await bot.edit_message_text("Final", alice.id, sent.message_id)
    assert fake.buttons(fake.last_message(alice.id)) == []
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", alice.id, 999)
    await bot.edit_message_reply_markup(alice.id, sent.message_id, reply_markup=KEYBOARD)
    assert len(fake.buttons(fake.last_message(alice.id))) == 3
    assert await bot.delete_message(alice.id, sent.message_id)
    assert fake.messages(alice.id) == []


async def test_html_must_be_well_formed(fake, alice, bot):
    user_text = "a < b & c"
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(alice.id, f"<b>Note:</b> {user_text}", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r'(?i)Unsupported start tag "script"'):
        await bot.send_message(alice.id, "<script>x</script>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Can't find end tag"):
        await bot.send_message(alice.id, "<b>open", parse_mode="HTML")
    message = await bot.send_message(
        alice.id, f"<b>Note:</b> {html.escape(user_text)}", parse_mode="HTML"
    )
    assert message.text == "Note: a < b & c"
    assert message.entities[0].type == "bold" and message.entities[0].length == 5
    # Stored text is plain, as on Telegram; html() rebuilds the markup for assertions.
    assert fake.html(fake.last_message(alice.id)) == "<b>Note:</b> a &lt; b &amp; c"


async def test_tap_by_index_and_label_delivers_callback_queries(fake, alice, bot):
    sent = await bot.send_message(alice.id, "Vote", reply_markup=KEYBOARD)
    fake.tap(alice, sent.message_id, 2)
    fake.tap(alice, sent.message_id, "Yes")
    updates = await bot.get_updates()
    assert [u.callback_query.data for u in updates] == ["vote:no", "vote:yes"]
    query = updates[0].callback_query
    assert query.from_user.id == alice.id and query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query.id, text="Thanks")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(ValueError):
        fake.tap(alice, sent.message_id, "Website")
    with pytest.raises(LookupError):
        fake.tap(alice, sent.message_id, 9)
    with pytest.raises(LookupError):
        fake.tap(alice, 999, 1)


async def test_user_messages_share_the_chat_message_counter(fake, alice, bot):
    first = fake.send_text(alice, "/start@scp_forum_bot hello")
    assert first["entities"] == [{"type": "bot_command", "offset": 0, "length": 20}]
    reply = await bot.send_message(
        alice.id, "Welcome", reply_parameters=ReplyParameters(first["message_id"])
    )
    assert reply.message_id == first["message_id"] + 1
    assert reply.reply_to_message.text == "/start@scp_forum_bot hello"
    answer = fake.send_text(alice, "thanks", reply_to=reply.message_id)
    assert answer["reply_to_message"]["text"] == "Welcome"
    fake.send_sticker(alice)
    fake.send_photo(alice, caption="pic")
    fake.edit_text(alice, answer["message_id"], "thanks!")
    updates = await bot.get_updates()
    assert updates[2].message.sticker.emoji == "👍"
    assert updates[3].message.photo[-1].width == 1280
    assert updates[4].edited_message.text == "thanks!"


async def test_long_poll_returns_when_an_update_arrives(fake, alice, bot):
    assert await bot.get_updates(timeout=dtm.timedelta(milliseconds=100)) == ()
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.05)
    assert not poll.done()
    fake.send_text(alice, "/start")
    updates = await asyncio.wait_for(poll, 2)
    assert loop.time() - started < 2
    assert updates[0].message.text == "/start"
    assert updates[0].message.entities[0].type == "bot_command"


async def test_offset_confirms_updates(fake, alice, bot):
    for text in ("one", "two", "three"):
        fake.send_text(alice, text)
    assert fake.pending_updates() == 3
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [1, 2, 3]
    assert fake.pending_updates() == 3 and fake.confirmed_update_id == 0
    assert await bot.get_updates(offset=3) != ()
    assert fake.pending_updates() == 1 and fake.confirmed_update_id == 2
    assert await bot.get_updates(offset=4) == ()
    assert fake.pending_updates() == 0 and fake.confirmed_update_id == 3


async def test_webhook_blocks_get_updates(fake, alice, bot):
    fake.send_text(alice, "hi")
    await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).pending_update_count == 1
    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook(drop_pending_updates=True)
    assert fake.pending_updates() == 0 and await bot.get_updates() == ()


async def test_block_answers_403_until_unblocked(fake, alice, bot):
    fake.block_bot(alice)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(alice.id, "hello?")
    fake.unblock_bot(alice)
    await bot.send_message(alice.id, "welcome back")
    updates = await bot.get_updates()
    statuses = [
        (u.my_chat_member.old_chat_member.status, u.my_chat_member.new_chat_member.status)
        for u in updates
    ]
    assert statuses == [("member", "kicked"), ("kicked", "member")]


async def test_group_membership_and_migration(fake, alice, bot):
    bob = fake.add_user("Bob")
    group = fake.add_group("Forum", members=[bob], admins=[alice])
    assert group.id < 0
    fake.add_bot_to_group(group, alice)
    assert (await bot.get_chat_member(group.id, alice.id)).status == "creator"
    assert (await bot.get_chat_member(group.id, bob.id)).status == "member"
    assert (await bot.get_chat(group.id)).title == "Forum"
    new = fake.migrate_group(group)
    assert new.type == "supergroup" and str(new.id).startswith("-100")
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(group.id, "hi")
    assert caught.value.new_chat_id == new.id
    await bot.send_message(new.id, "hi again")
    updates = await bot.get_updates()
    assert updates[0].my_chat_member.new_chat_member.status == "member"
    assert updates[1].message.new_chat_members[0].id == bot.id
    assert updates[2].message.migrate_to_chat_id == new.id
    assert updates[3].message.migrate_from_chat_id == group.id


async def test_injected_faults(fake, alice, bot):
    fake.fail("sendMessage", error_code=429, retry_after=5)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(alice.id, "a")
    assert retry_after(caught.value) == 5
    fake.fail("sendMessage", chat_id=alice.id)
    with pytest.raises(NetworkError) as server_error:
        await bot.send_message(alice.id, "b")
    assert type(server_error.value) is NetworkError
    fake.fail(timeout=True)
    with pytest.raises(TimedOut):
        await bot.send_message(alice.id, "c")
    await bot.send_message(alice.id, "d")  # faults are used up
    outcomes = [(c.ok, c.error_code) for c in fake.calls_to("sendMessage")]
    assert outcomes == [(False, 429), (False, 500), (False, None), (True, None)]
    assert [m["text"] for m in fake.messages(alice.id)] == ["d"]


async def test_flood_model(fake, alice, bot, clock):
    fake.flood.enabled = True
    results = []
    for i in range(5):
        try:
            await bot.send_message(alice.id, f"m{i}")
            results.append("ok")
        except RetryAfter as error:
            results.append(retry_after(error))
    assert results[:3] == ["ok"] * 3
    assert all(r != "ok" and r >= 1 for r in results[3:])
    clock.now += 1
    await bot.send_message(alice.id, "after waiting")
    assert fake.flood.accepted[alice.id] == 4 and fake.flood.rejected[alice.id] == 2

    group = fake.add_group("Busy", members=[alice])
    clock.now += 60
    rejected = []
    for i in range(22):
        try:
            await bot.send_message(group.id, f"g{i}")
        except RetryAfter as error:
            rejected.append(retry_after(error))
    assert fake.flood.accepted[group.id] == 20 and len(rejected) == 2
    assert rejected[0] == 3  # one message per 3 s refills a 20/min bucket
    clock.now += 3
    await bot.send_message(group.id, "later")


async def test_unknown_method_fails_loudly(fake, alice, bot):
    with pytest.raises(TelegramError, match=r"(?i)not implemented by the fake"):
        await bot.send_dice(alice.id)
    [call] = fake.calls_to("sendDice")
    assert not call.ok and call.error_code == 404 and call.params["chat_id"] == alice.id


async def test_send_document_multipart(fake, alice, bot):
    message = await bot.send_document(
        alice.id,
        b"id,name\n1,Ann\n",
        filename="people.csv",
        caption="<i>Export</i>",
        parse_mode="HTML",
    )
    assert message.document.file_name == "people.csv" and message.caption == "Export"
    [call] = fake.calls_to("sendDocument")
    assert call.params["document"] == {"filename": "people.csv", "content": b"id,name\n1,Ann\n"}
    assert fake.files[message.document.file_id]["content"] == b"id,name\n1,Ann\n"
    assert fake.last_message(alice.id)["document"]["mime_type"] == "text/csv"
    photo = await bot.send_photo(alice.id, b"\x89PNG fake", filename="chart.png")
    assert photo.photo[-1].file_size == len(b"\x89PNG fake")


async def test_set_my_commands_per_scope_and_language(fake, alice, bot):
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    scope = BotCommandScopeChat(alice.id)
    await bot.set_my_commands([BotCommand("start", "Starten")], scope=scope, language_code="de")
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    german = await bot.get_my_commands(scope=scope, language_code="de")
    assert [c.description for c in german] == ["Starten"]
    assert await bot.get_my_commands(scope=scope) == ()
    key = fake.commands_key({"type": "chat", "chat_id": alice.id}, "de")
    assert fake.commands[key] == [{"command": "start", "description": "Starten"}]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start", "Capitalised")])
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_DESCRIPTION_INVALID"):
        await bot.set_my_commands([BotCommand("start", "x" * 257)])
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


async def test_wrong_token_is_unauthorized(fake):
    with pytest.raises(InvalidToken):
        async with make_bot(fake, token="999:WRONG"):
            pass
    assert fake.calls == []


async def test_tornado_server_on_loopback(fake, alice):
    server, port = await serve(fake)
    try:
        api = f"http://127.0.0.1:{port}"
        request = HTTPXRequest(read_timeout=0.5)
        async with PtbBot(fake.token, base_url=f"{api}/bot", request=request) as bot:
            me = await bot.get_me()
            assert me.username == "scp_forum_bot" and me.is_bot
            message = await bot.send_message(
                alice.id, "<b>over HTTP</b>", parse_mode="HTML", reply_markup=KEYBOARD
            )
            assert message.text == "over HTTP" and message.entities[0].type == "bold"
            document = await bot.send_document(alice.id, b"data", filename="d.txt")
            assert document.document.file_name == "d.txt"
            fake.fail("getChat", timeout=True)
            with pytest.raises(TimedOut):  # the server stalls; the client's read timeout fires
                await bot.get_chat(alice.id)
        assert fake.last_message(alice.id)["document"]["file_name"] == "d.txt"
    finally:
        await server.aclose()
