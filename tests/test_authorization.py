"""The authorization matrix (issue 7): every privileged command and callback × every lesser role.

One table, `ACTIONS`, lists what only some people may do: the coordinators', observers' and bot
admins' commands (with a well-formed argument that succeeds for the right person) and every
callback that acts on a forum's poll, meeting, feedback, settings or a pending dialog (with real
ids). Each row is tried by everyone below the rank it needs, including a coordinator of another
forum and a coordinator who was demoted mid-dialog: each gets the short refusal, and no table
changes. Then the right person does the same and it works, so a refusal is about the role and
not a typo in the table. Typed answers to a privileged dialog, after the rank is lost, create
nothing either. `test_every_handler_is_in_the_matrix` walks the running Application: a new
privileged command or callback prefix that is not in the table fails the suite.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.fake_telegram import Call, FakeChat, FakeTelegram, FakeUser
from bot.roles import COMMANDS, Access
from db import dialogs
from tests.harness import (
    Harness,
    coordinator_invite,
    join,
    link_group,
    new_forum,
    running_bot,
    snapshot,
)

FORUM = "Thailand SCP Forum"

# The refusals, in the bot's English wording (handlers/common.py `refusal`, `answer_stale`, …).
STALE = "This button is no longer valid."
NO_FORUM = "You are not a member of a forum yet. Ask your forum's coordinator for an invite link."
NOT_A_MEMBER = f"You are not a member of {FORUM}."
JOIN_FOR_TIPS = (
    "Join a forum first with the invite link from your coordinator; then I can send you tips."
)
HIDDEN = "The results of poll 1 are hidden until it closes."
ANNOUNCEMENT_CLOSED = "This announcement is no longer open; start again with /announce."
NOT_A_VOTER = (
    "This poll is not one you can vote in. Join its forum first with the invite link from your "
    "coordinator."
)

MEMBER, COORDINATOR, ANALYST, ADMIN, AUTHOR = "member", "coordinator", "analyst", "admin", "author"


@dataclass(frozen=True)
class Action:
    """One privileged thing to try. `text` is a command, or `cb:` and callback data.

    Placeholders: {poll} (open, results hidden: number 1), {visible} (open, results visible),
    {option} and {option2} (of {poll}), {meeting} (the next of a series), {workshop} (a single
    meeting), {feedback} (Mali's), {catalog} (of priorities), {lang} (not English).
    """

    text: str
    needs: str  # MEMBER, COORDINATOR, ANALYST, ADMIN, or AUTHOR (of the feedback)
    mutates: bool  # done by the right person, it changes a table
    refusal: str = STALE
    by_actor: dict[str, str] = field(default_factory=dict)  # refusals that differ per actor
    prepare: tuple[str, ...] = ()  # what a person of the right rank does first (a dialog)
    refused_as: str = ""  # a subcommand's name in "Only coordinators of … can use /<name>."
    also: tuple[str, ...] = ()  # of the right rank, but refused where they act
    by: str = ""  # who does it rightly, when not RIGHT_PERSON[needs] (e.g. "ada@group")

    @property
    def is_callback(self) -> bool:
        return self.text.startswith("cb:")

    @property
    def takes_id(self) -> bool:
        """Acts on one object by its id, not on the caller's current forum."""
        ids = ("{poll}", "{visible}", "{meeting}", "{workshop}", "{feedback}")
        return any(key in self.text for key in ids)

    @property
    def prefix(self) -> str:
        return self.text.removeprefix("cb:").split(":")[0] if self.is_callback else ""

    @property
    def name(self) -> str:
        """The command (not for callbacks)."""
        return self.text.removeprefix("/").split("\n")[0].split(" ")[0]


def cb(data: str, needs: str, mutates: bool, **kwargs) -> Action:
    return Action("cb:" + data, needs, mutates, **kwargs)


NEWPOLL_DIALOG = (
    "/newpoll",
    "cb:np:cat:{catalog}",
    "cb:np:item:1",
    "cb:np:item:2",
    "cb:np:next",
)
ANNOUNCE_DRAFT = ("/announce\nThe spring session moves to Room 5.",)
# Everyone with a user row is told their draft is gone (who has none: `member_button`, stale).
NO_DRAFT = {"omar": STALE}
IN_THE_GROUP = ("lena@group", "ada@group")
HIDDEN_FROM = {who: HIDDEN for who in ("niran", "niran@group", "kim@group")}
NOT_YOURS = {
    who: "Only the person who asked can use these buttons."
    for who in ("niran@group", "cora@group", "kim@group")
}


def announcement_button(data: str, mutates: bool, prepare: tuple[str, ...] = ()) -> Action:
    return cb(
        data,
        COORDINATOR,
        mutates,
        refusal=ANNOUNCEMENT_CLOSED,
        by_actor=NO_DRAFT,
        prepare=ANNOUNCE_DRAFT + prepare,
    )


# The table, in families that share one world. Within a family the rows run in order, each
# tried by the lesser roles and then done by the right person, so a row whose success would
# change what a later row tests comes after it (closing poll 1 after asking for its hidden
# results, promoting Niran last, …).
ACTIONS: dict[str, dict[str, Action]] = {
    # Commands of coordinators, observers and bot admins (bot/roles.py COMMANDS), and the
    # coordinators' subcommands of everyone's commands.
    "commands": {
        "newpoll": Action(
            "/newpoll Which first?\nGreen procurement\nEco-labels", COORDINATOR, True
        ),
        # Everyone's command, but an open poll's results are hidden from members until it closes.
        "results": Action("/results 1", ANALYST, False, by_actor=HIDDEN_FROM),
        "closepoll": Action("/closepoll 1", COORDINATOR, True),
        "meeting": Action(
            "/meeting Autumn session\nstarts: 2027-09-15 09:00\nplace: Room 5", COORDINATOR, True
        ),
        "announce": Action("/announce\nPlease bring your country report.", COORDINATOR, True),
        "invite": Action("/invite", COORDINATOR, False),
        "export": Action("/export", ANALYST, False),
        "export poll": Action("/export 2", ANALYST, False),
        "export meetings": Action("/export meetings", ANALYST, False),
        "export feedback": Action("/export feedback", ANALYST, False),
        "export members": Action("/export members", ANALYST, False),
        "tip add": Action(
            "/tip add energy\nSwitch off the lights.", COORDINATOR, True, refused_as="tip add"
        ),
        "tip list": Action("/tip list", COORDINATOR, False, refused_as="tip list"),
        "tip remove": Action("/tip remove 1", COORDINATOR, True, refused_as="tip remove"),
        # Observers get counts by topic, never the text (tests/test_feedback.py).
        "feedback list": Action("/feedback list", ANALYST, False, refused_as="feedback list"),
        "demote": Action("/demote @lena", COORDINATOR, True),
        "promote": Action("/promote @niran coordinator", COORDINATOR, True),
        "newforum": Action("/newforum Sneaky Forum\ntimezone: UTC", ADMIN, True),
    },
    # Buttons of coordinators and observers on forum A's polls, meetings, feedback and settings.
    "buttons": {
        # In the group, the group's forum is the poll's: Cora (no member) is told it is hidden.
        "res:show": cb(
            "res:show:{poll}", ANALYST, False, by_actor=HIDDEN_FROM | {"cora@group": HIDDEN}
        ),
        # Like /export, never in a group: the files would reach all its members.
        "res:export": cb("res:export:{visible}", ANALYST, False, also=IN_THE_GROUP),
        "exp:meetings": cb("exp:meetings", ANALYST, False, also=IN_THE_GROUP),
        "exp:feedback": cb("exp:feedback", ANALYST, False, also=IN_THE_GROUP),
        "exp:members": cb("exp:members", ANALYST, False, also=IN_THE_GROUP),
        "set:survey": cb("set:survey:all", COORDINATOR, True),
        "set:keep": cb("set:keep:365", COORDINATOR, True),
        "set:mingrp": cb("set:mingrp:5", COORDINATOR, True),
        "fb:reply": cb("fb:reply:{feedback}", COORDINATOR, True),
        "mtga:keep": cb("mtga:keep:{meeting}", COORDINATOR, False),
        "mtga:cancel": cb("mtga:cancel:{meeting}", COORDINATOR, False),
        "mtga:series": cb("mtga:series:{meeting}", COORDINATOR, False),
        "mtga:move": cb("mtga:move:{meeting}", COORDINATOR, True),
        "mtga:place": cb("mtga:place:{meeting}", COORDINATOR, True),
        "mtga:cancelok": cb("mtga:cancelok:{workshop}", COORDINATOR, True),
        "mtga:seriesok": cb("mtga:seriesok:{meeting}", COORDINATOR, True),
        "poll:close": cb("poll:close:{poll}", COORDINATOR, True),
        # Another page of `/tip list`: private, like the command (`page` turns every list).
        "page:tips": cb("page:tips:0", COORDINATOR, False, also=("ada@group",)),
    },
    # Buttons of a dialog the right person started (`prepare`); also tried by `demoted`, who
    # started it while of the right rank and lost that rank since.
    "dialogs": {
        "np:cat": cb("np:cat:{catalog}", COORDINATOR, True, prepare=NEWPOLL_DIALOG[:1]),
        "np:item": cb("np:item:2", COORDINATOR, True, prepare=NEWPOLL_DIALOG[:3]),
        "np:next": cb("np:next", COORDINATOR, True, prepare=NEWPOLL_DIALOG[:4]),
        "np:default": cb("np:default", COORDINATOR, True, prepare=NEWPOLL_DIALOG),
        "ann:aud": announcement_button("ann:aud", False),
        "ann:all": announcement_button("ann:all", False),
        "ann:grp": announcement_button("ann:grp:industry", True),
        "ann:chat": announcement_button("ann:chat", True),
        "ann:back": announcement_button("ann:back", False, prepare=("cb:ann:aud",)),
        "ann:langs": announcement_button("ann:langs", False),
        "ann:lang": announcement_button("ann:lang:{lang}", True),
        "ann:cancel": announcement_button("ann:cancel", True),
        "ann:send": announcement_button("ann:send", True),
        # Last: the right person's new forum becomes their current one.
        "nf:lang": cb("nf:lang:en", ADMIN, True, prepare=("/newforum", "Second Forum", "UTC")),
    },
    # Members' buttons on their own forum's objects, tried by those who are not (or not voters).
    "members": {
        "poll:open": cb("poll:open:{poll}", MEMBER, False, refusal=NOT_A_VOTER),
        "poll:rank": cb("poll:rank:{poll}:{option}", MEMBER, True),
        "poll:submit": cb(
            "poll:submit:{poll}", MEMBER, True, prepare=("cb:poll:rank:{poll}:{option2}",)
        ),
        "mtg:ics": cb("mtg:ics:{meeting}", MEMBER, False),
        "mtg:rsvp": cb("mtg:rsvp:{meeting}:going", MEMBER, True),
        "fb:answer": cb("fb:answer:{feedback}", AUTHOR, True),  # the author's, not other members'
        # Last: only who was asked may rate, after the meeting (see `after_the_meeting`).
        "mtgs:rate": cb("mtgs:rate:{meeting}:5", MEMBER, True),
    },
    # Invites, the member list, removal and group linking (issue 12). {ada}, {dara}: user ids.
    "membership": {
        # Before /members, so that the right person's tap edits another message into a page.
        "mem:page": cb("mem:page:{forum}:0", COORDINATOR, False, also=("cora", "kim")),
        "members": Action("/members", COORDINATOR, False),
        "inv:more": cb("inv:more:{forum}", COORDINATOR, True, also=("cora", "kim")),
        # In the group, only the person who asked (Ada) may use the buttons; {forum} is A.
        "lnk:ok": cb(
            "lnk:ok:{forum}:{ada}", COORDINATOR, False, by_actor=NOT_YOURS, by="ada@group"
        ),
        "remove": Action("/remove @dara", COORDINATOR, False),
        "rm:ok": cb("rm:ok:{forum}:{dara}", COORDINATOR, True, also=("cora", "kim")),
        "rm:lift": cb("rm:lift:{forum}:{dara}", COORDINATOR, True, also=("cora", "kim")),
    },
}
ALL_ACTIONS = {key: action for family in ACTIONS.values() for key, action in family.items()}

# Callback prefixes everyone may use: they act on the caller's own data only (onboarding, their
# tip reading and subscription, /forget), re-checked against the database by their handlers.
OPEN_PREFIXES = {
    "onb",  # onboarding: language, consent, stakeholder group of the one joining
    "priv",  # /forget's confirmation: deletes the caller's own data
    "tip",  # another tip, by topic: for the caller
    "tipsub",  # the caller's tip subscription
}
# Everyone's prefixes that also carry privileged actions (those are in ACTIONS): `set` (own
# language, group, zone, forum), `fb` (topic, send, cancel of one's own feedback), `poll`,
# `res`, `mtg`, `mtgs`, `np`, `ann`, `nf`, `exp`, `mtga`, `page` are all rows of the table.


@dataclass(frozen=True)
class Actor:
    key: str  # "niran" in private, "niran@group" in the forum's group
    user: FakeUser
    chat: FakeChat | None


@dataclass
class World:
    """Forum A (Thailand SCP Forum) with everything a privileged action can touch."""

    people: dict[str, FakeUser]
    group: FakeChat
    ids: dict[str, object]

    def actor(self, key: str) -> Actor:
        name, _, where = key.partition("@")
        return Actor(key, self.people[name], self.group if where else None)


# Who tries each rank's actions, besides `demoted` (a coordinator demoted mid-dialog: the rows
# with `prepare`). niran: member of A; lena: observer of A; omar: said /start, never joined;
# cora: coordinator of forum B only; kim: member of A, coordinator of B, acting in B (private).
LESSER: dict[str, tuple[str, ...]] = {
    COORDINATOR: ("niran", "niran@group", "lena", "omar", "cora@group", "kim@group"),
    ANALYST: ("niran", "niran@group", "omar", "cora@group", "kim@group"),
    ADMIN: ("niran", "lena", "omar", "cora", "kim"),
    MEMBER: ("omar", "cora", "cora@group"),
    AUTHOR: ("niran", "lena", "omar", "cora", "cora@group", "kim"),
}
BY_ID = ("cora", "kim")  # coordinators of forum B, forging ids of forum A's objects
RIGHT_PERSON = {COORDINATOR: "ada", ADMIN: "ada", ANALYST: "lena", MEMBER: "niran", AUTHOR: "mali"}


def actors_for(action: Action) -> list[str]:
    """Everyone below the rank `action` needs who could try it (and `also`)."""
    actors = list(LESSER[action.needs])
    if action.takes_id and action.needs in (COORDINATOR, ANALYST):
        actors += [a for a in BY_ID if a not in actors]
    if action.needs == MEMBER and action.text.startswith("cb:poll:"):
        actors.append("lena")  # observers do not vote
    if action.prepare and action.needs in (COORDINATOR, ADMIN):
        actors.append("demoted")
    return actors + list(action.also)


def expected_refusal(action: Action, actor: str, bot: Harness) -> str:
    """The one sentence `actor` should get for `action`."""
    if actor in action.by_actor:
        return action.by_actor[actor]
    if action.is_callback:
        return action.refusal
    if action.needs == ADMIN:
        return f"Only bot administrators can use /{action.name}."
    if action.refused_as and actor.endswith("@group"):  # of everyone's private-only commands
        return (
            f"Please use /{action.name} in a private chat with me: "
            f"https://t.me/{bot.app.bot.username}"
        )
    if actor == "omar":
        return JOIN_FOR_TIPS if action.name == "tip" else NO_FORUM
    if actor == "cora@group":
        return NOT_A_MEMBER
    name = action.refused_as or action.name
    if action.needs == ANALYST:
        return f"Only coordinators and observers of {FORUM} can use /{name}."
    return f"Only coordinators of {FORUM} can use /{name}."


# --- the world --------------------------------------------------------------------------------


def people(fake: FakeTelegram) -> dict[str, FakeUser]:
    names = ("Ada", "Niran", "Mali", "Lena", "Omar", "Boss", "Cora", "Kim", "Dara")
    return {name.lower(): fake.add_user(name, username=name.lower()) for name in names}


async def build_world(bot: Harness, who: dict[str, FakeUser]) -> World:
    """Forum A: Ada coordinates; Niran, Mali, Kim and Dara are members, Lena observes; a linked
    group everyone is in; an open poll with hidden results and one with visible results; a
    meeting series and a single meeting; Mali's feedback; a forum tip. Forum B: Boss (a bot
    admin) created it, Cora and Kim coordinate it. Omar only said /start."""
    ada, niran, mali, lena, omar = (who[n] for n in ("ada", "niran", "mali", "lena", "omar"))
    code, _ = await new_forum(bot, ada)
    for person, group in ((niran, "industry"), (mali, "government"), (lena, "civil_society")):
        await join(bot, person, code, group=group)
    await join(bot, who["kim"], code)
    await join(bot, who["dara"], code)
    await bot.send(ada, "/promote @lena observer")
    group = bot.fake.add_group("Forum group", members=list(who.values()), admins=[ada])
    await link_group(bot, ada, group)
    _, b_coordinator_code = await new_forum(
        bot, who["boss"], "/newforum Other Forum\ntimezone: UTC\nlanguage: en"
    )
    await join(bot, who["cora"], b_coordinator_code)
    kim_invite = await coordinator_invite(bot, who["boss"])  # single use: Cora's is spent
    await bot.send(who["kim"], f"/start {kim_invite}")  # B is now Kim's current forum
    await bot.send(ada, "/newpoll Which priorities first?\nGreen procurement\nEco-labels\nWaste")
    await bot.send(ada, "/newpoll Which tools?\nGuides\nTrainings\nresults: visible")
    await bot.send(
        ada, "/meeting Spring session\nstarts: 2027-03-15 09:00\nplace: Room 3\nevery: 6 months"
    )
    await bot.send(ada, "/meeting Workshop\nstarts: 2027-02-01 09:00\nevery: none")
    await bot.send(ada, "/tip add energy\nOur ministry's guide to efficient offices.")
    await bot.send(mali, "/feedback")
    await bot.tap(mali, "Tips")
    await bot.send(mali, "More tips on water, please.")
    await bot.tap(mali, "✅ Send anonymously")
    await bot.send(omar, "/start")  # a chat with the bot, nothing stored
    for person in who.values():  # everyone's last private message is text, for `forge`
        await bot.send(person, "/help")
    db = bot.services.db
    poll = await db.fetchone("SELECT id FROM polls WHERE number = 1 AND hide_results = 1")
    visible = await db.fetchone("SELECT id FROM polls WHERE number = 2 AND hide_results = 0")
    options = await db.fetchall(
        "SELECT id FROM poll_options WHERE poll_id = ? ORDER BY position", (poll[0],)
    )
    meeting = await db.fetchone(
        "SELECT m.id FROM meetings m JOIN meeting_series s ON s.id = m.series_id"
        " WHERE s.title = 'Spring session' ORDER BY m.starts_at LIMIT 1"
    )
    workshop = await db.fetchone(
        "SELECT m.id FROM meetings m JOIN meeting_series s ON s.id = m.series_id"
        " WHERE s.title = 'Workshop'"
    )
    feedback = await db.fetchone("SELECT id FROM feedback")
    ids = {
        "poll": poll[0],
        "visible": visible[0],
        "option": options[0][0],
        "option2": options[1][0],
        "meeting": meeting[0],
        "workshop": workshop[0],
        "feedback": feedback[0],
        "catalog": next(iter(bot.services.priorities)),
        "lang": next(code for code in bot.services.catalogs.languages if code != "en"),
        "forum": 1,  # forum A
        "ada": ada.id,
        "dara": who["dara"].id,
    }
    return World(who, group, ids)


async def act(bot: Harness, world: World, actor: Actor, step: str) -> list[Call]:
    """`actor` sends a command or text, or a callback (`cb:…`) on the last text message there."""
    step = step.format(**world.ids)
    if not step.startswith("cb:"):
        return await bot.send(actor.user, step, chat=actor.chat)
    chat_id = actor.chat.id if actor.chat else actor.user.id
    message = next(m for m in reversed(bot.fake.messages(chat_id)) if m.get("text"))
    before = len(bot.fake.calls)
    bot.fake.send_callback(
        actor.user, message["message_id"], step.removeprefix("cb:"), chat=actor.chat
    )
    await bot.settle()
    return [c for c in bot.fake.calls[before:] if c.method != "getUpdates"]


async def demoted_mid_dialog(
    bot: Harness, world: World, needs: str, prepare: tuple[str, ...]
) -> Actor:
    """Someone of the rank `needs` starts a dialog with `prepare`, then loses that rank."""
    if needs == ADMIN:  # a bot admin removed from BOT_ADMINS (and the bot restarted)
        boss = world.actor("boss")
        for step in prepare:
            await act(bot, world, boss, step)
        bot.config = dataclasses.replace(bot.config, admins=frozenset({world.people["ada"].id}))
        await bot.restart()
        return boss
    ada, dara = world.actor("ada"), world.actor("dara")
    await act(bot, world, ada, "/promote @dara coordinator")
    for step in prepare:
        await act(bot, world, dara, step)
    await act(bot, world, ada, "/demote @dara")
    return dara


def said(calls: list[Call]) -> list[str]:
    """What the bot told the actor: message texts and non-empty callback answers."""
    return [
        c.params.get("text", "")
        for c in calls
        if c.method == "sendMessage" or (c.method == "answerCallbackQuery" and c.params.get("text"))
    ]


# --- the matrix -------------------------------------------------------------------------------


async def after_the_meeting(bot: Harness, world: World) -> None:
    """Niran said "maybe"; the meeting is over and its survey asked him for a rating."""
    await act(bot, world, world.actor("niran"), "cb:mtg:rsvp:{meeting}:maybe")
    bot.clock.advance(datetime(2027, 3, 20, tzinfo=UTC) - bot.clock())
    await bot.run_due()


async def assert_refused(bot: Harness, world: World, key: str, actor: Actor) -> None:
    """`actor` tries row `key`: one short refusal in their chat, and no table changes."""
    action = ALL_ACTIONS[key]
    before = await snapshot(bot)
    calls = await act(bot, world, actor, action.text)
    where = f"{key} by {actor.key}"
    assert said(calls) == [expected_refusal(action, actor.key, bot)], where
    chat_id = actor.chat.id if actor.chat else actor.user.id
    more = [
        (c.method, c.params.get("chat_id"))
        for c in calls
        if c.method != "answerCallbackQuery"
        and not (c.method == "sendMessage" and c.params.get("chat_id") == chat_id)
    ]
    assert more == [], f"{where}: the bot did more than refuse"
    assert await snapshot(bot) == before, f"{where} changed the database"


async def assert_done(bot: Harness, world: World, key: str) -> None:
    """The right person does row `key` (after its `prepare`) and is not refused."""
    action = ALL_ACTIONS[key]
    right = world.actor(action.by or RIGHT_PERSON[action.needs])
    for step in action.prepare:
        await act(bot, world, right, step)
    before = await snapshot(bot)
    calls = await act(bot, world, right, action.text)
    refusals = {expected_refusal(action, a, bot) for a in actors_for(action)} | {STALE}
    assert not refusals & set(said(calls)), f"{key} was refused to {right.key}: {said(calls)}"
    assert [c for c in calls if c.method != "answerCallbackQuery"] or said(calls), key
    if action.mutates:
        assert await snapshot(bot) != before, f"{key} by {right.key} changed nothing"


@pytest.mark.parametrize("family", list(ACTIONS))
async def test_lesser_roles_are_refused_and_nothing_changes(tmp_path, fake, family):
    who = people(fake)
    async with running_bot(tmp_path, admins=[who["ada"].id, who["boss"].id], fake=fake) as bot:
        world = await build_world(bot, who)
        for key, action in ACTIONS[family].items():
            if key == "mtgs:rate":
                await after_the_meeting(bot, world)
            for name in actors_for(action):
                if name == "demoted":
                    actor = await demoted_mid_dialog(bot, world, action.needs, action.prepare)
                else:
                    actor = world.actor(name)
                await assert_refused(bot, world, key, actor)
            await assert_done(bot, world, key)


# A privileged dialog's typed step, sent by someone who started the dialog while of the right
# rank and lost it since: (what they did then, what they type now).
TYPED_AFTER_DEMOTION: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "poll form": (("/newpoll",), ("Which first?\nGreen procurement\nEco-labels",)),
    "poll question": (NEWPOLL_DIALOG, ("Which of these first?",)),
    "announcement": (("/announce",), ("The spring session moves to Room 5.",)),
    "meeting's new start": (("cb:mtga:move:{meeting}",), ("2027-03-16 10:00",)),
    "meeting's new place": (("cb:mtga:place:{meeting}",), ("Room 9\nhttps://meet.example.org/x",)),
    "reply to feedback": (("cb:fb:reply:{feedback}",), ("Thank you, we will.",)),
}


