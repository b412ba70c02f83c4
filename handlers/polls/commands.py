"""/newpoll, /polls, /closepoll, the group announcement, and closing polls at their deadline."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from functools import partial

from telegram import Bot, InlineKeyboardMarkup, Update
from telegram.error import ChatMigrated, TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.context import Services
from bot.forums import STAKEHOLDER_GROUPS
from bot.i18n import Translator
from bot.persist import persist
from bot.poll_report import shown_groups
from bot.poll_texts import for_reader, localize
from bot.polls import PollDraft
from bot.priorities import item_index
from bot.roles import Access
from db import dialogs
from db import forums as forums_db
from db import outbox as outbox_db
from db import poll_texts as poll_texts_db
from db import polls as polls_db
from db import users as users_db
from db.poll_texts import PollLanguages
from db.polls import PollRow
from handlers import outgoing as outbox
from handlers.common import answer_stale, guarded, is_private, keyboard, pressed, refusal, reply
from handlers.context import ForumContext
from handlers.polls import ballot as ballots
from handlers.polls.choice import pick_poll
from handlers.polls.group_post import announcement, request_refresh
from handlers.polls.report import results_message

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
            forum_id=forum.id,
            question=draft.question,
            options=draft.options,
            closes_at=draft.closes_at,
            hide_results=draft.hide_results,
            anonymous=draft.anonymous,
            remind_before_s=int(draft.remind_before.total_seconds()),
            created_by=actor.user_id,
            now=now,
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


@guarded("polls")
async def list_polls(update: Update, context: ForumContext) -> None:
    """The forum's recent polls; open ones with a button to (re)open the ballot."""
    actor, services = context.actor, context.services
    actor = context.actor
    if actor.forum is None or actor.role is None:  # everyone may ask, but only of their forum
        forum = actor.forum.name if actor.forum else None
        await reply(update, refusal(actor.tr, Access.EVERYONE, "polls", forum, actor.role))
        return
    polls = (await polls_db.polls_of(services.db, actor.forum.id))[:10]
    if not polls:
        await reply(update, actor.tr._("%(forum)s has no polls yet.", forum=actor.forum.name))
        return
    tr, lines, rows = actor.tr, [], []
    votes = await polls_db.may_vote(services.db, actor.forum.id, actor.user_id)
    for poll in polls:
        poll, _ = await for_reader(services.db, services.priorities, tr, poll, [])
        when = tr.datetime(poll.closes_at, actor.timezone)
        if poll.closed_at is None:  # open
            state = tr._("open until %(time)s", time=when)
        elif poll.cancelled_at:
            state = tr._("cancelled %(time)s", time=tr.datetime(poll.closed_at, actor.timezone))
        else:
            state = tr._("closed %(time)s", time=tr.datetime(poll.closed_at, actor.timezone))
        lines.append(
            tr._(
                "%(number)s. %(question)s — %(state)s",
                number=poll.number,
                question=poll.question,
                state=state,
            )
        )
        if poll.is_open and votes:
            rows.append(
                [
                    (
                        tr._("Rank: poll %(number)s", number=poll.number),
                        callbacks.make("poll", "open", poll.id),
                    )
                ]
            )
    lines.append(tr._("Results of a closed poll: /results followed by its number."))
    await reply(update, "\n".join(lines), keyboard(rows) if rows else None)


async def open_ballot(update: Update, context: ForumContext, poll_id: int | None) -> None:
    """Send the member their ballot: from /polls or the group's "Rank privately" link."""
    actor, services = context.actor, context.services
    poll = await polls_db.get_poll(services.db, poll_id) if poll_id else None
    if poll is None or not await polls_db.may_vote(services.db, poll.forum_id, actor.user_id):
        text = actor.tr._(
            "This poll is not one you can vote in. Join its forum first with the "
            "invite link from your coordinator."
        )
    elif not poll.is_open:
        text = actor.tr._("Poll %(number)s is closed. See /results %(number)s.", number=poll.number)
    else:
        if update.callback_query:
            await update.callback_query.answer()
        await ballots.deliver_ballot(context.bot, services, poll, actor.user_id)
        return
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, text)


