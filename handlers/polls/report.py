"""A poll's results message: the poll counted for one reader, and the sentences that explain it.

/results, the close and the results queued to members all send this text; the chart and the
CSV files (handlers/polls/results.py, handlers/polls/export.py) start from the same count.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.context import Services
from bot.forums import STAKEHOLDER_GROUPS
from bot.i18n import N_, Translator, escape
from bot.poll_report import (
    DEFAULT_MIN_GROUP,
    OTHERS,
    CountedBallot,
    PollCount,
    count,
    disagreement,
    first_preferences,
    visible,
)
from bot.poll_texts import for_reader
from bot.ranking import Tally
from db import ballots as ballots_db
from db import forums as forums_db
from db import poll_texts as poll_texts_db
from db import polls as polls_db
from db.polls import PollRow
from handlers.render import group_name

OTHER_GROUPS = N_("Other groups, combined")
Counted = tuple[list[str], list[CountedBallot], PollCount, int]  # what `count_for` returns


async def count_for(services: Services, poll: PollRow, tr: Translator | None = None) -> Counted:
    """Options, ballots (with only the group labels that may be shown), the tallies, and the
    forum's threshold for showing a group: every view (text, chart, CSV) starts here. With `tr`,
    the options are named in its reader's language where the poll has it; without, in the
    poll's own (the CSV files)."""
    rows = await polls_db.options_of(services.db, poll.id)
    if tr is not None:
        _, rows = await for_reader(services.db, services.priorities, tr, poll, rows)
    options = [o.text for o in rows]
    forum = await forums_db.get_forum(services.db, poll.forum_id)
    minimum = forum.min_group_ballots if forum else DEFAULT_MIN_GROUP
    ballots = visible(
        [
            CountedBallot(ballot_id, group, [position - 1 for position in positions])
            for ballot_id, group, positions in await ballots_db.counted_ballots(
                services.db, poll.id
            )
        ],
        list(STAKEHOLDER_GROUPS),
        minimum,
    )
    return options, ballots, count(len(options), ballots, list(STAKEHOLDER_GROUPS)), minimum


async def item_ids(services: Services, poll: PollRow) -> list[str | None]:
    """Each option's catalog item id (None for a typed option), by position."""
    refs = (await poll_texts_db.load(services.db, poll.id)).refs
    return [refs.get(o.id) for o in await polls_db.options_of(services.db, poll.id)]


def group_label(tr: Translator, group: str) -> str:
    return tr._(OTHER_GROUPS) if group == OTHERS else group_name(tr, group)


MESSAGE_LIMIT = 4096  # Telegram's limit on a message's text
# (sentences and the Borda list, other rankings): the first that fits one message is used.
LABEL_WIDTHS = ((None, 48), (80, 32), (48, 20), (32, 14), (20, 9))


async def results_message(
    services: Services, poll: PollRow, tr: Translator, zone: str, counted: Counted | None = None
) -> str:
    """One plain sentence per winner (and why Borda and another method disagree, if they do),
    turnout, the Borda list, the Schulze ranking and each group's ranking, all by option name.

    Names are shortened, the rankings' first, until the whole fits one Telegram message (12
    options of 150 characters and 7 groups do). `counted`: `count_for(services, poll, tr)`
    already made by the caller, who draws the chart from it too.
    """
    if poll.cancelled_at is not None:
        return cancelled_sentence(tr, poll, zone)
    options, ballots, result, minimum = counted or await count_for(services, poll, tr)
    poll, _ = await for_reader(services.db, services.priorities, tr, poll, [])
    eligible = await polls_db.eligible_count(services.db, poll.forum_id)
    for long, short in LABEL_WIDTHS:
        text = _results_text(
            tr, zone, poll, options, len(ballots), eligible, result, minimum, long, short
        )
        if len(text) <= MESSAGE_LIMIT:
            break
    return text


def cancelled_sentence(tr: Translator, poll: PollRow, zone: str) -> str:
    """What results and exports say of a cancelled poll: it has none, and never will."""
    assert poll.cancelled_at is not None
    return tr._(
        "Poll %(number)s “%(question)s” was cancelled %(time)s: it has no results.",
        number=poll.number,
        question=poll.question,
        time=tr.datetime(poll.cancelled_at, zone),
    )


