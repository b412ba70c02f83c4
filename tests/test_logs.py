"""Logs at LOG_LEVEL=DEBUG, attacked: no message text, no anonymous author, no token.

The bot runs (the real Application, its updater polling the fake Bot API) with logging set up
exactly as `main.py run` sets it up, at DEBUG. Two nets catch what would reach an operator:
the stream of the handler that set-up installed (formatted lines, tracebacks included) and a
second handler on the root logger that keeps every record of every logger, raw. Then members
send anonymous and signed feedback, a coordinator's reply is relayed and answered, and a member
votes. Not one record may carry what anyone typed, the anonymous author's id, name or username,
or the bot token. Also attacked: an error while an anonymous item is sent (the error line),
payloads that libraries log at CRITICAL or from loggers we did not name (the handler's filter),
and the real `main.py run` process over loopback HTTP (its stderr).
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

import main
from bot.config import Config
from bot.logs import FLOORS
from fake_telegram import FakeTelegram, serve
from tests.harness import join, new_forum, new_poll, running_bot
from tests.test_run import eventually, start_bot, stop

ANON_ID = 90817263  # the anonymous author: a number no update id, date or count will contain
TYPED = {  # everything the members and the coordinator type, each with a marker of its own
    "anonymous feedback": "Quokka: the room was far too cold",
    "signed feedback": "Pelican: our poster for the spring session",
    "reply": "Walrus: we will fix the heating",
    "answer": "Narwhal: thank you, much better",
    "question": "Axolotl: which priorities first?",
    "option 1": "Green public procurement",
    "option 2": "National eco-labelling",
}


PROBE = "probe: our own DEBUG lines are on"
LOGGER = re.compile(r"\b(DEBUG|INFO|WARNING|ERROR|CRITICAL) (\S+):")


class Keep(logging.Handler):
    """Every record that reaches the root logger, with its message and traceback text."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


