"""Drive the real Application (update loop, HTTPXRequest) against the in-process fake Bot API.

    async with running_bot(tmp_path, admins=[admin_id]) as bot:
        alice = bot.fake.add_user("Alice", language_code="th")
        await bot.send(alice, "/start CODE")
        assert "ยินดีต้อนรับ" in bot.last(alice)["text"]

Every harness collects what reached the error handlers; `running_bot` fails the test if anything
did (pass `expect_errors=True` to inspect them instead).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from telegram import Update
from telegram.ext import Application

from app.heartbeat import run_due
from app.wiring import build_application
from bot.clock import FakeClock
from bot.config import Config
from bot.context import Services
from fake_telegram import Call, FakeChat, FakeTelegram, FakeTransport, FakeUser, settle
from handlers.context import ForumContext
from tests import leaks
from tools.world import invite_codes, last_keyboard
from tools.world import join as join  # the builders the suites import from here
from tools.world import link_group as link_group
from tools.world import new_forum as new_forum

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
STALE = "This button is no longer valid."  # the answer to a button that is gone or forged


@dataclass
class Harness:
    fake: FakeTelegram
    app: Application
    clock: FakeClock
    config: Config
    errors: list[BaseException] = field(default_factory=list)

    @property
    def services(self) -> Services:
        return self.app.bot_data["services"]

    async def settle(self) -> None:
        """Wait until every enqueued update was fetched by the bot and fully handled."""
        await settle(self.fake, self.app)

    async def _act(self, action: Callable[[], object]) -> list[Call]:
        before = len(self.fake.calls)
        action()
        await self.settle()
        return [c for c in self.fake.calls[before:] if c.method != "getUpdates"]

    async def send(
        self,
        user: FakeUser,
        text: str,
        *,
        chat: FakeChat | None = None,
        reply_to: int | None = None,
    ) -> list[Call]:
        """The user sends text; returns the Bot API calls the bot made in response."""
        return await self._act(
            lambda: self.fake.send_text(user, text, chat=chat, reply_to=reply_to)
        )

    async def sends(self, user: FakeUser, *texts: str) -> list[Call]:
        """The user sends each of `texts` in turn (a dialog's answers); returns the calls."""
        calls = []
        for text in texts:
            calls += await self.send(user, text)
        return calls

    async def edit(
        self,
        user: FakeUser,
        text: str,
        *,
        chat: FakeChat | None = None,
        message_id: int | None = None,
    ) -> list[Call]:
        """The user edits one of their messages (by default their last one in the chat) to text."""
        chat_id = chat.id if chat else user.id
        if message_id is None:
            message_id = self.fake.user_messages(chat_id, user.id)[-1]["message_id"]
        return await self._act(lambda: self.fake.edit_text(user, message_id, text, chat=chat))

    async def tap(
        self,
        user: FakeUser,
        button: int | str,
        *,
        message_id: int | None = None,
        chat: FakeChat | None = None,
    ) -> list[Call]:
        """The user taps a button (1-based index or label prefix) of the bot's last message."""
        chat_id = chat.id if chat else user.id
        if message_id is None:
            message_id = self.last_keyboard(chat_id)["message_id"]
        return await self._act(lambda: self.fake.tap(user, message_id, button, chat=chat))

    async def forge(
        self, user: FakeUser, data: str, *, message_id: int | None = None
    ) -> list[Call]:
        """The user's client sends callback data of its own making."""
        if message_id is None:
            message_id = self.fake.last_message(user.id)["message_id"]
        return await self._act(lambda: self.fake.send_callback(user, message_id, data))

    def last(self, who: FakeUser | FakeChat | int) -> dict:
        """The bot's last message in a private chat (user) or group."""
        chat_id = who if isinstance(who, int) else who.id
        return self.fake.last_message(chat_id)

    def last_keyboard(self, chat_id: int) -> dict:
        """The bot's last message in the chat that has inline buttons."""
        return last_keyboard(self.fake, chat_id)

    def labels(self, who: FakeUser | FakeChat | int) -> list[str]:
        """The button labels of the bot's last message with buttons."""
        chat_id = who if isinstance(who, int) else who.id
        return [b["text"] for b in self.fake.buttons(self.last_keyboard(chat_id))]

    async def forged_are_stale(
        self, user: FakeUser, forged: Iterable[str], *, message_id: int | None = None
    ) -> list[list[Call]]:
        """`user`'s client sends each callback data of `forged` (under `message_id`, by default
        the bot's last message to them), and each is answered "no longer valid"; returns the
        calls each press made."""
        made = []
        for data in forged:
            calls = await self.forge(user, data, message_id=message_id)
            assert self.answers(calls) == [STALE], data
            made.append(calls)
        return made

    async def refuses(self, user: FakeUser, text: str, answer: str) -> None:
        """`user` sends `text`: the bot's last message to them contains `answer`, and no row of
        any table changed."""
        before = await snapshot(self)
        await self.send(user, text)
        assert answer in self.last(user)["text"]
        assert await snapshot(self) == before

    def answers(self, calls: Iterable[Call]) -> list[str]:
        """Texts of callback answers among calls."""
        return [c.params.get("text", "") for c in calls if c.method == "answerCallbackQuery"]

    async def run_due(self) -> list[Call]:
        """Run what is due at the (injected) clock's time, as the heartbeat would."""
        before = len(self.fake.calls)
        await run_due(self.app)
        await self.settle()
        return [c for c in self.fake.calls[before:] if c.method != "getUpdates"]

    async def restart(self) -> None:
        """Stop the bot and start a new Application on the same database and fake."""
        await _stop(self.app)
        limited = self.app.bot.rate_limiter is not None
        self.app = await _start(self.config, self.fake, self.clock, self.errors, limited)
        await self.settle()  # what start-up found due goes out through the outbox


async def _start(
    config: Config,
    fake: FakeTelegram,
    clock: FakeClock,
    errors: list[BaseException],
    rate_limit: bool = False,
) -> Application:
    # No heartbeat: tests move the clock and call `run_due` themselves, so nothing runs behind them.
    app = build_application(
        config,
        clock=clock,
        transport=FakeTransport(fake),
        rate_limit=rate_limit,
        heartbeat=False,
        sleep=clock.sleep,
    )

    async def record(update: object, context: ForumContext) -> None:
        errors.append(context.error)

    app.add_error_handler(record)
    await app.initialize()
    await app.post_init(app)
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=5, allowed_updates=Update.ALL_TYPES)
    return app


