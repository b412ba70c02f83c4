"""The authorization matrix (issues 7 and 12): every command and button, in a private chat and in
the forum's group, tried by every kind of person.

`ROWS` holds one row per command (with its subcommands and argument forms) and per button (with
real ids). Each row is tried by the seven `ACTORS` (a bot admin, a coordinator, a demoted
coordinator, an observer, a member, a coordinator of another forum and a stranger), in their
private chat and in forum A's group. What each of them must get follows from the row's `who`,
the command's role in `bot.roles.COMMANDS` (who may, and whether it is private in groups), and
`bot.callbacks.IN_GROUPS` (the buttons that may be pressed in a group); `by_actor` names the
answers that differ. A refusal must be exactly the expected short sentence, and no table may
change (`snapshot()` before and after); a success must not be refused and, where the row says
so, must change a table. Whatever any of them makes the bot send to the group must not carry a
secret (`GROUP_SECRETS`: a hidden tally, feedback, an export, personal data).

Every cell starts from the same world: after a cell that changed something, the database is put
back from a copy (SQLite's backup API), so the table needs no order and adding a command is one
row. `test_every_handler_is_in_the_matrix` walks the running Application and
`bot.roles.COMMANDS`: a command or callback prefix that is not in `ROWS` fails the suite.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType

import aiosqlite
import pytest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.roles import COMMANDS, COMMANDS_BY_NAME, Access, InGroup, Role, may_use
from db import dialogs
from fake_telegram import Call, FakeChat, FakeTelegram, FakeUser
from handlers.buttons import FeatureButtons
from tests import leaks
from tests.harness import (
    Harness,
    close_poll,
    join,
    link_group,
    new_forum,
    new_poll,
    running_bot,
    snapshot,
)
from tests.worlds import Group, Joining, build_forum

FORUM, OTHER_FORUM = "Thailand SCP Forum", "Other Forum"
BOT_LINK = "https://t.me/scp_forum_bot"

# The answers, in the bot's English wording (handlers/common.py `refusal`, `answer_stale`, …).
STALE = "This button is no longer valid."
GROUP_BUTTON = "Please use this button in a private chat with me."
NO_FORUM = "You are not a member of a forum yet. Ask your forum's coordinator for an invite link."
NOT_A_MEMBER = f"You are not a member of {FORUM}."
JOIN_FOR_TIPS = (
    "Join a forum first with the invite link from your coordinator; then I can send you tips."
)
JOIN_FOR_SETTINGS = (
    "Join a forum first with the invite link from your coordinator; then you can change "
    "your settings here."
)
NO_DATA = "The bot keeps no data about you."
HIDDEN = "The results of poll 1 are hidden until it closes."
EXPORT_HIDDEN = "Poll 1 is still open and its results are hidden: export it after it closes."
ANNOUNCEMENT_CLOSED = "This announcement is no longer open; start again with /announce."
NOT_A_VOTER = (
    "This poll is not one you can vote in. Join its forum first with the invite link from your "
    "coordinator."
)
THE_GROUP = f"This is the group of <b>{FORUM}</b>."
# What a coordinator of another forum hears: moving the group needs one of this forum's.
NOT_MOVED = (
    f"{THE_GROUP} Moving it to another forum needs someone who is both a coordinator of {FORUM} "
    "and an admin of this group. Nothing was changed."
)
NOT_YOURS = "Only the person who asked can use these buttons."


def private_chat(command: str) -> str:
    return f"Please use /{command} in a private chat with me: {BOT_LINK}"


def no_poll(number: int, *, open_: bool = False) -> str:
    return f"There is no {'open ' if open_ else ''}poll with the number {number}."


# Who may do a row: a rank in the forum the row acts on, or a relation to the object.
ANYONE = "anyone"
IN_FORUM = "in forum"  # any role in the forum acted on
VOTER = "voter"  # members and coordinators (observers do not vote)
ANALYST = "analyst"  # coordinators and observers
COORDINATOR = "coordinator"
ADMIN = "admin"  # a bot admin (BOT_ADMINS)
AUTHOR = "author"  # who wrote the feedback (the member)
NEWCOMER = "newcomer"  # who is joining (only the stranger has an onboarding under way)
ASKED = "asked"  # who the meeting survey asked (the member, who said "maybe")
NOBODY = "nobody"

ACTORS = ("admin", "coordinator", "demoted", "observer", "member", "other", "stranger")
# Each actor's role in forum A; `other` coordinates forum B (in private they act on B), and the
# stranger only said /start. `admin` is a bot admin and a member of A.
ROLE_IN_A: dict[str, Role | None] = {
    "admin": Role.MEMBER,
    "coordinator": Role.COORDINATOR,
    "demoted": Role.MEMBER,
    "observer": Role.OBSERVER,
    "member": Role.MEMBER,
    "other": None,
    "stranger": None,
}
NAMES = {
    "admin": "Boss",
    "coordinator": "Ada",
    "demoted": "Dara",
    "observer": "Lena",
    "member": "Niran",
    "other": "Cora",
    "stranger": "Omar",
}
IDS = (
    "{poll}",
    "{visible}",
    "{closed}",
    "{meeting}",
    "{workshop}",
    "{feedback}",
    "{forum}",
    "{ada}",
)


@dataclass(frozen=True)
class Row:
    """One thing to try: a command (`/…`) or a button (`cb:` and its data), with {placeholders}.

    Placeholders: {poll} (open, results hidden: number 1), {visible} (open, results shown:
    number 2), {closed} (number 3), {option}, {option2} (of {poll}), {meeting} (the next of a
    series), {workshop} (a single meeting), {feedback} (the member's), {catalog} (of
    priorities), {lang} (not English), {member_code} (forum A's), {forum} and {forum_b} (the ids
    of forums A and B), {ada} and {dara} (user ids).
    """

    text: str
    who: str  # ANYONE, IN_FORUM, VOTER, ANALYST, COORDINATOR, ADMIN, AUTHOR, NEWCOMER, ASKED,
    # NOBODY, or one actor's key
    mutates: bool = False  # a success changes a table (checked for those acting on forum A)
    refusal: str = ""  # answer to those in the forum whom `who` excludes (default: by rank)
    # Answers that differ from the rules: "observer", "observer@group", "*@group" (all there);
    # "" means it succeeds.
    by_actor: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    prepare: tuple[str, ...] = ()  # what the actor does first, in the same chat
    refused_as: str = ""  # a subcommand's name in "Only coordinators of … can use /<name>."
    shows: str = ""  # a success says this

    @property
    def is_callback(self) -> bool:
        return self.text.startswith("cb:")

    @property
    def data(self) -> str:
        return self.text.removeprefix("cb:")

    @property
    def prefix(self) -> str:
        return self.data.split(":")[0] if self.is_callback else ""

    @property
    def name(self) -> str:
        """The command (not for callbacks)."""
        return self.text.removeprefix("/").split("\n")[0].split(" ")[0]

    @property
    def by_id(self) -> bool:
        """Acts on one of forum A's objects by its id, not on the caller's current forum."""
        return any(key in self.text for key in IDS)


def cb(data: str, who: str, **kwargs) -> Row:
    return Row("cb:" + data, who, **kwargs)


def group_answers(answer: str, **more: str) -> MappingProxyType:
    """The same answer for everyone in the group, and `more` (actor → answer)."""
    return MappingProxyType({"*@group": answer} | more)


NEWPOLL_DIALOG = ("/newpoll", "cb:np:cat:{catalog}", "cb:np:item:1", "cb:np:item:2", "cb:np:next")
NEWPOLL_FORM = ("/newpoll Which first?\nGreen procurement\nEco-labels",)  # its preview
NEWPOLL_LANGUAGE = (*NEWPOLL_FORM, "cb:np:lang:{lang}", "Q?\nA\nB")  # a language added
ANNOUNCE_DRAFT = ("/announce\nThe spring session moves to Room 5.",)
FEEDBACK_DRAFT = ("/feedback", "cb:fb:topic:tips", "More on water, please.")
MEETING_DIALOG = ("/meeting", "Autumn session", "2027-09-15 09:00")  # at the place step
MEETING_PREVIEW = (*MEETING_DIALOG, "cb:mtgd:skip", "cb:mtgd:every:0")
# /meeting alone in the group: the one-message form's example, as before the dialog.
MEETING_FORM = (
    "Send the meeting in one message, for example:\n<code>/meeting National SCP Forum, spring "
    "session\nstarts: 2027-03-15 09:00\nplace: Ministry of Environment, Room 3\nevery: 6 months"
    "</code>\nOptional lines: duration: 3h, link: https://…, reminders: 30d, 7d, 1d, 1h. Times "
    "are in the forum's time zone (Asia/Bangkok)."
)
TIP_DIALOG = ("/tip add", "cb:tipd:lang:en")  # at the topic step
TIP_PREVIEW = (*TIP_DIALOG, "cb:tipd:topic:energy", "Switch off the lights.")
FORGET = ("/forget",)
JOINING = ("/start {member_code}",)
AGREEING = (*JOINING, "cb:onb:lang:en")
RESULTS_1 = MappingProxyType(
    {"coordinator@group": private_chat("results"), "observer@group": private_chat("results")}
)
NO_MEMBERS_THERE = MappingProxyType({"other@group": NOT_A_MEMBER, "stranger@group": NOT_A_MEMBER})
ANYWHERE_ELSE = MappingProxyType({"*": STALE})  # a group's button, pressed in a private chat
# Forum B has no poll, tip or member of these names: what its coordinator hears in private.
IN_B = {
    "closepoll 1": no_poll(1, open_=True),
    "results 1": no_poll(1),
    "results 2": no_poll(2),
    "results 3": no_poll(3),
    "export 1": no_poll(1),
    "export 2": no_poll(2),
    "no polls": f"{OTHER_FORUM} has no polls yet.",
    "no niran": f"I can't find @niran among the members of {OTHER_FORUM}. Reply to their message "
    "in the forum's group with /promote, or use their numeric id (see /members).",
    "no lena": f"I can't find @lena among the members of {OTHER_FORUM}. Reply to their message "
    "in the forum's group with /demote, or use their numeric id (see /members).",
    "no dara": f"I can't find @dara among the members of {OTHER_FORUM}. Reply to their message "
    "in the forum's group with /remove, or use their numeric id (see /members).",
}
ANNOUNCEMENT = {"stranger": STALE}  # who has no user row: `buttons.members_only`'s answer


def announcement_button(data: str, mutates: bool, prepare: tuple[str, ...] = ()) -> Row:
    return cb(
        data,
        COORDINATOR,
        mutates=mutates,
        refusal=ANNOUNCEMENT_CLOSED,
        by_actor=MappingProxyType(ANNOUNCEMENT),
        prepare=ANNOUNCE_DRAFT + prepare,
    )


ROWS: dict[str, Row] = {
    # --- everyone's commands ---
    # In a linked group, /start says whose group it is; a member code links nothing there.
    "start": Row("/start", ANYONE, by_actor=group_answers(THE_GROUP, **{"other@group": NOT_MOVED})),
    "start code": Row(
        "/start {member_code}",
        ANYONE,
        by_actor=group_answers(THE_GROUP, **{"other@group": NOT_MOVED}),
    ),
    "start ballot": Row(
        "/start poll-{poll}",
        VOTER,
        refusal=NOT_A_VOTER,
        by_actor=group_answers(
            THE_GROUP, other=NOT_A_VOTER, stranger=NOT_A_VOTER, **{"other@group": NOT_MOVED}
        ),
    ),
    "help": Row("/help", ANYONE),
    "settings": Row("/settings", ANYONE, by_actor={"stranger": JOIN_FOR_SETTINGS}),
    "language": Row("/language", ANYONE, by_actor={"stranger": JOIN_FOR_SETTINGS}),
    "cancel": Row("/cancel", ANYONE),
    "tip": Row("/tip", IN_FORUM, mutates=True),
    "tip add": Row(
        "/tip add energy\nSwitch off the lights.", COORDINATOR, mutates=True, refused_as="tip add"
    ),
    "tip add dialog": Row("/tip add", COORDINATOR, mutates=True, refused_as="tip add"),
    "tip list": Row("/tip list", COORDINATOR, refused_as="tip list"),
    "tip remove": Row("/tip remove 1", COORDINATOR, mutates=True, refused_as="tip remove"),
    "polls": Row("/polls", IN_FORUM),
    "meetings": Row("/meetings", IN_FORUM),
    "feedback": Row("/feedback", IN_FORUM),
    # Observers get counts by topic, never the text (tests/test_feedback.py).
    "feedback list": Row("/feedback list", ANALYST, refused_as="feedback list"),
    "mydata": Row("/mydata", ANYONE, by_actor={"stranger": NO_DATA}),
    "forget": Row("/forget", ANYONE, by_actor={"stranger": NO_DATA}),
    # Everyone's command; an open poll's hidden results only for coordinators and observers,
    # and never in the group, not even for them.
    "results 1": Row(
        "/results 1",
        ANALYST,
        refusal=HIDDEN,
        by_actor=RESULTS_1 | {"other": IN_B["results 1"]},
        shows="Results of poll 1",
    ),
    "results 2": Row(
        "/results 2", IN_FORUM, by_actor={"other": IN_B["results 2"]}, shows="Results of poll 2"
    ),
    "results 3": Row(
        "/results 3", IN_FORUM, by_actor={"other": IN_B["results 3"]}, shows="Results of poll 3"
    ),
    "results": Row("/results", IN_FORUM, by_actor={"other": IN_B["no polls"]}, shows="Which poll?"),
    # --- coordinators', observers' and bot admins' commands ---
    "newpoll": Row(
        "/newpoll Which first?\nGreen procurement\nEco-labels", COORDINATOR, mutates=True
    ),
    "closepoll": Row(
        "/closepoll 1",
        COORDINATOR,
        by_actor={"other": IN_B["closepoll 1"]},
        shows="Close poll 1 “",  # asks first; `poll:shut` closes
    ),
    "editpoll": Row(
        "/editpoll",
        COORDINATOR,
        by_actor={"other": "There is no open poll."},  # forum B has none
        shows="Which poll?",  # two are open in forum A
    ),
    "editpoll 1": Row(
        "/editpoll 1", COORDINATOR, by_actor={"other": IN_B["closepoll 1"]}, shows="⚙️ <b>Poll 1"
    ),
    "meeting": Row(
        "/meeting Autumn session\nstarts: 2027-09-15 09:00\nplace: Room 5",
        COORDINATOR,
        mutates=True,
    ),
    "meeting dialog": Row(
        "/meeting", COORDINATOR, mutates=True, by_actor={"coordinator@group": MEETING_FORM}
    ),
    "announce": Row("/announce\nPlease bring your country report.", COORDINATOR, mutates=True),
    "export": Row("/export", ANALYST, shows="Which file would you like?"),
    "export hidden poll": Row(
        "/export 1",
        ANALYST,
        by_actor={
            "coordinator": EXPORT_HIDDEN,
            "observer": EXPORT_HIDDEN,
            "other": IN_B["export 1"],
        },
    ),
    "export poll": Row("/export 2", ANALYST, by_actor={"other": IN_B["export 2"]}),
    "export meetings": Row("/export meetings", ANALYST),
    "export feedback": Row("/export feedback", ANALYST),
    "export members": Row("/export members", ANALYST),
    "invite": Row("/invite", COORDINATOR),
    "promote": Row(
        "/promote @niran observer",
        COORDINATOR,
        mutates=True,
        by_actor={"other": IN_B["no niran"]},
    ),
    "demote": Row("/demote @lena", COORDINATOR, mutates=True, by_actor={"other": IN_B["no lena"]}),
    # In the group, the confirmation goes to the coordinator's private chat.
    "remove": Row("/remove @dara", COORDINATOR, by_actor={"other": IN_B["no dara"]}),
    "members": Row("/members", COORDINATOR),
    "invite new": Row(
        "/invite new member",
        COORDINATOR,
        mutates=True,
        by_actor={"coordinator@group": private_chat("invite")},
    ),
    # In a group, a bot admin's /newforum links the group to the new forum (issue 12's invite
    # work makes re-linking a group need a coordinator of the forum it belongs to).
    "newforum": Row("/newforum Sneaky Forum\ntimezone: UTC", ADMIN, mutates=True),
    # --- buttons: onboarding (only of someone joining), new forum, settings ---
    "onb:lang": cb("onb:lang:en", NEWCOMER, mutates=True, prepare=JOINING, refusal=STALE),
    "onb:consent yes": cb(
        "onb:consent:yes", NEWCOMER, mutates=True, prepare=AGREEING, refusal=STALE
    ),
    "onb:consent no": cb("onb:consent:no", NEWCOMER, mutates=True, prepare=AGREEING, refusal=STALE),
    # Anyone in a forum may set their own group here, as in /settings.
    "onb:group": cb(
        "onb:group:academia",
        ANYONE,
        mutates=True,
        prepare=(*AGREEING, "cb:onb:consent:yes"),
        refusal=STALE,
    ),
    "nf:lang": cb("nf:lang:en", ADMIN, mutates=True, prepare=("/newforum", "Second Forum", "UTC")),
    "set:menu": cb("set:menu:main", IN_FORUM),
    "set:lang": cb("set:lang:{lang}", IN_FORUM, mutates=True),
    "set:group": cb("set:group:academia", IN_FORUM, mutates=True),
    "set:tz": cb("set:tz:UTC", IN_FORUM, mutates=True),
    "set:forum": cb("set:forum:{forum_b}", "other", mutates=True),
    "set:survey": cb("set:survey:all", COORDINATOR, mutates=True),
    "set:keep": cb("set:keep:365", COORDINATOR, mutates=True),
    "set:mingrp": cb("set:mingrp:5", COORDINATOR, mutates=True),
    # --- polls: ballots, closing, the new-poll dialog, results and their files ---
    "poll:open": cb("poll:open:{poll}", VOTER, refusal=NOT_A_VOTER),
    "poll:rank": cb("poll:rank:{poll}:{option}", VOTER, mutates=True),
    "poll:undo": cb(
        "poll:undo:{poll}", VOTER, mutates=True, prepare=("cb:poll:rank:{poll}:{option2}",)
    ),
    "poll:submit": cb(
        "poll:submit:{poll}", VOTER, mutates=True, prepare=("cb:poll:rank:{poll}:{option2}",)
    ),
    "poll:close": cb("poll:close:{poll}", COORDINATOR),  # edits the choice into the question
    "poll:shut": cb("poll:shut:{poll}", COORDINATOR, mutates=True),
    "poll:keep": cb("poll:keep:{poll}", COORDINATOR),
    # /editpoll's panel: only coordinators of the poll's forum (whichever forum is current)
    "pm:menu": cb("pm:menu:{poll}", COORDINATOR),
    "pm:dl": cb("pm:dl:{poll}", COORDINATOR),
    "pm:mv": cb("pm:mv:{poll}:p7:{stamp}", COORDINATOR, mutates=True),
    "pm:type": cb("pm:type:{poll}", COORDINATOR, mutates=True),
    "pm:fix": cb("pm:fix:{poll}", COORDINATOR),
    "pm:fx": cb("pm:fx:{poll}:1", COORDINATOR, mutates=True),
    "pm:ask": cb("pm:ask:{poll}", COORDINATOR),
    "pm:drop": cb("pm:drop:{poll}", COORDINATOR, mutates=True),
    "pv:who": cb("pv:who:{poll}", NOBODY),  # anonymous: nobody sees names
    "np:cat": cb("np:cat:{catalog}", COORDINATOR, mutates=True, prepare=NEWPOLL_DIALOG[:1]),
    "np:item": cb("np:item:2", COORDINATOR, mutates=True, prepare=NEWPOLL_DIALOG[:3]),
    "np:next": cb("np:next", COORDINATOR, mutates=True, prepare=NEWPOLL_DIALOG[:4]),
    "np:default": cb("np:default", COORDINATOR, mutates=True, prepare=NEWPOLL_DIALOG),
    "np:send": cb("np:send", COORDINATOR, mutates=True, prepare=NEWPOLL_FORM),
    "np:edit": cb("np:edit", COORDINATOR, prepare=NEWPOLL_FORM, shows="only the lines to change"),
    "np:drop": cb("np:drop", COORDINATOR, mutates=True, prepare=NEWPOLL_FORM),
    "np:langs": cb("np:langs", COORDINATOR, prepare=NEWPOLL_FORM, shows="Which language"),
    "np:lang": cb("np:lang:{lang}", COORDINATOR, mutates=True, prepare=NEWPOLL_FORM),
    "np:unlang": cb("np:unlang:{lang}", COORDINATOR, mutates=True, prepare=NEWPOLL_LANGUAGE),
    # In the group, the group's forum is the poll's: who is no member of it is told so.
    "res:show hidden": cb(
        "res:show:{poll}",
        ANALYST,
        refusal=HIDDEN,
        by_actor=RESULTS_1 | NO_MEMBERS_THERE | {"other": STALE, "stranger": STALE},
        shows="Results of poll 1",
    ),
    "res:show": cb(
        "res:show:{visible}", IN_FORUM, by_actor=NO_MEMBERS_THERE, shows="Results of poll 2"
    ),
    "res:show closed": cb(
        "res:show:{closed}", IN_FORUM, by_actor=NO_MEMBERS_THERE, shows="Results of poll 3"
    ),
    "res:export": cb("res:export:{visible}", ANALYST),
    "res:export closed": cb("res:export:{closed}", ANALYST),
    "res:export hidden": cb(
        "res:export:{poll}",
        ANALYST,
        by_actor={"coordinator": EXPORT_HIDDEN, "observer": EXPORT_HIDDEN},
    ),
    "exp:meetings": cb("exp:meetings", ANALYST),
    "exp:feedback": cb("exp:feedback", ANALYST),
    "exp:members": cb("exp:members", ANALYST),
    # --- meetings ---
    "mtg:ics": cb("mtg:ics:{meeting}", IN_FORUM),
    "mtg:rsvp": cb("mtg:rsvp:{meeting}:going", IN_FORUM, mutates=True),
    "mtga:keep": cb("mtga:keep:{meeting}", COORDINATOR),
    "mtga:cancel": cb("mtga:cancel:{meeting}", COORDINATOR),
    "mtga:series": cb("mtga:series:{meeting}", COORDINATOR),
    "mtga:move": cb("mtga:move:{meeting}", COORDINATOR, mutates=True),
    "mtga:place": cb("mtga:place:{meeting}", COORDINATOR),  # asks: this meeting or the series?
    "mtga:place single": cb("mtga:place:{workshop}", COORDINATOR, mutates=True),
    "mtga:placeone": cb("mtga:placeone:{meeting}", COORDINATOR, mutates=True),
    "mtga:placeall": cb("mtga:placeall:{meeting}", COORDINATOR, mutates=True),
    "mtga:cancelok": cb("mtga:cancelok:{workshop}", COORDINATOR, mutates=True),
    "mtga:seriesok": cb("mtga:seriesok:{meeting}", COORDINATOR, mutates=True),
    "mtgd:skip": cb("mtgd:skip", COORDINATOR, mutates=True, prepare=MEETING_DIALOG),
    "mtgd:every": cb(
        "mtgd:every:6", COORDINATOR, mutates=True, prepare=(*MEETING_DIALOG, "cb:mtgd:skip")
    ),
    "mtgd:make": cb("mtgd:make", COORDINATOR, mutates=True, prepare=MEETING_PREVIEW),
    "mtgd:drop": cb("mtgd:drop", COORDINATOR, mutates=True, prepare=MEETING_PREVIEW),
    "mtgs:rate": cb("mtgs:rate:{meeting}:5", ASKED, mutates=True),  # see `after_the_meeting`
    # --- tips ---
    "tip:next": cb("tip:next", IN_FORUM, mutates=True),
    "tip:topics": cb("tip:topics", IN_FORUM),
    "tip:topic": cb("tip:topic:energy", IN_FORUM, mutates=True),
    "tipd:lang": cb("tipd:lang:en", COORDINATOR, mutates=True, prepare=TIP_DIALOG[:1]),
    "tipd:topic": cb("tipd:topic:energy", COORDINATOR, mutates=True, prepare=TIP_DIALOG),
    "tipd:save": cb("tipd:save", COORDINATOR, mutates=True, prepare=TIP_PREVIEW),
    "tipd:more": cb("tipd:more", COORDINATOR, mutates=True, prepare=TIP_PREVIEW),
    "tipd:drop": cb("tipd:drop", COORDINATOR, mutates=True, prepare=TIP_PREVIEW),
    "tipsub:menu": cb("tipsub:menu", IN_FORUM),
    "tipsub:freq": cb("tipsub:freq:daily", IN_FORUM),
    "tipsub:hour": cb("tipsub:hour:daily:8", IN_FORUM, mutates=True),
    "tipsub:day": cb("tipsub:day:8:0", IN_FORUM, mutates=True),
    "tipsub:off": cb("tipsub:off", IN_FORUM, mutates=True, prepare=("cb:tipsub:hour:daily:8",)),
    # --- announcements (a draft the actor started) ---
    "ann:aud": announcement_button("ann:aud", False),
    "ann:all": announcement_button("ann:all", False),
    "ann:grp": announcement_button("ann:grp:industry", True),
    "ann:chat": dataclasses.replace(  # forum B has no group
        announcement_button("ann:chat", True),
        by_actor=MappingProxyType(ANNOUNCEMENT | {"other": STALE}),
    ),
    "ann:back": announcement_button("ann:back", False, prepare=("cb:ann:aud",)),
    "ann:langs": announcement_button("ann:langs", False),
    "ann:lang": announcement_button("ann:lang:{lang}", True),
    "ann:cancel": announcement_button("ann:cancel", True),
    "ann:send": announcement_button("ann:send", True),
    # --- feedback: one's own draft, the coordinators' reply, the author's answer ---
    "fb:topic": cb("fb:topic:tips", IN_FORUM, mutates=True, prepare=FEEDBACK_DRAFT[:1]),
    "fb:send": cb("fb:send:anon", IN_FORUM, mutates=True, prepare=FEEDBACK_DRAFT),
    "fb:cancel": cb("fb:cancel", IN_FORUM, mutates=True, prepare=FEEDBACK_DRAFT),
    "fb:reply": cb("fb:reply:{feedback}", COORDINATOR, mutates=True),
    "fb:answer": cb("fb:answer:{feedback}", AUTHOR, mutates=True),
    # --- invites, the member list, removal, group linking ---
    "inv:more": cb("inv:more:{forum}", COORDINATOR, mutates=True),
    "inv:member": cb("inv:member:{forum}", COORDINATOR, mutates=True),
    "inv:coord": cb("inv:coord:{forum}", COORDINATOR),
    "mem:page": cb("mem:page:{forum}:0", COORDINATOR),
    "rm:ok": cb("rm:ok:{forum}:{dara}", COORDINATOR, mutates=True),
    "rm:lift": cb(
        "rm:lift:{forum}:{dara}",
        COORDINATOR,
        mutates=True,
        prepare=("/help", "cb:rm:ok:{forum}:{dara}"),  # a fresh message for ✅ Remove to edit
    ),
    "rm:no": cb("rm:no", IN_FORUM),
    # Pressed in the group only, and only by who asked (Ada) there.
    "lnk:ok": cb("lnk:ok:{forum}:{ada}", COORDINATOR, refusal=NOT_YOURS, by_actor=ANYWHERE_ELSE),
    "lnk:pg": cb("lnk:pg:0:{ada}", COORDINATOR, refusal=NOT_YOURS, by_actor=ANYWHERE_ELSE),
    "lnk:no": cb("lnk:no:{ada}", COORDINATOR, refusal=NOT_YOURS, by_actor=ANYWHERE_ELSE),
    # --- pages of lists ---
    "page:tips": cb("page:tips:0", COORDINATOR, by_actor={"other": STALE}),  # B has no tips
    "page:poll": cb("page:poll:res:show:0", IN_FORUM),
    # Who voted: named polls only, and the world's polls are anonymous (tests/test_named_polls.py)
    "page:who": cb("page:who:{poll}:0", NOBODY),
    "page:forums": cb("page:forums:0", IN_FORUM),
    "page:setf": cb("page:setf:0", NOBODY),  # a choice of current forum: nobody here has two
    "page:tz menu": cb("page:tz:m:0", IN_FORUM),  # one's own time zone menu
    "page:tz offset": cb("page:tz:o:420:0", IN_FORUM),  # the zones at UTC+7
    # --- /forget's confirmation: one's own data ---
    "priv:keep": cb("priv:keep", IN_FORUM, prepare=FORGET),
    "priv:forget": cb("priv:forget", IN_FORUM, mutates=True, prepare=FORGET),
}

# Rows tried in a world moved past the meeting, whose survey asked the member.
AFTER_THE_MEETING = ("mtgs:rate",)


# --- what each cell must give --------------------------------------------------------------


def role_of(actor: str, *, in_group: bool, row: Row) -> Role | None:
    """The actor's role where the row acts: forum A (in its group, or by an id), else their own."""
    if actor == "other" and not in_group and not row.by_id:
        return Role.COORDINATOR  # of forum B, their current forum
    return ROLE_IN_A[actor]


