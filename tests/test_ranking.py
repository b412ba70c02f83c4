"""bot.ranking: hand-worked examples, properties, and a cross-check against pref_voting."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ranking import (
    InvalidBallot,
    IRVRound,
    borda_scores,
    pairwise_matrix,
    positions_matrix,
    schulze_strengths,
    tally,
)

PROPERTY = settings(max_examples=200, deadline=None)


def expand(groups: list[tuple[int, list[int]]]) -> list[list[int]]:
    """[(count, ballot), …] -> the individual ballots."""
    return [list(ballot) for count, ballot in groups for _ in range(count)]


def letters(groups: list[tuple[int, str]], names: str) -> list[list[int]]:
    return expand([(count, [names.index(c) for c in ballot]) for count, ballot in groups])


# --- hand-worked examples ------------------------------------------------------------------


def test_full_rankings_borda_and_irv_tiebreak():
    ballots = expand([(3, [0, 1, 2]), (2, [1, 2, 0]), (1, [2, 1, 0])])
    t = tally(3, ballots)
    # Full ballots give 3, 2, 1 points.
    # 0: 3·3 + 2·1 + 1·1 = 12;  1: 3·2 + 2·3 + 1·2 = 14;  2: 3·1 + 2·2 + 1·3 = 10.
    assert t.borda == (12.0, 14.0, 10.0)
    assert t.borda_ranking == (1, 0, 2)
    assert t.ballots == 6
    assert t.pairwise == ((0, 3, 3), (3, 0, 5), (3, 1, 0))
    assert t.condorcet_winner is None  # 0–1 and 0–2 are tied 3–3
    # IRV: 2 goes first and transfers to 1; 0 and 1 then tie 3–3 and 0 (fewer Borda points)
    # is eliminated, although 0 led the first round.
    assert t.irv_rounds == (
        IRVRound((3, 2, 1), 2, 0),
        IRVRound((3, 3, 0), 0, 0),
        IRVRound((0, 6, 0), None, 0),
    )
    assert t.irv_winner == 1
    # Schulze: 1 beats 2 (5–1); 0–1 and 0–2 are ties, so the tie-break places 0 after 1.
    assert t.schulze_ranking == (1, 0, 2)


def test_modified_borda_for_partial_ballots():
    # k ranked options get k … 1 points, unranked ones 0.
    assert borda_scores(4, [[2]]).tolist() == [0, 0, 1, 0]
    assert borda_scores(4, [[3, 1]]).tolist() == [0, 1, 0, 2]
    assert borda_scores(4, [[3, 2, 1, 0]]).tolist() == [1, 2, 3, 4]
    assert borda_scores(4, [[2], [3, 1], [0, 1, 2]]).tolist() == [3, 3, 2, 2]
    # Ranking only one's favourite gives it 1 point, no more than as the last of a long ballot.
    bullet = tally(4, [[0], [1, 2, 3, 0]])
    assert bullet.borda == (2.0, 4.0, 3.0, 2.0)
    assert bullet.borda_ranking == (1, 2, 0, 3)  # 0 and 3 tie on 2 points: lower number first


def test_pairwise_ranked_beats_unranked_and_unranked_tie():
    d = pairwise_matrix(4, [[1, 3]])
    assert d.tolist() == [[0, 0, 0, 0], [1, 0, 1, 1], [0, 0, 0, 0], [1, 0, 1, 0]]


def test_rock_paper_scissors_schulze_drops_the_weakest_defeat():
    ballots = expand([(4, [0, 1, 2]), (3, [1, 2, 0]), (2, [2, 0, 1])])
    t = tally(3, ballots)
    # Cycle 0 > 1 (6–3), 1 > 2 (7–2), 2 > 0 (5–4): no Condorcet winner.
    assert t.pairwise == ((0, 6, 4), (3, 0, 7), (5, 2, 0))
    assert t.condorcet_winner is None
    p = schulze_strengths(np.array(t.pairwise))
    assert p.tolist() == [[0, 6, 6], [5, 0, 7], [5, 5, 0]]
    # The weakest link 2 > 0 (5) loses: 0 > 1 > 2.
    assert t.schulze_ranking == (0, 1, 2)
    assert t.borda == (19.0, 19.0, 16.0)
    assert t.borda_ranking == (0, 1, 2)


def test_wikipedia_schulze_example():
    # https://en.wikipedia.org/wiki/Schulze_method#Example — 45 voters, 5 candidates.
    groups = [(5, "ACBED"), (5, "ADECB"), (8, "BEDAC"), (3, "CABED")]
    groups += [(7, "CAEBD"), (2, "CBADE"), (7, "DCEBA"), (8, "EBADC")]
    t = tally(5, letters(groups, "ABCDE"))
    assert t.ballots == 45
    assert t.pairwise == (
        (0, 20, 26, 30, 22),
        (25, 0, 16, 33, 18),
        (19, 29, 0, 17, 24),
        (15, 12, 28, 0, 14),
        (23, 27, 21, 31, 0),
    )
    assert schulze_strengths(np.array(t.pairwise)).tolist() == [
        [0, 28, 28, 30, 24],
        [25, 0, 28, 33, 24],
        [25, 29, 0, 29, 24],
        [25, 28, 28, 0, 24],
        [25, 28, 28, 31, 0],
    ]
    assert t.schulze_ranking == (4, 0, 2, 1, 3)  # E > A > C > B > D
    assert t.condorcet_winner is None


def test_irv_three_rounds_with_transfer_and_exhaustion():
    ballots = expand([(8, [0]), (6, [1, 2]), (5, [2, 1]), (3, [3, 2]), (1, [3])])
    t = tally(4, ballots)
    assert t.irv_rounds == (
        # 23 ballots, 12 needed: nobody. 3 has fewest.
        IRVRound(
            (
                8,
                6,
                5,
                4,
            ),
            3,
            0,
        ),
        # Three of 3's ballots move to 2; the bullet vote for 3 is exhausted. 1 has fewest.
        IRVRound((8, 6, 8, 0), 1, 1),
        # 1's six ballots move to 2: 14 of the 22 live ballots.
        IRVRound((8, 0, 14, 0), None, 1),
    )
    assert t.irv_winner == 2


def test_irv_majority_is_of_the_non_exhausted_ballots():
    t = tally(3, expand([(4, [0]), (3, [1]), (2, [2])]))
    # Round 2: 0 has 4 of 9 ballots, but 4 of the 7 still live: a majority.
    assert t.irv_rounds == (IRVRound((4, 3, 2), 2, 0), IRVRound((4, 3, 0), None, 2))
    assert t.irv_winner == 0


def test_irv_zero_vote_options_go_one_per_round_then_tiebreak_by_index():
    t = tally(5, expand([(2, [0]), (2, [1]), (1, [2])]))
    assert [r.eliminated for r in t.irv_rounds] == [4, 3, 2, 1, None]
    assert t.irv_rounds[0].votes == t.irv_rounds[1].votes == (2, 2, 1, 0, 0)
    # 0 and 1 tie on votes and Borda points (2 each): the higher number (1) goes.
    assert t.irv_rounds[3] == IRVRound((2, 2, 0, 0, 0), 1, 1)
    assert t.irv_rounds[4] == IRVRound((2, 0, 0, 0, 0), None, 3)
    assert t.irv_winner == 0


def test_irv_elimination_tie_goes_to_lower_borda_before_index():
    t = tally(3, expand([(2, [0, 2]), (2, [1, 2]), (3, [2, 1])]))
    assert t.borda == (4.0, 7.0, 10.0)
    assert t.irv_rounds[0] == IRVRound((2, 2, 3), 0, 0)  # not 1, which is listed later
    assert t.irv_winner == 2


@pytest.mark.parametrize("ballots", [[], [[]], [[], [], []]])
def test_no_ballots(ballots):
    t = tally(3, ballots)
    assert t.ballots == 0
    assert t.borda == (0.0, 0.0, 0.0)
    assert t.borda_ranking == t.schulze_ranking == (0, 1, 2)
    assert t.pairwise == ((0, 0, 0),) * 3
    assert t.condorcet_winner is None
    assert t.irv_winner is None
    assert t.irv_rounds == ()


def test_empty_ballots_are_not_counted():
    assert tally(2, [[], [1], []]) == tally(2, [[1]])
    assert positions_matrix(3, [[], [2, 0], []]).tolist() == [[1, 3, 0]]


def test_degenerate_sizes_and_input_types():
    assert tally(0, []).borda_ranking == ()
    one = tally(1, [[0], [0]])
    assert (one.condorcet_winner, one.irv_winner) == (0, 0)
    assert one.irv_rounds == (IRVRound((2,), None, 0),)
    # Tuples, numpy integers and arrays, and a generator of ballots are all accepted.
    reference = tally(3, [[2, 0], [1]])
    assert tally(3, ((np.int64(2), np.int8(0)), np.array([1]))) == reference
    assert tally(3, (b for b in [[2, 0], [1]])) == reference
    with pytest.raises(ValueError):
        tally(-1, [])


@pytest.mark.parametrize(
    ("ballots", "message"),
    [
        ([[0, 3]], "ballot 0: option 3 is not in 0..2"),
        ([[0], [], [-1]], "ballot 2: option -1 is not in 0..2"),
        ([[1, 2], [], [0, 2, 0]], "ballot 2: option 0 appears twice"),
        ([[1], [1.5]], "integers"),
        ([["a"]], "integers"),
    ],
)
def test_invalid_ballots(ballots, message):
    with pytest.raises(InvalidBallot, match=message):
        tally(3, ballots)


# --- reference implementations (slow, literal) and property tests ---------------------------


def naive_borda(n: int, ballots: list[list[int]]) -> list[int]:
    scores = [0] * n
    for ballot in ballots:
        for rank, option in enumerate(ballot):
            scores[option] += len(ballot) - rank
    return scores


def naive_pairwise(n: int, ballots: list[list[int]]) -> list[list[int]]:
    d = [[0] * n for _ in range(n)]
    for ballot in ballots:
        pos = {option: rank for rank, option in enumerate(ballot)}
        for i in range(n):
            for j in range(n):
                if i in pos and (j not in pos or pos[i] < pos[j]):
                    d[i][j] += 1
    return d


def naive_schulze_strengths(d: list[list[int]]) -> list[list[int]]:
    """The textbook triple loop (Wikipedia, "Implementation")."""
    n = len(d)
    p = [[d[i][j] if i != j and d[i][j] > d[j][i] else 0 for j in range(n)] for i in range(n)]
    for i in range(n):
        for j in range(n):
            if i != j:
                for k in range(n):
                    if i != k and j != k:
                        p[j][k] = max(p[j][k], min(p[j][i], p[i][k]))
    return p


def naive_irv(n: int, ballots: list[list[int]], borda: list[int]):
    ballots = [b for b in ballots if b]
    continuing, rounds = set(range(n)), []
    while ballots:
        votes, exhausted = [0] * n, 0
        for ballot in ballots:
            top = next((o for o in ballot if o in continuing), None)
            if top is None:
                exhausted += 1
            else:
                votes[top] += 1
        leader = max(continuing, key=lambda o: votes[o])
        if 2 * votes[leader] > len(ballots) - exhausted or len(continuing) == 1:
            rounds.append(IRVRound(tuple(votes), None, exhausted))
            return leader, tuple(rounds)
        loser = min(continuing, key=lambda o: (votes[o], borda[o], -o))
        rounds.append(IRVRound(tuple(votes), loser, exhausted))
        continuing.remove(loser)
    return None, ()


@st.composite
def profiles(draw, min_options=1, max_options=6, max_ballots=30, complete=False):
    """(n_options, ballots): partial ballots of any length (empty included) unless `complete`."""
    n = draw(st.integers(min_options, max_options))
    if complete:
        ballot = st.permutations(range(n))
    else:
        ballot = st.lists(st.integers(0, n - 1), unique=True, max_size=n) if n else st.just([])
    return n, draw(st.lists(ballot, max_size=max_ballots))


@PROPERTY
@given(profiles())
def test_matches_literal_reference_implementations(profile):
    n, ballots = profile
    t = tally(n, ballots)
    borda = naive_borda(n, ballots)
    d = naive_pairwise(n, ballots)
    assert list(t.borda) == borda
    assert t.borda_ranking == tuple(sorted(range(n), key=lambda o: (-borda[o], o)))
    assert [list(row) for row in t.pairwise] == d
    assert schulze_strengths(np.array(d, dtype=np.int64).reshape(n, n)).tolist() == (
        naive_schulze_strengths(d)
    )
    assert (t.irv_winner, t.irv_rounds) == naive_irv(n, ballots, borda)


@PROPERTY
@given(profiles())
def test_rankings_pairwise_and_schulze_order_are_consistent(profile):
    n, ballots = profile
    t = tally(n, ballots)
    assert sorted(t.borda_ranking) == sorted(t.schulze_ranking) == list(range(n))
    assert t.ballots == sum(1 for b in ballots if b)
    for i in range(n):
        assert t.pairwise[i][i] == 0
        for j in range(n):
            assert t.pairwise[i][j] + t.pairwise[j][i] <= t.ballots
    p = schulze_strengths(np.array(t.pairwise, dtype=np.int64).reshape(n, n))
    beats = p > p.T
    place = {option: k for k, option in enumerate(t.schulze_ranking)}
    for a in range(n):
        assert not beats[a, a]
        for b in range(n):
            if beats[a, b]:
                assert place[a] < place[b]  # the ranking extends the Schulze relation
                assert all(beats[a, c] for c in range(n) if beats[b, c])  # transitive
    if t.ballots:
        assert t.irv_winner in range(n)
        assert t.irv_rounds[-1].eliminated is None
        assert all(r.eliminated is not None for r in t.irv_rounds[:-1])


@PROPERTY
@given(profiles())
def test_condorcet_winner_heads_the_schulze_ranking(profile):
    n, ballots = profile
    t = tally(n, ballots)
    d = t.pairwise
    winners = [i for i in range(n) if all(d[i][j] > d[j][i] for j in range(n) if j != i)]
    assert t.condorcet_winner == (winners[0] if winners and t.ballots else None)
    if t.condorcet_winner is not None:
        assert t.schulze_ranking[0] == t.condorcet_winner


@PROPERTY
@given(profiles(), st.randoms(use_true_random=False))
def test_ballot_order_does_not_matter(profile, rnd):
    n, ballots = profile
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    assert tally(n, shuffled) == tally(n, ballots)
    np.testing.assert_array_equal(borda_scores(n, shuffled), borda_scores(n, ballots))


@PROPERTY
@given(profiles(), st.data())
def test_ranking_x_first_never_hurts_x_in_borda(profile, data):
    n, ballots = profile
    order = data.draw(st.permutations(range(n)))
    extra = list(order[: data.draw(st.integers(1, n))])
    x = extra[0]
    before, after = tally(n, ballots), tally(n, [*ballots, extra])
    assert after.borda[x] > before.borda[x]
    assert after.borda_ranking.index(x) <= before.borda_ranking.index(x)


@PROPERTY
@given(profiles(min_options=2, max_options=2, complete=True))
def test_two_options_irv_elects_the_condorcet_winner(profile):
    n, ballots = profile
    t = tally(n, ballots)
    if t.condorcet_winner is not None:
        assert t.irv_winner == t.condorcet_winner


# --- cross-check against pref_voting -------------------------------------------------------


@pytest.fixture(scope="module")
def pv():
    """pref_voting's modules, imported once and only for these tests (it is a dev dependency).

    Its helpers are numba-jitted: compiling them takes several seconds more than the whole
    cross-check, and the profiles here are tiny, so run them as plain Python. Numba reads the
    switch when it is first imported (only pref_voting uses numba here).
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NUMBA_DISABLE_JIT", os.environ.get("NUMBA_DISABLE_JIT", "1"))
        from pref_voting import iterative_methods, margin_based_methods, profiles
        from pref_voting import profiles_with_ties as pwt
    return {
        "Profile": profiles.Profile,
        "ProfileWithTies": pwt.ProfileWithTies,
        "beat_path": margin_based_methods.beat_path,
        "beat_path_defeat": margin_based_methods.beat_path_defeat,
        "instant_runoff": iterative_methods.instant_runoff,
        "instant_runoff_tb": iterative_methods.instant_runoff_tb,
        "instant_runoff_put": iterative_methods.instant_runoff_put,
    }


