"""Coordinators' own tips: `/tip add <topic>` (one message), `/tip list` and `/tip remove N`.

The form is read by bot/forum_tips.py; `add_tip` is the one code path that stores a forum tip,
for the form and for the dialog's "Save" (handlers/tips/dialog.py). `/tip` itself is
handlers/tips/library.py, which hands these three words here.
"""

from __future__ import annotations

from telegram import Update

from bot import callbacks
from bot.forum_tips import MAX_FORUM_TIP, parse_forum_tip
from bot.forums import FormError
from bot.i18n import Translator
from bot.roles import Access, Role
from bot.tips import TOPICS
from db import tips as tips_db
from handlers.common import is_private, refusal, reply
from handlers.context import ForumContext
from handlers.paging import Screen, markup, pager_for, text_page


async def manage(update: Update, context: ForumContext, action: str, rest: str) -> None:
    """`/tip add|list|remove …`, for the current forum's coordinators."""
    actor = context.actor
    tr = actor.tr
    if actor.forum is None or actor.role is not Role.COORDINATOR:
        forum = actor.forum.name if actor.forum else None
        await reply(update, refusal(tr, Access.COORDINATORS, f"tip {action}", forum, actor.role))
        return
    if action == "list":
        screen = await _tips_screen(context, 0)
        if screen is None:
            await reply(
                update, tr._("%(forum)s has no tips of its own yet.", forum=actor.forum.name)
            )
        else:
            await reply(update, *screen)
    elif action == "remove":
        await _remove(update, context, rest)
    else:
        await _add(update, context, rest)


async def _remove(update: Update, context: ForumContext, rest: str) -> None:
    actor, services = context.actor, context.services
    tr = actor.tr
    assert actor.forum is not None
    number = callbacks.parse_id(rest.strip().lstrip("#"))
    removed = number is not None and await tips_db.remove_forum_tip(
        services.db, actor.forum.id, number, services.clock()
    )
    if removed:
        await reply(update, tr._("Tip #%(number)s removed.", number=number))
    else:
        await reply(update, tr._("There is no tip with that number; /tip list shows them."))


async def _add(update: Update, context: ForumContext, rest: str) -> None:
    actor, services = context.actor, context.services
    tr = actor.tr
    try:
        topic, texts = parse_forum_tip(
            rest, default_lang=actor.lang, languages=services.catalogs.languages, translate=tr._
        )
    except FormError as error:
        await reply(update, form_error(tr, error))
        return
    await add_tip(update, context, topic, texts)


def form_error(tr: Translator, error: FormError) -> str:
    """A refused tip form, in the reader's language (the limits and topics filled in)."""
    params = {"max": MAX_FORUM_TIP, "topics": ", ".join(TOPICS), **error.params}
    return tr._(error.message, **params)


async def add_tip(
    update: Update,
    context: ForumContext,
    topic: str,
    texts: dict[str, str],
    *,
    claim: tuple[int, int, str] | None = None,
) -> int | None:
    """Store a forum tip and say so: the one code path of the one-message form and of the
    dialog's "Save" (whose draft `claim` names; None if it was gone)."""
    actor, services = context.actor, context.services
    tr = actor.tr
    assert actor.forum is not None
    number = await tips_db.add_forum_tip(
        services.db,
        forum_id=actor.forum.id,
        topic=topic,
        texts=texts,
        by=actor.user_id,
        now=services.clock(),
        claim=claim,
    )
    if number is None:
        return None
    await reply(
        update,
        tr._(
            "Tip #%(number)s added in %(languages)s. Members of %(forum)s will meet it among the "
            "library's tips.",
            number=number,
            languages=", ".join(tr.language_name(code) for code in texts),
            forum=actor.forum.name,
        ),
    )
    return number


async def _tips_screen(context: ForumContext, number: int) -> Screen | None:
    """Page `number` of the forum's own tips, or None if it has none."""
    actor, services = context.actor, context.services
    assert actor.forum is not None
    tr = actor.tr
    tips = await tips_db.forum_tips(services.db, [actor.forum.id])
    if not tips:
        return None
    lines = []
    for tip in tips:
        sample = tip.texts.get(actor.lang) or next(iter(tip.texts.values()))
        lines.append(
            tr._(
                "#%(number)s · %(topic)s · %(languages)s: %(text)s",
                number=tip.id,
                topic=tr._(TOPICS[tip.topic]),
                languages=", ".join(sorted(tip.texts)),
                text=sample[:80] + ("…" if len(sample) > 80 else ""),
            )
        )
    heading = tr._("<b>Tips of %(forum)s</b>", forum=actor.forum.name)
    text, nav = text_page(tr, heading, lines, number, "tips")
    return text, markup([nav])


@pager_for("tips")
async def tips_page(
    update: Update, context: ForumContext, args: tuple[str, ...], number: int
) -> Screen | None:
    """`page:tips:<n>`: as `/tip list`, for the forum's coordinators, in private only."""
    actor = context.actor
    if args or not is_private(update) or actor.forum is None or actor.role is not Role.COORDINATOR:
        return None
    return await _tips_screen(context, number)