def acting_forum(actor: str, *, in_group: bool, row: Row) -> str | None:
    if in_group or row.by_id:
        return FORUM
    return {"other": OTHER_FORUM, "stranger": None}.get(actor, FORUM)


def permitted(row: Row, actor: str, *, in_group: bool) -> bool:
    role = role_of(actor, in_group=in_group, row=row)
    return {
        ANYONE: True,
        IN_FORUM: role is not None,
        VOTER: role in (Role.MEMBER, Role.COORDINATOR),
        ANALYST: role in (Role.COORDINATOR, Role.OBSERVER),
        COORDINATOR: role is Role.COORDINATOR,
        ADMIN: actor == "admin",
        AUTHOR: actor == "member",
        NEWCOMER: actor == "stranger",
        ASKED: actor == "member",
        NOBODY: False,
    }.get(row.who, actor == row.who)


def rank_refusal(access: Access, name: str, forum: str | None, role: Role | None) -> str:
    """handlers/common.py `refusal`, in English."""
    if access is Access.ADMINS:
        return f"Only bot administrators can use /{name}."
    if forum is None:
        return JOIN_FOR_TIPS if name.startswith("tip") else NO_FORUM
    if role is None:
        return f"You are not a member of {forum}."
    if access is Access.ANALYSTS:
        return f"Only coordinators and observers of {forum} can use /{name}."
    return f"Only coordinators of {forum} can use /{name}."


