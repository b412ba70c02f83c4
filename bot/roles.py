"""Roles and the table of chat commands: who may use what. Plain Python, no Telegram.

This one table drives `/help`, the localized command menus (setMyCommands), the refusal of a
command the caller may not use, and what a command may show in a group, so a new command cannot
be forgotten in any of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.i18n import N_


class Role(StrEnum):
    """A member's role in one forum."""

    MEMBER = "member"
    OBSERVER = "observer"
    COORDINATOR = "coordinator"


ROLE_LABELS: dict[str, str] = {
    Role.MEMBER: N_("member"),
    Role.OBSERVER: N_("observer"),
    Role.COORDINATOR: N_("coordinator"),
}


class Access(StrEnum):
    """Who may use a command."""

    EVERYONE = "everyone"
    ANALYSTS = "analysts"  # coordinators and observers (e.g. NGOs collecting results)
    COORDINATORS = "coordinators"
    ADMINS = "admins"  # BOT_ADMINS: may create forums


class InGroup(StrEnum):
    """What a command does when sent in a group, where every member of the group reads the answer.

    Decided per command in `COMMANDS`, and enforced by `handlers.common.guarded`: a command either
    answers in the group with only what every member of that group may see (the group may hold
    people of other forums, and members who may not see what coordinators see), or only points to
    the private chat. Hidden results, exports, member lists, feedback, invite codes and anyone's
    personal data are never shown in a group.
    """

    SHARED = "shared"  # answers in the group; its handler shows only what every member may see
    PRIVATE = "private"  # "Please use /x in a private chat with me: <link>", and nothing else


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # English source; translated for the reader
    access: Access
    in_group: InGroup = InGroup.PRIVATE  # a new command is private until someone decides


# Short names for the table below.
EVERYONE, ANALYSTS = Access.EVERYONE, Access.ANALYSTS
COORDINATORS, ADMINS = Access.COORDINATORS, Access.ADMINS
SHARED, PRIVATE = InGroup.SHARED, InGroup.PRIVATE

# One row per command, in menu order. Why a SHARED command shows nothing private in a group:
#   start:    links the group to a forum or says which forum it belongs to
#   help:     the commands of the caller's role (the same for everyone of that role)
#   cancel:   ends the caller's own dialogs (they wait in private); says only "Cancelled."
#   newpoll:  the one-message form; the group is shown the poll anyway
#   closepoll, results: a closed poll's results, which the group gets at close anyway; /results
#             in a group shows an open poll only if it shows its results to members
#   meeting:  the meeting and its calendar file, which every member is sent anyway
#   promote, demote: who now has which role, as the reply to that person's message
#   invite, remove: in a group, the links or the confirmation go to the coordinator's private
#             chat, and the group is told only that they did
#   newforum: creates a forum; in a group, links the group to it
# Everything else is PRIVATE: personal data (settings, mydata, forget, meetings' and polls'
# own answers), feedback, announcements before they are sent, exports and member lists.
COMMANDS: tuple[Command, ...] = (
    Command("start", N_("Join a forum or see your forums"), EVERYONE, SHARED),
    Command("help", N_("What this bot can do for you"), EVERYONE, SHARED),
    Command("settings", N_("Language, stakeholder group, time zone, forum"), EVERYONE, PRIVATE),
    Command("language", N_("Change your language"), EVERYONE, PRIVATE),
    Command("cancel", N_("Stop the current dialog"), EVERYONE, SHARED),
    Command("tip", N_("A best-practice tip"), EVERYONE, PRIVATE),
    Command("polls", N_("Polls of your forum"), EVERYONE, PRIVATE),
    Command("meetings", N_("Upcoming meetings"), EVERYONE, PRIVATE),
    Command("feedback", N_("Send feedback to the coordinators"), EVERYONE, PRIVATE),
    Command("mydata", N_("See the data the bot keeps about you"), EVERYONE, PRIVATE),
    Command("forget", N_("Delete your data"), EVERYONE, PRIVATE),
    Command("newpoll", N_("Start a priority poll"), COORDINATORS, SHARED),
    Command("closepoll", N_("Close a poll"), COORDINATORS, SHARED),
    Command("editpoll", N_("Change a poll's deadline, fix a typo, or cancel it"), COORDINATORS),
    Command("results", N_("Poll results"), EVERYONE, SHARED),
    Command("meeting", N_("Schedule a meeting"), COORDINATORS, SHARED),
    Command("announce", N_("Send an announcement to members"), COORDINATORS, PRIVATE),
    Command("export", N_("Download data as CSV"), ANALYSTS, PRIVATE),
    Command("invite", N_("Invite links for members and coordinators"), COORDINATORS, SHARED),
    Command("members", N_("Members by stakeholder group and role"), COORDINATORS, PRIVATE),
    Command("remove", N_("Remove someone from the forum"), COORDINATORS, SHARED),
    Command("promote", N_("Make a member a coordinator or an observer"), COORDINATORS, SHARED),
    Command("demote", N_("Make a coordinator or an observer a member again"), COORDINATORS, SHARED),
    Command("newforum", N_("Create a new national forum"), ADMINS, SHARED),
)
COMMANDS_BY_NAME = {command.name: command for command in COMMANDS}


def may_use(access: Access, role: Role | None, *, is_admin: bool) -> bool:
    """Whether someone with `role` in their current forum (None: no forum) may use a command."""
    if access is Access.EVERYONE:
        return True
    if access is Access.ADMINS:
        return is_admin
    if access is Access.ANALYSTS:
        return role in (Role.COORDINATOR, Role.OBSERVER)
    return role is Role.COORDINATOR


def commands_for(role: Role | None, *, is_admin: bool) -> list[Command]:
    """The commands this caller may use, in menu order."""
    return [c for c in COMMANDS if may_use(c.access, role, is_admin=is_admin)]
