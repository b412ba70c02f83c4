"""Faults mid-action (issue 13): fail, in turn, every Bot API call and every database write made
while handling one kind of update, then check the promise of "commit, then talk".

The scenarios cover every command, a button of every callback prefix but four (`mtgs` survey
ratings, `lnk` group linking, `mem` and `page` page turns, which need a meeting past, an
unlinked group or a long list) and the heartbeat's deadline.

For each scenario a clean run records what the action does: the Bot API calls it makes, the
write transactions it opens, and the state it leaves. Then, once per call and per write, a fresh
bot does the same with exactly that one call failing (a 5xx, a timeout before delivery, or a 400
"query is too old" for a button's answer) or that one write failing with "database is locked".
After each:

- the state is the one before the action or the one after it: never half of it;
- the person who acted was told something (an answer, a reply, or the error handler's sorry);
- after a restart and a heartbeat, an action that was committed lost nothing: every chat the
  clean run reached is reached.

Defaults are quick; `FAULT_SOAK=1` adds the timeout fault to every call.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest

from db.connection import Database
from fake_telegram import FakeTelegram, FakeUser
from tests.harness import Harness, new_poll, play, running_bot
from tests.test_announce import TEXT
from tests.test_meetings import FORM
from tests.test_polls import POLL
from tests.worlds import forum_with_members

pytestmark = pytest.mark.slow  # every call and write of every scenario fails in turn

SEND = "ada: ~✅ Send"  # under a /newpoll preview
CHINESE_POLL = (
    "论坛应首先处理哪些优先事项？\n绿色公共采购制度化\n国家生态标签\n强制垃圾分类"  # POLL's
)

SOAK = os.environ.get("FAULT_SOAK") == "1"
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
# Columns that differ between two runs of the same story without meaning anything: times (a
# retry's backoff moves the clock), Telegram's message ids, random codes, the outbox's progress.
VOLATILE_SUFFIXES = ("_at", "message_id", "_code", "code")
SKIPPED_TABLES = {"outbox", "broadcasts", "schema_migrations"}
# Random by design (anonymity): a ballot's id, fresh in every run.
RANDOM_COLUMNS = {"ballots": {"id"}, "ballot_ranks": {"ballot_id"}}


@dataclass
class Story:
    """A forum in a state where one update is about to be handled."""

    bot: Harness
    ada: FakeUser
    niran: FakeUser


Setup = Callable[[Harness, FakeTelegram], Awaitable[Story]]
Act = Callable[[Story], Awaitable[object]]


async def _forum(bot: Harness, fake: FakeTelegram) -> Story:
    ada, niran, *_ = await forum_with_members(bot, fake)
    return Story(bot, ada, niran)


async def _with_poll(bot: Harness, fake: FakeTelegram) -> Story:
    story = await _forum(bot, fake)
    await new_poll(bot, story.ada, POLL)
    return story


async def _with_removal_asked(bot: Harness, fake: FakeTelegram) -> Story:
    story = await _forum(bot, fake)
    await bot.send(story.ada, f"/remove {story.niran.id}")
    return story


async def _with_consent_asked(bot: Harness, fake: FakeTelegram) -> Story:
    story = await _forum(bot, fake)
    newcomer = fake.add_user("Kanya", username="kanya")
    code = (await bot.services.db.fetchone("SELECT member_code FROM forums"))[0]
    await bot.send(newcomer, f"/start {code}")
    await bot.tap(newcomer, 1)  # the language Telegram suggests
    return Story(bot, story.ada, newcomer)  # "niran" is the newcomer here


async def _vote(story: Story) -> object:
    ballot = next(
        m for m in reversed(story.bot.fake.messages(story.niran.id)) if story.bot.fake.buttons(m)
    )
    return await story.bot.tap(story.niran, 1, message_id=ballot["message_id"])


async def _deadline(story: Story) -> object:
    story.bot.clock.now += timedelta(days=60)
    return await story.bot.run_due()


def steps(*lines: str) -> Setup:
    """A setup from lines of `play` ("who: text", "who: #N", "who: ~label") after the forum of
    `_forum`; "who" is ada (coordinator) or niran (member)."""

    async def setup(bot: Harness, fake: FakeTelegram) -> Story:
        story = await _forum(bot, fake)
        for line in lines:
            await _do(story, line)
        return story

    return setup


def act(line: str) -> Act:
    return lambda story: _do(story, line)


async def _do(story: Story, line: str) -> object:
    return await play(story.bot, line, ada=story.ada, niran=story.niran)


FEEDBACK_WRITTEN = ("niran: /feedback", "niran: ~Meetings", "niran: The room was too cold")
_with_poll_preview = steps("ada: " + POLL)
_with_draft = steps("ada: /announce\n" + TEXT)
_with_feedback_draft = steps(*FEEDBACK_WRITTEN[:2])
_with_feedback_text = steps(*FEEDBACK_WRITTEN)
_with_meeting = steps("ada: " + FORM, "niran: /meetings")
_with_forget_asked = steps("niran: /forget")
_with_reply_asked = steps(*FEEDBACK_WRITTEN, "niran: ~✅ Send anonymously", "ada: ~↩ Reply")

# name: (setup, act, who acts: "ada", "niran" or "" for the heartbeat)
SCENARIOS: dict[str, tuple[Setup, Act, str]] = {
    "newpoll": (_forum, lambda s: s.bot.send(s.ada, POLL), "ada"),
    "newpoll-send": (_with_poll_preview, lambda s: s.bot.tap(s.ada, "✅ Send"), "ada"),
    "vote": (_with_poll, _vote, "niran"),
    "closepoll": (_with_poll, lambda s: s.bot.send(s.ada, "/closepoll"), "ada"),
    "closepoll-confirm": (
        steps("ada: " + POLL, SEND, "ada: /closepoll"),
        act("ada: ~✅ Close"),
        "ada",
    ),
    "editpoll": (steps("ada: " + POLL, SEND), act("ada: /editpoll"), "ada"),
    # Typed, not "+1 day": `state` leaves out times (closes_at), so only the typed step's end
    # (pending_inputs) tells a committed move from one that never was.
    "editpoll-deadline": (
        steps("ada: " + POLL, SEND, "ada: /editpoll", "ada: ~⏰", "ada: ~📅"),
        act("ada: 2026-12-05 09:00"),
        "ada",
    ),
    "editpoll-fix": (
        steps("ada: " + POLL, SEND, "ada: /editpoll", "ada: ~✏️", "ada: ~2."),
        act("ada: Develop eco-labels"),
        "ada",
    ),
    "editpoll-cancel": (
        steps("ada: " + POLL, SEND, "niran: /polls", "ada: /editpoll", "ada: ~🗑"),
        act("ada: ~✅ Yes"),
        "ada",
    ),
    "who-voted": (
        steps("ada: " + POLL + "\nanonymous: no", SEND, "ada: /results 1"),
        act("ada: ~👥"),
        "ada",
    ),
    "announce-send": (_with_draft, lambda s: s.bot.tap(s.ada, "✅ Send"), "ada"),
    "meeting": (_forum, lambda s: s.bot.send(s.ada, FORM), "ada"),
    "feedback": (
        _with_feedback_draft,
        lambda s: s.bot.send(s.niran, "The room was too cold"),
        "niran",
    ),
    "feedback-send": (
        _with_feedback_text,
        lambda s: s.bot.tap(s.niran, "✅ Send anonymously"),
        "niran",
    ),
    "deadline": (_with_poll, _deadline, ""),
    "rsvp": (_with_meeting, lambda s: s.bot.tap(s.niran, "Going"), "niran"),
    "promote": (_forum, lambda s: s.bot.send(s.ada, "/promote @niran observer"), "ada"),
    "remove": (_with_removal_asked, lambda s: s.bot.tap(s.ada, "✅ Remove"), "ada"),
    "forget": (
        _with_forget_asked,
        lambda s: s.bot.tap(s.niran, "✅ Yes, delete my data"),
        "niran",
    ),
    "feedback-reply": (
        _with_reply_asked,
        lambda s: s.bot.send(s.ada, "We will fix the heating."),
        "ada",
    ),
    "consent": (
        _with_consent_asked,
        lambda s: s.bot.tap(s.niran, "✅ I agree"),
        "niran",
    ),
    "tip": (_forum, lambda s: s.bot.send(s.niran, "/tip"), "niran"),
    # Every other command, and a button of every other prefix, the same way.
    "start": (steps(), act("niran: /start"), "niran"),
    "help": (steps(), act("niran: /help"), "niran"),
    "cancel": (steps("niran: /feedback", "niran: #1"), act("niran: /cancel"), "niran"),
    "language": (steps("niran: /language"), act("niran: #2"), "niran"),
    "settings": (steps("niran: /settings"), act("niran: #1"), "niran"),
    "polls": (steps("ada: " + POLL, SEND), act("niran: /polls"), "niran"),
    "meetings": (steps("ada: " + FORM), act("niran: /meetings"), "niran"),
    "results": (steps("ada: " + POLL, SEND), act("ada: /results 1"), "ada"),
    "results-choice": (
        steps("ada: " + POLL, SEND, "ada: " + POLL, SEND, "ada: /results"),
        act("ada: #1"),
        "ada",
    ),
    "export": (steps("ada: " + POLL, SEND), act("ada: /export 1"), "ada"),
    "export-menu": (steps("ada: " + POLL, SEND, "ada: /export"), act("ada: #1"), "ada"),
    "mydata": (steps(), act("niran: /mydata"), "niran"),
    "members": (steps(), act("ada: /members"), "ada"),
    "invite": (steps(), act("ada: /invite"), "ada"),
    "invite-more": (steps("ada: /invite"), act("ada: #1"), "ada"),
    "demote": (steps("ada: /promote @niran observer"), act("ada: /demote @niran"), "ada"),
    "announce": (steps(), act("ada: /announce\n" + TEXT), "ada"),
    "announce-audience": (steps("ada: /announce\n" + TEXT), act("ada: #2"), "ada"),
    "newforum": (
        steps(),
        act("ada: /newforum Laos SCP Forum\ntimezone: Asia/Vientiane\nlanguage: en"),
        "ada",
    ),
    "newforum-dialog": (
        steps("ada: /newforum", "ada: Laos SCP Forum", "ada: Asia/Vientiane"),
        act("ada: #1"),
        "ada",
    ),
    "newpoll-dialog": (steps("ada: /newpoll"), act("ada: #1"), "ada"),
    "newpoll-language": (
        steps("ada: " + POLL, "ada: ~🌐", "ada: ~中文"),
        act("ada: " + CHINESE_POLL),
        "ada",
    ),
    "newpoll-send-languages": (
        steps("ada: " + POLL, "ada: ~🌐", "ada: ~中文", "ada: " + CHINESE_POLL),
        act(SEND),
        "ada",
    ),
    "onboarding-decline": (_with_consent_asked, lambda s: s.bot.tap(s.niran, 2), "niran"),
    "tip-next": (steps("niran: /tip"), act("niran: #1"), "niran"),
    "tip-subscribe": (steps("niran: /tip", "niran: #3"), act("niran: #1"), "niran"),
    "meeting-move": (steps("ada: " + FORM, "ada: /meetings"), act("ada: ~🕑"), "ada"),
    "meeting-calendar": (steps("ada: " + FORM, "niran: /meetings"), act("niran: ~📅"), "niran"),
    "feedback-topic": (steps("niran: /feedback"), act("niran: #2"), "niran"),
    # The step-by-step /meeting and /tip add: their last button creates and announces.
    "meeting-dialog": (
        steps("ada: /meeting", "ada: Autumn session", "ada: 2027-09-15 09:00", "ada: ~Skip"),
        act("ada: ~Every 6 months"),
        "ada",
    ),
    "meeting-dialog-create": (
        steps(
            "ada: /meeting",
            "ada: Autumn session",
            "ada: 2027-09-15 09:00",
            "ada: ~Skip",
            "ada: ~Every 6 months",
        ),
        act("ada: ~✅ Create"),
        "ada",
    ),
    "tip-dialog": (steps("ada: /tip add", "ada: ~English"), act("ada: ~Energy"), "ada"),
    "tip-dialog-save": (
        steps("ada: /tip add", "ada: ~English", "ada: ~Energy", "ada: Switch off the lights."),
        act("ada: ~✅ Save"),
        "ada",
    ),
    "timezone-typed": (
        steps(  # with a tip subscription, whose next tip moves to the new zone
            "niran: /tip",
            "niran: ~🔔",
            "niran: ~Every day",
            "niran: ~8:00",
            "niran: /settings",
            "niran: ~Time zone",
            "niran: ~Type another",
        ),
        act("niran: Saigon"),
        "niran",
    ),
    "timezone-offset": (
        steps("niran: /settings", "niran: ~Time zone", "niran: ~Type another", "niran: GMT+7"),
        act("niran: ~Asia/Ho_Chi_Minh"),
        "niran",
    ),
}


async def state(bot: Harness) -> dict[str, list[tuple]]:
    """What the action means, without what differs between two honest runs."""
    db = bot.services.db
    tables = [
        r[0]
        for r in await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    result = {}
    for table in sorted(set(tables) - SKIPPED_TABLES):
        columns = [
            r[1]
            for r in await db.fetchall(f"PRAGMA table_info({table})")
            if not r[1].endswith(VOLATILE_SUFFIXES) and r[1] not in RANDOM_COLUMNS.get(table, ())
        ]
        if not columns:
            continue
        rows = await db.fetchall(f"SELECT {', '.join(columns)} FROM {table}")
        result[table] = sorted((tuple(r) for r in rows), key=repr)
    return result


def reached(fake: FakeTelegram, since: int) -> set[int]:
    """Chats that received a message (not an edit) since call number `since`."""
    return {
        c.params["chat_id"]
        for c in fake.calls[since:]
        if c.ok and c.method in ("sendMessage", "sendDocument", "sendPhoto")
    }


def told(fake: FakeTelegram, since: int, user: FakeUser) -> bool:
    """Whether `user` saw anything after call `since`: a message, an edit or a toast."""
    for c in fake.calls[since:]:
        if not c.ok:
            continue
        if c.params.get("chat_id") == user.id:
            return True
        if c.method == "answerCallbackQuery" and c.params.get("text"):
            return True
    return False


_TRANSACTION = Database.transaction


class WriteFaults:
    """Counts the database's write transactions; can make the n-th one fail as if locked."""

    def __init__(self) -> None:
        self.count = 0
        self.fail_at: int | None = None

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original = _TRANSACTION  # not the attribute: an earlier run of the test may have patched it
        faults = self

        @asynccontextmanager
        async def transaction(db: Database):  # type: ignore[no-untyped-def]
            faults.count += 1
            if faults.count == faults.fail_at:
                raise sqlite3.OperationalError("database is locked")
            async with original(db) as conn:
                yield conn

        monkeypatch.setattr(Database, "transaction", transaction)