LEVEL_ACCESS = {ADMIN: Access.ADMINS, ANALYST: Access.ANALYSTS, COORDINATOR: Access.COORDINATORS}


def expected(row: Row, actor: str, *, in_group: bool) -> str | None:
    """The one answer `actor` must get for `row` (None: it succeeds)."""
    key = actor + ("@group" if in_group else "")
    for candidate in (key, "*@group" if in_group else "*"):
        if candidate in row.by_actor:
            return row.by_actor[candidate] or None
    role = role_of(actor, in_group=in_group, row=row)
    forum = acting_forum(actor, in_group=in_group, row=row)
    if row.is_callback:
        if in_group and not callbacks.allowed_in_group(row.data):
            return GROUP_BUTTON
        return None if permitted(row, actor, in_group=in_group) else (row.refusal or STALE)
    command = COMMANDS_BY_NAME[row.name]
    if not may_use(command.access, role, is_admin=actor == "admin"):
        return rank_refusal(command.access, row.name, forum, role)
    if in_group and command.in_group is InGroup.PRIVATE:
        return private_chat(row.name)
    if permitted(row, actor, in_group=in_group):
        return None
    if role is None:
        return rank_refusal(Access.EVERYONE, row.name, forum, None)
    access = LEVEL_ACCESS.get(row.who, Access.COORDINATORS)
    return row.refusal or rank_refusal(access, row.refused_as or row.name, forum, role)


