"""Results anyone can read: winners in plain sentences, every ranking by option name."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.figures import figures_saved
from tests.harness import close_poll, join, new_forum, new_poll, running_bot
from tests.test_polls import POLL as THREE
from tests.test_polls import ballot
from tests.worlds import forum_with_members

OPTIONS = ("Green procurement", "Eco-labelling", "Waste segregation")
POLL = "/newpoll Which priority first?\n" + "\n".join(OPTIONS) + "\ncloses: 2026-11-30 17:00"


async def vote(bot, voter, order: str) -> None:
    """`voter` ranks the options in `order` (e.g. "123") and submits."""
    for number in order:
        await bot.tap(voter, f"{number}.", message_id=ballot(bot, voter)["message_id"])
    await bot.tap(voter, "✅")


async def closed_poll(bot, fake, orders: dict[str, list[str]]):
    """Ada's forum (groups shown from 2 ballots); each group's voters rank as given; closed."""
    ada = fake.add_user("Ada")
    code, _ = await new_forum(bot, ada)
    await bot.send(ada, "/settings")
    await bot.tap(ada, "2 ballots")
    voters = []
    for group, rankings in orders.items():
        for n, _ in enumerate(rankings):
            voter = fake.add_user(f"{group} {n}")
            await join(bot, voter, code, group=group)
            voters.append((voter, rankings[n]))
    await new_poll(bot, ada, POLL)
    for voter, order in voters:
        await vote(bot, voter, order)
    await close_poll(bot, ada, "/closepoll")
    return ada, [voter for voter, _ in voters]


async def test_winners_in_sentences_and_rankings_by_name(tmp_path, fake):
    """Three government ballots put Green procurement first; two industry ballots put it last:
    Borda picks Eco-labelling, yet a majority prefers Green procurement to it (Condorcet, IRV)."""
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, voters = await closed_poll(
            bot, fake, {"government": ["123"] * 3, "industry": ["231"] * 2}
        )
        calls = await bot.send(voters[0], "/results 1")
        text = calls[0].params["text"]
        lines = text.split("\n")
        # It opens (after title and question) with one sentence per winner, then why they differ.
        assert lines[3:7] == [
            "Most support: Eco-labelling (Borda)",
            "Green procurement beats every other option head-to-head (Condorcet)",
            "Green procurement wins the instant runoff",
            "Eco-labelling gets the most points over all places, but a majority ranks Green "
            "procurement above Eco-labelling (3 ballots to 2).",
        ]
        assert "Schulze ranking: Green procurement › Eco-labelling › Waste segregation" in lines
        assert "Government (3): Green procurement › Eco-labelling › Waste segregation" in lines
        assert (
            "Industry and business (2): Eco-labelling › Waste segregation › Green procurement"
            in lines
        )
        assert "1 › 2" not in text and "2 › 3" not in text  # no ranking of bare numbers
        # The coordinator's copy at close says the same.
        assert bot.fake.messages(voters[0].id)[-2]["text"] == bot.last(ada)["text"]


# Where the methods disagree, one sentence under the winners says why.
DISAGREEMENTS = [
    # Green procurement: most points (a tie, broken by order) and most first choices; yet four
    # ballots rank Eco-labelling above it and three below.
    pytest.param(
        ["2", "2", "12", "12", "13", "32", "32"],
        [
            "Most support: Green procurement (Borda)",
            "Eco-labelling beats every other option head-to-head (Condorcet)",
            "Eco-labelling wins the instant runoff",
            "More members put Green procurement first than any other option, but a majority "
            "ranks Eco-labelling above Green procurement (4 ballots to 3).",
        ],
        id="most_first_choices_yet_beaten_head_to_head",
    ),
    # No Condorcet winner; the runoff picks Eco-labelling, Borda (a three-way tie broken by
    # order) Green procurement: one sentence says what each method counts.
    pytest.param(
        ["1", "1", "2", "13", "21", "32", "32"],
        [
            "Most support: Green procurement (Borda)",
            "No option beats every other option head-to-head (no Condorcet winner).",
            "Eco-labelling wins the instant runoff",
            "The instant runoff counts only each ballot's highest choice still in the race, "
            "which favours Eco-labelling; the Borda count also counts second and later "
            "choices, which favours Green procurement.",
        ],
        id="runoff_disagreement_explained",
    ),
]


@pytest.mark.parametrize(("government", "sentences"), DISAGREEMENTS)
async def test_a_disagreement_is_explained(tmp_path, fake, government, sentences):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        _, voters = await closed_poll(bot, fake, {"government": government})
        text = (await bot.send(voters[0], "/results 1"))[0].params["text"]
        assert text.split("\n")[3:7] == sentences


async def test_chart_has_a_title_option_names_and_an_axis_from_zero(tmp_path, fake, monkeypatch):
    """The chart a member gets: the poll's title, each bar named, points from zero, a legend
    of the groups shown under the axis."""
    drawn = figures_saved(monkeypatch)
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        _, voters = await closed_poll(
            bot, fake, {"government": ["123"] * 3, "industry": ["231"] * 2}
        )
        calls = await bot.send(voters[0], "/results 1")
        assert calls[-1].method == "sendPhoto"
        (figure,) = drawn
        assert figure.get_suptitle() == "Poll 1: Which priority first?"
        (axes,) = figure.axes
        assert [t.get_text() for t in axes.get_yticklabels()] == [
            "3. Waste segregation",  # best at the top: the last tick
            "1. Green procurement",
            "2. Eco-labelling",
        ]
        assert axes.get_xlim()[0] == 0 and axes.get_xlabel() == "Borda points"
        assert all(float(t).is_integer() for t in axes.get_xticks())
        legend = [t.get_text() for t in axes.get_legend().get_texts()]
        assert legend == ["Government", "Industry and business"]


def results_in(bot, user) -> list[str]:
    """The results messages `user`'s private chat got."""
    return [
        m["text"]
        for m in bot.fake.messages(user.id)
        if "poll 1" in m.get("text", "") and "Borda" in m["text"]
    ]