async def test_typing_into_a_dialog_after_losing_the_rank_creates_nothing(tmp_path, fake):
    """Only the dialog's own pending step may change: no poll, broadcast, meeting change,
    relayed reply or forum comes of it, and nobody else hears of it."""
    who = people(fake)
    async with running_bot(tmp_path, admins=[who["ada"].id, who["boss"].id], fake=fake) as bot:
        world = await build_world(bot, who)
        cases = [(name, COORDINATOR, *steps) for name, steps in TYPED_AFTER_DEMOTION.items()]
        cases.append(("new forum", ADMIN, ("/newforum",), ("Sneaky Forum", "UTC")))  # restarts
        for name, needs, prepare, typed in cases:
            actor = await demoted_mid_dialog(bot, world, needs, prepare)
            pending = await dialogs.pending(
                bot.services.db, user_id=actor.user.id, chat_id=actor.user.id
            )
            assert pending is not None, f"{name}: no dialog to type into"
            before = await snapshot(bot)
            for text in typed:
                calls = await act(bot, world, actor, text)
                elsewhere = [
                    c.method
                    for c in calls
                    if c.method != "sendMessage" or c.params.get("chat_id") != actor.user.id
                ]
                assert elsewhere == [], f"{name}: {elsewhere}"
            after = await snapshot(bot)
            changed = {table for table in after if after[table] != before[table]}
            assert changed <= {"pending_inputs"}, f"{name} changed {changed}"