async def _stop(app: Application) -> None:
    await app.updater.stop()
    await app.stop()
    await app.post_shutdown(app)
    await app.shutdown()


@asynccontextmanager
async def running_bot(
    tmp_path: Path,
    *,
    admins: Iterable[int] = (),
    fake: FakeTelegram | None = None,
    clock: FakeClock | None = None,
    default_language: str = "en",
    expect_errors: bool = False,
    rate_limit: bool = False,
) -> AsyncIterator[Harness]:
    """A real Application on a fresh database, talking to the fake Bot API."""
    fake = fake or FakeTelegram()
    clock = clock or FakeClock(START)
    config = Config(
        token=fake.token,
        api_url="https://fake.telegram.test",
        database_path=tmp_path / "forum.sqlite3",
        admins=frozenset(admins),
        default_language=default_language,
    )
    leaks.uses_database(fake, config.database_path)
    errors: list[BaseException] = []
    app = await _start(config, fake, clock, errors, rate_limit)
    harness = Harness(fake, app, clock, config, errors)
    try:
        yield harness
        await harness.settle()
    finally:
        await _stop(harness.app)
    blank = members_would_see_blanks(fake)
    assert not blank, f"members would see these toasts or messages: {blank}"
    if not expect_errors:
        assert not errors, f"the error handler saw: {errors!r}"
        failed = [c for c in fake.calls if not (c.ok or c.injected or c.error_code == 403)]
        assert not failed, f"Bot API calls failed: {[(c.method, c.description) for c in failed]}"


