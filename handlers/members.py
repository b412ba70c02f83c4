"""/members (coordinators, private): the forum's people by stakeholder group and role, paged;
and naming a member for /promote, /demote and /remove, checked with Telegram.

A username can pass from one person to another without the bot seeing it, so `@name` is only a
hint: each member stored under that name is asked about with getChatMember (in the forum's group)
or getChat, and exactly one who has that username *now* must come back.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler

from bot import callbacks
from bot.i18n import Html, Translator, escape
from bot.members import Section, group_rank, paginate, person_key
from bot.promotion import Target
from bot.roles import Role
from db import forums as forums_db
from db import members as members_db
from db import users as users_db
from db.forums import ForumRow
from db.members import Entry, MemberRow
from handlers.buttons import Press, button, routes
from handlers.common import guarded, keyboard, reply, unless_unchanged
from handlers.context import ForumContext
from handlers.invites import coordinates
from handlers.render import group_name, role_name


async def current_username(context: ForumContext, forum_id: int, user_id: int) -> str | None:
    """The person's username as Telegram has it now (None: none, or Telegram can't tell us);
    the stored one is refreshed on the way."""
    services, bot = context.services, context.bot
    user = None
    for chat_id in await forums_db.group_chats(services.db, forum_id):
        try:
            user = (await bot.get_chat_member(chat_id, user_id)).user
            break
        except TelegramError:
            continue
    if user is None:
        try:
            chat = await bot.get_chat(user_id)
        except TelegramError:
            return None
        name, username = chat.first_name or "", chat.username
    else:
        name, username = user.first_name, user.username
    await users_db.refresh_names(services.db, user_id, name, username, services.clock())
    return username


async def resolve_member(
    update: Update, context: ForumContext, forum: ForumRow, target: Target, command: str
) -> MemberRow | None:
    """The member `target` names, or None after telling the coordinator why not and what to do
    instead (reply to the person's message in the group, or use their numeric id)."""
    services, tr = context.services, context.actor.tr
    if target.user_id is not None:
        member = await members_db.find_member(services.db, forum.id, target.user_id)
        if member is None:
            await reply(
                update,
                tr._("I can't find that person among the members of %(forum)s.", forum=forum.name),
            )
        return member
    name = target.username or ""
    candidates = await members_db.members_named(services.db, forum.id, name)
    verified = [
        member
        for member in candidates
        if ((await current_username(context, forum.id, member.user_id)) or "").casefold()
        == name.casefold()
    ]
    if len(verified) == 1:
        return verified[0]
    how = tr._(
        "Reply to their message in the forum's group with /%(command)s, or use their numeric id "
        "(see /members).",
        command=command,
    )
    if not candidates:
        said = tr._(
            "I can't find @%(name)s among the members of %(forum)s.", name=name, forum=forum.name
        )
    else:
        said = tr._(
            "I can't be sure who @%(name)s is: Telegram does not confirm that username for "
            "exactly one member of %(forum)s.",
            name=name,
            forum=forum.name,
        )
    await reply(update, said + " " + how)
    return None


# --- /members -------------------------------------------------------------------------------


def _line(tr: Translator, entry: Entry) -> str:
    """• Name (@username) · role · id (the id to copy into /promote or /remove)."""
    who = escape(entry.first_name or "—")
    if entry.username:
        who += " @" + escape(entry.username)
    ident = Html(f"<code>{entry.user_id}</code>")
    if entry.role is None or entry.role == Role.MEMBER:
        return tr._("• %(who)s · %(id)s", who=Html(who), id=ident)
    return tr._(
        "• %(who)s · %(role)s · %(id)s", who=Html(who), role=role_name(tr, entry.role), id=ident
    )


def _sections(tr: Translator, people: list[Entry], removed: list[Entry]) -> list[Section]:
    sections: list[Section] = []
    groups = sorted({p.group for p in people}, key=group_rank)
    for group in groups:
        here = sorted(
            (p for p in people if p.group == group),
            key=lambda p: person_key(p.role, p.first_name, p.user_id),
        )
        label = group_name(tr, group) if group else tr._("No stakeholder group chosen yet")
        header = tr._("<b>%(group)s</b>: %(count)s", group=label, count=len(here))
        counts = _role_counts(tr, here)
        sections.append(
            Section(
                header + " (" + counts + ")",
                tr._("<b>%(group)s</b> (continued)", group=label),
                [(_line(tr, p), None) for p in here],
            )
        )
    if removed:
        sections.append(
            Section(
                tr.n_(
                    "<b>Removed</b>: %(count)s. This member can't rejoin until you let them back in.",
                    "<b>Removed</b>: %(count)s. They can't rejoin until you let them back in.",
                    len(removed),
                ),
                tr._("<b>Removed</b> (continued)"),
                [(_line(tr, p), p.user_id) for p in removed],
            )
        )
    return sections


def _role_counts(tr: Translator, people: list[Entry]) -> str:
    """ "2 coordinators, 37 members": the roles present, with their counts."""
    parts = []
    for role in (Role.COORDINATOR, Role.OBSERVER, Role.MEMBER):
        count = sum(1 for p in people if p.role == role)
        if role is Role.COORDINATOR and count:
            parts.append(tr.n_("%(count)s coordinator", "%(count)s coordinators", count))
        elif role is Role.OBSERVER and count:
            parts.append(tr.n_("%(count)s observer", "%(count)s observers", count))
        elif role is Role.MEMBER and count:
            parts.append(tr.n_("%(count)s member", "%(count)s members", count))
    return ", ".join(parts)


async def render_page(
    context: ForumContext, forum: ForumRow, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Page `page` (from 0; clamped) of the member list, and its buttons."""
    tr, db = context.actor.tr, context.services.db
    people = await members_db.roster(db, forum.id)
    removed = await members_db.removed(db, forum.id)
    pages = paginate(_sections(tr, people, removed))
    page = min(max(page, 0), len(pages) - 1)
    title = [
        tr._("<b>Members of %(forum)s</b>: %(count)s", forum=forum.name, count=len(people)),
        _role_counts(tr, people),
        tr._("Page %(page)s of %(pages)s", page=page + 1, pages=len(pages)),
        "",
    ]
    lines = [text for text, _ in pages[page]]
    rows = [
        [(tr._("↩ Let %(name)s back in", name=Html(_short(text_name))), data)]  # plain label
        for text_name, data in _lift_buttons(removed, pages[page], forum.id)
    ]
    nav = []
    if page > 0:
        nav.append(("◀", callbacks.make("mem", "page", forum.id, page - 1)))
    if page < len(pages) - 1:
        nav.append(("▶", callbacks.make("mem", "page", forum.id, page + 1)))
    if nav:
        rows.append(nav)
    return "\n".join(title + lines), keyboard(rows) if rows else None


def _lift_buttons(
    removed: list[Entry], page: list[tuple[str, int | None]], forum_id: int
) -> list[tuple[str, str]]:
    names = {p.user_id: p.first_name or str(p.user_id) for p in removed}
    return [
        (names[user_id], callbacks.make("rm", "lift", forum_id, user_id))
        for _, user_id in page
        if user_id is not None and user_id in names
    ]


def _short(name: str, limit: int = 32) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


@guarded("members")
async def members(update: Update, context: ForumContext) -> None:
    """`/members`: the first page of the list."""
    forum = context.actor.forum
    assert forum is not None  # guarded: coordinators have a forum
    text, markup = await render_page(context, forum, 0)
    await reply(update, text, markup)


async def listed_forum(context: ForumContext, data: callbacks.Callback) -> ForumRow | None:
    """The forum of a `mem:page:<forum id>:<page>` button, if it names a page."""
    forum_id, page = data.int_arg(0), data.int_arg(1)
    if forum_id is None or page is None:
        return None
    return await forums_db.get_forum(context.services.db, forum_id)


@button("mem", "page", load=listed_forum, check=coordinates)
async def turn_page(press: Press[ForumRow]) -> None:
    """◀ ▶ between pages of the button's forum (the ↩ buttons are handlers/removal.py's)."""
    text, markup = await render_page(press.context, press.row, press.data.int_arg(1) or 0)
    with unless_unchanged():
        await press.query.edit_message_text(text, reply_markup=markup)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("members", members)),
        (0, routes(turn_page)),
    ]
