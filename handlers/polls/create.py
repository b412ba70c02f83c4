"""Creating a poll (the dialog's "Send"): the poll, every voter's empty ballot and its outbox row
in one transaction; then the group's post and the answer to its creator."""

from __future__ import annotations

import logging
from functools import partial

from telegram import Bot, Update
from telegram.error import ChatMigrated, TelegramError

from bot import callbacks
from bot.context import Services
from bot.persist import persist
from bot.poll_texts import localize
from bot.polls import PollDraft
from bot.priorities import item_index
from db import dialogs
from db import forums as forums_db
from db import outbox as outbox_db
from db import poll_texts as poll_texts_db
from db import polls as polls_db
from db.poll_texts import PollLanguages
from db.polls import PollRow
from handlers import outgoing as outbox
from handlers.common import is_private, keyboard, reply
from handlers.context import ForumContext
from handlers.polls import ballot as ballots
from handlers.polls.group_post import announcement

log = logging.getLogger(__name__)


async def create_poll(
    update: Update,
    context: ForumContext,
    draft: PollDraft,
    *,
    catalog: str | None = None,
    refs: list[str | None] | None = None,
    claim: tuple[int, int, str] | None = None,
    default_question: bool = False,
    texts: dict[str, tuple[str, list[str]]] | None = None,
) -> PollRow | None:
    """Commit, then talk: the poll, every voter's empty ballot and its outbox row in one
    transaction (a crash or a busy database leaves all of them or none); then the group's post
    and the answer, which may fail without losing anything.

    `claim` (user id, chat id, dialog kind) is the previewed draft: deleted in the same
    transaction, so a second tap on "Send" (or one racing it) creates nothing; None then.

    The poll is in its creator's language; `default_question` (the catalog's, kept) and `texts`
    (translations added in the preview, by language) let each voter read it in theirs."""
    actor, services = context.actor, context.services
    forum = actor.forum
    assert forum is not None
    voters = await polls_db.voters(services.db, forum.id)
    now = services.clock()
    async with outbox_db.batch(services.db, forum_id=forum.id, kind="ballot", now=now) as writing:
        if claim and not await dialogs.take(
            writing.conn, user_id=claim[0], chat_id=claim[1], kind=claim[2]
        ):
            return None
        poll = await polls_db.insert_poll(
            writing.conn,
            now=now,
            created_by=actor.user_id,
            forum_id=forum.id,
            question=draft.question,
            options=draft.options,
            remind_before_s=int(draft.remind_before.total_seconds()),
            closes_at=draft.closes_at,
            hide_results=draft.hide_results,
            anonymous=draft.anonymous,
            catalog=catalog,
            refs=refs,
        )
        writing.for_poll(poll.id)
        await poll_texts_db.record(
            writing.conn,
            poll.id,
            language=actor.tr.lang,
            default_question=default_question,
            texts=texts or {},
        )
        langs = PollLanguages(
            actor.tr.lang,
            default_question,
            await poll_texts_db.refs_in(writing.conn, poll.id),
            texts or {},
        )
        items = item_index(services.priorities)
        options, empty = await polls_db.insert_ballots(
            writing.conn, poll.id, [v.user_id for v in voters]
        )
        for voter in voters:
            tr = services.catalogs.translator(voter.language)
            theirs, shown = localize(tr, poll, options, langs, items)
            text, markup = ballots.render_ballot(
                tr, theirs, shown, empty[voter.user_id], voter.timezone or forum.timezone
            )
            await writing.add(
                outbox.outgoing(
                    voter.user_id, voter.user_id, text, markup, on_sent=f"ballot:{poll.id}"
                )
            )
    # The pacer knows nothing of the direct sends below: start it after them, so the creator's
    # own ballot doesn't come a moment before the answer (two messages in one second to one
    # chat are over Telegram's per-chat limit).
    try:
        await _talk_after_create(update, context, poll, len(voters))
    finally:
        outbox.kick(context.bot, services)
    return poll


async def _talk_after_create(
    update: Update, context: ForumContext, poll: PollRow, count: int
) -> None:
    actor, services = context.actor, context.services
    assert actor.forum is not None
    forum = actor.forum
    await _announce_in_groups(context.bot, services, poll)
    tr = actor.tr
    created = tr.n_(
        "Poll %(number)s created: “%(question)s”. It closes %(time)s. Sending the ballot to "
        "%(count)s member now.",
        "Poll %(number)s created: “%(question)s”. It closes %(time)s. Sending the ballot to "
        "%(count)s members now.",
        count,
        number=poll.number,
        question=poll.question,
        time=tr.datetime(poll.closes_at, forum.timezone),
    )
    # In private, a way to the poll's panel (/editpoll): a group may not press it.
    manage = (
        keyboard([[(tr._("⚙️ Manage"), callbacks.make("pm", "menu", poll.id))]])
        if is_private(update)
        else None
    )
    try:
        await reply(update, created, manage)
    except TelegramError as exc:  # the poll stands; /polls shows it
        log.warning("poll %s: the answer to its creator failed: %s", poll.id, exc)


async def _announce_in_groups(bot: Bot, services: Services, poll: PollRow) -> None:
    for chat_id in await forums_db.group_chats(services.db, poll.forum_id):
        text, markup = await announcement(bot, services, poll)
        try:
            try:
                message = await bot.send_message(chat_id, text, reply_markup=markup)
            except ChatMigrated as exc:  # the group became a supergroup: follow it
                await forums_db.migrate_chat(services.db, chat_id, exc.new_chat_id)
                chat_id = exc.new_chat_id
                message = await bot.send_message(chat_id, text, reply_markup=markup)
        except TelegramError as exc:  # removed from the group, Telegram failing: members still vote
            log.warning("could not announce poll %s in chat %s: %s", poll.id, chat_id, exc)
            continue
        # What the sent post must leave behind, kept until the database takes it: without
        # it the post could never show the count or the close.
        await persist(
            services,
            partial(polls_db.set_group_message, services.db, poll.id, chat_id, message.message_id),
        )
        return  # one announcement, edited as votes come in
