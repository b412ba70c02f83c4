"""Counting ranked-priority polls: modified Borda count, Schulze method, instant runoff.

Pure counting: no Telegram, no database, no I/O. The rules below are what the bot publishes next
to the results, so change them only together with the text shown to members.

Ballots
    A ballot lists option numbers (0 … n_options-1) from most to least preferred. It may rank
    any number of options, from none to all; an option may appear at most once. Options a ballot
    leaves out are "unranked": below every option it ranks, and level with each other. Empty
    ballots are ignored entirely and not counted. A ballot naming an unknown option, or one
    option twice, is rejected with `InvalidBallot` (nothing is counted).

Tie-break (used wherever a strict order is needed)
    Higher Borda score first; between equal Borda scores, the option listed first (lower
    number) first. `Tally.borda_ranking` is exactly this order.

Modified Borda count
    A ballot ranking k options gives k points to its first choice, k-1 to its second, …, 1 to
    its k-th, and 0 to every option it leaves out. A full ranking of n options gives n … 1.
    Ranking more options never costs one's favourite its lead: it always gets the most points
    of that ballot. (Classic Borda would give a lone choice n-1 points and reward ranking just
    one's favourite.) Options are ranked by points, ties broken as above.

Schulze method (winning votes)
    d[i][j] is the number of ballots preferring i to j (a ranked option is preferred to every
    unranked one; two unranked options are not compared). The link i→j has strength d[i][j]
    when d[i][j] > d[j][i], else there is no link. The strength of a path is its weakest link;
    p[i][j] is the strength of the strongest path from i to j (widest paths, Floyd–Warshall).
    i ranks above j when p[i][j] > p[j][i]. That relation is a strict partial order; options it
    leaves unordered are ordered by the tie-break (each step takes, among the options no
    remaining option beats, the first in tie-break order). A Condorcet winner — an option
    preferred to each other option by more ballots than the reverse — always comes first.

Instant runoff (single winner)
    Each round, every ballot counts for its highest-ranked option still in the race; a ballot
    with none left is "exhausted". An option with more than half of the non-exhausted ballots
    wins. Otherwise the option with the fewest votes is eliminated — exactly one per round, even
    when several have no votes — and the next round begins. Between options tied for fewest
    votes, the one with the lower Borda score (of the whole poll) is eliminated, then the one
    listed later (higher number), i.e. the one last in the tie-break order. The last option left
    wins. With no ballots there is no winner.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.ranking_irv import IRVRound, instant_runoff

# numpy is imported inside the functions that count: it costs ~13 MB and ~0.15 s, and a bot
# that counts nothing (most of its life: taps, dialogs) need not carry it (bench/footprint.py).
if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "Ballot",
    "IRVRound",
    "InvalidBallot",
    "Tally",
    "borda_scores",
    "pairwise_matrix",
    "positions_matrix",
    "schulze_order",
    "schulze_strengths",
    "tally",
]

Ballot = Sequence[int]  # option numbers, most preferred first; partial allowed, no duplicates


class InvalidBallot(ValueError):
    """A ballot names an option outside 0 … n_options-1, repeats one, or is not integers."""


@dataclass(frozen=True)
class Tally:
    """Everything the bot publishes about one poll's count."""

    n_options: int
    ballots: int  # ballots counted (empty ballots are ignored entirely and not counted)
    borda: tuple[float, ...]  # modified Borda points per option
    borda_ranking: tuple[int, ...]  # all options, best first; strict order via the tie-break
    pairwise: tuple[tuple[int, ...], ...]  # d[i][j] = ballots preferring i over j
    schulze_ranking: tuple[int, ...]  # all options, best first; strict via the tie-break
    condorcet_winner: int | None  # beats every other option head-to-head (strictly), if any
    irv_winner: int | None  # None only when there are no ballots
    irv_rounds: tuple[IRVRound, ...]


@dataclass(frozen=True)
class _Profile:
    """Validated, non-empty ballots in array form (shared by every method)."""

    n_options: int
    options: np.ndarray  # all ballots' options concatenated, in ballot order
    lengths: np.ndarray  # options ranked per ballot (all > 0)
    ranks: np.ndarray  # 0-based rank of each entry of `options` within its ballot
    positions: np.ndarray  # [ballot, option] -> rank, or n_options when unranked


def _profile(n_options: int, ballots: Sequence[Ballot]) -> _Profile:
    """Validate the ballots and build the positions matrix, vectorised (one pass in Python)."""
    import numpy as np  # at the first count, not at start (see the imports above)

    if n_options < 0:
        raise ValueError(f"n_options must be >= 0, got {n_options}")
    ballots = ballots if isinstance(ballots, Sequence) else list(ballots)
    all_lengths = np.fromiter(map(len, ballots), dtype=np.intp, count=len(ballots))
    # np.array (not np.fromiter) so that 1.5 or "2" yields a non-integer dtype instead of being
    # silently converted to an option number.
    options = np.array(list(itertools.chain.from_iterable(ballots)))
    if options.size == 0:
        options = options.astype(np.intp)
    elif options.dtype.kind not in "iu" or options.ndim != 1:
        raise InvalidBallot("ballots must list option numbers (integers)")
    ends = np.cumsum(all_lengths)

    def where(entry: int) -> int:  # 0-based index, in the caller's list, of a flat entry's ballot
        return int(np.searchsorted(ends, entry, side="right"))

    if options.size and (options.min() < 0 or options.max() >= n_options):
        entry = int(np.flatnonzero((options < 0) | (options >= n_options))[0])
        valid = f"0..{n_options - 1}" if n_options else "the empty list of options"
        raise InvalidBallot(f"ballot {where(entry)}: option {options[entry]} is not in {valid}")
    options = options.astype(np.intp, copy=False)
    lengths = all_lengths[all_lengths > 0]  # empty ballots contribute no entries: drop them
    n_ballots = lengths.size
    starts = np.cumsum(lengths) - lengths
    rows = np.repeat(np.arange(n_ballots), lengths)
    ranks = np.arange(options.size) - np.repeat(starts, lengths)
    # Smallest integer type holding 0..n_options keeps the matrix (and every pass over it) small.
    positions = np.full((n_ballots, n_options), n_options, dtype=np.min_scalar_type(n_options))
    positions[rows, options] = ranks
    # A repeated option overwrites its own cell, so that ballot shows fewer ranked cells.
    short = np.flatnonzero(np.count_nonzero(positions < n_options, axis=1) != lengths)
    if short.size:
        row = int(short[0])
        entries = options[starts[row] : starts[row] + lengths[row]]
        values, counts = np.unique(entries, return_counts=True)
        repeated = int(values[counts > 1][0])
        raise InvalidBallot(f"ballot {where(int(starts[row]))}: option {repeated} appears twice")
    return _Profile(n_options, options, lengths, ranks, positions)