class CallFaults:
    """Makes the n-th Bot API call (getUpdates aside) fail, by arming the fake just before it."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake, self.count, self.fail_at, self.kind = fake, 0, None, ""
        original = fake.handle

        async def handle(method: str, params: dict) -> dict:
            if method != "getUpdates":
                self.count += 1
                if self.count == self.fail_at:
                    self._arm(method, params)
            return await original(method, params)

        fake.handle = handle  # type: ignore[method-assign]

    def _arm(self, method: str, params: dict) -> None:
        chat = params.get("chat_id")
        if self.kind == "timeout":
            self.fake.fail(method, chat_id=chat, timeout=True)
        elif self.kind == "too-old":
            self.fake.fail(method, chat_id=chat, error_code=400, description=QUERY_TOO_OLD)
        else:
            self.fake.fail(method, chat_id=chat, error_code=502, description="Bad Gateway")


@dataclass
class Observed:
    before: dict
    after: dict
    calls: list[str]  # methods of the action's calls, in order
    writes: int
    reached: set[int]


async def run(
    tmp_path, monkeypatch, name: str, *, call_fault: tuple[int, str] | None = None, write: int = 0
) -> tuple[Observed, bool, set[int]]:
    """One run of a scenario; returns what happened, whether the actor was told, and the chats
    reached after a restart and a heartbeat."""
    setup, act, who = SCENARIOS[name]
    fake = FakeTelegram()
    calls = CallFaults(fake)
    writes = WriteFaults()
    writes.install(monkeypatch)
    async with running_bot(tmp_path, admins=[1001], fake=fake, expect_errors=True) as bot:
        story = await setup(bot, fake)
        before = await state(bot)
        start, calls.count, writes.count = len(fake.calls), 0, 0
        if call_fault:
            calls.fail_at, calls.kind = call_fault
        writes.fail_at = write or None
        await act(story)
        await bot.settle()
        methods = [c.method for c in fake.calls[start:] if c.method != "getUpdates"]
        n_writes = writes.count
        after = await state(bot)
        actor = {"ada": story.ada, "niran": story.niran}.get(who)
        was_told = actor is None or told(fake, start, actor)
        calls.fail_at, writes.fail_at = None, None
        await bot.restart()
        await bot.run_due()
        healed = reached(fake, start)
    return Observed(before, after, methods, n_writes, reached(fake, start)), was_told, healed


def _kinds(method: str) -> list[str]:
    kinds = ["5xx"] + (["timeout"] if SOAK else [])
    return [*kinds, "too-old"] if method == "answerCallbackQuery" else kinds


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_every_call_and_write_can_fail_without_half_an_action(tmp_path, monkeypatch, name):
    clean, _, _ = await run(tmp_path / "clean", monkeypatch, name)
    assert clean.calls, "the scenario must talk to Telegram"
    problems = []
    cases = [(i, kind, 0) for i, method in enumerate(clean.calls, 1) for kind in _kinds(method)] + [
        (0, "locked", w) for w in range(1, clean.writes + 1)
    ]
    for i, kind, write in cases:
        label = (
            f"{name}: write {write} locked"
            if write
            else f"{name}: call {i} {clean.calls[i - 1]} {kind}"
        )
        observed, was_told, healed = await run(
            tmp_path / f"{i}-{kind}-{write}",
            monkeypatch,
            name,
            call_fault=(i, kind) if i else None,
            write=write,
        )
        if observed.after not in (clean.before, clean.after):
            changed = [t for t in clean.after if observed.after.get(t) != clean.after.get(t)]
            problems.append(f"{label}: half applied ({', '.join(changed)})")
        if not was_told:
            problems.append(f"{label}: the person who acted was told nothing")
        if observed.after == clean.after and not clean.reached <= healed:
            problems.append(f"{label}: lost after restart: {sorted(clean.reached - healed)}")
    assert not problems, "\n".join(problems)
