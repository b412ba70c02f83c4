"""Poll results as data: per-group tallies, CSV files and a chart. No Telegram, no database."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

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
    by_group: dict[str, Tally]  # only groups with at least one ballot, in the given order


def count(n_options: int, ballots: Sequence[CountedBallot], groups: Sequence[str]) -> PollCount:
    """The overall tally and one per stakeholder group ("other" collects unknown groups)."""
    overall = tally(n_options, [b.ranking for b in ballots])
    by_group = {}
    for group in groups:
        members = [
            b.ranking for b in ballots if (b.group if b.group in groups else "other") == group
        ]
        if members:
            by_group[group] = tally(n_options, members)
    return PollCount(overall, by_group)


def ballots_csv(n_options: int, ballots: Sequence[CountedBallot]) -> bytes:
    """One row per ballot: an anonymous sequence number, the group, and the option at each rank."""
    # Sequence numbers, not database ids: ids would reveal the order in which people voted.
    ordered = sorted(ballots, key=lambda b: (b.group or "", b.ranking))
    rows = []
    for number, ballot in enumerate(ordered, 1):
        ranks = [str(option + 1) for option in ballot.ranking]
        rows.append([number, ballot.group or "", *ranks, *[""] * (n_options - len(ranks))])
    header = ["ballot", "stakeholder_group", *[f"rank_{i}" for i in range(1, n_options + 1)]]
    return csv_bytes(header, rows)


def results_csv(options: Sequence[str], result: PollCount) -> bytes:
    """One row per option: Borda points and place, Schulze place, and points by group."""
    overall = result.overall
    borda_place = {option: place for place, option in enumerate(overall.borda_ranking, 1)}
    schulze_place = {option: place for place, option in enumerate(overall.schulze_ranking, 1)}
    first = _first_preferences(overall)
    groups = list(result.by_group)
    header = [
        "option",
        "text",
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
            _num(overall.borda[index]),
            borda_place[index],
            schulze_place[index],
            first[index],
            *[_num(result.by_group[g].borda[index]) for g in groups],
        ]
        for index, text in enumerate(options)
    ]
    return csv_bytes(header, rows)


def _first_preferences(result: Tally) -> list[int]:
    if not result.irv_rounds:
        return [0] * result.n_options
    return list(result.irv_rounds[0].votes)


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


def chart_png(
    options: Sequence[str], result: PollCount, group_labels: dict[str, str], axis_label: str
) -> bytes:
    """Horizontal bars of Borda points per option, stacked by stakeholder group; phone-sized.

    Options are labelled by number (their text is in the message beside the chart): the bundled
    font has no Thai or CJK glyphs, and numbers read the same in every language.
    """
    # The Figure API, not pyplot: no backend machinery or global figure registry to load, and
    # nothing to close. Imported here, so a bot that never draws a chart never loads it.
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    order = list(reversed(result.overall.borda_ranking))  # best at the top
    fig = Figure(figsize=(6, 0.45 * len(options) + 1.6), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    left = [0.0] * len(order)
    colours = colormaps["tab10"].colors
    for index, (group, group_tally) in enumerate(result.by_group.items()):
        values = [float(group_tally.borda[o]) for o in order]
        label = _drawable(group_labels.get(group, group), group)
        ax.barh(range(len(order)), values, left=left, color=colours[index % 10], label=label)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(range(len(order)), [f"#{o + 1}" for o in order])
    ax.set_xlabel(_drawable(axis_label, "Borda"))
    ax.spines[["top", "right"]].set_visible(False)
    if result.by_group:
        ax.legend(loc="lower right", fontsize=8, frameon=False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _drawable(label: str, fallback: str) -> str:
    """The label if the default font can draw it, else the stored key (e.g. 'civil_society')."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    font = FT2Font(font_manager.findfont(font_manager.FontProperties()))
    return label if all(font.get_char_index(ord(ch)) for ch in label) else fallback