# Never in a group, whoever asks for it: the hidden tally, the feedback's text, exports, personal
# data (its file, one's settings, ranking or meeting answer); the harness checks invite codes.
GROUP_SECRETS = (
    "Results of poll 1</b> (open",
    "More tips on water",
    ".csv",
    ".json",
    "Time zone:",
    "Your ranking",
    "Your answer:",
)


def secrets_in(calls: list[Call], group: FakeChat) -> list[str]:
    sent = [c for c in calls if str(c.params.get("chat_id")) == str(group.id)]
    text = " ".join(repr(c.params) for c in sent)
    return [secret for secret in GROUP_SECRETS if secret in text]


# --- the world --------------------------------------------------------------------------------


@dataclass
class World:
    """Forum A (Thailand SCP Forum) with everything a command or a button can touch, and B."""

    bot: Harness
    people: dict[str, FakeUser]  # by actor key, and "founder"
    group: FakeChat
    ids: dict[str, object]
    saved: aiosqlite.Connection | None = None
    baseline: dict[str, list[tuple]] = field(default_factory=dict)

    def chat(self, in_group: bool) -> FakeChat | None:
        return self.group if in_group else None

    async def save(self) -> None:
        """Remember this state of the database; `restore` goes back to it."""
        self.saved = await aiosqlite.connect(":memory:")
        await self.bot.services.db.conn.backup(self.saved)
        self.baseline = await snapshot(self.bot)

    async def restore(self, now: dict[str, list[tuple]]) -> list[str]:
        """Back to the saved state if `now` (the last snapshot) differs from it; the bot is idle.

        First the harness's leak check, while the codes a cell made (a new forum's) still exist.
        """
        problems = leaks.find_leaks([])
        if now != self.baseline:
            assert self.saved is not None
            await self.saved.backup(self.bot.services.db.conn)
            assert await snapshot(self.bot) == self.baseline
        return problems

    async def close(self) -> None:
        if self.saved is not None:
            await self.saved.close()


