"""Small helpers every handler module shares: replying, guarding commands, reading arguments."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import (
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot.i18n import Translator
from bot.roles import COMMANDS_BY_NAME, Access, InGroup, Role, may_use
from handlers.context import ForumContext

Handler = Callable[[Update, ForumContext], Coroutine[Any, Any, None]]


MAX_INPUT = 1000  # no dialog answer is longer unless its step says so; Telegram caps at 4096


@dataclass(frozen=True)
class TypedStep:
    """A dialog step answered by typing: declared by its feature module in `TYPED_STEPS`, and
    collected by handlers/text.py, which routes a user's next private message to it."""

    kind: str  # the pending step's kind (db/dialogs.expect)
    handle: Callable[[Update, ForumContext, dict], Awaitable[None]]
    limit: int = MAX_INPUT  # the longest answer it takes
    photo: bool = False  # a photo with a caption answers it too


def retry_seconds(retry_after: float | timedelta) -> float:
    """A 429's `retry_after` in seconds (PTB 22 gives an int; 23 will give a timedelta)."""
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)


# What PTB types as optional but a handler's registration guarantees. Each fails loudly (as the
# attribute access on None it replaces would) if a handler is ever registered for other updates.


def pressed(update: Update) -> CallbackQuery:
    """The button press of an update a CallbackQueryHandler routed (it routes no other)."""
    query = update.callback_query
    assert query is not None, "not a button press"
    return query


def pressed_message(query: CallbackQuery) -> Message:
    """The message under the pressed button: the bot's own, in a chat (there is no inline mode)."""
    message = query.message
    assert isinstance(message, Message), "the pressed message is gone or inaccessible"
    return message


def chat_of(update: Update) -> Chat:
    """The chat a command, message, button press or membership change happened in."""
    chat = update.effective_chat
    assert chat is not None, "an update without a chat"
    return chat


def message_of(update: Update) -> Message:
    """The message a command or typed answer came in."""
    message = update.effective_message
    assert message is not None, "an update without a message"
    return message


def user_of(update: Update) -> User:
    """Who sent the command, message or button press."""
    user = update.effective_user
    assert user is not None, "an update without a sender"
    return user


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


async def reply(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Answer in the chat the update came from (HTML; quoted in groups only)."""
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_text(text, reply_markup=markup, do_quote=not is_private(update))


async def reply_lines(update: Update, lines: list[str], limit: int = 4000) -> None:
    """Answer with lines, split into as many messages as Telegram's 4096 characters need."""
    chunk: list[str] = []
    for line in lines:
        if chunk and sum(len(part) + 1 for part in chunk) + len(line) > limit:
            await reply(update, "\n".join(chunk))
            chunk = []
        chunk.append(line)
    if chunk:
        await reply(update, "\n".join(chunk))


def command_text(update: Update) -> str:
    """Everything after `/command` (and `@botname`), all lines, stripped."""
    text = update.effective_message.text if update.effective_message else None
    if not text:
        return ""
    first, _, rest = text.partition("\n")
    _, _, args = first.partition(" ")
    return "\n".join(part for part in (args.strip(), rest.strip()) if part)


def keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (label, callback_data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def confirmation(
    text: str, yes: tuple[str, str], no: tuple[str, str]
) -> tuple[str, InlineKeyboardMarkup]:
    """A question that cannot be undone, with its two answers (label, callback data) one per row."""
    return text, keyboard([[yes], [no]])


def refusal(
    tr: Translator, access: Access, command: str, forum_name: str | None, role: Role | None
) -> str:
    """The localized sentence for a command this caller may not use."""
    if access is Access.ADMINS:
        return tr._("Only bot administrators can use /%(command)s.", command=command)
    if forum_name is None:
        return tr._(
            "You are not a member of a forum yet. Ask your forum's coordinator for an invite link."
        )
    if role is None:  # in the group of a forum they do not belong to
        return tr._("You are not a member of %(forum)s.", forum=forum_name)
    if access is Access.ANALYSTS:
        return tr._(
            "Only coordinators and observers of %(forum)s can use /%(command)s.",
            forum=forum_name,
            command=command,
        )
    return tr._(
        "Only coordinators of %(forum)s can use /%(command)s.", forum=forum_name, command=command
    )


def private_chat_hint(tr: Translator, command: str, bot_username: str) -> str:
    """Where to use a command whose answer a group may not see."""
    return tr._(
        "Please use /%(command)s in a private chat with me: %(link)s",
        command=command,
        link=f"https://t.me/{bot_username}",
    )


def guarded(name: str) -> Callable[[Handler], Handler]:
    """Run the handler for command `name` only where and for whom `bot.roles.COMMANDS` allows it.

    A caller whose role does not allow the command is refused politely (which names no more than
    the forum of the group); a command that is private in groups (`InGroup.PRIVATE`) sent there
    only points to the private chat. Either way nothing else happens.
    """
    spec = COMMANDS_BY_NAME[name]

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(update: Update, context: ForumContext) -> None:
            actor = context.actor
            if not may_use(spec.access, actor.role, is_admin=actor.is_admin):
                forum = actor.forum.name if actor.forum else None
                await reply(update, refusal(actor.tr, spec.access, name, forum, actor.role))
                return
            if spec.in_group is InGroup.PRIVATE and not is_private(update):
                await reply(update, private_chat_hint(actor.tr, name, context.bot.username))
                return
            await handler(update, context)

        return wrapper

    return decorate


def on_text_message(update: Update) -> bool:
    """Whether a button's message is text (not a file or photo with a caption): buttons that
    answer by editing their message's text only ever sit on one; forged onto a calendar file,
    they are stale, not an error."""
    message = update.callback_query.message if update.callback_query else None
    return message is not None and getattr(message, "text", None) is not None


async def answer_stale(update: Update, context: ForumContext) -> None:
    """Answer a forged, stale or no-longer-valid button press; nothing else happens."""
    if update.callback_query:
        await update.callback_query.answer(
            context.actor.tr._("This button is no longer valid."), show_alert=False
        )


@contextlib.contextmanager
def unless_unchanged() -> Iterator[None]:
    """Editing a message into what it already shows is a 400 from Telegram, not a failure.

    It happens when someone taps the value that is already set, or the same answer twice.
    """
    try:
        yield
    except BadRequest as exc:
        if "not modified" not in str(exc):
            raise
