"""Poll results as data: per-group tallies and CSV files. No Telegram, no database.

The chart of the same tallies is drawn in bot/poll_chart.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.csvfile import csv_bytes
from bot.ranking import Tally, tally


@dataclass(frozen=True)
class CountedBallot:
    ballot_id: int
    group: str | None
    ranking: list[int]  # option indices (0-based), best first


@dataclass(frozen=True)
class PollCount:
    overall: Tally
    # Groups a breakdown may show, in the given order, then OTHERS: every other ballot together.
    by_group: dict[str, Tally]


OTHERS = "other_groups"  # the key of "other groups, combined" in `PollCount.by_group`
DEFAULT_MIN_GROUP = 3
MIN_GROUP_CHOICES = (2, 3, 5, 10)  # offered in /settings; the schema refuses fewer than 2


def shown_groups(
    groups: Sequence[str | None], known: Sequence[str], minimum: int
) -> list[str | None]:
    """Each ballot's stakeholder group as a breakdown may name it, or None: "other groups".

    A group is named only with at least `minimum` ballots. The others are counted together, and
    subtraction must not undo that: the total minus the named groups *is* the other groups, so
    while they hold some but fewer than `minimum` ballots, the smallest named group joins them.
    With no group named, there is no breakdown (the rest would be the total). Closing an
    anonymous poll stores these labels, so a group of one never names its member.
    """
    sizes = Counter(group for group in groups if group in known)
    named = {group for group, size in sizes.items() if size >= minimum}
    rest = len(groups) - sum(sizes[group] for group in named)
    while named and 0 < rest < minimum:
        smallest = min(named, key=lambda group: (sizes[group], known.index(group)))
        named.discard(smallest)
        rest += sizes[smallest]
    return [group if group in named else None for group in groups]


def visible(
    ballots: Sequence[CountedBallot], known: Sequence[str], minimum: int
) -> list[CountedBallot]:
    """The ballots with only the group labels a breakdown may show (`shown_groups`)."""
    labels = shown_groups([b.group for b in ballots], known, minimum)
    return [replace(b, group=label) for b, label in zip(ballots, labels, strict=True)]


def count(n_options: int, ballots: Sequence[CountedBallot], groups: Sequence[str]) -> PollCount:
    """The overall tally, one per group named in `ballots` (pass them through `visible`
    first), and OTHERS for the rest when some group is named."""
    overall = tally(n_options, [b.ranking for b in ballots])
    by_group = {}
    for group in groups:
        members = [b.ranking for b in ballots if b.group == group]
        if members:
            by_group[group] = tally(n_options, members)
    rest = [b.ranking for b in ballots if b.group not in by_group]
    if by_group and rest:
        by_group[OTHERS] = tally(n_options, rest)
    return PollCount(overall, by_group)


@dataclass(frozen=True)
class Disagreement:
    """Why the Borda winner is not another method's winner, as the results message says it."""

    method: str  # "condorcet" or "irv"
    borda: int  # the Borda winner
    other: int  # the other method's winner
    above: int  # ballots ranking `other` above `borda` (for "condorcet")
    below: int  # ballots ranking `borda` above `other`


def disagreement(result: Tally) -> Disagreement | None:
    """The one disagreement worth explaining, if any: a Condorcet winner that is not the Borda
    winner first (a majority prefers it head to head), else an instant-runoff winner that is not.
    """
    if not result.borda_ranking or not result.ballots:
        return None
    borda = result.borda_ranking[0]
    for method, other in (("condorcet", result.condorcet_winner), ("irv", result.irv_winner)):
        if other is not None and other != borda:
            above, below = result.pairwise[other][borda], result.pairwise[borda][other]
            return Disagreement(method, borda, other, above, below)
    return None


def ballots_csv(n_options: int, ballots: Sequence[CountedBallot]) -> bytes:
    """One row per ballot: an anonymous sequence number, the group (blank unless `visible` kept
    it), and the option at each rank."""
    # Sequence numbers, not database ids, in an order made of what the row shows and nothing
    # else: ids, or a sort on a group the row does not show, would tell something about who.
    ordered = sorted(ballots, key=lambda b: (b.group or "", b.ranking))
    rows = []
    for number, ballot in enumerate(ordered, 1):
        ranks = [str(option + 1) for option in ballot.ranking]
        rows.append([number, ballot.group or "", *ranks, *[""] * (n_options - len(ranks))])
    header = ["ballot", "stakeholder_group", *[f"rank_{i}" for i in range(1, n_options + 1)]]
    return csv_bytes(header, rows)


def results_csv(
    options: Sequence[str], result: PollCount, items: Sequence[str | None] = ()
) -> bytes:
    """One row per option: Borda points and place, Schulze place, and points by group. Texts
    are the poll's own language; `items` (a catalog poll's item ids, by option) add a column
    that names each catalog option whatever the language."""
    catalog = any(items)
    overall = result.overall
    borda_place = {option: place for place, option in enumerate(overall.borda_ranking, 1)}
    schulze_place = {option: place for place, option in enumerate(overall.schulze_ranking, 1)}
    first = first_preferences(overall)
    groups = list(result.by_group)
    header = [
        "option",
        "text",
        *(["catalog_item"] if catalog else []),
        "borda_points",
        "borda_place",
        "schulze_place",
        "first_preferences",
        *[f"borda_{g}" for g in groups],
    ]
    rows = [
        [
            index + 1,
            text,
            *([items[index] or ""] if catalog else []),
            plain_number(overall.borda[index]),
            borda_place[index],
            schulze_place[index],
            first[index],
            *[plain_number(result.by_group[g].borda[index]) for g in groups],
        ]
        for index, text in enumerate(options)
    ]
    return csv_bytes(header, rows)


def first_preferences(result: Tally) -> list[int]:
    """Ballots naming each option first (the instant runoff's first round)."""
    if not result.irv_rounds:
        return [0] * result.n_options
    return list(result.irv_rounds[0].votes)


def plain_number(value: float) -> int | float:
    """Points as the CSV and the chart write them: 3, not 3.0; 2.33, not 2.3333."""
    return int(value) if float(value).is_integer() else round(value, 2)
