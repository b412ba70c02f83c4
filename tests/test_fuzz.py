"""Fuzzing the whole app: hypothesis draws Telegram updates and feeds them to the real bot.

One bot runs per test function, on a forum with a coordinator, members, an observer, an
outsider, an open poll, a meeting, feedback, a linked group and a group no forum knows.
Hypothesis draws lists of events — commands with random arguments, random Unicode and HTML,
oversize text, stickers and photos where text is expected, edited messages, random and forged
callback data for real and wrong ids, posts by anonymous admins and in a channel — and each
example sends its events through the fake Bot API. After every example:

- nothing reached the error handler and no Bot API call failed: the fake parses outgoing HTML
  like Telegram, so user text sent unescaped fails the call ("can't parse entities");
- user text that is valid HTML (`<i>Zq7</i>`) comes back literally, never as formatting;
- every callback query was answered;
- a forged or unauthorized callback left every row of every table as it was;
- an edited message (command, dialog answer or any text) left every row as it was, and the bot
  said nothing but the one hint that it does not act on edits.

The bot is shared by the examples of one test (starting one costs 0.2 s), so later examples see
the state earlier ones left. Hypothesis replays a failure on that changed state and may then
report it as flaky; the original error is in the report either way. Runs are deterministic
(`derandomize=True`): 200 examples per property in CI, roughly 1,200 updates in all, in ~10 s.
A longer soak: `FUZZ_EXAMPLES=2000 uv run pytest tests/test_fuzz.py`.

Not covered, because the fake Bot API has no such chats: replies in a channel (a channel post
is sent, but the fake could not take the bot's answer) and chat types Telegram does not have.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.roles import COMMANDS
from fake_telegram import Call, FakeChat, FakeUser
from fake_telegram.markup import command_entities
from tests.harness import Harness, new_forum, new_poll, running_bot, snapshot
from tests.worlds import Group, add_cast, standard_forum

pytestmark = pytest.mark.slow  # hundreds of hypothesis examples through the whole app

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # The bot is a function-scoped fixture on purpose: one per test, not one per example.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
GROUP_ANONYMOUS_BOT = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
CHANNEL = {"id": -1009999999999, "type": "channel", "title": "SCP <news> & more"}
SENDING = {"sendMessage", "editMessageText", "sendPhoto", "sendDocument", "editMessageCaption"}

# --- the world ---


@dataclass
class World:
    bot: Harness
    ada: FakeUser  # coordinator of forum 1
    niran: FakeUser  # member
    mali: FakeUser  # member, Thai, wrote feedback
    lena: FakeUser  # observer
    omar: FakeUser  # outsider: talked to the bot, never joined
    bob: FakeUser  # coordinator of another forum
    newbie: FakeUser  # never talked to the bot
    group: FakeChat  # linked to forum 1
    stranger_group: FakeChat  # the bot is in it, no forum is linked
    ids: dict[str, int] = field(default_factory=dict)
    user_messages: dict[int, list[int]] = field(default_factory=dict)  # chat id → ids
    channel_posts: itertools.count = field(default_factory=lambda: itertools.count(1))

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:
        printer.text("World(...)")  # type: ignore[attr-defined]  # short failure reports

    def sender(self, name: str) -> FakeUser:
        return getattr(self, name)

    def chat(self, name: str) -> FakeChat | None:
        return {"private": None, "group": self.group, "stranger": self.stranger_group}[name]


POLL = (
    "/newpoll Which <b>priorities</b> & why?\n"
    "Green public procurement <script>\n"
    "Eco-labelling & more\n"
    "ขยะ — waste segregation\n"
    "closes: 2027-01-15 17:00"
)
MEETING = (
    "/meeting Spring <session> & co\nstarts: 2027-03-15 09:00\nplace: Room <3> & 4\nevery: 6 months"
)


# The standard forum's people (tests/worlds.py), with names that are HTML or look like it.
SPICY_NAMES = {
    "ada": "Ada <admin>",
    "niran": "Ni<b>ran</b> & Co",
    "mali": "מלי &amp; שלום",
    "lena": "Lena </i>",
}


async def build_world(bot: Harness) -> World:
    """The standard forum (Ada's, forum 1) with spicy names, an outsider in its group, a poll, a
    meeting and feedback; a group no forum knows; forum 2 (Bob)."""
    fake = bot.fake
    cast = add_cast(fake, SPICY_NAMES)
    ada, niran, mali, lena = cast.ada, cast.niran, cast.mali, cast.lena
    omar = fake.add_user("Omar 😀", language_code="ar")
    bob = fake.add_user("Bob")
    newbie = fake.add_user("New<bie", language_code=None)
    forum = await standard_forum(
        bot,
        cast,
        form="/newforum Thai <SCP> & Forum\ntimezone: Asia/Bangkok\nlanguage: en",
        group=Group("Forum <group>", members=(ada, niran, mali, lena, omar)),
    )
    group = forum.group
    assert group is not None
    stranger = fake.add_group("Stranger & group", members=[niran, omar], supergroup=True)
    fake.add_bot_to_group(stranger, omar)
    await bot.settle()
    await new_poll(bot, ada, POLL)
    await bot.send(ada, MEETING)
    await bot.send(mali, "/feedback")
    await bot.tap(mali, 1)
    await bot.send(mali, "Too <cold> & dark")
    await bot.tap(mali, "✅")
    await new_forum(bot, bob, "/newforum Other forum\ntimezone: UTC")
    await new_poll(bot, bob, "/newpoll Other?\nP\nQ")
    await bot.send(bob, "/meeting Other meeting\nstarts: 2027-05-01 10:00")
    await bot.send(omar, "/help")
    db = bot.services.db

    async def one(sql: str) -> int:
        row = await db.fetchone(sql)
        assert row is not None, sql
        return row[0]

    ids = {
        "poll": await one("SELECT id FROM polls WHERE forum_id = 1"),
        "option": await one("SELECT MIN(id) FROM poll_options WHERE poll_id = 1"),
        "last_option": await one("SELECT MAX(id) FROM poll_options WHERE poll_id = 1"),
        "other_poll": await one("SELECT id FROM polls WHERE forum_id = 2"),
        "other_option": await one(
            "SELECT MIN(o.id) FROM poll_options o JOIN polls p "
            "ON p.id = o.poll_id WHERE p.forum_id = 2"
        ),
        "meeting": await one(
            "SELECT MIN(m.id) FROM meetings m JOIN meeting_series s ON s.id = m.series_id "
            "WHERE s.forum_id = 1"
        ),
        "other_meeting": await one(
            "SELECT MIN(m.id) FROM meetings m JOIN meeting_series s ON s.id = m.series_id "
            "WHERE s.forum_id = 2"
        ),
        "feedback": await one("SELECT id FROM feedback WHERE forum_id = 1"),
        "forum": 1,
        "other_forum": 2,
    }
    return World(bot, ada, niran, mali, lena, omar, bob, newbie, group, stranger, ids)


def addressed_to_us(text: str) -> bool:
    """A group message the bot answers: a leading /command, not addressed to another bot."""
    entities = command_entities(text)
    if not entities:
        return False
    _, _, addressee = text[: entities[0]["length"]].partition("@")
    return addressee.lower() in ("", "scp_forum_bot")


def failed(calls: list[Call]) -> list[tuple]:
    """Calls Telegram refused, but for "message is not modified".

    Telegram refuses to edit a message into what it already shows; handlers expect that (a
    button tapped twice) with `unless_unchanged`. Had one not, the error handler saw it.
    """
    return [
        (c.method, c.params.get("chat_id"), c.description)
        for c in calls
        if not c.ok and "message is not modified" not in (c.description or "")
    ]


@pytest.fixture
async def world(tmp_path) -> AsyncIterator[World]:
    # The harness's own end check counts every 400 as a failure; this file checks the same after
    # each example, with the one exception `failed` explains.
    async with running_bot(tmp_path, admins=[1001, 1006], expect_errors=True) as bot:
        yield await build_world(bot)
    assert bot.errors == [], f"the error handler saw: {bot.errors!r}"
    assert failed(bot.fake.calls) == []


# --- what hypothesis draws ---

MARKER_SERIAL = itertools.count(1)
SPICY = [
    "<",
    "&",
    "<b>",
    "</b>",
    "<b>bold</b>",
    "a & b",
    "&amp;",
    "&lt;",
    "&#0;",
    "<a href='x'>link</a>",
    '<tg-emoji emoji-id="1">x</tg-emoji>',
    "<span>",
    "<<>>",
    "x</",
    "مرحبا بالعالم",  # RTL
    "\u202eevil\u202c",  # right-to-left override
    "ภาษาไทย",
    "👩‍👩‍👧‍👦🇹🇭",
    "\u200d\ufeff\u00ad",
    "\x00\x01\x1f",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "2027-03-15 09:00",
    "closes: 2026-13-45 25:61",
    "starts: 2027-03-15 09:00",
    "every: 0 months",
    "timezone: Mars/Olympus",
    "language: xx",
    "@niran",
    "@ada observer",
    "coordinator",
    "1",
    "99999999999999999999",
    "-1",
    "²",
    "١",
    "poll-1",
    "poll-999",
    "list",
    " ",
    "\n\n",
]


@st.composite
def marked_html(draw: st.DrawFn) -> str:
    """Valid Telegram HTML with a unique token: if it comes back as formatting, it was not escaped."""
    tag = draw(st.sampled_from(["b", "i", "u", "code", "tg-spoiler"]))
    return f"<{tag}>Zq{draw(st.integers(0, 9999))}</{tag}>"


def texts(max_size: int = 60) -> st.SearchStrategy[str]:
    """Random Unicode, HTML-ish fragments, and text up to and beyond Telegram's 4096 characters."""
    fragment = st.one_of(st.text(max_size=max_size), st.sampled_from(SPICY), marked_html())
    joined = st.lists(fragment, max_size=6).map(
        lambda parts: "".join(parts) if len(parts) < 3 else "\n".join(parts)
    )
    oversize = st.tuples(st.sampled_from(["<&", "é", "😀", "a b\n"]), st.integers(900, 5200)).map(
        lambda pair: (pair[0] * pair[1])[:5200]
    )
    return st.one_of(joined, joined, joined, joined, joined, oversize)


COMMAND_NAMES = [c.name for c in COMMANDS] + ["frobnicate", "START", "help_me", "x" * 33]


@st.composite
def commands(draw: st.DrawFn) -> str:
    """A /command, maybe addressed to us or another bot, with random arguments and lines."""
    name = draw(st.sampled_from(COMMAND_NAMES))
    suffix = draw(st.sampled_from(["", "", "", "@scp_forum_bot", "@other_bot"]))
    arguments = draw(st.one_of(st.just(""), texts()))
    separator = draw(st.sampled_from([" ", "\n", " \n", ""]))
    return f"/{name}{suffix}{separator}{arguments}" if arguments else f"/{name}{suffix}"


FEATURES = [
    "poll",
    "res",
    "mtg",
    "mtga",
    "mtgs",
    "ann",
    "fb",
    "exp",
    "priv",
    "set",
    "onb",
    "np",
    "tip",
    "tipsub",
    "nf",
]
ACTIONS = [
    "open", "rank", "undo", "submit", "close", "show", "export", "rsvp", "ics", "move", "place",
    "cancel", "series", "keep", "rate", "send", "aud", "langs", "all", "grp", "chat", "back",
    "topic", "reply", "answer", "meetings", "feedback", "members", "forget", "menu", "lang",
    "group", "tz", "forum", "survey", "consent", "cat", "item", "next", "default", "topics",
    "freq", "hour", "day", "off", "frobnicate",
]  # fmt: skip
REAL_IDS = ["{poll}", "{option}", "{last_option}", "{other_poll}", "{other_option}", "{meeting}",
            "{other_meeting}", "{feedback}", "{forum}", "{other_forum}"]  # fmt: skip
WRONG_IDS = ["0", "-1", "999", "99999999999999999999", "²", "x", "", " 1", "1.0", "0x1", "1e3"]
ARGS = ["yes", "no", "en", "th", "xx", "going", "maybe", "anon", "signed", "daily", "weekly",
        "industry", "government", "main", "Asia/Bangkok", "Mars/Olympus", "?", "7", "24"]  # fmt: skip


def well_formed(ids: list[str]) -> st.SearchStrategy[str]:
    """`feature:action:args` in our shape, each part drawn from what the bot uses or near it."""
    return st.builds(
        lambda feature, action, args: ":".join([feature, action, *args]),
        st.sampled_from(FEATURES),
        st.sampled_from(ACTIONS),
        st.lists(st.sampled_from(ids + ARGS), max_size=3),
    )


GARBAGE = st.text(max_size=80).map(lambda s: "raw:" + s)
ANY_CALLBACK = st.one_of(
    GARBAGE,
    well_formed(REAL_IDS + WRONG_IDS),
    well_formed(REAL_IDS + WRONG_IDS),
)

# What a plain member may never do: it belongs to coordinators, to dialogs they are not in, or to
# another forum.
COORDINATOR_ONLY = st.sampled_from(
    [
        "mtga:cancel:{meeting}",
        "mtga:series:{meeting}",
        "mtga:cancelok:{meeting}",
        "mtga:seriesok:{meeting}",
        "mtga:move:{meeting}",
        "mtga:place:{meeting}",
        "mtga:keep:{meeting}",
        "poll:close:{poll}",
        "poll:close:{other_poll}",
        "res:export:{poll}",
        "res:show:{other_poll}",
        "exp:members",
        "exp:feedback",
        "exp:meetings",
        "fb:reply:{feedback}",
        "fb:answer:{feedback}",
        "ann:send",
        "ann:grp:industry",
        "ann:all",
        "ann:chat",
        "ann:lang:th",
        "np:cat:scp",
        "np:item:1",
        "np:next",
        "np:default",
        "nf:lang:th",
        "onb:consent:yes",
        "onb:group:industry",
        "onb:lang:th",
        "fb:send:anon",
        "fb:send:signed",
        "priv:keep",
        "set:forum:{other_forum}",
        "set:keep:30",
        "set:survey:all",
        "tipsub:hour:daily:99",
        "tipsub:day:9:9",
        "mtg:rsvp:{other_meeting}:going",
        "mtgs:rate:{other_meeting}:5",
    ]
)
# Member actions pointed at what is not theirs or does not exist ("@" is the wrong part).
WRONG_TARGET = st.one_of(
    *(
        st.builds(
            lambda template, wrong: template.replace("@", wrong),
            st.sampled_from(templates),
            st.sampled_from([*WRONG_IDS, other]),
        )
        for templates, other in [
            (
                [
                    "poll:rank:{poll}:@",
                    "poll:rank:@:{option}",
                    "poll:submit:@",
                    "poll:undo:@",
                    "poll:open:@",
                    "res:show:@",
                ],
                "{other_poll}",
            ),
            (["poll:rank:{poll}:@", "poll:rank:{other_poll}:@"], "{other_option}"),
            (["mtg:rsvp:@:going", "mtg:ics:@", "mtgs:rate:@:3"], "{other_meeting}"),
            (["mtg:rsvp:{meeting}:@", "mtgs:rate:{meeting}:@"], "6"),
            (["set:lang:@", "set:group:@", "set:tz:@", "tip:topic:@", "tipsub:freq:@"], "xx"),
            (["set:forum:@"], "{other_forum}"),
        ]
    )
)

# Buttons members really have, to move dialogs and ballots along between random events.
LEGIT = st.sampled_from(
    [
        "poll:rank:{poll}:{option}",
        "poll:rank:{poll}:{last_option}",
        "poll:undo:{poll}",
        "poll:submit:{poll}",
        "poll:open:{poll}",
        "res:show:{poll}",
        "mtg:rsvp:{meeting}:going",
        "mtg:rsvp:{meeting}:no",
        "mtg:ics:{meeting}",
        "mtga:move:{meeting}",
        "mtga:place:{meeting}",
        "mtga:cancel:{meeting}",
        "fb:topic:meetings",
        "fb:send:signed",
        "fb:reply:{feedback}",
        "fb:answer:{feedback}",
        "ann:send",
        "ann:aud",
        "set:menu:main",
        "set:tz:?",
        "tip:next",
        "tip:topics",
        "tipsub:menu",
        "np:cat:scp",
        "np:next",
        "priv:keep",
    ]
)

SENDERS = ["ada", "niran", "mali", "lena", "omar", "bob", "newbie"]
CHATS = st.sampled_from(["private", "private", "private", "group", "stranger"])


def event() -> st.SearchStrategy[tuple]:
    """One thing a user (or a channel) does."""
    who = st.sampled_from(SENDERS)
    return st.one_of(
        st.tuples(st.just("text"), who, CHATS, texts()),
        st.tuples(st.just("text"), who, CHATS, commands()),
        st.tuples(st.just("text"), who, CHATS, commands()),
        st.tuples(st.just("callback"), who, CHATS, ANY_CALLBACK, st.integers(0, 3)),
        st.tuples(st.just("callback"), who, CHATS, LEGIT, st.integers(0, 3)),
        st.tuples(st.just("tap"), who, CHATS, st.integers(0, 3), st.integers(0, 12)),
        st.tuples(st.just("tap"), who, CHATS, st.just(0), st.integers(0, 12)),
        st.tuples(st.just("sticker"), who, CHATS),
        st.tuples(st.just("photo"), who, CHATS, st.one_of(st.none(), texts())),
        st.tuples(st.just("edit"), who, CHATS, commands(), st.one_of(texts(), commands())),
        st.tuples(st.just("reply"), who, st.just("group"), commands()),
        st.tuples(st.just("anonymous"), st.sampled_from(["group", "stranger"]), commands()),
        st.tuples(st.just("channel"), st.one_of(texts(), commands()), st.booleans()),
    )


# --- running events ---


def resolve(world: World, data: str) -> str:
    """Fill real ids into a callback template; "raw:" data goes as drawn."""
    if data.startswith("raw:"):
        return data.removeprefix("raw:")
    return data.format_map(world.ids)


def bot_message_id(world: World, chat_id: int, back: int) -> int | None:
    """One of the bot's last few messages in a chat (back=0: the last), or None."""
    messages = world.bot.fake.messages(chat_id)
    return messages[max(-len(messages), -1 - back)]["message_id"] if messages else None


def user_text(world: World, user: FakeUser, chat: FakeChat | None, text: str) -> None:
    message = world.bot.fake.send_text(user, text, chat=chat)
    world.user_messages.setdefault(message["chat"]["id"], []).append(message["message_id"])


def enqueue(world: World, event: tuple) -> list[str]:
    """Make the fake deliver one event; returns the ids of the callback queries it made."""
    fake, kind = world.bot.fake, event[0]
    if kind == "channel":
        _, text, edited = event
        post = {
            "message_id": next(world.channel_posts),
            "sender_chat": CHANNEL,
            "chat": CHANNEL,
            "date": fake.now(),
            "text": text,
        }
        if entities := command_entities(text):
            post["entities"] = entities
        fake.enqueue("edited_channel_post" if edited else "channel_post", post)
        return []
    if kind == "anonymous":
        _, chat_name, text = event
        chat = world.chat(chat_name)
        message = fake.store_message(
            chat.id,
            None,
            text=text,
            entities=command_entities(text) or None,
            sender_chat=fake.chat_json(chat.id),
            **{"from": GROUP_ANONYMOUS_BOT},
        )
        fake.enqueue("message", message)
        return []
    user, chat = world.sender(event[1]), world.chat(event[2])
    chat_id = chat.id if chat else user.id
    if kind == "text":
        user_text(world, user, chat, event[3])
    elif kind == "sticker":
        fake.send_sticker(user, chat=chat)
    elif kind == "photo":
        fake.send_photo(user, caption=event[3], chat=chat)
    elif kind == "edit":
        message = fake.send_text(user, event[3], chat=chat)
        fake.edit_text(user, message["message_id"], event[4], chat=chat)
    elif kind == "reply":
        replied = (world.user_messages.get(chat_id) or [None])[-1] or bot_message_id(
            world, chat_id, 0
        )
        if replied is None:
            user_text(world, user, chat, event[3])
        else:
            fake.send_text(user, event[3], chat=chat, reply_to=replied)
    elif kind == "tap":
        message_id = bot_message_id(world, chat_id, event[3])
        buttons = fake.buttons(fake.stored(chat_id, message_id) or {}) if message_id else []
        data = [b["callback_data"] for b in buttons if "callback_data" in b]
        if not data:
            user_text(world, user, chat, "/start")
            return []
        query = fake.send_callback(user, message_id, data[event[4] % len(data)], chat=chat)
        return [query["id"]]
    elif kind == "callback":
        message_id = bot_message_id(world, chat_id, event[4])
        if message_id is None:  # nothing to tap on: they can only type
            user_text(world, user, chat, "/start")
            return []
        query = fake.send_callback(user, message_id, resolve(world, event[3]), chat=chat)
        return [query["id"]]
    else:
        raise AssertionError(f"unknown event {event!r}")
    return []


MARKER = re.compile(r"Zq\d+")


def html_injected(call: Call) -> str | None:
    """A marker of user HTML that the bot's message shows as formatting instead of as text."""
    result = call.result if isinstance(call.result, dict) else {}
    text = result.get("text") or result.get("caption") or ""
    for match in MARKER.finditer(text):
        if not re.search(r"<[a-z-]+>$", text[: match.start()]):
            return text
    return None


async def run_events(world: World, events: list[tuple], *, one_by_one: bool) -> list[Call]:
    """Deliver events (each settled, or all at once) and check what every example must hold."""
    bot = world.bot
    errors_before, calls_before = len(bot.errors), len(bot.fake.calls)
    queries: list[str] = []
    for event in events:
        queries += enqueue(world, event)
        if one_by_one:
            await bot.settle()
    await bot.settle()
    # The bot's next long poll is in flight (recorded on arrival, not yet answered).
    calls = [c for c in bot.fake.calls[calls_before:] if c.method != "getUpdates"]
    assert bot.errors[errors_before:] == [], (
        f"the error handler saw: {bot.errors[errors_before:]!r}"
    )
    unparsed = [c.description for c in calls if "can't parse entities" in (c.description or "")]
    assert unparsed == [], f"unescaped HTML in the bot's messages: {unparsed}"
    refused = failed(calls)
    assert refused == [], f"Bot API calls failed: {refused}"
    injected = [t for c in calls if c.method in SENDING and (t := html_injected(c))]
    assert injected == [], f"user HTML became formatting: {injected}"
    unanswered = [q for q in queries if not bot.fake.callback_queries[q]["answered"]]
    assert unanswered == [], f"callback queries left spinning: {unanswered}"
    return calls


# --- the properties ---


@FUZZ
@given(events=st.lists(event(), min_size=1, max_size=6), one_by_one=st.booleans())
async def test_random_updates_never_break_the_bot(world: World, events, one_by_one) -> None:
    await run_events(world, events, one_by_one=one_by_one)


@FUZZ
@given(
    forged=st.lists(
        st.one_of(
            st.tuples(st.just("omar"), ANY_CALLBACK),  # an outsider may do nothing at all
            st.tuples(st.just("niran"), COORDINATOR_ONLY),
            st.tuples(st.sampled_from(["niran", "mali", "lena"]), GARBAGE),
            st.tuples(st.sampled_from(["niran", "mali", "lena"]), WRONG_TARGET),
        ),
        min_size=1,
        max_size=5,
    ),
    back=st.integers(0, 3),
)
async def test_forged_callbacks_change_nothing(world: World, forged, back) -> None:
    before = await snapshot(world.bot)
    events = [("callback", who, "private", data, back) for who, data in forged]
    await run_events(world, events, one_by_one=False)
    after = await snapshot(world.bot)
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    assert changed == {}, f"forged callbacks {forged} changed {changed}"


EDIT_HINT = "I don't act on edited messages; send it again as a new message."


@FUZZ
@given(
    edits=st.lists(
        st.tuples(
            st.sampled_from(SENDERS),
            CHATS,
            st.one_of(commands(), texts()),  # what they sent
            st.one_of(commands(), commands(), texts()),  # what they edited it into
        ),
        min_size=1,
        max_size=3,
    )
)
async def test_edited_messages_change_nothing(world: World, edits) -> None:
    """An edit never acts: every row stays as it was, and the bot at most says the hint once."""
    bot = world.bot
    for who, chat_name, original, edited in edits:
        user, chat = world.sender(who), world.chat(chat_name)
        await run_events(world, [("text", who, chat_name, original)], one_by_one=True)
        message_id = world.user_messages[chat.id if chat else user.id][-1]
        before = await snapshot(bot)
        calls = await bot.edit(user, edited, chat=chat, message_id=message_id)
        after = await snapshot(bot)
        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        assert changed == {}, f"editing {original!r} into {edited!r} changed {changed}"
        said = [(c.method, c.params.get("text")) for c in calls]
        catalogs = bot.services.catalogs
        hints = [
            ("sendMessage", catalogs.translator(lang)._(EDIT_HINT)) for lang in catalogs.languages
        ]
        if chat is None or addressed_to_us(edited):  # where the original got an answer
            assert len(said) == 1 and said[0] in hints, f"{edited!r}: {said}"
        else:
            assert said == [], f"{edited!r}: {said}"
        if chat is None:
            assert len(said) == 1 and said[0] in hints, "a private edit gets the hint"
        assert bot.errors == [] and failed(calls) == []


# --- what the fuzzing found, kept as plain cases ---


async def test_anonymous_admins_get_a_hint_and_channels_are_ignored(world: World) -> None:
    """Anonymous group admins write as GroupAnonymousBot: no member to act for, so a command
    gets a hint (nothing else happens) and other text is ignored."""
    calls = await run_events(
        world,
        [
            ("anonymous", "group", "/help"),
            ("anonymous", "group", "/start@scp_forum_bot abc"),
            ("anonymous", "stranger", "/newpoll Q?\nA\nB"),
            ("anonymous", "group", "hello"),
            ("channel", "/help", False),
        ],
        one_by_one=True,
    )
    assert [c.method for c in calls] == ["sendMessage"] * 3, "one hint per command, no more"
    assert all(c.params["text"].startswith("I can't tell who sent this") for c in calls)


async def test_an_oversize_poll_number_is_not_echoed_whole(world: World) -> None:
    calls = await run_events(
        world,
        [
            ("text", "ada", "private", "/closepoll " + "<&" * 2600),
            ("text", "lena", "private", "/results " + "é" * 5000),
        ],
        one_by_one=True,
    )
    texts = [c.result["text"] for c in calls if c.method == "sendMessage"]
    assert texts[0].startswith("There is no open poll with the number <&<&")
    assert texts[1].startswith("There is no poll with the number éé")
    assert max(map(len, texts)) < 100


@pytest.mark.parametrize(
    ("who", "data"),
    [("niran", "priv:keep"), ("niran", "onb:group:industry"), ("ada", "fb:topic:meetings")],
)
async def test_a_button_tapped_twice_is_no_error(world: World, who: str, data: str) -> None:
    """The second tap finds the message already edited: Telegram says "not modified"."""
    # On a text message: the world's last one to Niran is the meeting's announcement, a file.
    await run_events(world, [("text", who, "private", "/help")], one_by_one=True)
    tap = ("callback", who, "private", "raw:" + data, 0)
    calls = await run_events(world, [tap, tap], one_by_one=True)
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"] * 2
    assert "not modified" in (calls[-1].description or "")


async def test_an_unknown_meeting_action_is_answered_once(world: World) -> None:
    """A coordinator's forged `mtga:<unknown>:<real meeting>` was answered twice: a 400."""
    calls = await run_events(
        world, [("callback", "ada", "private", "mtga:open:{meeting}", 0)], one_by_one=True
    )
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert calls[0].params["text"] == "This button is no longer valid."
