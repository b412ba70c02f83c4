"""Sentences that say which role someone has: one whole sentence per role. Plain Python.

"You are %(role)s" with the label "observer" reads "You are observer" in English, and other
languages need their own article, case or gender for each role, so a role is never inserted
after "is", "are" or "as": each table below holds one msgid per role, and translators get whole
sentences (`tests/test_role_sentences.py` checks that every role has one and that no other
message puts a role after those words).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_, Translator
from bot.roles import Role


@dataclass(frozen=True)
class RoleSentences:
    """One sentence per role."""

    by_role: dict[Role, str]


# /help's first line.
HELP_HEAD = RoleSentences(
    {
        Role.MEMBER: N_("<b>%(forum)s</b> — you are a member."),
        Role.OBSERVER: N_("<b>%(forum)s</b> — you are an observer."),
        Role.COORDINATOR: N_("<b>%(forum)s</b> — you are a coordinator."),
    },
)

# The welcome after onboarding.
WELCOME = RoleSentences(
    {
        Role.MEMBER: N_(
            "You are now a member of <b>%(forum)s</b>.\n"
            "Times are shown in %(zone)s; change it, your language or your group in /settings.\n"
            "See /help for what you can do."
        ),
        Role.OBSERVER: N_(
            "You are now an observer of <b>%(forum)s</b>.\n"
            "Times are shown in %(zone)s; change it, your language or your group in /settings.\n"
            "See /help for what you can do."
        ),
        Role.COORDINATOR: N_(
            "You are now a coordinator of <b>%(forum)s</b>.\n"
            "Times are shown in %(zone)s; change it, your language or your group in /settings.\n"
            "See /help for what you can do."
        ),
    },
)

# An invite link opened by someone already in that forum.
ALREADY_IN = RoleSentences(
    {
        Role.MEMBER: N_(
            "You are already a member of <b>%(forum)s</b>. It is now your current forum."
        ),
        Role.OBSERVER: N_(
            "You are already an observer of <b>%(forum)s</b>. It is now your current forum."
        ),
        Role.COORDINATOR: N_(
            "You are already a coordinator of <b>%(forum)s</b>. It is now your current forum."
        ),
    },
)

# /promote or /demote to the role someone has already.
IS_ALREADY = RoleSentences(
    {
        Role.MEMBER: N_("%(name)s is already a member."),
        Role.OBSERVER: N_("%(name)s is already an observer."),
        Role.COORDINATOR: N_("%(name)s is already a coordinator."),
    },
)

# /promote or /demote done: the coordinator's confirmation.
IS_NOW = RoleSentences(
    {
        Role.MEMBER: N_("%(name)s is now a member of %(forum)s."),
        Role.OBSERVER: N_("%(name)s is now an observer of %(forum)s."),
        Role.COORDINATOR: N_("%(name)s is now a coordinator of %(forum)s."),
    },
)

# /promote or /demote done: the message to the person.
YOU_ARE_NOW = RoleSentences(
    {
        Role.MEMBER: N_("You are now a member of %(forum)s. See /help for your commands."),
        Role.OBSERVER: N_("You are now an observer of %(forum)s. See /help for your commands."),
        Role.COORDINATOR: N_(
            "You are now a coordinator of %(forum)s. See /help for your commands."
        ),
    },
)

TABLES: dict[str, RoleSentences] = {
    "HELP_HEAD": HELP_HEAD,
    "WELCOME": WELCOME,
    "ALREADY_IN": ALREADY_IN,
    "IS_ALREADY": IS_ALREADY,
    "IS_NOW": IS_NOW,
    "YOU_ARE_NOW": YOU_ARE_NOW,
}


def say(tr: Translator, sentences: RoleSentences, role: str, /, **params: object) -> str:
    """The sentence for `role` in the reader's language."""
    return tr._(sentences.by_role[Role(role)], **params)
