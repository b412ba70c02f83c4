"""Small stakeholder groups: no breakdown (text, chart, CSV) shows fewer ballots of a group than
the forum's threshold, neither directly nor by subtracting what it shows from the total.

Groups of 1, 2 and 5 voters. "Academia and research (1): 3 › 1 › 2" would be one member's whole
ranking; so would "Industry (2)" next to "Government (5)" and the total of 8.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3

import pytest
from matplotlib.axes import Axes

from db import polls as polls_db
from fake_telegram import FakeUser
from tests.figures import drawn_here
from tests.harness import Harness, close_poll, join, new_forum, new_poll, running_bot, snapshot

STALE = "This button is no longer valid."
NOTE = "A group is shown on its own only with at least {n} ballots"


@pytest.fixture
def legends(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The label of every bar series the results chart draws (its legend)."""
    drawn: list[str | None] = []
    barh = Axes.barh

    def spy(self: Axes, *args: object, **kwargs: object) -> object:
        drawn.append(kwargs.get("label"))  # type: ignore[arg-type]
        return barh(self, *args, **kwargs)

    monkeypatch.setattr(Axes, "barh", spy)
    drawn_here(monkeypatch)  # not in the chart worker's process
    return drawn


async def vote(bot: Harness, user: FakeUser, positions: list[int], poll_id: int) -> None:
    message = next(
        m
        for m in reversed(bot.fake.messages(user.id))
        if any(b.get("callback_data") == f"poll:submit:{poll_id}" for b in bot.fake.buttons(m))
    )
    for position in positions:
        await bot.tap(user, f"{position}.", message_id=message["message_id"])
    await bot.tap(user, "✅", message_id=message["message_id"])


async def results(bot: Harness, who: FakeUser, number: int) -> str:
    calls = await bot.send(who, f"/results {number}")
    assert [c.method for c in calls] == ["sendMessage", "sendPhoto"]
    return calls[0].params["text"]


def groups_shown(text: str) -> dict[str, int]:
    """The breakdown's lines, "Government (5): Audit › Labels › Waste", as {group: ballots}."""
    return {m[1]: int(m[2]) for m in re.finditer(r"^(.+) \((\d+)\): .+ › .+$", text, re.M)}


def nothing_by_subtraction(text: str, minimum: int) -> None:
    """What the total leaves after the groups shown must be no ballots, or enough of them."""
    total = int(re.search(r"^(\d+) of \d+ members voted", text, re.M)[1])  # type: ignore[index]
    shown = groups_shown(text)
    assert all(n >= minimum for n in shown.values()), shown
    assert total - sum(shown.values()) in (0, *range(minimum, total + 1)) or not shown


