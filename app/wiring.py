"""Application wiring: ApplicationBuilder, rate limiting, start-up and shutdown, the error handler."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    BaseRateLimiter,
    ContextTypes,
    Defaults,
)
from telegram.request import HTTPXRequest

from app import heartbeat as jobs
from app import outbox
from app.ratelimit import LaneRateLimiter
from app.updates import OrderedUpdates
from bot.clock import Clock, system_clock
from bot.config import Config
from bot.context import Services
from bot.i18n import Catalogs
from bot.priorities import load_catalogs
from bot.tips import load_tips
from db import users as users_db
from db.connection import Database
from db.migrate import migrate
from handlers import (
    chat_member,
    exports,
    forums,
    help,
    invites,
    linking,
    members,
    middleware,
    paging,
    privacy,
    removal,
    roles,
    start,
    text,
)
from handlers.broadcast import commands as announce
from handlers.context import ForumContext
from handlers.feedback import commands as feedback
from handlers.meetings import admin as meeting_admin
from handlers.meetings import commands as meetings
from handlers.meetings import dialog as meeting_dialog
from handlers.meetings import survey as meeting_survey
from handlers.menus import publish_menus
from handlers.polls import commands as polls
from handlers.polls import dialog as poll_dialog
from handlers.polls import manage as poll_manage
from handlers.polls import results as poll_results
from handlers.polls import voters as poll_voters
from handlers.settings import commands as settings
from handlers.tips import dialog as tip_dialog
from handlers.tips import library as tips
from handlers.tips import subscriptions as tip_subscriptions

log = logging.getLogger(__name__)


def build_application(
    config: Config,
    *,
    clock: Clock = system_clock,
    transport: httpx.AsyncBaseTransport | None = None,
    rate_limit: bool = True,
    heartbeat: bool = True,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    concurrent: bool = True,
) -> Application:
    """Build the bot. `transport` replaces the network (the fake Bot API in tests).
    `rate_limiter` and `concurrent` are for the load benchmark's comparison with the bot as it
    was (PTB's AIORateLimiter, one update at a time); deployments keep the defaults."""
    if config.token is None:
        raise ValueError("a token is required to build the application")
    httpx_kwargs: dict[str, Any] | None = {"transport": transport} if transport else None
    builder = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.bot_api_base)
        .base_file_url(config.bot_file_base)
        .request(HTTPXRequest(connection_pool_size=16, httpx_kwargs=httpx_kwargs))
        .get_updates_request(HTTPXRequest(httpx_kwargs=httpx_kwargs))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .context_types(ContextTypes(context=ForumContext))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    # Updates are handled concurrently, in order per chat and per user (app/updates.py): a
    # member's tap never waits for a coordinator's Send. One limiter owns Telegram's budget, in
    # lanes (app/ratelimit.py): a member's reply never waits behind the outbox.
    if concurrent:
        builder = builder.concurrent_updates(OrderedUpdates())
    limiter: BaseRateLimiter[Any] = rate_limiter or LaneRateLimiter(
        clock=clock.monotonic, sleep=sleep
    )
    application = (builder.rate_limiter(limiter) if rate_limit else builder).build()
    application.bot_data["services"] = Services(
        config=config, clock=clock, sleep=sleep, drain=outbox.drain
    )
    application.bot_data["heartbeat"] = heartbeat
    for group, handler in handler_registry():
        application.add_handler(handler, group=group)
    application.add_error_handler(on_error)
    return application