async def test_without_a_group_every_member_gets_the_results_once_in_their_language(tmp_path, fake):
    """No group chat: at the deadline, every member (observers too) gets the results in private,
    in their language, once; a second heartbeat sends nothing more."""
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, mali, lena, _ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, THREE)
        await vote(bot, niran, "31")
        bot.clock.advance(timedelta(days=8))  # past the deadline
        await bot.run_due()
        await bot.run_due()
        for member in (ada, niran, lena):
            (text,) = results_in(bot, member)
            assert text.startswith("Results of poll 1") and "Most support: Mandatory" in text
        (thai,) = [
            m["text"]
            for m in bot.fake.messages(mali.id)
            if "Mandatory waste" in m.get("text", "")
            and bot.services.catalogs.translator("th")
            ._("Most support: %(option)s (Borda)", option="")
            .split(":")[0]
            in m["text"]
        ]
        assert "Results of poll 1" not in thai  # the heading in Thai


async def test_with_a_group_members_read_it_there_coordinators_in_private(tmp_path, fake):
    """A linked group gets the results once; members no private copy; each coordinator one,
    except the one who closed it in private and was answered with them."""
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, mali, lena, chat = await forum_with_members(bot, fake)
        await bot.send(ada, "/promote @niran coordinator")
        await new_poll(bot, ada, THREE)
        await vote(bot, mali, "2")
        await close_poll(bot, ada, "/closepoll")
        await bot.run_due()
        group = [
            m["text"] for m in bot.fake.messages(chat.id) if "Most support" in m.get("text", "")
        ]
        assert len(group) == 1
        assert len(results_in(bot, ada)) == 1  # the answer to /closepoll
        assert len(results_in(bot, niran)) == 1  # a coordinator: in private too
        assert results_in(bot, lena) == [] and results_in(bot, mali) == []