async def test_every_handler_is_in_the_matrix(tmp_path):
    """A new privileged command, or a new callback prefix, must be added to ACTIONS (or, for a
    prefix that acts on the caller's own data only, to OPEN_PREFIXES)."""
    async with running_bot(tmp_path) as bot:
        commands: set[str] = set()
        prefixes: set[str] = set()
        fallbacks = 0
        for handler in (h for group in bot.app.handlers.values() for h in group):
            if isinstance(handler, CommandHandler):
                commands |= set(handler.commands)
            elif isinstance(handler, CallbackQueryHandler):
                if handler.pattern is None:
                    fallbacks += 1
                    continue
                match = re.fullmatch(r"\^(\w+):", handler.pattern.pattern)
                assert match, f"callback pattern not of the form ^prefix: {handler.pattern!r}"
                prefixes.add(match[1])
    privileged = {c.name for c in COMMANDS if c.access is not Access.EVERYONE}
    assert commands >= privileged, "a privileged command has no handler"
    assert commands <= {c.name for c in COMMANDS}, "a command is missing from bot.roles.COMMANDS"
    tested = {a.name for a in ALL_ACTIONS.values() if not a.is_callback}
    assert privileged - tested == set(), "privileged commands missing from ACTIONS"
    table = {a.prefix for a in ALL_ACTIONS.values() if a.is_callback}
    assert prefixes - table - OPEN_PREFIXES == set(), "callback prefixes missing from ACTIONS"
    assert table | OPEN_PREFIXES <= prefixes, "ACTIONS or OPEN_PREFIXES name a removed prefix"
    assert not table & OPEN_PREFIXES
    assert fallbacks == 1, "exactly one catch-all callback handler (answers forged data)"