# What a member's screen shows when a handler passed an empty or missing value: PTB 22 sends ""
# as "[]" when Defaults are set, and str(None) is "None".
BLANKS = ("[]", "None", "")
SHOWN = {"sendMessage": "text", "editMessageText": "text", "sendPhoto": "caption",
         "sendDocument": "caption"}  # fmt: skip


def members_would_see_blanks(fake: FakeTelegram) -> list[tuple]:
    """Toasts and messages that show a member "[]", "None", nothing, or an empty alert."""
    found: list[tuple] = [
        ("toast", answer["text"], answer["show_alert"])
        for answer in fake.callback_answers
        if (answer["text"] is not None and answer["text"].strip() in BLANKS)
        or (answer["show_alert"] and not (answer["text"] or "").strip())
    ]
    for call in fake.calls:
        key = SHOWN.get(call.method)
        value = call.params.get(key) if key and call.ok else None
        if isinstance(value, str) and value.strip() in ("[]", "None"):
            found.append((call.method, value))
    return found


async def snapshot(harness: Harness) -> dict[str, list[tuple]]:
    """Every row of every table: compare before and after to prove nothing changed."""
    db = harness.services.db
    tables = [
        r["name"]
        for r in await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        t: [tuple(r) for r in await db.fetchall(f"SELECT * FROM {t} ORDER BY 1, 2")] for t in tables
    }


async def coordinator_invite(harness: Harness, coordinator: FakeUser) -> str:
    """A coordinator's usable coordinator invite code, from /invite in their private chat."""
    await harness.send(coordinator, "/invite")
    return invite_codes(harness.last(coordinator)["text"])[1]


async def new_poll(
    harness: Harness, user: FakeUser, form: str, *, chat: FakeChat | None = None
) -> list[Call]:
    """Send a /newpoll form (or a dialog's answer) and tap “✅ Send” under its preview, if one
    came (an invalid form gets an error instead); returns the calls of both."""
    calls = await harness.send(user, form, chat=chat)
    last = harness.fake.last_message(user.id)
    send = _index_of(harness, last, lambda data: data == "np:send")
    if send is not None:  # by its data: the label is in the coordinator's language
        calls += await harness.tap(user, send, message_id=last["message_id"])
    return calls


def _index_of(harness: Harness, message: dict, wanted: Callable[[str], bool]) -> int | None:
    """The 1-based position of the first button whose callback data is `wanted`."""
    for index, button in enumerate(harness.fake.buttons(message), start=1):
        if wanted(button.get("callback_data", "")):
            return index
    return None


async def close_poll(
    harness: Harness, user: FakeUser, command: str = "/closepoll", *, chat: FakeChat | None = None
) -> list[Call]:
    """Send /closepoll (or tap nothing more if it asks "Which poll?") and confirm with
    “✅ Close poll N now” when it asks; returns the calls of both."""
    calls = await harness.send(user, command, chat=chat)
    last = harness.fake.last_message(chat.id if chat else user.id)
    shut = _index_of(harness, last, lambda data: data.startswith("poll:shut:"))
    if shut is not None:
        calls += await harness.tap(user, shut, message_id=last["message_id"], chat=chat)
    return calls


async def play(harness: Harness, line: str, **people: FakeUser) -> list[Call]:
    """One step of a scripted story, "who: what": `who` names one of `people`; `what` is text
    they send, "#N" to tap button N of the bot's last keyboard, or "~label" to tap the button
    whose label starts so. Returns the calls the step made."""
    who, _, what = line.partition(": ")
    user = people[who]
    if what.startswith("#"):
        return await harness.tap(user, int(what[1:]))
    if what.startswith("~"):
        return await harness.tap(user, what[1:])
    return await harness.send(user, what)