async def on_poll_button(update: Update, context: ForumContext) -> None:
    """`poll:open:<id>` (from /polls and reminders); `poll:close:<id>` (/closepoll's "Which
    poll?"), which asks first; `poll:shut:<id>` (the confirmed close) and `poll:keep:<id>`."""
    parsed = callbacks.parse(pressed(update).data)
    poll_id = parsed.int_arg(0) if parsed else None
    if parsed and parsed.action == "open":
        await open_ballot(update, context, poll_id)
    elif (
        parsed
        and parsed.action in ("close", "shut", "keep")
        and context.actor.forum
        and context.actor.role == "coordinator"
        and poll_id
    ):
        poll = await polls_db.get_poll(context.services.db, poll_id)
        if poll is None or poll.forum_id != context.actor.forum.id or not poll.is_open:
            await answer_stale(update, context)
            return
        query, tr = pressed(update), context.actor.tr
        await query.answer()
        if parsed.action == "close":
            text, markup = close_question(tr, poll)
            await query.edit_message_text(text, reply_markup=markup)
        elif parsed.action == "keep":
            await query.edit_message_text(tr._("Poll %(number)s stays open.", number=poll.number))
        else:
            await _close_and_report(update, context, poll)
            with contextlib.suppress(TelegramError):  # the question is answered; a courtesy
                await query.edit_message_reply_markup(None)
    elif parsed and parsed.action in ("rank", "undo", "submit"):
        await ballots.on_ballot_button(update, context)
    else:
        await answer_stale(update, context)


def close_question(tr: Translator, poll: PollRow) -> tuple[str, InlineKeyboardMarkup]:
    """The confirmation /closepoll asks for: closing cannot be undone."""
    text = tr._(
        "Close poll %(number)s “%(question)s” now? Members can no longer change their ranking, "
        "and the results go out. This cannot be undone.",
        number=poll.number,
        question=poll.question,
    )
    rows = [
        [
            (
                tr._("✅ Close poll %(number)s now", number=poll.number),
                callbacks.make("poll", "shut", poll.id),
            )
        ],
        [(tr._("Keep it open"), callbacks.make("poll", "keep", poll.id))],
    ]
    return text, keyboard(rows)


@guarded("closepoll")
async def close_poll(update: Update, context: ForumContext) -> None:
    """`/closepoll [number]`: asks for confirmation, then closes (`poll:shut`)."""
    poll = await pick_poll(update, context, feature="poll", action="close", open_only=True)
    if poll is not None:
        await reply(update, *close_question(context.actor.tr, poll))


async def _close_and_report(update: Update, context: ForumContext, poll: PollRow) -> None:
    # Who closes it in private is answered with the results below: no second copy for them.
    told = context.actor.user_id if is_private(update) else None
    if await finish_poll(context.bot, context.services, poll, told=told):
        closed = await polls_db.get_poll(context.services.db, poll.id)
        assert closed is not None
        await reply(update, context.actor.tr._("Poll %(number)s is closed.", number=poll.number))
        if told is None:  # in the group: its copy of the results comes through the outbox
            return
        text = await results_message(
            context.services, closed, context.actor.tr, context.actor.timezone
        )
        await reply(update, text)