def random_profiles(count: int, complete: bool, seed: int):
    rnd = random.Random(seed)
    for _ in range(count):
        n = rnd.randint(2, 6)
        ballots = []
        for _ in range(rnd.randint(1, 40)):
            ballot = rnd.sample(range(n), n)
            ballots.append(ballot if complete else ballot[: rnd.randint(1, n)])
        yield n, ballots


def our_elimination_tie_breaker(t) -> list[int]:
    # pref_voting's tie_breaker lists the candidate eliminated first among tied ones first:
    # ours eliminates the option last in our tie-break order (lower Borda, then higher number).
    return list(reversed(t.borda_ranking))


def had_elimination_ties(t) -> bool:
    continuing = set(range(t.n_options))
    for r in t.irv_rounds:
        if r.eliminated is not None:
            fewest = min(r.votes[o] for o in continuing)
            if sum(r.votes[o] == fewest for o in continuing) > 1:
                return True
            continuing.remove(r.eliminated)
    return False


def test_cross_check_complete_ballots_with_pref_voting(pv):
    for n, ballots in random_profiles(100, complete=True, seed=2024):
        t = tally(n, ballots)
        prof = pv["Profile"](ballots)
        why = f"n={n} ballots={ballots}"
        # pref_voting's Borda gives n-1 … 0; ours gives n … 1 for full ballots.
        assert [s - t.ballots for s in t.borda] == [prof.borda_scores()[c] for c in range(n)], why
        assert [[prof.support(i, j) if i != j else 0 for j in range(n)] for i in range(n)] == [
            list(row) for row in t.pairwise
        ], why
        # Schulze = pref_voting's Beat Path. It uses margins, but with complete ballots
        # d[i][j] + d[j][i] = ballots, so margins and winning votes give the same strengths order.
        assert t.schulze_ranking[0] in pv["beat_path"](prof), why
        defeats = pv["beat_path_defeat"](prof)
        if defeats.number_of_edges() == n * (n - 1) // 2:  # its Schulze order is strict
            pv_order = sorted(range(n), key=lambda c: -defeats.out_degree(c))
            assert list(t.schulze_ranking) == pv_order, why
        # Instant runoff: pref_voting's "TB" variant removes one candidate per round with a fixed
        # order among ties. Ours is fixed too (the Borda scores are the whole poll's), so the
        # winner must be identical; it must also be among the parallel-universe (PUT) winners.
        tb = our_elimination_tie_breaker(t)
        assert pv["instant_runoff_tb"](prof, tie_breaker=tb) == [t.irv_winner], why
        assert t.irv_winner in pv["instant_runoff_put"](prof), why
        # Plain instant_runoff removes all tied last-placed candidates at once: only comparable
        # when no elimination tie occurred.
        if not had_elimination_ties(t):
            assert pv["instant_runoff"](prof) == [t.irv_winner], why


def test_cross_check_partial_ballots_with_pref_voting(pv):
    for n, ballots in random_profiles(100, complete=False, seed=7):
        t = tally(n, ballots)
        prof = pv["ProfileWithTies"](
            [{c: rank for rank, c in enumerate(b)} for b in ballots], candidates=list(range(n))
        )
        prof.use_extended_strict_preference()  # ranked above unranked, unranked tied
        why = f"n={n} ballots={ballots}"
        d = [[prof.support(i, j) if i != j else 0 for j in range(n)] for i in range(n)]
        assert d == [list(row) for row in t.pairwise], why
        # Winning votes: the strength of a defeat is the support of the winner.
        assert t.schulze_ranking[0] in pv["beat_path"](prof, strength_function=prof.support), why
        # For ProfileWithTies, pref_voting's TB variant eliminates until one is left instead of
        # stopping at a majority; a majority holder is never last, so the winner is the same.
        tb = our_elimination_tie_breaker(t)
        assert pv["instant_runoff_tb"](prof, tie_breaker=tb) == [t.irv_winner], why
