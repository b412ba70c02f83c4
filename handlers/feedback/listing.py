"""`/feedback list`: the last 30 days' items for coordinators, counts by topic for observers
(who never see a text, nor who signed)."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot.feedback import TOPICS
from bot.i18n import Html
from bot.roles import Access, Role
from db import feedback as feedback_db
from handlers.common import refusal, reply, reply_lines
from handlers.context import ForumContext


async def list_feedback(update: Update, context: ForumContext) -> None:
    """Coordinators: the last 30 days' items. Observers: only how many, by topic."""
    actor, services = context.actor, context.services
    tr = actor.tr
    if actor.forum is not None and actor.role is Role.OBSERVER:
        await _counts(update, context)
        return
    if actor.forum is None or actor.role is not Role.COORDINATOR:
        forum = actor.forum.name if actor.forum else None
        await reply(update, refusal(tr, Access.ANALYSTS, "feedback list", forum, actor.role))
        return
    items = await feedback_db.recent(services.db, actor.forum.id, services.clock())
    if not items:
        await reply(update, tr._("No feedback in the last 30 days."))
        return
    lines = [tr._("<b>Feedback from the last 30 days</b>")]
    topic = None
    for item in items:
        if item.topic != topic:
            topic = item.topic
            lines += ["", f"<b>{tr._(TOPICS[topic])}</b>"]
        short = item.text if len(item.text) <= 80 else item.text[:79] + "…"
        who = item.author_name if item.signed and item.author_name else Html(tr._("anonymous"))
        lines.append(
            tr._(
                "#%(number)s · %(date)s · %(who)s: %(text)s",
                number=item.id,
                date=tr.datetime(item.created_at, actor.timezone, with_zone=False),
                who=who,
                text=short,
            )
        )
    await reply_lines(update, lines)


async def _counts(update: Update, context: ForumContext) -> None:
    """An observer's `/feedback list`: counts per topic, never a text or a name."""
    actor, services = context.actor, context.services
    tr, now = actor.tr, services.clock()
    assert actor.forum is not None
    month = await feedback_db.counts_by_topic(services.db, actor.forum.id, now - timedelta(days=30))
    week = await feedback_db.counts_by_topic(services.db, actor.forum.id, now - timedelta(days=7))
    if not month:
        await reply(update, tr._("No feedback in the last 30 days."))
        return
    lines = [
        tr._("<b>Feedback from the last 30 days, by topic</b>"),
        tr._("As an observer you see how many items arrived, not what they say or who sent them."),
        "",
    ]
    lines += [
        tr._(
            "%(topic)s: %(count)s (%(recent)s in the last 7 days)",
            topic=tr._(label),
            count=month[key],
            recent=week.get(key, 0),
        )
        for key, label in TOPICS.items()
        if key in month
    ]
    lines.append(tr._("Total: %(count)s", count=sum(month.values())))
    await reply_lines(update, lines)
