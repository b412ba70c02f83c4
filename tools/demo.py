"""`main.py demo`: the real bot against the fake Bot API on loopback, and a chat in this terminal.

The demo forum is built by talking to the bot exactly as people would (the admin sends /newforum,
members open the invite link and go through onboarding), so what you see is the real behaviour.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application

from app.heartbeat import run_due
from app.wiring import build_application
from bot.clock import FakeClock
from bot.config import Config
from bot.polls import parse_duration
from fake_telegram import FakeChat, FakeTelegram, FakeUser, serve, settle
from tools.demo_terminal import FileShelf, LineReader, Terminal, read_message, use_color
from tools.world import Joining, Talk, build_forum, link_group

HELP = """\
You are chatting with the bot as {name} ({persona}), in a private chat.
  /as coordinator | member | observer   switch persona     /group, /private   switch chat
  #N                                    press button N      /quit              end the demo
  /as thai | arabic | chinese           members who use the bot in Thai, Arabic, Chinese
  /history                              the last messages in this chat
  /files                                files the bot sent in this chat (charts, calendars,
                                        exports), with paths to saved copies you can open
  a line ending in \\                    the message goes on on the next line
  /paste                                a message of several lines, ended by a line with . alone
  /wait 1d                              let time pass (30m, 12h, 7d): reminders, tips, closing
