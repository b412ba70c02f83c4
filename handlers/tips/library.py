"""/tip: a best-practice tip the member has not read yet, by topic, and the forum's own tips.

Which tip comes next is a rule of bot/tips.py (`pick_tip`); this module renders it with its
buttons (`tip:next`, `tip:topics`, `tip:topic:<key>`). Coordinators add forum tips with a
one-message form (`/tip add <topic>` then one line per language) or, with `/tip add` alone in
private, step by step (handlers/tips/dialog.py, which owns the /tip command and hands everything
else to `show_tip`); they list them (`/tip list`) and remove one (`/tip remove N`): both in
handlers/tips/forum_tips.py.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler

from bot import callbacks
from bot.i18n import Translator, escape
from bot.tips import PLACES, SOURCES, TOPICS, Pick, Tip, pick_tip, split_ref
from bot.topics import match_topics
from handlers.buttons import Press, button, members_only, routes
from handlers.common import chat_of, command_text, guarded, keyboard, reply
from handlers.context import ForumContext
from handlers.tips import forum_tips

MAX_TYPED = 60  # of a typed topic, repeated back in an answer: never a whole message's worth


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
    services = context.services
    pick = await pick_tip(
        services.db, services.tips, actor.user_id, forum_ids, services.clock(), topic
    )
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
        await forum_tips.manage(update, context, action, words[1] if len(words) > 1 else "")
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


@button("tip", "next", load=members_only())
async def another(press: Press[callbacks.Callback]) -> None:
    await _send_tip(press.update, press.context)


@button("tip", "topics", load=members_only())
async def choose_topic(press: Press[callbacks.Callback]) -> None:
    await press.context.bot.send_message(
        chat_of(press.update).id,
        press.tr._("Choose a topic:"),
        reply_markup=topics_keyboard(press.tr),
    )


@button("tip", "topic", load=members_only(lambda _, data: data.arg(0) in TOPICS))
async def on_topic(press: Press[callbacks.Callback]) -> None:
    await _send_tip(press.update, press.context, press.data.arg(0))


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, routes(another, choose_topic, on_topic)),
    ]
