"""The results chart: Borda points per option, stacked by stakeholder group, as a PNG. No
Telegram, no database. Its tallies come from bot/poll_report.py."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from bot import chart_fonts
from bot.poll_report import PollCount, plain_number

if TYPE_CHECKING:  # matplotlib itself is imported only when a chart is drawn
    from matplotlib.typing import ColorType, RcKeyType


CHART_LABEL_WIDTH = 26  # characters per line of an option's label beside its bar
CHART_LABEL_LINES = 2  # lines per label; longer names are shortened (the message has them whole)


def chart_png(
    options: Sequence[str],
    result: PollCount,
    group_labels: dict[str, str],
    axis_label: str,
    heading: str,
    question: str,
    language: str = "en",
) -> bytes:
    """Horizontal bars of Borda points per option, best at the top, stacked by the groups
    `result` may show (with a legend), each bar's total at its end; phone-sized.

    Each bar is labelled "n. name", the name wrapped and shortened to two short lines. Text is
    set in the Noto fonts of `bot.chart_fonts`, which cover every language the bot speaks, and
    shaped for `language` (the reader's): it chooses Chinese, Japanese or Korean forms of the
    characters they share, Urdu forms of Arabic letters and digits.
    Only a label in a script none of them has (a last resort) falls back to its number alone,
    which the message beside the chart names. The title is "heading: question", else the
    heading alone, else none.
    """
    from matplotlib import rc_context  # heavy, for charts only: loaded at the first one

    chart_fonts.register()
    texts = [*options, *group_labels.values(), axis_label, heading, question]
    style: dict[RcKeyType, object] = {
        "font.family": chart_fonts.families_for(texts),
        "text.language": _bcp47(language),
    }
    # Every text, tick labels included, takes its font when it is made, some only while the
    # figure is drawn: all of it happens inside the style.
    with rc_context(style):
        title = _drawable(_wrap(f"{heading}: {question}", 52, 3), _drawable(heading, ""))
        return _draw(options, result, group_labels, axis_label, title)


def _draw(
    options: Sequence[str], result: PollCount, group_labels: dict[str, str], axis: str, title: str
) -> bytes:
    """The chart itself, in the style `chart_png` set; `title` may be empty (none)."""
    # The Figure API, not pyplot: no backend machinery or global figure registry to load, and
    # nothing to close. Imported here, so a bot that never draws a chart never loads it.
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    order = list(reversed(result.overall.borda_ranking))  # best at the top
    labels = [_bar_label(o, options[o]) for o in order]
    rows = sum(label.count("\n") + 1 for label in labels)
    height = 0.28 * rows + 0.35 * len(order) + 0.25 * (title.count("\n") + 1) + 1.4
    fig = Figure(figsize=(6, height), dpi=150)
    canvas = FigureCanvasAgg(fig)  # becomes fig.canvas
    ax = fig.subplots()
    left = [0.0] * len(order)
    tab10 = colormaps["tab10"]
    assert isinstance(tab10, ListedColormap)
    # Ten RGB tuples; matplotlib's stub types `colors` as any array-like.
    colours = cast("Sequence[ColorType]", tab10.colors)
    # Without a breakdown that may be shown, one bar per option: the forum's total.
    stacks = result.by_group or {"": result.overall}
    for index, (group, group_tally) in enumerate(stacks.items()):
        values = [float(group_tally.borda[o]) for o in order]
        label = _drawable(group_labels.get(group, group), group) if group else None
        ax.barh(range(len(order)), values, left=left, color=colours[index % 10], label=label)
        left = [a + b for a, b in zip(left, values, strict=True)]
    top = max(left, default=0.0) or 1.0
    for row, total in enumerate(left):
        ax.text(total + top * 0.01, row, f"{plain_number(total)}", va="center", fontsize=8)
    ax.set_yticks(range(len(order)), labels, fontsize=8)
    ax.set_xlim(0, top * 1.12)  # from zero, with room for the totals
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(_drawable(axis, "Borda"))
    if title:
        # Over the whole figure, from its left edge: long labels must not push it off the side.
        fig.suptitle(title, x=0.02, ha="left", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    if result.by_group:
        # Under the axis, where it never hides a bar; in as many columns (up to three) as fit
        # across the figure: group names are much longer in some languages than in others.
        for columns in range(min(3, len(stacks)), 0, -1):
            legend = ax.legend(
                loc="upper center",
                bbox_to_anchor=(0.5, -0.12 * 6 / height),
                ncol=columns,
                fontsize=8,
                frameon=False,
            )
            fig.tight_layout()
            box = legend.get_window_extent(canvas.get_renderer())
            if box.x0 >= 0 and box.x1 <= fig.bbox.width:
                break
    else:
        fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _bar_label(option: int, text: str) -> str:
    """ "n. name", wrapped and shortened; "n." alone if no chart font can draw the name."""
    number = f"{option + 1}."
    return _drawable(_wrap(f"{number} {text}", CHART_LABEL_WIDTH, CHART_LABEL_LINES), number)


def _wrap(text: str, width: int, lines: int) -> str:
    """`text` in at most `lines` lines of about `width` cells, the last one shortened with "…".

    Lines break between words where there are spaces. A word longer than a line (and Thai,
    Khmer, Chinese or Japanese, which write none between words) is cut between characters, but
    never between a letter and its combining marks: a Thai or Indic vowel sign or a Khmer
    subscript cut from its letter would be drawn on a dotted circle. Chinese, Japanese and
    Korean characters take two cells, as they are twice as wide.
    """
    rows: list[list[str]] = [[]]
    for word in text.split():
        clusters = _clusters(word)
        gap = [" "] if rows[-1] else []
        if _cells(rows[-1] + gap + clusters) <= width:
            rows[-1] += gap + clusters
            continue
        fits = _cells(clusters) <= (width // 2 if _unspaced(clusters) else width)
        if rows[-1] and fits:  # a long run of Thai, Khmer or CJK fills the line instead
            rows.append(clusters)
            continue
        rows[-1] += gap
        for cluster in clusters:  # too long for any line: cut it where the line ends
            if rows[-1] and _cells(rows[-1] + [cluster]) > width:
                rows.append([])
            rows[-1].append(cluster)
    if len(rows) > lines:
        rows, rest = rows[:lines], rows[lines]
        last = rows[-1]
        while last and _cells(last) > width - 2:
            rest.insert(0, last.pop())
        if " " in last and rest[0] != " ":  # cut in a word: end at the word before
            del last[len(last) - last[::-1].index(" ") :]
        rows[-1] = [*"".join(last).rstrip(), " …"]
    return "\n".join("".join(row).strip() for row in rows if row)


def _clusters(word: str) -> list[str]:
    """`word` cut where a line may break: never before a combining mark or a joiner, nor after
    a virama (an Indic conjunct, a Khmer subscript) or a Thai vowel written before its letter."""
    clusters: list[str] = []
    for char in word:
        if clusters and (_clings(char) or _leans(clusters[-1][-1])):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def _clings(char: str) -> bool:
    """A combining mark or a joiner: it belongs with the character before it."""
    return unicodedata.category(char) in ("Mn", "Mc", "Me") or char in "\u200c\u200d"


def _leans(char: str) -> bool:
    """A virama, a joiner or a Thai prefixed vowel (เ แ โ ใ ไ): it belongs with the next one."""
    return unicodedata.combining(char) == 9 or char == "\u200d" or "\u0e40" <= char <= "\u0e44"


def _unspaced(clusters: list[str]) -> bool:
    """Whether these are in a script written without spaces between words (Thai, Lao, Myanmar,
    Khmer, Chinese, Japanese): its "word" may be a whole phrase."""
    return any(
        "\u0e00" <= c[0] <= "\u0eff"
        or "\u1000" <= c[0] <= "\u109f"
        or "\u1780" <= c[0] <= "\u17ff"
        or unicodedata.east_asian_width(c[0]) in "WF"
        for c in clusters
    )


def _cells(clusters: list[str]) -> float:
    """The width of `clusters` in cells of a Latin letter: a wide (CJK) character takes two, a
    syllable of an Indic script or Khmer about one and a half."""
    return sum(
        2 if unicodedata.east_asian_width(c[0]) in "WF" else 1.5 if _broad(c[0]) else 1
        for c in clusters
    )


def _broad(char: str) -> bool:
    """Devanagari to Sinhala, or Khmer: letters broader than Latin ones at the same size."""
    return "\u0900" <= char <= "\u0dff" or "\u1780" <= char <= "\u17ff"


def _drawable(label: str, fallback: str) -> str:
    """The label if the chart fonts can draw it, else `fallback` (a number or a stored key):
    a last resort for a script none of them has."""
    return label if chart_fonts.can_draw(label) else fallback


def _bcp47(language: str) -> str:
    """A catalog's language code as libraqm wants it ("zh_Hans" → "zh-Hans")."""
    return language.replace("_", "-")