def people(fake: FakeTelegram) -> dict[str, FakeUser]:
    who = {key: fake.add_user(name, username=name.lower()) for key, name in NAMES.items()}
    who["founder"] = fake.add_user("Fay", username="fay")
    return who


async def build_world(bot: Harness, who: dict[str, FakeUser]) -> World:
    """Fay (a bot admin) created forum A and forum B. In A: Ada coordinates; Dara was promoted
    and demoted; Lena observes; Niran is a member and wrote feedback; Boss, a bot admin, is a
    member. Cora coordinates B only. Omar only said /start. A's group holds them all. A has an
    open poll with hidden results, one that shows them, a closed one, a meeting series, a single
    meeting and a forum tip."""
    fay, ada, niran = who["founder"], who["coordinator"], who["member"]
    forum = await build_forum(
        bot,
        fay,
        [
            Joining(ada, coordinator=True),
            Joining(niran, group="industry"),
            Joining(who["observer"], group="civil_society"),
            Joining(who["demoted"]),
            Joining(who["admin"]),
            Joining(who["other"], coordinator=True, forum=1),
        ],
        forms=(None, "/newforum Other Forum\ntimezone: UTC\nlanguage: en"),
        promotions=("/promote @lena observer", "/promote @dara coordinator", "/demote @dara"),
        group=Group(members=list(who.values()), admins=(fay, ada)),
    )
    code, group = forum.member_code, forum.group
    assert group is not None
    await new_poll(
        bot, ada, "/newpoll Which priorities first?\nGreen procurement\nEco-labels\nWaste"
    )
    await new_poll(bot, ada, "/newpoll Which tools?\nGuides\nTrainings\nresults: visible")
    await new_poll(bot, ada, "/newpoll Which venue?\nBangkok\nChiang Mai")
    await close_poll(bot, ada, "/closepoll 3")
    await bot.send(
        ada, "/meeting Spring session\nstarts: 2027-03-15 09:00\nplace: Room 3\nevery: 6 months"
    )
    await bot.send(ada, "/meeting Workshop\nstarts: 2027-02-01 09:00\nevery: none")
    await bot.send(ada, "/tip add energy\nOur ministry's guide to efficient offices.")
    await bot.send(niran, "/feedback")
    await bot.tap(niran, "Tips")
    await bot.send(niran, "More tips on water, please.")
    await bot.tap(niran, "✅ Send anonymously")
    await bot.send(who["stranger"], "/start")  # a chat with the bot, nothing stored
    for person in who.values():  # everyone's last private message is text, for buttons
        await bot.send(person, "/help")
    db = bot.services.db

    async def one(sql: str, *params: object) -> object:
        row = await db.fetchone(sql, params)
        assert row is not None, sql
        return row[0]

    poll = await one("SELECT id FROM polls WHERE number = 1 AND hide_results = 1")
    options = await db.fetchall(
        "SELECT id FROM poll_options WHERE poll_id = ? ORDER BY position", (poll,)
    )
    series = "SELECT m.id FROM meetings m JOIN meeting_series s ON s.id = m.series_id"
    ids = {
        "poll": poll,
        "visible": await one("SELECT id FROM polls WHERE number = 2 AND hide_results = 0"),
        "closed": await one("SELECT id FROM polls WHERE number = 3 AND closed_at IS NOT NULL"),
        "option": options[0][0],
        "stamp": int(
            datetime.fromisoformat(
                str(await one("SELECT closes_at FROM polls WHERE id = ?", poll))
            ).timestamp()
        ),
        "option2": options[1][0],
        "meeting": await one(f"{series} WHERE s.title = 'Spring session' ORDER BY m.starts_at"),
        "workshop": await one(f"{series} WHERE s.title = 'Workshop'"),
        "feedback": await one("SELECT id FROM feedback"),
        "catalog": next(iter(bot.services.priorities)),
        "lang": next(code for code in bot.services.catalogs.languages if code != "en"),
        "member_code": code,
        "forum": await one("SELECT id FROM forums WHERE name = ?", FORUM),
        "forum_b": await one("SELECT id FROM forums WHERE name = ?", OTHER_FORUM),
        "ada": ada.id,
        "dara": who["demoted"].id,
    }
    return World(bot, who, group, ids)


