"""/feedback: anonymous and signed, photos, the relay both ways, the hourly limit, the list,
and what observers see of it (counts, never a text or a name)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from tests.harness import join, new_forum, running_bot, snapshot


async def forum(bot, fake):
    ada = fake.add_user("Ada", username="ada", user_id=1001)
    niran = fake.add_user("Niran", username="niran")
    lena = fake.add_user("Lena & <Co>", username="lena")
    code, _ = await new_forum(bot, ada)
    await join(bot, niran, code)
    await join(bot, lena, code, group="civil_society")
    return ada, niran, lena


async def write(bot, member, topic: str, text: str, how: str = "✅ Send anonymously") -> None:
    await bot.send(member, "/feedback")
    await bot.tap(member, topic)
    await bot.send(member, text)
    await bot.tap(member, how)


def texts(bot, user) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in bot.fake.messages(user.id)]


async def test_anonymous_feedback_and_the_relay_both_ways(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada, niran, lena = await forum(bot, fake)
        await bot.send(niran, "/feedback")
        assert bot.labels(niran) == ["Meetings", "Polls", "Tips", "The forum", "Something else"]
        await bot.tap(niran, "Meetings")
        calls = await bot.send(niran, "The room was too cold <really>")
        assert bot.labels(niran)[0] == "✅ Send anonymously"
        calls = await bot.tap(niran, "✅ Send anonymously")
        assert bot.last(niran)["text"] == "Sent to the coordinators (#1). Thank you!"
        to_ada = bot.last(ada)["text"]
        assert to_ada == "💬 Feedback #1 · Meetings · anonymous\n\nThe room was too cold <really>"
        assert "Niran" not in "".join(texts(bot, ada)[-2:])

        await bot.tap(ada, "↩ Reply")
        await bot.send(ada, "We will fix the heating.")
        assert bot.last(ada)["text"] == "Your reply was passed on to the member."
        assert bot.last(niran)["text"] == (
            "💬 The coordinators of Thailand SCP Forum replied to your feedback #1:\n\n"
            "We will fix the heating."
        )
        await bot.tap(niran, "↩ Answer")
        await bot.send(niran, "Thanks!")
        assert bot.last(niran)["text"] == "Your answer was passed on."
        assert bot.last(ada)["text"] == "💬 The member answered about feedback #1:\n\nThanks!"
        assert not [t for t in texts(bot, ada) if "Niran" in t], "the member stays anonymous"

        # Lena signs hers, with a photo: Ada sees her name and the photo.
        await bot.send(lena, "/feedback")
        await bot.tap(lena, "The forum")
        bot.fake.send_photo(lena, caption="Our poster for the spring session")
        await bot.settle()
        calls = await bot.tap(lena, "Send with my name")
        photo = next(c for c in calls if c.method == "sendPhoto")
        assert photo.params["chat_id"] == ada.id
        # Her name is escaped once, not twice ("&amp;amp;" would show as "&amp;").
        assert photo.params["caption"].startswith(
            "💬 <b>Feedback #2</b> · The forum · from Lena &amp; &lt;Co&gt;\n\n"
        )

        await bot.send(ada, "/feedback list")
        listing = bot.last(ada)["text"]
        assert "Meetings\n#1 · " in listing and "anonymous: The room was too cold" in listing
        assert "Lena & <Co>: Our poster" in listing

        # A caption too long to pass on as a caption: the photo, then the text.
        await bot.send(lena, "/feedback")
        await bot.tap(lena, "Something else")
        bot.fake.send_photo(lena, caption="x" * 1000)
        await bot.settle()
        calls = await bot.tap(lena, "✅ Send anonymously")
        assert [c.method for c in calls if c.params.get("chat_id") == ada.id] == [
            "sendPhoto",
            "sendMessage",
        ]
        assert "x" * 1000 in bot.last(ada)["text"]


async def test_hints_limits_and_forged_buttons_change_nothing(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        _, niran, lena = await forum(bot, fake)
        await bot.send(niran, "/feedback")
        await bot.tap(niran, "Polls")
        before = await snapshot(bot)
        bot.fake.send_sticker(niran)
        await bot.settle()
        assert bot.last(niran)["text"] == "Please answer with text (or send /cancel)."
        calls = await bot.send(niran, "/feedback list")
        assert (
            calls[0]
            .params["text"]
            .startswith("Only coordinators and observers of Thailand SCP Forum")
        )
        await bot.forged_are_stale(
            lena, ("fb:reply:1", "fb:answer:1", "fb:send:anon", "fb:topic:weather")
        )
        assert await snapshot(bot) == before

        for n in range(5):
            await write(bot, niran, "Tips", f"Idea number {n}")
        calls = await bot.send(niran, "/feedback")  # told before writing a sixth
        assert "please wait a little before sending more" in calls[0].params["text"]
        rows = await bot.services.db.fetchall("SELECT text FROM feedback ORDER BY id")
        assert [r["text"] for r in rows] == [f"Idea number {n}" for n in range(5)]
        await bot.forge(lena, "fb:reply:1")  # Lena is no coordinator: no relay for her
        assert "Write your reply" not in bot.last(lena)["text"]

        bot.clock.advance(timedelta(hours=1, minutes=1))
        await write(bot, niran, "Tips", "An hour later")
        assert bot.last(niran)["text"] == "Sent to the coordinators (#6). Thank you!"


def everything_sent_to(bot, chat_id: int) -> str:
    """Every text, caption, button and file the bot sent to a chat, as one string."""
    parts = []
    for call in bot.fake.calls:
        if call.params.get("chat_id") != chat_id:
            continue
        document = call.params.get("document")
        if isinstance(document, dict):
            parts.append(document["content"].decode("utf-8-sig"))
        parts += [str(call.params.get(key, "")) for key in ("text", "caption", "reply_markup")]
    return "\n".join(parts)


async def test_observers_see_counts_never_text_or_names(tmp_path, fake):
    async with running_bot(tmp_path, admins=[1001], fake=fake) as bot:
        ada = fake.add_user("Ada", username="ada", user_id=1001)
        niran, mali, lena = (
            fake.add_user(n, username=n.lower()) for n in ("Niran", "Mali", "Lena")
        )
        code, _ = await new_forum(bot, ada)
        for member in (niran, mali, lena):
            await join(bot, member, code)
        await bot.send(ada, "/promote @lena observer")
        notice = next(
            c.params["text"] for c in fake.calls if "Before you join" in c.params.get("text", "")
        )
        assert "observers see only counts" in notice  # the promise attacked here
        secrets = ["Heating is broken", "Pelican poster", "Quokka agenda", "Walrus reply"]
        await write(bot, niran, "Meetings", secrets[0])
        bot.clock.advance(timedelta(days=10))
        await write(bot, mali, "Meetings", secrets[1], how="Send with my name")
        await write(bot, niran, "Tips", secrets[2])
        await bot.tap(ada, "↩ Reply")
        await bot.send(ada, secrets[3])
        assert secrets[3] in bot.last(niran)["text"]  # the relay works; the observer stays out

        await bot.send(lena, "/feedback list")
        assert bot.last(lena)["text"].splitlines() == [
            "Feedback from the last 30 days, by topic",
            "As an observer you see how many items arrived, not what they say or who sent them.",
            "",
            "Meetings: 2 (1 in the last 7 days)",
            "Tips: 1 (1 in the last 7 days)",
            "Total: 3",
        ]
        await bot.send(lena, "/export")
        assert "Feedback: counts by month and topic" in bot.labels(lena)
        calls = await bot.tap(lena, "Feedback")
        document = next(c.params["document"] for c in calls if c.method == "sendDocument")
        assert document["filename"] == "feedback-counts.csv"
        rows = list(csv.reader(io.StringIO(document["content"].decode("utf-8-sig"))))
        assert rows == [
            ["month_utc", "topic", "items"],
            ["2026-11", "meetings", "1"],
            ["2026-12", "meetings", "1"],
            ["2026-12", "tips", "1"],
        ]
        await bot.send(lena, "/export feedback")

        # Whatever reached the observer (copies, lists, files, buttons): no text, no signer.
        seen = everything_sent_to(bot, lena.id)
        for secret in [*secrets, "Mali", "fb:reply"]:
            assert secret not in seen, secret
        # The coordinator still reads everything, and the signer's name.
        await bot.send(ada, "/feedback list")
        assert "Mali: Pelican poster" in bot.last(ada)["text"]
        calls = await bot.send(ada, "/export feedback")
        table = next(c.params["document"] for c in calls if c.method == "sendDocument")
        assert b"Mali,1,0,Pelican poster" in table["content"]

        # In a group the list is refused, whoever asks: it would show feedback to everyone there.
        group = fake.add_group("Some group", members=[ada, lena, niran], admins=[ada])
        for who in (ada, lena):
            await bot.send(who, "/feedback list", chat=group)
            assert bot.last(group)["text"].startswith("Please use /feedback in a private chat")
        for secret in secrets:
            assert secret not in everything_sent_to(bot, group.id)
