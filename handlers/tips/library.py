"""/tip: a best-practice tip the member has not read yet, by topic, and the forum's own tips.

Coordinators add forum tips with a one-message form (`/tip add <topic>` then one line per
language) or, with `/tip add` alone in private, step by step (handlers/tips/dialog.py, which owns
the /tip command and hands everything else to `show_tip`); they list them (`/tip list`) and
remove one (`/tip remove N`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import callbacks
from bot.context import Services
from bot.forums import FormError
from bot.i18n import N_, Nn_, Translator, escape
from bot.roles import Access, Role
from bot.tips import PLACES, SOURCES, TOPICS, Tip, next_tip, split_ref
from bot.topics import match_topics
from db import tips as tips_db
from db.tips import ForumTip
from handlers.common import (
    answer_stale,
    chat_of,
    command_text,
    guarded,
    is_private,
    keyboard,
    member_button,
    pressed,
    refusal,
    reply,
)
from handlers.context import ForumContext
from handlers.paging import Screen, markup, pager_for, text_page

MAX_FORUM_TIP = 600  # one phone screen, like the library's tips
MAX_TYPED = 60  # of a typed topic, repeated back in an answer: never a whole message's worth


@dataclass(frozen=True)
class Pick:
    """The tip chosen for a member, and why."""

    tip: Tip | ForumTip
    again: bool = False  # every tip of the topic was read in this cycle: one is shown again
    restarted: bool = False  # every tip was read: a new cycle began with this one


async def pick_tip(
    services: Services, user_id: int, forum_ids: list[int], topic: str | None = None
) -> Pick:
    """Choose and record the member's next tip: unread in this cycle, in their own order."""
    db, now = services.db, services.clock()
    pool: dict[str, Tip | ForumTip] = {tip.id: tip for tip in services.tips}
    pool |= {tip.key: tip for tip in await tips_db.forum_tips(db, forum_ids)}
    keys = [key for key, tip in pool.items() if topic is None or tip.topic == topic]
    if not keys:  # a topic with no tips (only if the library lost its last one): any topic
        keys, topic = list(pool), None
    cycle, seen = await tips_db.seen_in_cycle(db, user_id)
    key = next_tip(user_id, keys, (k for k, _ in seen))
    again = restarted = False
    if key is None and topic is None:  # read everything: start over, in the same order
        cycle = await tips_db.start_new_cycle(db, user_id, cycle)
        key, restarted = next_tip(user_id, keys, ()), True
    elif key is None:  # read the whole topic: show the one read longest ago
        key, again = next(k for k, _ in seen if k in pool and pool[k].topic == topic), True
    assert key is not None
    await tips_db.record_view(db, user_id, cycle, key, now)
    return Pick(pool[key], again=again, restarted=restarted)


def render_tip(tr: Translator, pick: Pick, *, lang: str, fallback: str | None) -> str:
    """The tip as a message: title, text, then topic and source in small print."""
    tip, lines = pick.tip, []
    if pick.restarted:
        lines += [tr._("You have read every tip. Starting again from the first one."), ""]
    if pick.again:
        lines += [tr._("You have read every tip on this topic; here is one again."), ""]
    topic = tr._(TOPICS[tip.topic])
    if isinstance(tip, Tip):
        file_name, kind, number = split_ref(tip.ref)
        source = tr._(
            "Source: %(document)s, %(place)s",
            document=tr._(SOURCES[file_name]),
            place=tr._(PLACES[kind], number=number),
        )
        details = f"{topic} · {source}"
        if tip.sdg:
            details += " · " + tr._("SDG target %(target)s", target=tip.sdg)
        lines += [
            f"💡 <b>{tr.content(tip.id, tip.title)}</b>",
            tr.content(tip.id, tip.text),
            "",
            f"<i>{details}</i>",
        ]
    else:
        text = next(
            (tip.texts[code] for code in (lang, fallback, "en") if code in tip.texts),
            next(iter(tip.texts.values())),  # written only in another language: still show it
        )
        lines += [
            "💡 " + tr._("<b>From %(forum)s</b>", forum=tip.forum_name),
            escape(text),
            "",
            f"<i>{topic}</i>",
        ]
    return "\n".join(lines)