async def after_the_meeting(world: World) -> None:
    """Niran said "maybe"; the meeting is over and its survey asked him for a rating."""
    niran = world.people["member"]
    await act(world, niran, None, "cb:mtg:rsvp:{meeting}:maybe")
    world.bot.clock.advance(datetime(2027, 3, 20, tzinfo=UTC) - world.bot.clock())
    await world.bot.run_due()


async def act(world: World, user: FakeUser, chat: FakeChat | None, step: str) -> list[Call]:
    """`user` sends a command or text, or presses a button (`cb:…`) on the last text message."""
    bot, step = world.bot, step.format(**world.ids)
    if not step.startswith("cb:"):
        return await bot.send(user, step, chat=chat)
    chat_id = chat.id if chat else user.id
    message = next(m for m in reversed(bot.fake.messages(chat_id)) if m.get("text"))
    before = len(bot.fake.calls)
    bot.fake.send_callback(user, message["message_id"], step.removeprefix("cb:"), chat=chat)
    await bot.settle()
    return [c for c in bot.fake.calls[before:] if c.method != "getUpdates"]


def said(calls: list[Call]) -> list[str]:
    """What the bot told the actor: message texts and non-empty callback answers."""
    return [
        c.params.get("text", "")
        for c in calls
        if c.method == "sendMessage" or (c.method == "answerCallbackQuery" and c.params.get("text"))
    ]


# --- the matrix -------------------------------------------------------------------------------


async def demoted_mid_dialog(world: World, row: Row) -> None:
    """Dara, made coordinator again, does the row's `prepare`; then Ada demotes her."""
    ada = world.people["coordinator"]
    await act(world, ada, None, "/promote @dara coordinator")
    for step in row.prepare:
        await act(world, world.people["demoted"], None, step)
    await act(world, ada, None, "/demote @dara")