Everything else is sent to the bot as a message. Try /help, /tip, /polls (rank the demo poll,
as member), /results, /closepoll, /newpoll (a priority catalog from the seeds), /meetings (RSVP),
/settings (tips by subscription), /invite, /announce, /feedback, /export, /mydata. Members
already got a meeting reminder: /as member, then /history.
"""
DEMO_MEETING = """/meeting National SCP Forum, spring session
starts: {starts}
place: Ministry of Natural Resources and Environment, Room 3
every: 6 months
reminders: 1d, 1h"""
DEMO_POLL = """/newpoll Which priorities should the forum take up first?
Institutionalise green public procurement
Develop national eco-labelling
Mandatory waste segregation at source
Energy-efficiency standards for appliances"""


@dataclass
class Persona:
    user: FakeUser
    role: str


async def build_world(
    fake: FakeTelegram, app: Application, ada: FakeUser, clock: FakeClock
) -> tuple[dict[str, Persona], FakeChat]:
    """The demo forum, made through the bot: a forum, its group, members in three languages."""
    people = Talk(fake, app)
    niran = fake.add_user("Niran", username="niran", language_code="en")
    lena = fake.add_user("Lena", username="lena_ngo", language_code="en")
    mali = fake.add_user("Mali", username="mali", language_code="th")
    wei = fake.add_user("Wei", username="wei", language_code="zh-hans")
    layla = fake.add_user("Layla", username="layla", language_code="ar")
    joining = [
        Joining(niran, group="industry"),
        Joining(lena, group="civil_society"),
        Joining(mali, language="th", group="government"),
        Joining(wei, language="zh_Hans", group="academia"),
        Joining(layla, language="ar", group="civil_society"),
    ]
    promotions = ("/promote @lena_ngo observer",)
    # The group is linked last, so the demo poll was not posted in it.
    await build_forum(people, ada, joining, promotions=promotions, group=None)
    await people.send(ada, DEMO_POLL)
    await people.tap(ada, "✅ Send")  # under the preview
    # A meeting in three hours, so its one-day reminder is due at once (with the calendar file).
    starts = (clock().astimezone(ZoneInfo("Asia/Bangkok")) + timedelta(hours=3)).strftime(
        "%Y-%m-%d %H:00"
    )
    await people.send(ada, DEMO_MEETING.format(starts=starts))
    await run_due(app)
    for user, picks in ((mali, ("3.", "1.")), (wei, ("1.", "2.", "4."))):
        for label in (*picks, "✅"):
            ballot = next(
                m
                for m in reversed(fake.messages(user.id))
                if any(b.get("callback_data") == "poll:submit:1" for b in fake.buttons(m))
            )
            fake.tap(user, ballot["message_id"], label)
            await settle(fake, app)
    group = fake.add_group(
        "Thailand SCP Forum — members", members=[ada, niran, lena, mali, wei], admins=[ada]
    )
    fake.add_bot_to_group(group, ada)
    # Ada, a coordinator and an admin of the group, links it: /start there, then her button.
    await link_group(people, ada, group)
    personas = {
        "coordinator": Persona(ada, "coordinator"),
        "member": Persona(niran, "member"),
        "observer": Persona(lena, "observer (NGO)"),
        "thai": Persona(mali, "member, Thai"),
        "arabic": Persona(layla, "member, Arabic"),
        "chinese": Persona(wei, "member, Chinese"),
    }
    return personas, group


async def chat_loop(
    fake: FakeTelegram,
    app: Application,
    clock: FakeClock,
    personas: dict[str, Persona],
    group: FakeChat,
    read_line: LineReader,
    terminal: Terminal,
) -> None:
    """Read messages and demo commands until /quit or the end of input; show what comes back."""
    terminal.seen = len(fake.calls)
    persona = personas["coordinator"]
    chat: FakeChat | None = None  # None: the persona's private chat
    print(HELP.format(name=persona.user.first_name, persona=persona.role))
    while True:
        where = group.title if chat else "private"
        prompt = f"[{persona.user.first_name} @ {where}] "
        text = await read_message(read_line, prompt)
        if text is None or text.strip() == "/quit":
            break
        command, _, rest = text.strip().partition(" ")
        chat_id = chat.id if chat else persona.user.id
        try:
            if command == "/as":
                if rest.strip() not in personas:
                    print("  personas: " + ", ".join(personas))
                    continue
                persona = personas[rest.strip()]
                print(f"  now {persona.user.first_name}, {persona.role}")
                continue
            if command == "/history":
                for message in fake.messages(chat_id)[-3:]:
                    terminal.print_message("bot", message)
                continue
            if command == "/files":
                terminal.print_files(chat_id)
                continue
            if command == "/wait":
                delta = parse_duration(rest)
                if delta is None:
                    print("  /wait 30m, /wait 12h or /wait 7d")
                    continue
                clock.advance(delta)
                print(
                    f"  it is now {clock().astimezone(ZoneInfo('Asia/Bangkok')):%a %d %b %H:%M} in Bangkok"
                )
                await run_due(app)  # what the heartbeat would do at that moment
            elif command in ("/group", "/private"):
                chat = group if command == "/group" else None
                print(f"  now in {f'the group {group.title}' if chat else 'the private chat'}")
                continue
            elif re.fullmatch(r"#\d+", command):
                _press(fake, persona.user, chat, chat_id, int(command[1:]))
            elif text.strip():
                fake.send_text(persona.user, text, chat=chat)
            else:
                continue
        except LookupError as error:
            print(f"  {error}")
            continue
        await settle(fake, app)
        terminal.show_new(chat.id if chat else persona.user.id)


def _press(
    fake: FakeTelegram, user: FakeUser, chat: FakeChat | None, chat_id: int, number: int
) -> None:
    """Press button N of the last message with buttons; a deep link opens it like Telegram does."""
    message = next((m for m in reversed(fake.messages(chat_id)) if fake.buttons(m)), None)
    if message is None:
        raise LookupError("no message with buttons in this chat")
    buttons = fake.buttons(message)
    if not 1 <= number <= len(buttons):
        raise LookupError(f"there are {len(buttons)} buttons")
    url = buttons[number - 1].get("url")
    if url:
        start = re.search(r"[?&]start=([\w-]+)", url)
        if not start:
            raise LookupError(f"(opens {url} outside the demo)")
        fake.send_text(user, f"/start {start[1]}")
        return
    fake.tap(user, message["message_id"], number, chat=chat)


def stdin_reader() -> LineReader:
    """Lines from stdin; piped input is echoed after its prompt, so the output reads as a chat."""
    interactive = sys.stdin.isatty()

    async def read_line(prompt: str) -> str | None:
        loop = asyncio.get_running_loop()
        line = await loop.run_in_executor(None, _read_line, prompt if interactive else "")
        if line is not None and not interactive:
            print(f"{prompt}{line.rstrip(chr(10))}")
        return line

    return read_line


def echoing(read_line: LineReader) -> LineReader:
    """A reader that prints each line after its prompt, as a terminal would have shown it."""

    async def read(prompt: str) -> str | None:
        line = await read_line(prompt)
        if line is not None:
            print(f"{prompt}{line.rstrip(chr(10))}")
        return line

    return read


def _read_line(prompt: str) -> str | None:
    try:
        return input(prompt) + "\n"
    except EOFError:
        return None


async def run(
    workdir: Path,
    read_line: LineReader,
    *,
    color: bool = False,
    start: datetime | None = None,
) -> None:
    """The whole demo in `workdir`: fake Bot API, the bot, the demo forum, then the chat loop.

    `start` fixes the demo clock (tests type README forms whose dates must lie ahead).
    """
    fake = FakeTelegram(bot_username="scp_forum_demo_bot")
    server, port = await serve(fake)
    ada = fake.add_user("Ada", username="ada_coordinator", language_code="en")  # the bot admin
    config = Config(
        token=fake.token,
        api_url=f"http://127.0.0.1:{port}",
        database_path=workdir / "demo.sqlite3",
        admins=frozenset({ada.id}),
    )
    # The demo's own clock: `/wait` moves it, so a day's tips and reminders come at once.
    clock = FakeClock(start or datetime.now(UTC))
    app = build_application(config, clock=clock, sleep=clock.sleep)  # pacing waits on it too
    post_init, post_shutdown, updater = app.post_init, app.post_shutdown, app.updater
    assert post_init and post_shutdown and updater  # build_application sets all three
    await app.initialize()
    await post_init(app)
    await app.start()
    await updater.start_polling(poll_interval=0, timeout=2, allowed_updates=Update.ALL_TYPES)
    try:
        print(
            f"Fake Telegram Bot API on http://127.0.0.1:{port}; bot @{app.bot.username}; "
            f"database {config.database_path}; files the bot sends are saved in {workdir / 'files'}"
        )
        personas, group = await build_world(fake, app, ada, clock)
        print(
            "Demo forum “Thailand SCP Forum”: coordinator Ada, members Niran, Mali (Thai), "
            "Wei (Chinese), Layla (Arabic), observer Lena (NGO), and a linked group.\n"
        )
        terminal = Terminal(fake, color=color, shelf=FileShelf(fake, workdir / "files"))
        await chat_loop(fake, app, clock, personas, group, read_line, terminal)
    finally:
        await updater.stop()
        await app.stop()
        await post_shutdown(app)
        await app.shutdown()
        server.stop()


def run_demo() -> int:
    """Entry point of `main.py demo`."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Ctrl-C ends the demo like /quit; the temporary database goes with it.
    with (
        tempfile.TemporaryDirectory(prefix="scp-forum-demo-") as workdir,
        contextlib.suppress(KeyboardInterrupt),
    ):
        asyncio.run(run(Path(workdir), stdin_reader(), color=use_color(sys.stdout)))
    print("Demo ended.")
    return 0
