"""Roles and the table of chat commands: who may use what. Plain Python, no Telegram.

This one table drives `/help`, the localized command menus (setMyCommands) and the refusal of a
command the caller may not use, so a new command cannot be forgotten in any of them.
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


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # English source; translated for the reader
    access: Access
    ready: bool = True  # False: named in the contract, delivered by a later issue


COMMANDS: tuple[Command, ...] = (
    Command("start", N_("Join a forum or see your forums"), Access.EVERYONE),
    Command("help", N_("What this bot can do for you"), Access.EVERYONE),
    Command("settings", N_("Language, stakeholder group, time zone, forum"), Access.EVERYONE),
    Command("language", N_("Change your language"), Access.EVERYONE),
    Command("cancel", N_("Stop the current dialog"), Access.EVERYONE),
    Command("tip", N_("A best-practice tip"), Access.EVERYONE),
    Command("polls", N_("Polls of your forum"), Access.EVERYONE),
    Command("meetings", N_("Upcoming meetings"), Access.EVERYONE),
    Command("feedback", N_("Send feedback to the coordinators"), Access.EVERYONE),
    Command("mydata", N_("See the data the bot keeps about you"), Access.EVERYONE),
    Command("forget", N_("Delete your data"), Access.EVERYONE),
    Command("newpoll", N_("Start a priority poll"), Access.COORDINATORS),
    Command("closepoll", N_("Close a poll"), Access.COORDINATORS),
    Command("results", N_("Poll results"), Access.EVERYONE),
    Command("meeting", N_("Schedule a meeting"), Access.COORDINATORS),
    Command("announce", N_("Send an announcement to members"), Access.COORDINATORS),
    Command("export", N_("Download data as CSV"), Access.ANALYSTS),
    Command("invite", N_("Invite links for members and coordinators"), Access.COORDINATORS),
    Command("members", N_("Members by stakeholder group and role"), Access.COORDINATORS),
    Command("remove", N_("Remove someone from the forum"), Access.COORDINATORS),
    Command("promote", N_("Make a member coordinator or observer"), Access.COORDINATORS),
    Command("demote", N_("Make a coordinator or observer a member again"), Access.COORDINATORS),
    Command("newforum", N_("Create a new national forum"), Access.ADMINS),
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
    """The ready commands this caller may use, in menu order."""
    return [c for c in COMMANDS if c.ready and may_use(c.access, role, is_admin=is_admin)]
