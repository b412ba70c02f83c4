"""Dialog drafts: written as JSON in one place (db/dialogs.py), read back as frozen dataclasses."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError, dataclass

import pytest

from db.dialogs import Pending, encode


@dataclass(frozen=True)
class Draft:
    forum: int
    options: tuple[str, ...] = ()
    step: str = "question"


def test_a_draft_comes_back_as_it_was_written_and_stays_frozen():
    draft = Draft(7, ("Energy", "Waste"), "options")
    read = Pending("np", json.loads(encode(draft))).draft(Draft)
    assert read == draft  # tuples, not the lists JSON has
    with pytest.raises(FrozenInstanceError):
        read.step = "x"  # type: ignore[misc]


def test_a_draft_from_an_older_version_reads_as_expired_not_as_an_error():
    assert Pending("np", {"options": ["a"]}).draft(Draft) is None  # `forum` missing
    # A key this version no longer has is dropped; the rest still reads.
    assert Pending("np", {"forum": 1, "gone": True}).draft(Draft) == Draft(1)


def test_plain_dicts_are_still_written_as_they_are():
    assert json.loads(encode({"meeting": 3})) == {"meeting": 3}
