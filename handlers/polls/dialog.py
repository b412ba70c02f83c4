"""The /newpoll dialog: type the whole form, or start from a priority catalog from the seeds.

From a catalog: tap the items to keep (up to 12), continue, then send the question with any extra
options and settings in one message, or take the default question. Either way (and for the
one-message form) the dialog ends in a preview: the ballot as members will see it, the closing
time, visibility and anonymity, and "✅ Send", "✏️ Edit", "✖ Discard". Nothing is stored as a
poll before "Send", which claims the draft in the transaction that writes the poll.

State is a pending input (`newpoll`, handlers/polls/draft.py), so a restart mid-dialog loses
nothing; the preview is always in the coordinator's private chat (a form sent in a group is
previewed there; handlers/polls/preview.py). Callback data, all in this module's table:
`np:cat:<catalog>`, `np:item:<index>`, `np:next`, `np:default` (here), `np:send`, `np:edit`,
`np:drop` (handlers/polls/preview_buttons.py), and the preview's languages, `np:langs`,
`np:lang:<code>`, `np:unlang:<code>` (handlers/polls/languages.py).
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler

from bot import callbacks
from bot.forums import FormError
from bot.i18n import Html, escape
from bot.poll_texts import default_question
from bot.polls import MAX_OPTIONS, merge_form, parse_poll_form, shorten
from bot.priorities import PriorityCatalog, item_in, source_in, title_in
from bot.roles import Role
from handlers.buttons import Press, routes
from handlers.common import (
    answer_stale,
    command_text,
    guarded,
    is_private,
    keyboard,
    message_of,
    reply,
)
from handlers.context import ForumContext
from handlers.dialogs import end_here, expect_here, typed_step
from handlers.polls import languages, preview_buttons
from handlers.polls.draft import NEWPOLL, NewPollDraft, np_button
from handlers.polls.preview import kept, show


@guarded("newpoll")
async def new_poll(update: Update, context: ForumContext) -> None:
    """`/newpoll Question` + one option a line (+ settings); alone: the dialog (in private)."""
    actor = context.actor
    forum = actor.forum
    assert forum is not None  # guarded: coordinators have a forum
    text = command_text(update)
    if not text and is_private(update):
        await start(update, context)
        return
    if not text:
        await reply(
            update,
            actor.tr._(
                "Send the question and the options in one message, for example:\n"
                "<code>/newpoll Which priorities should the forum take up first?\n"
                "Green public procurement\nNational eco-labelling\ncloses: 2027-01-15 17:00</code>\n"
                "The closing time is in the forum's time zone (%(zone)s); without it the poll runs "
                "7 days.",
                zone=forum.timezone,
            ),
        )
        return
    await _preview(update, context, None, (), text)


async def start(update: Update, context: ForumContext) -> None:
    """`/newpoll` alone, in private: explain the form and offer the catalogs."""
    actor, services = context.actor, context.services
    assert actor.forum is not None
    await expect_here(update, context, NEWPOLL, NewPollDraft(step="form"))
    rows = [
        [(title_in(actor.tr, catalog), callbacks.make("np", "cat", catalog.id))]
        for catalog in services.priorities.values()
    ]
    await reply(
        update,
        actor.tr._(
            "Send the question and the options in one message, for example:\n"
            "<code>Which priorities should the forum take up first?\n"
            "Green public procurement\nNational eco-labelling\ncloses: 2027-01-15 17:00</code>\n"
            "The closing time is in the forum's time zone (%(zone)s); without it the poll runs "
            "7 days.\n\nOr start from a priority catalog of the regional SCP meetings:",
            zone=actor.forum.timezone,
        ),
        keyboard(rows),
    )


def _picker(
    context: ForumContext, catalog: PriorityCatalog, selected: tuple[str, ...]
) -> tuple[str, InlineKeyboardMarkup]:
    tr = context.actor.tr
    rows = [
        [
            (
                ("✅ " if item.id in selected else "") + f"{n}. {shorten(item_in(tr, item), 48)}",
                callbacks.make("np", "item", n),
            )
        ]
        for n, item in enumerate(catalog.items, 1)
    ]
    rows.append(
        [
            (
                tr.n_(
                    "Continue with %(count)s option ▶",
                    "Continue with %(count)s options ▶",
                    len(selected),
                ),
                callbacks.make("np", "next"),
            )
        ]
    )
    text = tr._(
        "<b>%(title)s</b> (%(ref)s)\nTap the options to keep, up to 12, then Continue. "
        "You can add your own in the next step.",
        title=title_in(tr, catalog),
        ref=source_in(tr, catalog),  # the human source; the seed file name is for reviewers
    )
    return text, keyboard(rows)


async def _catalog(press: Press[NewPollDraft], name: str | None) -> PriorityCatalog | None:
    """The catalog a picker button acts on; None (answered as stale) if there is none."""
    catalog = press.services.priorities.get(name) if name is not None else None
    if catalog is None:
        await answer_stale(press.update, press.context)
    return catalog


@np_button("cat", answer=False)
async def pick_catalog(press: Press[NewPollDraft]) -> None:
    """A catalog: its items to tap, none yet (whatever step the dialog was at)."""
    catalog = await _catalog(press, press.data.arg(0))
    if catalog is not None:
        await _pick(press, catalog, ())


@np_button("item", steps=("pick",), answer=False)
async def toggle_item(press: Press[NewPollDraft]) -> None:
    """An item of the catalog: ticked, or unticked; at most MAX_OPTIONS."""
    catalog = await _catalog(press, press.row.catalog or "")
    if catalog is None:
        return
    index, selected = press.data.int_arg(0), press.row.selected
    if index is None or not 1 <= index <= len(catalog.items):
        await answer_stale(press.update, press.context)
        return
    item = catalog.items[index - 1].id
    if item not in selected and len(selected) >= MAX_OPTIONS:
        await press.query.answer(press.tr._("A poll has at most 12 options."))
        return
    toggled = tuple(s for s in selected if s != item) if item in selected else (*selected, item)
    await _pick(press, catalog, toggled)


async def _pick(press: Press[NewPollDraft], catalog: PriorityCatalog, selected: tuple) -> None:
    draft = NewPollDraft(step="pick", catalog=catalog.id, selected=selected)
    await expect_here(press.update, press.context, NEWPOLL, draft)
    await press.query.answer()
    text, markup = _picker(press.context, catalog, selected)
    await press.query.edit_message_text(text, reply_markup=markup)


@np_button("next", steps=("pick",), answer=False)
async def ask_question(press: Press[NewPollDraft]) -> None:
    """Continue: the items kept, and the question to send (or the default one)."""
    tr, selected = press.tr, press.row.selected
    catalog = await _catalog(press, press.row.catalog or "")
    if catalog is None:
        return
    if not selected:
        await press.query.answer(tr._("Tap at least one option first."))
        return
    draft = NewPollDraft(step="question", catalog=catalog.id, selected=selected)
    await expect_here(press.update, press.context, NEWPOLL, draft)
    texts = [item_in(tr, item) for item in catalog.items if item.id in selected]
    origin = Html(f"{escape(title_in(tr, catalog))} ({escape(source_in(tr, catalog))})")
    await press.query.answer()
    await press.query.edit_message_text(
        tr._("Options from %(title)s:", title=origin)
        + "\n"
        + "\n".join(f"{n}. {escape(text)}" for n, text in enumerate(texts, 1))
    )
    await press.message.reply_text(
        tr._(
            "Now send the question on the first line. Below it you may add more options, "
            "one per line, and “closes: 2027-01-15 17:00”. Or use the default question "
            "and close in 7 days:"
        ),
        reply_markup=keyboard(
            [[(tr._("Use the default question"), callbacks.make("np", "default"))]]
        ),
    )


@np_button("default", steps=("question",), answer=False)
async def use_default(press: Press[NewPollDraft]) -> None:
    catalog = await _catalog(press, press.row.catalog or "")
    if catalog is not None:
        await press.query.answer()
        question = default_question(press.tr)
        await _preview(press.update, press.context, catalog, press.row.selected, question)


async def on_input(update: Update, context: ForumContext, draft: NewPollDraft) -> None:
    """A typed message in the dialog: the whole form, or the question after picking options."""
    services, actor = context.services, context.actor
    catalog = services.priorities.get(draft.catalog or "")
    if actor.role is not Role.COORDINATOR:
        await end_here(update, context)
        await reply(update, actor.tr._("This button is no longer valid."))
        return
    text = message_of(update).text or ""
    if draft.step == "question" and catalog is not None:
        await _preview(update, context, catalog, draft.selected, text)
    elif draft.step == "form":
        await _preview(update, context, None, (), text)
    elif draft.step == "preview":  # a corrected form, or only the lines to change
        form = merge_form(draft.form, text)
        await _preview(update, context, catalog, draft.selected, form, draft.texts)
    elif draft.step == "translate":  # the lines of a language being added
        await languages.on_text(update, context, draft)
    else:
        await reply(update, actor.tr._("Please use the buttons in my message above."))


async def _preview(
    update: Update,
    context: ForumContext,
    catalog: PriorityCatalog | None,
    selected: tuple[str, ...],
    text: str,
    texts: dict | None = None,
) -> None:
    """Parse the form and show its preview in the coordinator's private chat; the draft (with
    the form as typed, for a later correction, and any languages added, `texts`) is the
    pending step until Send or Discard."""
    actor, services = context.actor, context.services
    forum = actor.forum
    assert forum is not None
    items = [item for item in catalog.items if item.id in selected] if catalog else []
    try:
        poll = parse_poll_form(
            text,
            timezone=forum.timezone,
            now=services.clock(),
            # In the coordinator's language: the poll's own, which readers fall back to.
            preset=[item_in(actor.tr, i) for i in items],
        )
    except FormError as error:
        await reply(update, actor.tr._(error.message, **error.params))
        return
    draft = NewPollDraft(
        step="preview",
        forum=forum.id,
        form=text,
        catalog=catalog.id if catalog else None,
        selected=selected,
        draft=poll,
        language=actor.tr.lang,
        # A correction that changed the number of options drops the versions that no longer fit.
        texts=kept(context, texts or {}, len(poll.options), actor.tr.lang),
    )
    await show(update, context, draft)


# What a typed message answers in this feature's dialogs (collected by handlers/text.py).
TYPED_STEPS = (typed_step(NEWPOLL, NewPollDraft, on_input),)


def handlers() -> list[tuple[int, BaseHandler]]:
    buttons = routes(
        pick_catalog,
        toggle_item,
        ask_question,
        use_default,
        preview_buttons.send,
        preview_buttons.edit,
        preview_buttons.drop,
        languages.ask_language,
        languages.ask_lines,
        languages.remove_language,
    )
    return [(0, CommandHandler("newpoll", new_poll)), (0, buttons)]