async def try_cell(world: World, key: str, actor: str, in_group: bool) -> list[str]:
    """`actor` does row `key` in the chat; what went wrong (nothing: as expected)."""
    row, bot = ROWS[key], world.bot
    user, chat = world.people[actor], world.chat(in_group)
    where = f"{key!r} by {actor}{'@group' if in_group else ''}"
    answer, errors = expected(row, actor, in_group=in_group), len(bot.errors)
    if actor == "demoted" and row.prepare and row.who == COORDINATOR and not in_group:
        await demoted_mid_dialog(world, row)
    else:
        for step in row.prepare:
            await act(world, user, chat, step)
    # Every cell starts from the saved world; only what it prepared can differ.
    before = await snapshot(bot) if row.prepare else world.baseline
    calls = await act(world, user, chat, row.text)
    after = await snapshot(bot)
    problems = [f"{where}: the error handler saw {e!r}" for e in bot.errors[errors:]]
    if in_group and (leaked := secrets_in(calls, world.group)):
        problems.append(f"{where}: the group was shown {leaked}")
    if answer is not None:
        if said(calls) != [answer]:
            problems.append(f"{where}: expected {answer!r}, got {said(calls)!r}")
        chat_id = chat.id if chat else user.id
        more = [
            (c.method, c.params.get("chat_id"))
            for c in calls
            if c.method != "answerCallbackQuery"
            and not (c.method == "sendMessage" and str(c.params.get("chat_id")) == str(chat_id))
        ]
        if more:
            problems.append(f"{where}: the bot did more than answer: {more}")
        if after != before:
            changed = sorted(t for t in after if after[t] != before.get(t))
            problems.append(f"{where}: refused, but changed {changed}")
    else:
        refusals = {expected(row, a, in_group=g) for a in ACTORS for g in (False, True)}
        refused = (refusals | {STALE, GROUP_BUTTON}) & set(said(calls))
        if refused:
            problems.append(f"{where}: refused with {sorted(refused)}")
        elif not [c for c in calls if c.method != "answerCallbackQuery"] and not said(calls):
            problems.append(f"{where}: nothing happened")
        if row.shows and not any(row.shows in text for text in said(calls)):
            problems.append(f"{where}: expected {row.shows!r}, got {said(calls)!r}")
        acts_on_a = acting_forum(actor, in_group=in_group, row=row) == FORUM
        if row.mutates and acts_on_a and after == before:
            problems.append(f"{where}: succeeded but changed nothing")
    problems += [f"{where}: {leak}" for leak in await world.restore(after)]
    return problems


async def run_rows(world: World, keys: list[str]) -> list[str]:
    problems: list[str] = []
    for key in keys:
        for in_group in (False, True):
            for actor in ACTORS:
                problems += await try_cell(world, key, actor, in_group)
    return problems


FAMILIES: dict[str, tuple[list[str], Callable[[World], Awaitable[None]] | None]] = {
    "commands": ([k for k, r in ROWS.items() if not r.is_callback], None),
    "buttons": (
        [k for k, r in ROWS.items() if r.is_callback and k not in AFTER_THE_MEETING],
        None,
    ),
    "after the meeting": (list(AFTER_THE_MEETING), after_the_meeting),
}


def failed_calls(bot: Harness) -> list[tuple]:
    """Calls Telegram refused, but for "message is not modified": the fake's messages are not
    put back with the database, so closing a poll again finds its ballots' buttons gone."""
    return [
        (c.method, c.params.get("chat_id"), c.description)
        for c in bot.fake.calls
        if not c.ok and "message is not modified" not in (c.description or "")
    ]


@pytest.mark.slow  # some 2,000 cells, each from a restored world
@pytest.mark.parametrize("family", list(FAMILIES))
async def test_everyone_everywhere_gets_what_the_matrix_says(tmp_path, fake, family):
    who = people(fake)
    admins = [who["founder"].id, who["admin"].id]
    async with running_bot(tmp_path, admins=admins, fake=fake, expect_errors=True) as bot:
        world = await build_world(bot, who)
        keys, setup = FAMILIES[family]
        if setup:
            await setup(world)
        await world.save()
        try:
            problems = await run_rows(world, keys)
        finally:
            await world.close()
    assert problems == [], "\n".join(problems)
    assert bot.errors == [], f"the error handler saw: {bot.errors!r}"
    assert failed_calls(bot) == []


# --- what a group may see: the regressions of issue 12 ----------------------------------------


async def hidden_poll_world(
    bot: Harness, fake: FakeTelegram
) -> tuple[dict[str, FakeUser], FakeChat]:
    """Ada coordinates, Lena observes, Niran ranked poll 1 (open, results hidden); poll 2 shows
    its results; the group is linked."""
    who = {name: fake.add_user(name.title(), username=name) for name in ("ada", "lena", "niran")}
    code, _ = await new_forum(bot, who["ada"])
    await join(bot, who["lena"], code)
    await join(bot, who["niran"], code, group="industry")
    await bot.send(who["ada"], "/promote @lena observer")
    group = fake.add_group("Forum group", members=list(who.values()), admins=[who["ada"]])
    await link_group(bot, who["ada"], group)
    await new_poll(bot, who["ada"], "/newpoll Which first?\nGreen procurement\nEco-labels\nWaste")
    await new_poll(bot, who["ada"], "/newpoll Which tools?\nGuides\nTrainings\nresults: visible")
    await bot.tap(who["niran"], "2. Eco-labels", message_id=ballot_message(bot, who["niran"], 1))
    await bot.tap(who["niran"], "✅", message_id=ballot_message(bot, who["niran"], 1))
    return who, group


def ballot_message(bot: Harness, user: FakeUser, number: int) -> int:
    """The message id of `user`'s ballot of poll `number`."""
    return next(
        m["message_id"]
        for m in bot.fake.messages(user.id)
        if bot.fake.buttons(m) and f"Poll {number}" in m.get("text", "")
    )


def to_group(calls: list[Call], group: FakeChat) -> list[Call]:
    return [c for c in calls if str(c.params.get("chat_id")) == str(group.id)]


async def test_hidden_results_of_an_open_poll_never_reach_the_group(tmp_path, fake):
    """An observer's or coordinator's `/results 1` in the group used to show poll 1's hidden
    tally (and its chart) to every member; now each is pointed to the private chat, where they
    still see it. Results every member may see (poll 2) are still shown in the group."""
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        who, group = await hidden_poll_world(bot, fake)
        for name in ("lena", "ada"):
            calls = to_group(await bot.send(who[name], "/results 1", chat=group), group)
            assert [(c.method, c.params.get("text")) for c in calls] == [
                ("sendMessage", private_chat("results"))
            ], name
            private = said(await bot.send(who[name], "/results 1"))
            assert "Results of poll 1" in private[0], name  # refused for the place, not the rank
        # The "Which poll?" buttons, pressed in the group: the same.
        await bot.send(who["ada"], "/results", chat=group)
        calls = await bot.tap(who["lena"], "1.", chat=group)
        assert [c.params["text"] for c in to_group(calls, group)] == [private_chat("results")]
        calls = to_group(await bot.send(who["niran"], "/results 2", chat=group), group)
        assert "Results of poll 2" in calls[0].params["text"]


