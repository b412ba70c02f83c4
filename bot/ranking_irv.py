"""Instant-runoff voting (single winner) on a positions matrix. Pure counting, no I/O.

Split off `bot.ranking`, which validates the ballots, defines the tie-break and documents every
rule; this module only runs the rounds. Call `bot.ranking.tally` rather than this directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when a count runs, as in bot.ranking
    import numpy as np


@dataclass(frozen=True)
class IRVRound:
    """One round of an instant-runoff count, as shown to members."""

    votes: tuple[int, ...]  # first-preference count per option this round (0 for eliminated)
    eliminated: int | None  # option eliminated at the end of this round (None in the final round)
    exhausted: int  # ballots with no remaining continuing preference


def instant_runoff(
    positions: np.ndarray, tiebreak_rank: np.ndarray
) -> tuple[int | None, tuple[IRVRound, ...]]:
    """Run instant runoff; return the winner (None if there are no ballots) and the rounds.

    `positions[b, i]` is the 0-based rank ballot b gives option i, or `n_options` if unranked;
    every row ranks at least one option. `tiebreak_rank[i]` is option i's place in the
    deterministic tie-break order (0 = best): among options tied for fewest votes, the one
    placed last in that order is eliminated.
    """
    import numpy as np  # at the first count, not at start (see the imports above)

    n_ballots, n_options = positions.shape
    if n_ballots == 0:
        return None, ()
    continuing = np.ones(n_options, dtype=bool)
    # Each ballot's current vote: its highest-ranked continuing option, or -1 once exhausted.
    # Every row is non-empty, so at the start the row minimum is the first choice.
    top = positions.argmin(axis=1).astype(np.intp)
    rounds: list[IRVRound] = []
    while True:
        live = top >= 0
        active = int(np.count_nonzero(live))
        votes = np.bincount(top[live], minlength=n_options)
        candidates = np.flatnonzero(continuing)
        cand_votes = votes[candidates]
        leader = int(candidates[np.argmax(cand_votes)])
        # A strict majority of the ballots still in play wins. A lone survivor holds every live
        # ballot, so it always passes this test; the explicit check only documents the rule.
        if 2 * int(votes[leader]) > active or candidates.size == 1:
            rounds.append(IRVRound(tuple(votes.tolist()), None, n_ballots - active))
            return leader, tuple(rounds)
        # Exactly one option leaves per round, zero-vote ones included: it costs a few extra
        # (empty) rounds but every elimination is visible and explained in the published count.
        tied = candidates[cand_votes == cand_votes.min()]
        loser = int(tied[np.argmax(tiebreak_rank[tied])])
        rounds.append(IRVRound(tuple(votes.tolist()), loser, n_ballots - active))
        continuing[loser] = False
        # Only ballots currently counting for the loser transfer; recompute just those rows.
        moved = np.flatnonzero(top == loser)
        if moved.size:
            ranks = np.where(continuing, positions[moved], n_options)  # eliminated = unranked
            best = ranks.argmin(axis=1)
            still_ranked = ranks[np.arange(moved.size), best] < n_options
            top[moved] = np.where(still_ranked, best, -1)
