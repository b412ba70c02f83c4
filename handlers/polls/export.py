"""A poll's CSV files (/export, or "Which poll?" under it): one row per ballot, and the counted
results. Named ballots carry names only for coordinators (bot/poll_voters.py)."""

from __future__ import annotations

from telegram import InputFile, Update

from bot.poll_report import ballots_csv, results_csv
from bot.poll_voters import may_export_names, named_ballots_csv
from db import poll_voters as voters_db
from db.polls import PollRow
from handlers.common import message_of, reply
from handlers.context import ForumContext
from handlers.polls.report import cancelled_sentence, count_for, item_ids


async def send_poll_export(update: Update, context: ForumContext, poll: PollRow) -> None:
    actor = context.actor
    if poll.cancelled_at is not None:
        await reply(update, cancelled_sentence(actor.tr, poll, actor.timezone))
        return
    if poll.is_open and poll.hide_results:
        await reply(
            update,
            actor.tr._(
                "Poll %(number)s is still open and its results are hidden: export it after it "
                "closes.",
                number=poll.number,
            ),
        )
        return
    options, ballots, result, _ = await count_for(context.services, poll)
    message = message_of(update)
    if may_export_names(poll.anonymous, actor.role):  # a named poll, for a coordinator
        named = await voters_db.named_ballots(context.services.db, poll.id)
        ballots_file = named_ballots_csv(len(options), named)
        caption = actor.tr._(
            "Poll %(number)s (named): one row per ballot with the member's name, and the option "
            "number at each rank.",
            number=poll.number,
        )
    else:  # anonymous polls for everyone; named ones for observers, without names
        ballots_file = ballots_csv(len(options), ballots)
        caption = actor.tr._(
            "Poll %(number)s: one row per ballot (anonymous), with the option number at each rank.",
            number=poll.number,
        )
    await message.reply_document(
        InputFile(ballots_file, filename=f"poll-{poll.number}-ballots.csv"), caption=caption
    )
    await message.reply_document(
        InputFile(
            results_csv(options, result, await item_ids(context.services, poll)),
            filename=f"poll-{poll.number}-results.csv",
        ),
        caption=actor.tr._(
            "Poll %(number)s: points and places per option, by stakeholder group.",
            number=poll.number,
        ),
    )