@pytest.fixture
def debug_logs(fake) -> Iterator[tuple[io.StringIO, Keep]]:
    """Logging as `main.py run` configures it at LOG_LEVEL=DEBUG; put back afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    loggers = [logging.getLogger(name) for name in list(root.manager.loggerDict)]
    saved_levels = {logger.name: logger.level for logger in loggers}
    main.configure_logging(Config(token=fake.token, log_level="DEBUG"))
    stream, keep = io.StringIO(), Keep()
    for handler in root.handlers:
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(stream)  # what the operator would read on stderr
    root.addHandler(keep)
    logging.getLogger("bot.tests").debug(PROBE)
    try:
        yield stream, keep
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)


def leaks(line: str, fake) -> list[str]:
    """What `line` gives away."""
    found = [what for what, text in TYPED.items() if text.split(":")[0] in line]
    found += [what for what, text in TYPED.items() if text in line and what not in found]
    if re.search(rf"(?<!\d){ANON_ID}(?!\d)", line):
        found.append("the anonymous author's id")
    if re.search(r"zephy", line, re.IGNORECASE):
        found.append("the anonymous author's name or username")
    if fake.token in line or fake.token.split(":")[1] in line:
        found.append("the token")
    return found


async def test_debug_logs_hold_no_text_no_anonymous_author_no_token(tmp_path, fake, debug_logs):
    stream, keep = debug_logs
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada = fake.add_user("Ada", username="ada", user_id=1001)
        mali = fake.add_user("Zephyrine", username="zephy_k", user_id=ANON_ID)
        lena = fake.add_user("Lena", username="lena")
        code, _ = await new_forum(bot, ada)
        await join(bot, mali, code)
        await join(bot, lena, code, group="civil_society")

        await bot.send(mali, "/feedback")
        await bot.tap(mali, "Meetings")
        await bot.send(mali, TYPED["anonymous feedback"])
        await bot.tap(mali, "✅ Send anonymously")
        assert TYPED["anonymous feedback"] in bot.last(ada)["text"]

        await bot.send(lena, "/feedback")
        await bot.tap(lena, "The forum")
        await bot.send(lena, TYPED["signed feedback"])
        await bot.tap(lena, "Send with my name")

        await bot.tap(ada, "↩ Reply", message_id=_copy_of(bot, ada, "Quokka"))
        await bot.send(ada, TYPED["reply"])
        assert TYPED["reply"] in bot.last(mali)["text"]
        await bot.tap(mali, "↩ Answer")
        await bot.send(mali, TYPED["answer"])
        assert TYPED["answer"] in bot.last(ada)["text"]

        await new_poll(
            bot, ada, f"/newpoll {TYPED['question']}\n{TYPED['option 1']}\n{TYPED['option 2']}"
        )
        await bot.tap(mali, "2. National")
        calls = await bot.tap(mali, "✅")
        assert bot.answers(calls) == ["Submitted. Thank you!"]

    assert_nothing_given_away(stream, keep, fake)


async def test_an_error_while_sending_anonymous_feedback_does_not_name_its_author(
    tmp_path, fake, debug_logs
):
    """The error line of a failing update would put its user id at the moment of the item."""
    stream, keep = debug_logs
    async with running_bot(tmp_path, admins=[1001], fake=fake, expect_errors=True) as bot:
        ada = fake.add_user("Ada", username="ada", user_id=1001)
        mali = fake.add_user("Zephyrine", username="zephy_k", user_id=ANON_ID)
        code, _ = await new_forum(bot, ada)
        await join(bot, mali, code)
        await bot.send(mali, "/feedback")
        fake.fail("editMessageText", chat_id=ANON_ID)  # the topic's next step fails to show
        await bot.tap(mali, "Meetings")
        assert len(bot.errors) == 1
        await bot.send(mali, TYPED["anonymous feedback"])
        # A failed "Sent to the coordinators" no longer reaches the error handler: the item
        # is committed with its copies first, and the member is told in a new message.
        fake.fail("editMessageText", chat_id=ANON_ID)
        await bot.tap(mali, "✅ Send anonymously")
        assert len(bot.errors) == 1
        assert bot.last(mali)["text"].startswith("Sent to the coordinators (#1)")
        relayed = TYPED["anonymous feedback"] in bot.last(ada)["text"]
    assert any("error while handling update" in line for line in stream.getvalue().splitlines())
    assert_nothing_given_away(stream, keep, fake)
    assert relayed, "the failed answer to the member lost the item: the coordinator has no copy"


def assert_nothing_given_away(stream: io.StringIO, keep: Keep, fake) -> None:
    """Neither net holds a record that gives anything away; name the loggers that did."""
    written = stream.getvalue().splitlines()
    assert written and keep.lines, "the nets caught nothing: logging was not set up"
    assert any(PROBE in line for line in written), "not at DEBUG: the attack proves nothing"
    for net, lines in (("stderr", written), ("every record", keep.lines)):
        caught = [(leaks(line, fake), line[:240]) for line in lines if leaks(line, fake)]
        loggers = sorted({m[2] for _, line in caught if (m := LOGGER.search(line))})
        assert not caught, (
            f"{len(caught)} lines of {net} give away something, from {loggers}; "
            f"the first: {caught[0]}"
        )


def _copy_of(bot, coordinator, marker: str) -> int:
    """The message id of the copy of a feedback item (by a marker of its text)."""
    for message in reversed(bot.fake.messages(coordinator.id)):
        if marker in (message.get("text") or ""):
            return message["message_id"]
    raise AssertionError(f"no copy with {marker!r}")


def test_library_payloads_never_pass_the_handler_at_any_level(fake, debug_logs):
    """Where a level cannot help: PTB logs the raw update at CRITICAL when it cannot parse it,
    a library we did not name may dump at DEBUG, a logger below a capped one may be set lower."""
    stream, _ = debug_logs
    update = {
        "update_id": 7,
        "message": {
            "from": {"id": ANON_ID, "first_name": "Zephyrine", "username": "zephy_k"},
            "text": TYPED["anonymous feedback"],
        },
    }
    updater = logging.getLogger("telegram.ext.Updater")
    updater.critical("Error while parsing updates! Received data was %r", [update])
    updater.critical('Can not load invalid JSON data: "%s"', json.dumps(update))
    updater.error("%(what)s", {"what": update})
    updater.critical(update)
    logging.getLogger("telegram.Bot").setLevel(logging.DEBUG)  # below the capped "telegram"
    logging.getLogger("telegram.Bot").debug("Calling endpoint with %s", update)
    logging.getLogger("somelibrary").debug("dumping %s", update)
    updater.warning("Polling failed run number %s of %s", 3, 5)  # harmless: passes whole
    logging.getLogger("app.outbox").info("outbox row %s sent", 12)  # ours: as it is

    written = stream.getvalue()
    assert written.count("<redacted>") == 4
    assert "Polling failed run number 3 of 5" in written and "outbox row 12 sent" in written
    assert "dumping" not in written and "Calling endpoint" not in written
    caught = [line for line in written.splitlines() if leaks(line, fake)]
    assert not caught, caught


def test_library_loggers_are_held_back_whatever_the_level(fake):
    """LOG_LEVEL=DEBUG lowers our loggers, never the libraries' below their floor."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in FLOORS}
    try:
        for level, library_level in (("DEBUG", "INFO"), ("WARNING", "WARNING")):
            main.configure_logging(Config(token=fake.token, log_level=level))
            assert logging.getLogger("handlers.feedback.commands").getEffectiveLevel() == getattr(
                logging, level
            )
            for name in ("telegram.ext.ExtBot", "telegram.ext.Application", "aiosqlite"):
                held = logging.getLogger(name).getEffectiveLevel()
                assert held == getattr(logging, library_level), name
            assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, value in saved[2].items():
            logging.getLogger(name).setLevel(value)


async def test_the_real_process_at_debug_logs_no_feedback_and_no_author(tmp_path):
    """`main.py run` itself, LOG_LEVEL=DEBUG, real HTTP to the loopback fake: its stderr."""
    fake = FakeTelegram()
    author = fake.add_user("Zephyrine", username="zephy_k", user_id=ANON_ID)
    server, port = await serve(fake)

    async def act(action, until) -> None:
        action()
        await eventually(until)

    def last_text() -> str:
        messages = fake.messages(author.id)
        return (messages[-1].get("text") or "") if messages else ""

    try:
        bot = await start_bot(tmp_path, fake, port, BOT_ADMINS=str(author.id))
        await act(
            lambda: fake.send_text(author, "/newforum Polling Forum\ntimezone: UTC"),
            lambda: "created" in last_text(),
        )
        await act(lambda: fake.send_text(author, "/feedback"), lambda: "about?" in last_text())
        message = fake.last_message(author.id)["message_id"]
        await act(
            lambda: fake.tap(author, message, "Meetings"),
            lambda: "Write your feedback" in last_text(),
        )
        await act(
            lambda: fake.send_text(author, TYPED["anonymous feedback"]),
            lambda: "anonymously" in last_text(),
        )
        message = fake.last_message(author.id)["message_id"]
        await act(
            lambda: fake.tap(author, message, "✅ Send anonymously"),
            lambda: "Feedback #1" in last_text(),
        )  # its copy: the author coordinates
        logs = await stop(bot)
    finally:
        server.stop()
    assert " ready" in logs  # the log was written: the nets are not empty by accident
    caught = [line for line in logs.splitlines() if leaks(line, fake)]
    assert not caught, f"{len(caught)} lines give away something; the first: {caught[0][:240]}"
