"""The forum's own settings in a coordinator's /settings: who is asked after meetings, how long
feedback and closed polls are kept, the smallest stakeholder group poll results show.

These are settings of the forum, not of the person: shown only to the current forum's
coordinators, and every press re-checks that they still are (`coordinates`). The buttons are
`set:survey:<all|rsvp>`, `set:keep:<days>` and `set:mingrp:<n>`, in handlers/settings/commands.py's table.
"""

from __future__ import annotations

from bot import callbacks
from bot.i18n import Translator
from bot.poll_report import MIN_GROUP_CHOICES
from bot.roles import Role
from db.forums import ForumRow
from db.retention import RETENTION_CHOICES
from handlers.context import ForumContext

Rows = list[list[tuple[str, str]]]


async def coordinates(context: ForumContext, data: callbacks.Callback) -> bool:
    """Whether the presser coordinates their current forum (as loaded for this very press)."""
    return context.actor.forum is not None and context.actor.role is Role.COORDINATOR


def forum_settings(tr: Translator, forum: ForumRow) -> tuple[list[str], Rows]:
    """The lines and button rows of the forum's settings, below the member's own."""
    everyone = forum.survey_everyone
    # Not nested inside the outer _(): Babel's extractor does not see nested calls.
    who = tr._("every member") if everyone else tr._("those who said going or maybe")
    lines = [tr._("Survey after meetings: %(who)s", who=who)]
    rows = [
        [
            (
                tr._("Ask everyone after meetings")
                if not everyone
                else tr._("Ask only those who said going or maybe"),
                callbacks.make("set", "survey", "all" if not everyone else "rsvp"),
            )
        ]
    ]
    line, buttons = _min_group_setting(tr, forum.min_group_ballots)
    lines.append(line)
    rows.append(buttons)
    kept = _years(tr, forum.retention_days)
    lines.append(tr._("Feedback and closed polls are kept for %(period)s.", period=kept))
    rows.append(
        [
            (
                ("✅ " if days == forum.retention_days else "") + _years(tr, days),
                callbacks.make("set", "keep", days),
            )
            for days in RETENTION_CHOICES
        ]
    )
    return lines, rows


def _min_group_setting(tr: Translator, minimum: int) -> tuple[str, list[tuple[str, str]]]:
    """The smallest stakeholder group poll results show, and a button per choice."""
    line = tr.n_(
        "Poll results show a stakeholder group only with at least %(count)s ballot.",
        "Poll results show a stakeholder group only with at least %(count)s ballots.",
        minimum,
    )
    buttons = [
        (
            ("✅ " if n == minimum else "") + tr.n_("%(count)s ballot", "%(count)s ballots", n),
            callbacks.make("set", "mingrp", n),
        )
        for n in MIN_GROUP_CHOICES
    ]
    return line, buttons


def _years(tr: Translator, days: int) -> str:
    years = round(days / 365)
    return tr.n_("%(count)s year", "%(count)s years", years)
