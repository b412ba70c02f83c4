"""An /announce draft and what it shows: the preview, the audience screen, its recipients.

The draft is a pending dialog step (db/dialogs.py), so it survives a restart; the buttons under
the preview (handlers/broadcast/commands.py) change it and save it here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import InlineKeyboardMarkup, Update

from bot import callbacks
from bot.forums import STAKEHOLDER_GROUPS
from bot.i18n import Html, Translator
from bot.roles import Role
from db import dialogs
from db import forums as forums_db
from db.outbox import Outgoing
from handlers.common import chat_of, keyboard
from handlers.context import ForumContext
from handlers.dialogs import expect_here
from handlers.render import group_name

ANNOUNCE = "announce"  # the dialog step's kind
TEXT, PREVIEW, VERSION = "text", "preview", "version"  # what the next message answers


@dataclass(frozen=True)
class AnnouncementDraft:
    """An announcement being written. `step` says what the next message is: the text (TEXT,
    or a corrected one after the PREVIEW), or the version in `language` (VERSION)."""

    forum: int  # fixed at /announce: a later switch of current forum must not redirect it
    step: str = TEXT
    groups: tuple[str, ...] = ()  # none: all members
    chat: bool = False  # also to the forum's group chats
    versions: dict[str, str] = field(default_factory=dict)  # language → its text
    text: str | None = None  # None until the first text arrives
    language: str | None = None  # the version asked for with "🌐"

    def version_asked(self, languages: list[str]) -> str | None:
        """The language whose version the next message is, if it is one."""
        if self.step in languages:  # a draft written when `step` held the language
            return self.step
        return self.language if self.step == VERSION else None


def announcement(tr: Translator, forum: str, text: str) -> str:
    """What a recipient sees: a localized header, then the coordinator's own HTML."""
    return tr._("📣 <b>Announcement from %(forum)s</b>", forum=forum) + "\n\n" + text


async def open_draft(update: Update, context: ForumContext) -> AnnouncementDraft | None:
    """The caller's draft under a preview, while it is open, for their current forum, and they
    still coordinate it; None otherwise."""
    actor = context.actor
    pending = await dialogs.pending(
        context.services.db, user_id=actor.user_id, chat_id=chat_of(update).id
    )
    draft = pending.draft(AnnouncementDraft) if pending and pending.kind == ANNOUNCE else None
    if (
        draft is None
        or draft.text is None
        or actor.role is not Role.COORDINATOR
        or actor.forum is None
        or draft.forum != actor.forum.id
    ):
        return None
    return draft


async def save(context: ForumContext, update: Update, draft: AnnouncementDraft) -> None:
    await expect_here(update, context, ANNOUNCE, draft)


async def recipients(context: ForumContext, draft: AnnouncementDraft) -> list[Outgoing]:
    """(chat id, user id or None, text) for everyone the draft reaches, each in their language."""
    forum, services = context.actor.forum, context.services
    assert forum is not None and draft.text is not None
    messages: list[Outgoing] = []
    for user_id, language in await forums_db.reachable_members(
        services.db, forum.id, list(draft.groups)
    ):
        tr = services.catalogs.translator(language, forum.language)
        text = draft.versions.get(language or "", draft.text)
        messages.append(Outgoing(user_id, user_id, announcement(tr, forum.name, text)))
    if draft.chat:
        tr = services.catalogs.translator(forum.language)
        text = draft.versions.get(forum.language, draft.text)
        for chat_id in await forums_db.group_chats(services.db, forum.id):
            messages.append(Outgoing(chat_id, None, announcement(tr, forum.name, text)))
    return messages


async def _recipient_count(context: ForumContext, draft: AnnouncementDraft) -> int:
    """How many `recipients` would return, without rendering a message for each."""
    db, forum = context.services.db, context.actor.forum
    assert forum is not None
    count = len(await forums_db.reachable_members(db, forum.id, list(draft.groups)))
    if draft.chat:
        count += len(await forums_db.group_chats(db, forum.id))
    return count


async def preview(
    context: ForumContext, draft: AnnouncementDraft
) -> tuple[str, InlineKeyboardMarkup]:
    actor = context.actor
    tr, forum = actor.tr, actor.forum
    assert forum is not None and draft.text is not None
    count = await _recipient_count(context, draft)
    # Html: these pieces come out of tr._ already escaped; escaping again would show "&amp;".
    names = [group_name(tr, key) for key in draft.groups]
    audience = Html(", ".join(names) if names else tr._("all members"))
    if draft.chat:
        audience = Html(tr._("%(audience)s and the forum's group chat", audience=audience))
    versions = sorted(draft.versions)
    lines = [tr._("<b>Preview</b> — to %(audience)s.", audience=audience)]
    if versions:
        lines.append(
            tr._(
                "Other languages: %(languages)s. Members get their language's version, else "
                "this one.",
                languages=", ".join(tr.language_name(code) for code in versions),
            )
        )
    lines += ["", announcement(tr, forum.name, draft.text)]
    rows = [
        [
            (
                tr.n_("✅ Send to %(count)s recipient", "✅ Send to %(count)s recipients", count),
                callbacks.make("ann", "send"),
            )
        ],
        [
            (tr._("👥 Audience"), callbacks.make("ann", "aud")),
            (tr._("🌐 Add a language"), callbacks.make("ann", "langs")),
        ],
        [(tr._("✖ Cancel"), callbacks.make("ann", "cancel"))],
    ]
    return "\n".join(lines), keyboard(rows)


def audience_screen(
    tr: Translator, draft: AnnouncementDraft, has_chat: bool
) -> tuple[str, InlineKeyboardMarkup]:
    groups = draft.groups
    mark = lambda on: "✅ " if on else "☐ "  # noqa: E731 - a label prefix, used four times
    rows = [[(mark(not groups) + tr._("All members"), callbacks.make("ann", "all"))]]
    rows += [
        [(mark(key in groups) + tr._(label), callbacks.make("ann", "grp", key))]
        for key, label in STAKEHOLDER_GROUPS.items()
    ]
    if has_chat:
        rows.append(
            [(mark(draft.chat) + tr._("The forum's group chat"), callbacks.make("ann", "chat"))]
        )
    rows.append([(tr._("« Back to the preview"), callbacks.make("ann", "back"))])
    return tr._("Who should receive it? Choosing groups sends it to their members only."), keyboard(
        rows
    )