def handler_registry() -> list[tuple[int, BaseHandler]]:
    """(group, handler) pairs in registration order; fallbacks come last in their group."""
    return [
        *middleware.handlers(),
        *chat_member.handlers(),
        *start.handlers(),
        *forums.handlers(),
        *invites.handlers(),
        *linking.handlers(),
        *members.handlers(),
        *removal.handlers(),
        *settings.handlers(),
        *roles.handlers(),
        *polls.handlers(),
        *poll_dialog.handlers(),
        *poll_manage.handlers(),
        *poll_results.handlers(),
        *poll_voters.handlers(),
        *exports.handlers(),
        *meeting_dialog.handlers(),
        *meetings.handlers(),
        *meeting_admin.handlers(),
        *meeting_survey.handlers(),
        *tip_dialog.handlers(),
        *tips.handlers(),
        *announce.handlers(),
        *privacy.handlers(),
        *feedback.handlers(),
        *tip_subscriptions.handlers(),
        *paging.handlers(),
        *help.handlers(),
        *text.handlers(),
        *help.fallback_handlers(),
    ]


async def open_database(config: Config) -> Database:
    """Open the database and apply pending migrations (SchemaTooNewError if it is newer)."""
    db = await Database.open(config.database_path)
    try:
        await migrate(db)
    except BaseException:
        await db.close()
        raise
    return db


async def _post_init(application: Application) -> None:
    services: Services = application.bot_data["services"]
    services.catalogs = Catalogs(default_language=services.config.default_language)
    services.priorities = load_catalogs()
    services.tips = load_tips()
    services.db = await open_database(services.config)
    # The command menus (two calls per language) go out in the background, retried on a 5xx:
    # the first update should not wait for forty setMyCommands.
    services.spawn(publish_menus(application.bot, services.catalogs, services.sleep), "menus")
    await outbox.resume(application)  # bulk sends a stop interrupted (before run_due kicks)
    try:
        await jobs.run_due(application)  # deadlines that passed while the bot was down
    except Exception:
        # A one-off 5xx while closing an overdue poll must not keep the bot down: what is
        # still due is found again by the heartbeat (or at the next start).
        log.exception("due work at start-up failed; the heartbeat tries again")
    if application.bot_data["heartbeat"]:
        jobs.schedule(application)
    log.info("bot @%s ready", application.bot.username)


async def _post_shutdown(application: Application) -> None:
    """Cancel the background work, then close the database; safe to call twice."""
    services: Services = application.bot_data["services"]
    for task in list(services.tasks):  # a drain stopped mid-way resumes at the next start
        task.cancel()
    await asyncio.gather(*services.tasks, return_exceptions=True)
    db = services.__dict__.pop("db", None)
    if db is not None:
        await db.close()
        log.info("database closed")


async def on_error(update: object, context: ForumContext) -> None:
    """Log the failure, tell the user a short sorry, keep the update loop going."""
    error = context.error
    services = context.services
    if (
        isinstance(update, Update)
        and isinstance(error, Forbidden)
        and update.effective_user
        and update.effective_chat
        and update.effective_chat.type == "private"
    ):
        # The user blocked the bot between their message and our answer: remember, don't shout.
        await users_db.set_active(services.db, update.effective_user.id, False, services.clock())
        return
    summary = _describe(update)
    log.error("error while handling %s", summary, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    tr = context.actor.tr if context.has_actor else services.catalogs.translator(None)
    try:
        await context.bot.send_message(
            update.effective_chat.id, tr._("Sorry, something went wrong. Please try again.")
        )
    except TelegramError:
        log.warning("could not tell %s about the error", _chat(update))


def _describe(update: object) -> str:
    """A log-friendly summary without message text and without the person: the failing update
    may be an anonymous feedback item, and its time next to a user id would name its author."""
    if not isinstance(update, Update):  # a job's error; not its repr, which could hold anything
        return "a job" if update is None else f"a {type(update).__name__}"
    kinds = [k for k, v in update.to_dict().items() if k != "update_id" and v]
    return f"update {update.update_id} ({', '.join(kinds)}) in {_chat(update)}"


def _chat(update: Update) -> str:
    """A group by its id (not a person); a private chat only as such (its id is the user's)."""
    chat = update.effective_chat
    if chat is None:
        return "no chat"
    return "a private chat" if chat.type == "private" else f"chat {chat.id}"