def tip_keyboard(tr: Translator, topic: str | None) -> InlineKeyboardMarkup:
    """Another tip (on the same topic, if one was chosen), the topics, and the subscription."""
    another = (
        (tr._("➡️ Another on this topic"), callbacks.make("tip", "topic", topic))
        if topic
        else (tr._("➡️ Another tip"), callbacks.make("tip", "next"))
    )
    return keyboard(
        [
            [another, (tr._("🗂 By topic"), callbacks.make("tip", "topics"))],
            [(tr._("🔔 Tips by subscription"), callbacks.make("tipsub", "menu", "new"))],
        ]
    )


def topics_keyboard(tr: Translator, keys: list[str] | None = None) -> InlineKeyboardMarkup:
    """A button per topic (or per topic of `keys`), labelled in the member's language."""
    buttons = [
        (tr._(TOPICS[key]), callbacks.make("tip", "topic", key)) for key in keys or list(TOPICS)
    ]
    return keyboard([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


async def _send_tip(update: Update, context: ForumContext, topic: str | None = None) -> None:
    actor = context.actor
    forum_ids = [m.forum.id for m in actor.memberships]
    pick = await pick_tip(context.services, actor.user_id, forum_ids, topic)
    fallback = actor.forum.language if actor.forum else None
    text = render_tip(actor.tr, pick, lang=actor.lang, fallback=fallback)
    await context.bot.send_message(
        chat_of(update).id, text, reply_markup=tip_keyboard(actor.tr, topic)
    )


@guarded("tip")
async def show_tip(update: Update, context: ForumContext) -> None:
    """`/tip [topic]`: the next unread tip (a topic in any of its names); `/tip add|list|remove`."""
    actor = context.actor
    if actor.user is None:
        await reply(
            update,
            actor.tr._(
                "Join a forum first with the invite link from your coordinator; then I can send "
                "you tips."
            ),
        )
        return
    words = command_text(update).split(maxsplit=1)
    action = words[0].lower() if words else ""
    if action in ("add", "list", "remove"):
        await _manage(update, context, action, words[1] if len(words) > 1 else "")
        return
    typed = command_text(update).strip()[:MAX_TYPED]
    if not typed:
        await _send_tip(update, context)
        return
    found = match_topics(typed, actor.tr._)
    if len(found) == 1:
        await _send_tip(update, context, found[0])
        return
    tr = actor.tr
    if found:
        text = tr._("“%(typed)s” could be several topics. Which one?", typed=typed)
    else:
        text = tr._(
            "I don't know the topic “%(typed)s”. Choose one, or type its name after /tip, "
            "for example /tip %(example)s.",
            typed=typed,
            example=tr._(TOPICS["energy"]).lower(),
        )
    await reply(update, text, topics_keyboard(tr, found or list(TOPICS)))


async def on_tip_button(update: Update, context: ForumContext) -> None:
    """Another tip, the topic list, or a tip on one topic."""
    query, actor = pressed(update), context.actor
    parsed = await member_button(update, context)
    if parsed is None:
        return
    if parsed.action == "next":
        await query.answer()
        await _send_tip(update, context)
    elif parsed.action == "topics":
        await query.answer()
        await context.bot.send_message(
            chat_of(update).id,
            actor.tr._("Choose a topic:"),
            reply_markup=topics_keyboard(actor.tr),
        )
    elif parsed.action == "topic" and parsed.arg(0) in TOPICS:
        await query.answer()
        await _send_tip(update, context, parsed.arg(0))
    else:
        await answer_stale(update, context)


# --- coordinators: the forum's own tips ----------------------------------------------------------


async def _manage(update: Update, context: ForumContext, action: str, rest: str) -> None:
    actor, services = context.actor, context.services
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
        return
    if action == "remove":
        number = callbacks.parse_id(rest.strip().lstrip("#"))
        removed = number is not None and await tips_db.remove_forum_tip(
            services.db, actor.forum.id, number, services.clock()
        )
        if removed:
            await reply(update, tr._("Tip #%(number)s removed.", number=number))
        else:
            await reply(update, tr._("There is no tip with that number; /tip list shows them."))
        return
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


FORUM_TIP_FORM = Nn_(
    "To add a tip of your forum, send it as one message:\n"
    "<code>/tip add energy\n"
    "en: Our ministry's guide to efficient offices is on the forum's shared drive.\n"
    "th: …</code>\n"
    "First line: the topic, one of %(topics)s. Then the tip, at most %(max)s character, one line "
    "per language, each starting with its code; a line without a code is in your language.",
    "To add a tip of your forum, send it as one message:\n"
    "<code>/tip add energy\n"
    "en: Our ministry's guide to efficient offices is on the forum's shared drive.\n"
    "th: …</code>\n"
    "First line: the topic, one of %(topics)s. Then the tip, at most %(max)s characters, one line "
    "per language, each starting with its code; a line without a code is in your language.",
    "max",
)


def parse_forum_tip(
    text: str,
    *,
    default_lang: str,
    languages: list[str],
    translate: Callable[[str], str] | None = None,
) -> tuple[str, dict[str, str]]:
    """(topic, {language: text}) from the lines after `/tip add`; FormError says why not.

    The error's message is an untranslated source string for `tr._` (with %(max)s, %(topics)s).
    A line that starts with something shaped like a language code we do not have ("de:",
    "pt-BR:") is refused with the codes we have, rather than kept as text in the writer's
    language with the code in front of it. With `translate` (the writer's `tr._`), the topic may
    also be its name in the writer's language, as with `/tip <topic>`.
    """
    first, _, rest = text.strip().partition("\n")
    topic = first.strip().lower()
    if translate is not None and topic not in TOPICS:
        matches = match_topics(first, translate)
        topic = matches[0] if len(matches) == 1 else topic
    texts: dict[str, str] = {}
    for line in rest.splitlines():
        code, sep, body = line.partition(":")
        lang = language_of(code.strip(), languages) if sep else None
        if lang is None:
            lang, body = default_lang, line
        elif lang not in languages:
            raise FormError(UNKNOWN_TIP_LANGUAGE, code=lang, codes=", ".join(sorted(languages)))
        body = body.strip()
        if body:
            texts[lang] = f"{texts[lang]} {body}" if lang in texts else body
    if topic not in TOPICS or not texts:
        raise FormError(FORUM_TIP_FORM)
    if any(len(body) > MAX_FORUM_TIP for body in texts.values()):
        raise FormError(
            Nn_(
                "That tip is too long: at most %(max)s character per language, please.",
                "That tip is too long: at most %(max)s characters per language, please.",
                "max",
            )
        )
    return topic, texts


UNKNOWN_TIP_LANGUAGE = N_(
    "I don't have the language “%(code)s”. Start each line with one of these codes: %(codes)s; "
    "a line without a code is in your language."
)
# Shaped like a language code: "de", "fil", "pt-BR", "zh_Hans" (not "Note" or "Tip").
LANGUAGE_CODE = re.compile(r"[A-Za-z]{2}|[A-Za-z]{2,3}[-_][A-Za-z0-9]{2,4}")


def language_of(code: str, languages: list[str]) -> str | None:
    """One of `languages` ("zh" finds "zh_Hans", "en-US" finds "en"), `code` itself if it looks
    like a language code we do not have, or None if it is not a code at all (text with a colon)."""
    wanted = code.lower().replace("-", "_")
    base, _, suffix = wanted.partition("_")
    # "en-US" is English, but "zh-Hant" (a script, four letters) is not "zh_Hans".
    for candidate in (wanted,) if len(suffix) == 4 else (wanted, base):
        exact = [lang for lang in languages if lang.lower() == candidate]
        by_base = [lang for lang in languages if lang.lower().split("_")[0] == candidate]
        if exact or len(by_base) == 1:
            return (exact or by_base)[0]
    if LANGUAGE_CODE.fullmatch(code) or (len(code) == 3 and code.isalpha() and _in_cldr(code)):
        return code
    return None


def _in_cldr(code: str) -> bool:
    """Whether CLDR knows `code` as a language ("fil", "yue"; not "tip" or "fyi")."""
    try:
        Locale.parse(code.lower())
    except (UnknownLocaleError, ValueError):
        return False
    return True


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CallbackQueryHandler(on_tip_button, pattern=r"^tip:")),
    ]
