"""/mydata (everything the bot keeps about you, as JSON) and /forget (delete it, after a yes)."""

from __future__ import annotations

import json

from telegram import InputFile, Update
from telegram.ext import BaseHandler, CommandHandler

from bot import callbacks
from bot.actor import Actor
from db import privacy
from db import tips as tips_db
from db.tips import Subscription
from handlers.buttons import Press, button, members_only, routes
from handlers.common import (
    answer_stale,
    guarded,
    keyboard,
    message_of,
    on_text_message,
    pressed,
    reply,
    reply_lines,
    unless_unchanged,
)
from handlers.context import ForumContext
from handlers.render import group_name, role_name, subscription_line

MAX_POLLS_LISTED = 20  # the rest are counted; every one is in the file


@guarded("mydata")
async def send_my_data(update: Update, context: ForumContext) -> None:
    """A summary in the member's words, then every row that mentions them as one JSON file."""
    actor, services = context.actor, context.services
    rows = await privacy.personal_rows(services.db, actor.user_id)
    if not rows:
        await reply(update, actor.tr._("The bot keeps no data about you."))
        return
    found = await privacy.summary(services.db, actor.user_id)
    subscription = await tips_db.subscription(services.db, actor.user_id)
    await reply_lines(update, summary_lines(actor, found, subscription))
    document = {"telegram_user_id": actor.user_id, "exported_at": services.clock().isoformat()}
    document["tables"] = rows
    data = json.dumps(document, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    await message_of(update).reply_document(
        InputFile(data, filename="my-data.json"),
        caption=actor.tr._(
            "Everything the bot keeps about you, table by table. /forget deletes it."
        ),
    )


def summary_lines(
    actor: Actor, found: privacy.Summary, subscription: Subscription | None
) -> list[str]:
    """What the file holds, said in the member's language: who they are here, what they sent.

    Polls are named, never how the member ranked them."""
    tr, user = actor.tr, actor.user
    lines = [tr._("<b>What the bot keeps about you</b>")]
    if found.forums:
        lines += [
            tr._("Forum: %(forum)s (%(role)s)", forum=name, role=role_name(tr, role))
            for name, role in found.forums
        ]
    else:
        lines.append(tr._("You are not a member of a forum."))
    if user is not None:
        zone = user.timezone or tr._("%(zone)s (the forum's)", zone=actor.timezone)
        lines += [
            tr._("Stakeholder group: %(group)s", group=group_name(tr, user.stakeholder_group)),
            tr._("Language: %(language)s", language=tr.language_name(actor.lang)),
            tr._("Time zone: %(zone)s", zone=zone),
            subscription_line(tr, subscription),
        ]
    lines.append(
        tr.n_(
            "Feedback you sent: %(count)s item",
            "Feedback you sent: %(count)s items",
            found.feedback_sent,
        )
    )
    voted = found.polls_voted
    lines.append(
        tr.n_(
            "Polls you voted in: %(count)s (how you ranked is not shown here)",
            "Polls you voted in: %(count)s (how you ranked is not shown here)",
            len(voted),
        )
    )
    several = len({name for name, _ in found.forums}) > 1
    lines += [
        tr._("• %(question)s (%(forum)s)", question=question, forum=name)
        if several
        else tr._("• %(question)s", question=question)
        for name, question in voted[:MAX_POLLS_LISTED]
    ]
    if len(voted) > MAX_POLLS_LISTED:
        lines.append(
            tr.n_("… and %(count)s more.", "… and %(count)s more.", len(voted) - MAX_POLLS_LISTED)
        )
    lines.append(
        tr._(
            "Anonymous polls that have closed are not listed: nobody can tell any more who voted "
            "in them, not even the bot."
        )
    )
    return lines


@guarded("forget")
async def ask_to_forget(update: Update, context: ForumContext) -> None:
    """Explain what goes and what stays, and ask for a yes."""
    tr = context.actor.tr
    if context.actor.user is None:
        await reply(update, tr._("The bot keeps no data about you."))
        return
    await reply(
        update,
        tr._(
            "Delete your data? Your profile, memberships, settings, answers to meetings and "
            "tip history are deleted, and your ballots in open polls are withdrawn. Ballots in closed "
            "polls, meeting ratings and the feedback you sent stay, without your name. You can "
            "join again later as a new member."
        ),
        keyboard(
            [
                [(tr._("✅ Yes, delete my data"), callbacks.make("priv", "forget"))],
                [(tr._("No, keep it"), callbacks.make("priv", "keep"))],
            ]
        ),
    )


async def _show(update: Update, text: str) -> None:
    """Edit the /forget prompt into `text`; a second tap finds it already saying so."""
    with unless_unchanged():
        await pressed(update).edit_message_text(text)


async def _on_prompt(press: Press[callbacks.Callback]) -> bool:
    """Whether the press sits on the /forget prompt (a text); answered, or answered as stale."""
    if not on_text_message(press.update):
        await answer_stale(press.update, press.context)
        return False
    await press.query.answer()
    return True


@button("priv", "keep", load=members_only(), answer=False)
async def keep(press: Press[callbacks.Callback]) -> None:
    if await _on_prompt(press):
        await _show(press.update, press.tr._("Nothing was deleted."))


@button("priv", "forget", load=members_only(), answer=False)
async def forget(press: Press[callbacks.Callback]) -> None:
    """The yes to /forget: unless they are a forum's only coordinator."""
    if not await _on_prompt(press):
        return
    tr, db, user_id = press.tr, press.services.db, press.actor.user_id
    sole = await privacy.last_coordinator_of(db, user_id)
    if sole:
        await _show(
            press.update,
            tr._(
                "You are the only coordinator of %(forums)s. Make someone else a coordinator "
                "first (/promote), then send /forget again.",
                forums=", ".join(sole),
            ),
        )
        return
    await privacy.forget(db, user_id)
    await press.query.edit_message_text(
        tr._("Done: your data is deleted. To join again, open an invite link from a coordinator.")
    )


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("mydata", send_my_data)),
        (0, CommandHandler("forget", ask_to_forget)),
        (0, routes(keep, forget)),
    ]
