"""Dialog drafts: written as JSON in one place (db/drafts.py), read back as frozen dataclasses."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError, dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.polls import PollDraft
from db.dialogs import Pending
from db.drafts import encode
from handlers.polls.draft import NewPollDraft


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


@dataclass(frozen=True)
class Form:
    options: list[str]
    closes_at: datetime
    remind_before: timedelta
    unknown: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True)
class Outer:
    step: str
    form: Form | None = None


def test_times_and_a_nested_form_come_back_as_their_types():
    form = Form(
        ["a", "b"], datetime(2027, 1, 10, 9, tzinfo=UTC), timedelta(hours=24), (("x", None),)
    )
    read = Pending("np", json.loads(encode(Outer("preview", form)))).draft(Outer)
    assert read == Outer("preview", form)
    assert isinstance(read.form.unknown[0], tuple)


def test_a_previewed_newpoll_draft_stored_before_the_one_serializer_still_reads():
    """The shape `PollDraft.to_data` wrote (ISO time, seconds, lists) is the shape written now."""
    stored = {
        "step": "preview",
        "forum": 1,
        "draft": {
            "question": "Q?",
            "options": ["a", "b"],
            "closes_at": "2027-01-10T09:00:00+00:00",
            "hide_results": True,
            "anonymous": False,
            "remind_before": 86400.0,
            "unknown": [["Closing: soon", "closes"]],
        },
    }
    read = Pending("newpoll", stored).draft(NewPollDraft)
    assert read is not None and read.poll == PollDraft(
        "Q?",
        ["a", "b"],
        datetime(2027, 1, 10, 9, tzinfo=UTC),
        hide_results=True,
        anonymous=False,
        remind_before=timedelta(days=1),
        unknown=(("Closing: soon", "closes"),),
    )
    assert json.loads(encode(read))["draft"] == stored["draft"]


def test_a_field_of_another_shape_reads_as_expired():
    assert Pending("np", {"step": "preview", "form": "not a form"}).draft(Outer) is None
