"""Named polls (`anonymous: no`): who may see names, and the coordinators' ballots file.

A named poll says on every ballot that coordinators will see how each member ranked, and
members that they voted: so coordinators get each ballot with its member's name in /export, and
coordinators and members (who may see the results) can list who voted, never how. Observers
(outside organisations) see named polls exactly as anonymous ones: no names anywhere. An
anonymous poll never shows a name.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.csvfile import csv_bytes
from bot.roles import Role
from db.poll_voters import NamedBallot


def may_see_names(anonymous: bool, role: Role | str | None) -> bool:
    """Whether someone of `role` in the poll's forum may see who voted in it."""
    return not anonymous and role in (Role.COORDINATOR, Role.MEMBER)


def may_export_names(anonymous: bool, role: Role | str | None) -> bool:
    """Whether the poll's ballots file carries names: named polls, coordinators only."""
    return not anonymous and role == Role.COORDINATOR


def named_ballots_csv(n_options: int, ballots: Sequence[NamedBallot]) -> bytes:
    """One row per ballot with the member's name, username and group, then the option at each
    rank; rows by name, as `named_ballots` gives them."""
    rows = []
    for number, ballot in enumerate(ballots, 1):
        ranks = [str(position) for position in ballot.positions]
        rows.append(
            [
                number,
                ballot.first_name,
                ballot.username or "",
                ballot.stakeholder_group or "",
                *ranks,
                *[""] * (n_options - len(ranks)),
            ]
        )
    header = [
        "ballot",
        "name",
        "username",
        "stakeholder_group",
        *[f"rank_{i}" for i in range(1, n_options + 1)],
    ]
    return csv_bytes(header, rows)
