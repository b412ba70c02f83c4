"""Typed dates at the edges of the calendar: year 1 and year 9999, in the zones farthest from UTC.

Year 1 in Etc/GMT-14 (UTC+14) or year 9999 in Etc/GMT+12 (UTC-12) has no UTC datetime;
on main the conversion raised OverflowError into the error handler. Every form must answer with
its own localized refusal and change nothing; what it accepts must be safe to compute with.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.forums import FormError
from bot.meetings import parse_meeting_form
from bot.polls import MAX_DURATION, parse_local_time, parse_poll_form
from bot.recurrence import MAX_AHEAD, occurrences_between, reminder_times
from tests.harness import join, new_forum, new_poll, running_bot, snapshot

Draft = TypeVar("Draft")
FAR_ZONES = ("Pacific/Kiritimati", "Etc/GMT-14", "Etc/GMT+12", "Pacific/Pago_Pago", "UTC")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

typed_times = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59))
near_times = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2037, 12, 31))
edge_times = st.sampled_from(
    [datetime(1, 1, 1, 0, 0), datetime(1, 1, 1, 23, 59), datetime(9999, 12, 31, 23, 59)]
)


def typed_anywhere(test: Callable[[datetime, str], None]) -> Callable[[], None]:
    """`test(moment, zone)` on 300 typed moments (any year, the next decade, the calendar's
    edges) in the zones farthest from UTC."""
    return settings(max_examples=300, deadline=None)(
        given(st.one_of(typed_times, near_times, edge_times), st.sampled_from(FAR_ZONES))(test)
    )


def written(moment: datetime) -> str:
    """As a member types it; strftime would not pad year 1 to four digits."""
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} {moment:%H:%M}"


@typed_anywhere
def test_parse_local_time_never_overflows_and_keeps_the_order(moment, zone):
    parsed = parse_local_time(written(moment), zone)
    assert parsed.tzinfo is not None
    # Beyond UTC's range the nearest moment stands in: still on the right side of any `now`.
    if moment.year == 1:
        assert parsed < NOW
    if moment.year == 9999:
        assert parsed > NOW + MAX_AHEAD


def accepted(parse: Callable[..., Draft], form: str, zone: str) -> Draft | None:
    """The draft `parse` makes of `form` typed in `zone`, or None where a FormError refuses it."""
    try:
        return parse(form, timezone=zone, now=NOW)
    except FormError:
        return None


@typed_anywhere
def test_a_poll_deadline_is_accepted_in_range_or_refused(moment, zone):
    draft = accepted(parse_poll_form, f"Question?\nA\nB\ncloses: {written(moment)}", zone)
    if draft is None:
        return
    assert NOW + timedelta(minutes=5) < draft.closes_at <= NOW + MAX_DURATION
    draft.closes_at.astimezone(ZoneInfo(zone))  # shown in the forum's zone: no overflow


@typed_anywhere
def test_a_meeting_start_is_accepted_in_range_or_refused(moment, zone):
    draft = accepted(
        parse_meeting_form, f"Forum\nstarts: {written(moment)}\nevery: 24 months", zone
    )
    if draft is None:
        return
    # What the bot computes next for an accepted series: a year of occurrences from ten years
    # ahead, their reminders, and their local time in the farthest zones.
    later = NOW + MAX_AHEAD
    for _, start in occurrences_between(
        draft.first_start, zone, draft.every_months, later, later + timedelta(days=800)
    ):
        reminder_times(start, draft.reminders)
        for far in FAR_ZONES:
            start.astimezone(ZoneInfo(far))


# --- as members meet it --------------------------------------------------------------------

EDGES = [
    # Kiritimati's earliest offset is its LMT, -10:29: for year 1, far east is a fixed zone.
    ("Etc/GMT-14", "0001-01-01 00:00"),
    ("Pacific/Kiritimati", "9999-12-31 23:59"),
    ("Etc/GMT+12", "9999-12-31 23:59"),
    ("UTC", "9999-12-31 23:00"),  # fine in UTC, but a year-10000 moment for a Kiritimati reader
]


@pytest.mark.parametrize(
    ("zone", "typed"),
    EDGES,
    ids=["year-1-far-east", "year-9999-far-east", "year-9999-far-west", "year-9999-utc"],
)
async def test_edge_years_get_the_forms_own_answers(tmp_path, fake, zone, typed):
    past = typed.startswith("0001")
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada = fake.add_user("Ada", username="ada")
        niran = fake.add_user("Niran", username="niran")
        code, _ = await new_forum(bot, ada, f"/newforum Edge Forum\ntimezone: {zone}\nlanguage: en")
        await join(bot, niran, code)
        await bot.send(ada, "/meeting Spring session\nstarts: 2027-03-15 09:00")
        before = await snapshot(bot)

        await new_poll(bot, ada, f"/newpoll Question?\nA\nB\ncloses: {typed}")
        poll_answer = "must be in the future" if past else "at most a year"
        assert poll_answer in bot.last(ada)["text"]

        await new_poll(bot, ada, "/newpoll")  # the dialog, then the form as a message of its own
        await bot.send(ada, f"Question?\nA\nB\ncloses: {typed}")
        assert poll_answer in bot.last(ada)["text"]
        await bot.send(ada, "/cancel")

        await bot.send(ada, f"/meeting Autumn session\nstarts: {typed}")
        meeting_answer = "must start in the future" if past else "within the next ten years"
        assert meeting_answer in bot.last(ada)["text"]

        await bot.send(ada, "/meetings")
        listed = next(m for m in reversed(fake.messages(ada.id)) if fake.buttons(m))
        await bot.tap(ada, "🕑", message_id=listed["message_id"])
        await bot.send(ada, typed)
        move_answer = "must be in the future" if past else "within the next ten years"
        assert move_answer in bot.last(ada)["text"]
        await bot.send(ada, "/cancel")

        after = await snapshot(bot)
        assert after.get("meetings") == before.get("meetings")
        assert after.get("polls") == before.get("polls")
        assert not [m for m in fake.messages(niran.id) if "moved" in m.get("text", "")]