async def test_groups_under_the_threshold_are_never_shown(tmp_path, fake, legends):
    ada = fake.add_user("Ada")
    academic = fake.add_user("Aroon")
    industry = [fake.add_user(f"Industry {i}") for i in range(2)]
    government = [fake.add_user(f"Government {i}") for i in range(5)]
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        code, _ = await new_forum(bot, ada)
        await join(bot, academic, code, group="academia")
        for member in industry:
            await join(bot, member, code, group="industry")
        for member in government:
            await join(bot, member, code, group="government")
        await new_poll(bot, ada, "/newpoll First?\nA\nB\nC\ncloses: 3d")
        await vote(bot, academic, [3, 1, 2], 1)
        for member, ranking in zip(industry, ([2, 3, 1], [2, 1, 3]), strict=True):
            await vote(bot, member, ranking, 1)
        for member in government:
            await vote(bot, member, [1, 2, 3], 1)

        # Open, hidden from members, live for the coordinator: the group of 5, and the others
        # together (3); neither the academic nor the industry pair on their own.
        text = await results(bot, ada, 1)
        assert groups_shown(text) == {"Government": 5, "Other groups, combined": 3}
        assert "Academia" not in text and "Industry" not in text and "3 › 1 › 2" not in text
        assert NOTE.format(n=3) in text
        nothing_by_subtraction(text, 3)
        assert legends == ["Government", "Other groups, combined"]

        await close_poll(bot, ada, "/closepoll 1")
        assert groups_shown(bot.fake.messages(ada.id)[-1]["text"]) == groups_shown(text)
        stored = await bot.services.db.fetchall("SELECT stakeholder_group FROM ballots")
        assert sorted(r[0] or "" for r in stored) == [""] * 3 + ["government"] * 5
        calls = await bot.send(ada, "/export 1")
        files = {
            c.params["document"]["filename"]: list(
                csv.reader(io.StringIO(c.params["document"]["content"].decode("utf-8-sig")))
            )
            for c in calls
            if c.method == "sendDocument"
        }
        per_ballot = files["poll-1-ballots.csv"][1:]
        assert sorted(row[1] for row in per_ballot) == [""] * 3 + ["government"] * 5
        # The unlabelled rows come in the order of their rankings, not of their groups.
        unlabelled = [row[2:] for row in per_ballot if not row[1]]
        assert unlabelled == sorted(unlabelled)
        assert files["poll-1-results.csv"][0][-2:] == ["borda_government", "borda_other_groups"]

        # Threshold 2. Poll 1 does not change: "Industry (2)" beside the total and Government
        # would give away the academic's ranking by subtraction (and its labels are sealed).
        await bot.send(ada, "/settings")
        assert "only with at least 3 ballots." in bot.last(ada)["text"]
        await bot.tap(ada, "2 ballots")
        assert "only with at least 2 ballots." in bot.last(ada)["text"]
        legends.clear()
        text = await results(bot, ada, 1)
        assert groups_shown(text) == {"Government": 5, "Other groups, combined": 3}
        nothing_by_subtraction(text, 2)
        # Poll 2, where the academic does not vote: at 2 the industry pair is shown...
        await new_poll(bot, ada, "/newpoll Second?\nX\nY\nZ\ncloses: 3d")
        for member in (*industry, *government):
            await vote(bot, member, [3, 2, 1], 2)
        legends.clear()
        text = await results(bot, ada, 2)
        assert groups_shown(text) == {"Government": 5, "Industry and business": 2}
        assert NOTE.format(n=2) not in text  # nobody left out
        assert legends == ["Government", "Industry and business"]
        # ...at 3 it is not, and then neither is Government (5 of 7 leaves the pair by subtraction).
        await bot.send(ada, "/settings")
        await bot.tap(ada, "3 ballots")
        legends.clear()
        text = await results(bot, ada, 2)
        assert groups_shown(text) == {}
        assert "<b>By stakeholder group</b>: not shown." in text and NOTE.format(n=3) in text
        assert legends == [None]  # one series, the total, without a legend


async def test_the_threshold_is_never_below_two(tmp_path, fake):
    ada, niran = fake.add_user("Ada"), fake.add_user("Niran")
    async with running_bot(tmp_path, admins=[ada.id], fake=fake) as bot:
        code, _ = await new_forum(bot, ada)
        await join(bot, niran, code)
        await bot.send(ada, "/settings")
        assert [label for label in bot.labels(ada) if "ballot" in label] == [
            "2 ballots",
            "✅ 3 ballots",
            "5 ballots",
            "10 ballots",
        ]
        before = await snapshot(bot)
        await bot.forged_are_stale(
            ada, ("set:mingrp:1", "set:mingrp:0", "set:mingrp:-1", "set:mingrp:4")
        )
        calls = await bot.forge(niran, "set:mingrp:2")  # only coordinators
        assert bot.answers(calls) == [STALE]
        assert await snapshot(bot) == before
        with pytest.raises(sqlite3.IntegrityError):  # the schema refuses it too
            await polls_db.set_min_group_ballots(bot.services.db, 1, 1)
        assert await snapshot(bot) == before