def positions_matrix(n_options: int, ballots: Sequence[Ballot]) -> np.ndarray:
    """[ballot, option] -> 0-based rank, or n_options if unranked; empty ballots dropped."""
    return _profile(n_options, ballots).positions


def _borda(p: _Profile) -> np.ndarray:
    # Entry at rank r of a ballot ranking k options earns k - r points (k for the first choice).
    import numpy as np  # at the first count, not at start (see the imports above)

    points = np.repeat(p.lengths, p.lengths) - p.ranks
    return np.bincount(p.options, weights=points, minlength=p.n_options).astype(np.float64)


def borda_scores(n_options: int, ballots: Sequence[Ballot]) -> np.ndarray:
    """Modified Borda points per option (float array of length n_options)."""
    return _borda(_profile(n_options, ballots))


def _pairwise(positions: np.ndarray) -> np.ndarray:
    import numpy as np  # at the first count, not at start (see the imports above)

    n = positions.shape[1]
    # Option-major copy: each comparison below then streams over contiguous memory (~7x faster).
    by_option = np.ascontiguousarray(positions.T)
    d = np.zeros((n, n), dtype=np.int64)
    for i in range(n):
        # Unranked is n_options, so "ranked beats unranked" and "unranked ties" come for free.
        d[i] = np.count_nonzero(by_option[i] < by_option, axis=1)
    return d


def pairwise_matrix(n_options: int, ballots: Sequence[Ballot]) -> np.ndarray:
    """d[i][j] = number of ballots preferring option i to option j."""
    return _pairwise(_profile(n_options, ballots).positions)


def schulze_strengths(d: np.ndarray) -> np.ndarray:
    """Strongest-path strengths p[i][j] (winning votes, widest paths); the diagonal is 0."""
    import numpy as np  # at the first count, not at start (see the imports above)

    d = np.asarray(d, dtype=np.int64)
    p = np.where(d > d.T, d, 0)  # a link exists only where i beats j; its strength = d[i][j]
    for k in range(p.shape[0]):
        # Widen every path i→j through k at once. Updates touching the diagonal or k itself can
        # never exceed the current value, so the vectorised form equals the textbook triple loop.
        np.maximum(p, np.minimum(p[:, k, None], p[None, k, :]), out=p)
    np.fill_diagonal(p, 0)
    return p


def schulze_order(p: np.ndarray, tiebreak: Sequence[int]) -> tuple[int, ...]:
    """All options, best first: the Schulze relation completed by `tiebreak` (best first).

    Each step takes the first option in tie-break order that no remaining option beats. One
    always exists because the relation p[i][j] > p[j][i] is a strict partial order.
    """
    import numpy as np  # at the first count, not at start (see the imports above)

    beats = np.asarray(p) > np.asarray(p).T
    remaining = list(tiebreak)
    order: list[int] = []
    while remaining:
        top = next(c for c in remaining if not any(beats[o, c] for o in remaining))
        order.append(top)
        remaining.remove(top)
    return tuple(order)


def _condorcet_winner(d: np.ndarray, n_ballots: int) -> int | None:
    import numpy as np  # at the first count, not at start (see the imports above)

    if n_ballots == 0:
        return None  # nothing was compared: no winner of any kind
    wins = d > d.T
    for i in range(d.shape[0]):
        if np.count_nonzero(wins[i]) == d.shape[0] - 1:
            return i
    return None


def tally(n_options: int, ballots: Sequence[Ballot]) -> Tally:
    """Count a poll by all three methods. Raises InvalidBallot; see the module docstring."""
    import numpy as np  # at the first count, not at start (see the imports above)

    profile = _profile(n_options, ballots)
    n_ballots = int(profile.lengths.size)
    borda = _borda(profile)
    # Stable sort on -score keeps equal scores in option order: exactly the tie-break.
    tiebreak = np.argsort(-borda, kind="stable")
    tiebreak_rank = np.empty(n_options, dtype=np.intp)
    tiebreak_rank[tiebreak] = np.arange(n_options)
    d = _pairwise(profile.positions)
    irv_winner, irv_rounds = instant_runoff(profile.positions, tiebreak_rank)
    return Tally(
        n_options=n_options,
        ballots=n_ballots,
        borda=tuple(borda.tolist()),
        borda_ranking=tuple(tiebreak.tolist()),
        pairwise=tuple(tuple(row) for row in d.tolist()),
        schulze_ranking=schulze_order(schulze_strengths(d), tiebreak.tolist()),
        condorcet_winner=_condorcet_winner(d, n_ballots),
        irv_winner=irv_winner,
        irv_rounds=irv_rounds,
    )
