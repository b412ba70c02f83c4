"""Issue 14, named polls (`anonymous: no`): the coordinators' export carries each ballot's member,
observers get the anonymous file; coordinators and members can list who voted (never how);
anonymous polls show no name anywhere, and their ballots still lose their members at the close."""

from __future__ import annotations

import csv
import io

from tests.harness import close_poll, new_poll, running_bot
from tests.test_polls import POLL, ballot
from tests.worlds import forum_with_members

NAMED = POLL + "\nanonymous: no"
STALE = "This button is no longer valid."


def csv_rows(calls) -> list[list[str]]:
    document = next(c.params["document"] for c in calls if c.method == "sendDocument")
    assert document["filename"] == "poll-1-ballots.csv"
    return list(csv.reader(io.StringIO(document["content"].decode("utf-8-sig"))))


def all_bytes(calls) -> bytes:
    return (
        b"".join(c.params["document"]["content"] for c in calls if c.method == "sendDocument")
        + "".join(str(c.params.get("caption", "")) for c in calls).encode()
    )


async def vote(bot, user, *choices: str) -> None:
    message_id = ballot(bot, user)["message_id"]
    for choice in choices:
        await bot.tap(user, choice, message_id=message_id)
    await bot.tap(user, "✅", message_id=message_id)


async def test_the_export_of_a_named_poll_names_voters_for_coordinators_only(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, mali, lena, _ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, NAMED)
        assert "Members will see that you voted, not how." in ballot(bot, niran)["text"]
        await vote(bot, niran, "3.", "1.")
        await vote(bot, mali, "2.")
        await close_poll(bot, ada, "/closepoll 1")
        # The close keeps a named poll's members (and only a named poll's).
        rows = await bot.services.db.fetchall(
            "SELECT user_id FROM ballots WHERE poll_id = 1 ORDER BY user_id"
        )
        assert [r[0] for r in rows] == [niran.id, mali.id]

        rows = csv_rows(await bot.send(ada, "/export 1"))
        assert rows[0] == [
            "ballot",
            "name",
            "username",
            "stakeholder_group",
            "rank_1",
            "rank_2",
            "rank_3",
        ]
        assert rows[1:] == [
            ["1", "Mali", "mali", "government", "2", "", ""],
            ["2", "Niran", "niran", "industry", "3", "1", ""],
        ]
        # The observer gets the anonymous file: no name, no username, no user id.
        calls = await bot.send(lena, "/export 1")
        rows = csv_rows(calls)
        assert rows[0] == ["ballot", "stakeholder_group", "rank_1", "rank_2", "rank_3"]
        text = all_bytes(calls)
        for secret in (b"Niran", b"niran", b"Mali", b"mali", str(niran.id).encode()):
            assert secret not in text, secret


async def test_an_anonymous_poll_shows_no_name_to_anyone(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, mali, lena, _ = await forum_with_members(bot, fake, group=False)
        await new_poll(bot, ada, POLL)
        assert "Members will see that you voted" not in ballot(bot, niran)["text"]
        await vote(bot, niran, "3.")
        await vote(bot, mali, "2.")
        await close_poll(bot, ada, "/closepoll 1")
        calls = await bot.send(ada, "/export 1")
        assert csv_rows(calls)[0][:2] == ["ballot", "stakeholder_group"]
        assert b"Niran" not in all_bytes(calls) and b"niran" not in all_bytes(calls)
        for user in (ada, niran, lena):
            await bot.send(user, "/results 1")
            assert "👥 Who voted" not in [
                b["text"] for m in fake.messages(user.id)[-2:] for b in fake.buttons(m)
            ]
            for data in ("pv:who:1", "page:who:1:0"):
                calls = await bot.forge(user, data)
                assert bot.answers(calls) == [STALE], (user.first_name, data)
                assert not [c for c in calls if c.method == "sendMessage"]


async def test_who_voted_lists_names_not_rankings_for_coordinators_and_members(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, mali, lena, chat = await forum_with_members(bot, fake)
        await new_poll(bot, ada, NAMED)
        await vote(bot, niran, "3.", "1.")
        # Open, results hidden: the coordinator may see who voted; members not yet.
        await bot.send(ada, "/results 1")
        results = next(m for m in reversed(fake.messages(ada.id)) if fake.buttons(m))
        assert [b["text"] for b in fake.buttons(results)] == ["👥 Who voted"]
        await bot.tap(ada, "👥", message_id=results["message_id"])
        listed = bot.last(ada)["text"]
        assert listed == "Poll 1: 1 member voted (who, not how):\n• Niran (@niran)"
        assert "Mali" not in listed and "Mandatory" not in listed  # who, never how
        calls = await bot.forge(niran, "pv:who:1")
        assert bot.answers(calls) == [STALE]
        # The observer: never names, open or closed; the group: never the button.
        await close_poll(bot, ada, "/closepoll 1")
        await bot.send(lena, "/results 1")
        assert not any(fake.buttons(m) for m in fake.messages(lena.id)[-2:])
        calls = await bot.forge(lena, "pv:who:1")
        assert bot.answers(calls) == [STALE]
        await bot.send(niran, "/results 1", chat=chat)
        assert not any(b["text"].startswith("👥") for b in fake.buttons(bot.last(chat)))
        await bot.forge(niran, "pv:who:1")  # in private, after the close: his to see
        assert "• Niran (@niran)" in bot.last(niran)["text"]
        # A member who did not vote is not listed, whoever asks.
        await bot.send(mali, "/results 1")
        await bot.forge(mali, "pv:who:1")
        assert "• Mali" not in bot.last(mali)["text"]