async def finish_poll(
    bot: Bot, services: Services, poll: PollRow, *, told: int | None = None
) -> bool:
    """Close a poll (manually or at its deadline): ballots show it, the group gets the results."""
    messages = await polls_db.ballot_messages(services.db, poll.id)  # before they are de-linked
    forum = await forums_db.get_forum(services.db, poll.forum_id)
    assert forum is not None
    # An anonymous poll keeps a ballot's group only where a breakdown may show it.
    relabel = partial(shown_groups, known=list(STAKEHOLDER_GROUPS), minimum=forum.min_group_ballots)
    if not await polls_db.close(services.db, poll.id, services.clock(), relabel):
        return False
    closed = await polls_db.get_poll(services.db, poll.id)
    assert closed is not None
    try:
        await queue_results(bot, services, closed, told=told)
    except sqlite3.OperationalError as exc:  # busy: the close stands, the heartbeat queues them
        log.warning("poll %s: results not queued yet (%s)", poll.id, exc)
    # The results are queued first: a crash during the edits (a call per ballot) cannot lose them.
    for chat_id, message_id, user_id in messages:
        # The ballot says it closed (no ranking left on it) and links the results; a tap on an
        # old copy is answered "closed" anyway.
        text, markup = await _closed_ballot(services, closed, user_id)
        with contextlib.suppress(TelegramError):  # a deleted ballot message is no reason to stop
            await bot.edit_message_text(text, chat_id, message_id, reply_markup=markup)
    # In the background: a close is committed, and a slow or failing group edit must neither
    # hold the update loop nor turn "closed" into "sorry".
    request_refresh(bot, services, closed.id)
    return True


async def _closed_ballot(
    services: Services, poll: PollRow, user_id: int | None
) -> tuple[str, InlineKeyboardMarkup]:
    """What a ballot message becomes at the close, in its member's language."""
    user = await users_db.get_user(services.db, user_id) if user_id else None
    tr = services.catalogs.translator(user.language if user else None)
    poll, _ = await for_reader(services.db, services.priorities, tr, poll, [])
    text = "\n\n".join(
        (
            tr._(
                "<b>Poll %(number)s</b>: %(question)s", number=poll.number, question=poll.question
            ),
            tr._(
                "This poll is closed. See its results with the button below or /results %(number)s.",
                number=poll.number,
            ),
        )
    )
    return text, keyboard([[(tr._("📊 Results"), callbacks.make("res", "show", poll.id))]])


async def queue_results(
    bot: Bot, services: Services, poll: PollRow, *, told: int | None = None
) -> None:
    """A closed poll's results, queued once: the claim and the rows commit together. They go
    to the forum's group if it has one, else to every member in private; coordinators always
    get them in private (except `told`, who closed the poll in a private chat and was answered
    with them). Each private copy is in the reader's language and zone. Called right after the
    close and, for a close whose results never got queued (a crash or a busy database between
    the two), by the heartbeat."""
    forum = await forums_db.get_forum(services.db, poll.forum_id)
    assert forum is not None
    chats = await forums_db.group_chats(services.db, poll.forum_id)
    readers = [
        r
        for r in await forums_db.readers(services.db, poll.forum_id)
        if (r.role == "coordinator" or not chats) and r.user_id != told
    ]
    # Counted after the close commits, so a vote submitted a moment before is in the message;
    # once per language and zone, not once per member.
    texts: dict[tuple[str | None, str], str] = {}

    async def text_for(language: str | None, zone: str) -> str:
        if (language, zone) not in texts:
            tr = services.catalogs.translator(language)
            texts[language, zone] = await results_message(services, poll, tr, zone)
        return texts[language, zone]

    rows = [
        outbox.outgoing(chat_id, None, await text_for(forum.language, forum.timezone))
        for chat_id in chats
    ]
    for reader in readers:
        text = await text_for(reader.language, reader.timezone or forum.timezone)
        rows.append(outbox.outgoing(reader.user_id, reader.user_id, text))
    async with outbox_db.batch(
        services.db, forum_id=forum.id, kind="results", now=services.clock()
    ) as batch:
        if await polls_db.claim_results(batch.conn, poll.id, services.clock()):
            for row in rows:
                await batch.add(row)
    outbox.kick(bot, services)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("polls", list_polls)),
        (0, CommandHandler("closepoll", close_poll)),
        (0, CallbackQueryHandler(on_poll_button, pattern=r"^poll:")),
    ]
