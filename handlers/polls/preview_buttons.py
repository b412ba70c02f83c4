"""Under the /newpoll preview: ✅ Send, ✏️ Edit, ✖ Discard (`np:send`, `np:edit`, `np:drop`).

Nothing is stored as a poll before "Send", which claims the draft in the transaction that
writes the poll (handlers/polls/commands.py `create_poll`), so a second tap sends nothing more.
"""

from __future__ import annotations

from dataclasses import replace

from bot.forums import FormError
from bot.poll_texts import default_question
from bot.polls import PollDraft, validate_deadline
from bot.priorities import PriorityCatalog
from handlers.buttons import Press
from handlers.common import chat_of
from handlers.context import ForumContext
from handlers.dialogs import discard, expect_here, sent
from handlers.polls.create import create_poll
from handlers.polls.draft import NEWPOLL, NewPollDraft, closed, preview_button
from handlers.polls.preview import kept, own_language


@preview_button("drop")
async def drop(press: Press[NewPollDraft]) -> None:
    await discard(press, press.tr._("Discarded. No poll was created."))


@preview_button("edit")
async def edit(press: Press[NewPollDraft]) -> None:
    """✏️ Edit: the next message is a correction of the form (not a language's lines)."""
    if press.row.step == "translate":
        draft = replace(press.row, step="preview", lang=None)
        await expect_here(press.update, press.context, NEWPOLL, draft)
    await press.query.answer()
    await press.message.reply_text(
        press.tr._(
            "Send the corrected form as one message, or only the lines to change, such as "
            "“closes: 2027-01-20 17:00” or “anonymous: no”. You will get a new preview."
        )
    )


@preview_button("send")
async def send(press: Press[NewPollDraft]) -> None:
    """✅ Send: the poll, its languages and its ballots, claiming the draft."""
    query, tr, services, draft = press.query, press.tr, press.services, press.row
    poll = draft.poll
    try:
        validate_deadline(poll.closes_at, services.clock())
    except FormError as error:
        await query.answer(tr._(error.message, **error.params), show_alert=True)
        return
    catalog = services.priorities.get(draft.catalog or "")
    created = await create_poll(
        press.update,
        press.context,
        poll,
        catalog=catalog.id if catalog else None,
        refs=_refs(catalog, draft, poll),
        claim=(press.actor.user_id, chat_of(press.update).id, NEWPOLL),
        # Kept as offered (not typed): each member gets the default question in their language.
        default_question=catalog is not None and poll.question == default_question(tr),
        texts=_texts(press.context, draft, poll),
    )
    if created is None:
        await query.answer(closed(tr))
        return
    await sent(query)


def _refs(
    catalog: PriorityCatalog | None, draft: NewPollDraft, poll: PollDraft
) -> list[str | None]:
    """Each option's catalog item (None for one typed)."""
    items = [item for item in catalog.items if item.id in draft.selected] if catalog else []
    return [item.id for item in items] + [None] * (len(poll.options) - len(items))


def _texts(
    context: ForumContext, draft: NewPollDraft, poll: PollDraft
) -> dict[str, tuple[str, list[str]]]:
    own = own_language(context, draft)
    return {
        lang: (question, options)
        for lang, (question, options) in kept(context, draft.texts, len(poll.options), own).items()
    }