def _results_text(
    tr: Translator,
    zone: str,
    poll: PollRow,
    options: list[str],
    voted: int,
    eligible: int,
    result: PollCount,
    minimum: int,
    long: int | None,
    short: int,
) -> str:
    def name(option: int) -> str:
        return options[option] if long is None else _clip(options[option], long)

    def ranking(order: tuple[int, ...]) -> str:
        return " › ".join(_clip(options[o], short) for o in order)

    overall = result.overall
    state = (
        tr._("open until %(time)s", time=tr.datetime(poll.closes_at, zone))
        if poll.closed_at is None  # open
        else tr._("closed %(time)s", time=tr.datetime(poll.closed_at, zone))
    )
    lines = [
        tr._("<b>Results of poll %(number)s</b> (%(state)s)", number=poll.number, state=state),
        escape(poll.question if long is None else _clip(poll.question, 4 * long)),
        "",
    ]
    if voted:
        lines += [*_winners(tr, overall, name), ""]
    percent = round(100 * voted / eligible) if eligible else 0
    lines.append(
        tr.n_(
            "%(voted)s of %(eligible)s member voted (%(percent)s%%).",
            "%(voted)s of %(eligible)s members voted (%(percent)s%%).",
            eligible,
            voted=voted,
            eligible=eligible,
            percent=percent,
        )
    )
    if not voted:
        return "\n".join(lines)
    lines += [
        "",
        tr._(
            "<b>Borda count</b> (a ballot ranking k options gives its first choice k "
            "points, the next k-1, and so on):"
        ),
    ]
    for place, option in enumerate(overall.borda_ranking, 1):
        points = overall.borda[option]
        lines.append(
            tr.n_(
                "%(place)s. %(option)s — %(count)s point",
                "%(place)s. %(option)s — %(count)s points",
                int(points),
                place=place,
                option=name(option),
                count=points,
            )
        )
    lines += [
        "",
        tr._("Schulze ranking: %(ranking)s", ranking=ranking(overall.schulze_ranking)),
        "",
        *_by_group(tr, result, minimum, ranking),
    ]
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    """`text` in at most `width` characters: cut at a word if that keeps most of it."""
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    words = cut.rsplit(" ", 1)[0]
    return (words if len(words) >= width // 2 else cut).rstrip(" ,;:-") + "…"


def _winners(tr: Translator, overall: Tally, name: Callable[[int], str]) -> list[str]:
    """One plain sentence per method's winner, then why Borda's differs, if it does."""
    lines = [tr._("Most support: %(option)s (Borda)", option=name(overall.borda_ranking[0]))]
    if overall.condorcet_winner is not None:
        lines.append(
            tr._(
                "%(option)s beats every other option head-to-head (Condorcet)",
                option=name(overall.condorcet_winner),
            )
        )
    else:
        lines.append(tr._("No option beats every other option head-to-head (no Condorcet winner)."))
    if overall.irv_winner is not None:
        lines.append(tr._("%(option)s wins the instant runoff", option=name(overall.irv_winner)))
    why = disagreement(overall)
    if why is None:
        return lines
    first = first_preferences(overall)
    if why.method == "condorcet":
        most_first = first[why.borda] > max(v for o, v in enumerate(first) if o != why.borda)
        names: dict[str, object] = {
            "borda": name(why.borda),
            "other": name(why.other),
            "above": why.above,
            "below": why.below,
        }
        lines.append(
            tr.n_(
                "More members put %(borda)s first than any other option, but a majority ranks "
                "%(other)s above %(borda)s (%(above)s ballot to %(below)s).",
                "More members put %(borda)s first than any other option, but a majority ranks "
                "%(other)s above %(borda)s (%(above)s ballots to %(below)s).",
                why.above,
                **names,
            )
            if most_first
            else tr.n_(
                "%(borda)s gets the most points over all places, but a majority ranks "
                "%(other)s above %(borda)s (%(above)s ballot to %(below)s).",
                "%(borda)s gets the most points over all places, but a majority ranks "
                "%(other)s above %(borda)s (%(above)s ballots to %(below)s).",
                why.above,
                **names,
            )
        )
    else:
        lines.append(
            tr._(
                "The instant runoff counts only each ballot's highest choice still in the race, "
                "which favours %(other)s; the Borda count also counts second and later choices, "
                "which favours %(borda)s.",
                borda=name(why.borda),
                other=name(why.other),
            )
        )
    return lines


def _by_group(
    tr: Translator, result: PollCount, minimum: int, ranking: Callable[[tuple[int, ...]], str]
) -> list[str]:
    """Each group's ranking, when a breakdown may be shown at all, and why a group is missing."""
    small = tr.n_(
        "A group is shown on its own only with at least %(count)s ballot, and the other groups "
        "together only with at least as many: a smaller count could reveal a member's ranking.",
        "A group is shown on its own only with at least %(count)s ballots, and the other groups "
        "together only with at least as many: a smaller count could reveal a member's ranking.",
        minimum,
    )
    if not result.by_group:
        return [tr._("<b>By stakeholder group</b>: not shown."), small]
    lines = [tr._("<b>By stakeholder group</b> (Borda ranking):")]
    for group, group_tally in result.by_group.items():
        lines.append(
            tr._(
                "%(group)s (%(count)s): %(ranking)s",
                group=group_label(tr, group),
                count=group_tally.ballots,
                ranking=ranking(group_tally.borda_ranking),
            )
        )
    if OTHERS in result.by_group:
        lines.append(small)
    return lines