async def test_exports_and_hidden_results_in_a_group_point_to_the_private_chat(tmp_path, fake):
    """`/export` (any form) and `/results` of a hidden open poll, sent in the group by those who
    may use them: one line that points to the private chat, no file, no tally."""
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        who, group = await hidden_poll_world(bot, fake)
        for name in ("ada", "lena"):
            for command in ("/export 1", "/export", "/export 2", "/export feedback", "/results 1"):
                calls = to_group(await bot.send(who[name], command, chat=group), group)
                hint = private_chat(command.split()[0].removeprefix("/"))
                assert [(c.method, c.params.get("text")) for c in calls] == [
                    ("sendMessage", hint)
                ], (name, command)


# --- refusals are localized -------------------------------------------------------------------


async def test_refusals_are_in_the_readers_language(tmp_path, fake):
    """A Thai member hears the refusals in Thai: a rank refusal, the private-chat hint in the
    group, and a forged button's answer (the matrix checks the English wording)."""
    ada, somchai = fake.add_user("Ada"), fake.add_user("Somchai", language_code="th")
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        code, _ = await new_forum(bot, ada)
        await join(bot, somchai, code, language="th")
        group = fake.add_group("Forum group", members=[ada, somchai], admins=[ada])
        await link_group(bot, ada, group)
        en, th = (bot.services.catalogs.translator(lang) for lang in ("en", "th"))
        cases = [
            (
                "/newpoll Which first?\nA\nB",
                None,
                ("Only coordinators of %(forum)s can use /%(command)s.",),
                {"forum": FORUM, "command": "newpoll"},
            ),
            (
                "/mydata",
                group,
                ("Please use /%(command)s in a private chat with me: %(link)s",),
                {"command": "mydata", "link": BOT_LINK},
            ),
            ("cb:poll:close:1", None, (STALE,), {}),
        ]
        for text, chat, (message,), values in cases:
            world = World(bot, {}, group, {})
            before = await snapshot(bot)
            answer = said(await act(world, somchai, chat, text))
            assert answer == [th._(message, **values)], text
            assert th._(message, **values) != en._(message, **values), f"{message}: untranslated"
            assert await snapshot(bot) == before


# --- losing a rank mid-dialog -----------------------------------------------------------------

# A privileged dialog's typed step, sent by someone who started the dialog while of the right
# rank and lost it since: (what they did then, what they type now).
TYPED_AFTER_DEMOTION: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "poll form": (("/newpoll",), ("Which first?\nGreen procurement\nEco-labels",)),
    "poll question": (NEWPOLL_DIALOG, ("Which of these first?",)),
    "announcement": (("/announce",), ("The spring session moves to Room 5.",)),
    "meeting's new start": (("cb:mtga:move:{meeting}",), ("2027-03-16 10:00",)),
    "meeting's new place": (
        ("cb:mtga:placeall:{meeting}",),
        ("Room 9\nhttps://meet.example.org/x",),
    ),
    "one meeting's new place": (("cb:mtga:placeone:{meeting}",), ("Room 9",)),
    "reply to feedback": (("cb:fb:reply:{feedback}",), ("Thank you, we will.",)),
}


async def assert_only_own_dialog_changes(
    world: World, user: FakeUser, name: str, steps: tuple[str, ...]
) -> None:
    """`user` does `steps` in private: nothing but their pending step changes, nobody else hears."""
    pending = await dialogs.pending(world.bot.services.db, user_id=user.id, chat_id=user.id)
    assert pending is not None, f"{name}: no dialog to type into"
    before = await snapshot(world.bot)
    for step in steps:
        calls = await act(world, user, None, step)
        elsewhere = [
            c.method
            for c in calls
            if c.method not in ("sendMessage", "answerCallbackQuery")
            or c.params.get("chat_id", user.id) != user.id
        ]
        assert elsewhere == [], f"{name}: {elsewhere}"
    after = await snapshot(world.bot)
    changed = {table for table in after if after[table] != before[table]}
    assert changed <= {"pending_inputs"}, f"{name} changed {changed}"


async def test_typing_into_a_dialog_after_losing_the_rank_creates_nothing(tmp_path, fake):
    """Only the dialog's own pending step may change: no poll, broadcast, meeting change,
    relayed reply or forum comes of it, and nobody else hears of it. Last, a bot admin removed
    from BOT_ADMINS (and the bot restarted) finishes the /newforum he began: typed and tapped."""
    who = people(fake)
    admins = [who["founder"].id, who["admin"].id]
    async with running_bot(tmp_path, admins=admins, fake=fake) as bot:
        world = await build_world(bot, who)
        for name, (prepare, typed) in TYPED_AFTER_DEMOTION.items():
            await demoted_mid_dialog(world, Row("", COORDINATOR, prepare=prepare))
            await assert_only_own_dialog_changes(world, who["demoted"], name, typed)
        boss = who["admin"]
        await act(world, boss, None, "/newforum")
        await act(world, boss, None, "Second Forum")  # the next step asks for the zone
        bot.config = dataclasses.replace(bot.config, admins=frozenset({who["founder"].id}))
        await bot.restart()
        await assert_only_own_dialog_changes(world, boss, "new forum", ("UTC", "cb:nf:lang:en"))


# --- the walk ---------------------------------------------------------------------------------


async def test_every_handler_is_in_the_matrix(tmp_path):
    """Every command (bot.roles.COMMANDS and the Application's handlers) and every callback
    prefix has a row in ROWS; so has every button that may be pressed in a group."""
    async with running_bot(tmp_path) as bot:
        commands: set[str] = set()
        prefixes: set[str] = set()
        buttons: set[str] = set()  # "feature:action" of the features' button tables
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
                if isinstance(handler, FeatureButtons):
                    buttons |= {spec.name for spec in handler.buttons}
    declared = {c.name for c in COMMANDS}
    assert commands <= declared, "a command is missing from bot.roles.COMMANDS"
    assert declared <= commands, "a command of bot.roles.COMMANDS has no handler"
    tested = {row.name for row in ROWS.values() if not row.is_callback}
    assert declared - tested == set(), "commands missing from ROWS"
    assert tested <= declared, "ROWS names a removed command"
    table = {row.prefix for row in ROWS.values() if row.is_callback}
    assert prefixes - table == set(), "callback prefixes missing from ROWS"
    assert table <= prefixes, "ROWS names a removed callback prefix"
    pressed = {":".join(row.data.split(":")[:2]) for row in ROWS.values() if row.is_callback}
    assert pressed >= callbacks.IN_GROUPS, "a button a group may press has no row"
    assert buttons - pressed == set(), "buttons of a feature's table missing from ROWS"
    assert fallbacks == 1, "exactly one catch-all callback handler (answers forged data)"
