"""The /newpoll dialog: type the whole form, or start from a priority catalog from the seeds.

From a catalog: tap the items to keep (up to 12), continue, then send the question with any extra
options and settings in one message, or take the default question. Either way (and for the
one-message form) the dialog ends in a preview: the ballot as members will see it, the closing
time, visibility and anonymity, and "✅ Send", "✏️ Edit", "✖ Discard". Nothing is stored as a
poll before "Send", which claims the draft in the transaction that writes the poll.

State is a pending input (`newpoll`), so a restart mid-dialog loses nothing; the preview is always
in the coordinator's private chat (a form sent in a group is previewed there). Callback data:
`np:cat:<catalog>`, `np:item:<index>`, `np:next`, `np:default`, `np:send`, `np:edit`, `np:drop`,
and the preview's languages, `np:langs`, `np:lang:<code>`, `np:unlang:<code>`
(handlers/polls/languages.py).
"""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.forums import FormError
from bot.i18n import Html, escape
from bot.poll_texts import default_question, matching
from bot.polls import (
    MAX_OPTIONS,
    PollDraft,
    merge_form,
    parse_poll_form,
    shorten,
    validate_deadline,
)
from bot.priorities import PriorityCatalog, item_in, source_in, title_in
from bot.roles import Role
from db import dialogs
from db import polls as polls_db
from handlers.common import (
    TypedStep,
    answer_stale,
    chat_of,
    command_text,
    coordinator_step,
    guarded,
    is_private,
    keyboard,
    message_of,
    pressed,
    pressed_message,
    private_chat_hint,
    reply,
)
from handlers.context import ForumContext
from handlers.polls import languages as poll_languages
from handlers.polls import preview as poll_preview
from handlers.polls.create import create_poll
from handlers.polls.languages import own_language

NEWPOLL = "newpoll"


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
    await _preview(update, context, None, [], text)


async def start(update: Update, context: ForumContext) -> None:
    """`/newpoll` alone, in private: explain the form and offer the catalogs."""
    actor, services = context.actor, context.services
    assert actor.forum is not None
    await dialogs.expect(
        services.db,
        user_id=actor.user_id,
        chat_id=chat_of(update).id,
        kind=NEWPOLL,
        data={"step": "form"},
        now=services.clock(),
    )
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
    context: ForumContext, catalog: PriorityCatalog, selected: list[str]
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


async def on_dialog_button(update: Update, context: ForumContext) -> None:
    """Buttons of the /newpoll dialog; each is checked against the pending step."""
    query, actor, services = pressed(update), context.actor, context.services
    step_of = await coordinator_step(update, context, NEWPOLL, same_forum=False)
    if step_of is None:
        return
    parsed, pending = step_of
    chat_id = chat_of(update).id
    data = pending.data
    if parsed.action in ("send", "edit", "drop", "langs", "lang", "unlang"):
        await _on_preview_button(update, context, parsed.action, data)
        return
    name = parsed.arg(0) if parsed.action == "cat" else data.get("catalog", "")
    catalog = services.priorities.get(name) if name is not None else None
    if catalog is None:
        await answer_stale(update, context)
        return
    selected: list[str] = data.get("selected", [])
    if parsed.action == "cat":
        selected = []
    elif parsed.action == "item" and data.get("step") == "pick":
        index = parsed.int_arg(0)
        if index is None or not 1 <= index <= len(catalog.items):
            await answer_stale(update, context)
            return
        item = catalog.items[index - 1].id
        if item not in selected and len(selected) >= MAX_OPTIONS:
            await query.answer(actor.tr._("A poll has at most 12 options."))
            return
        selected = [s for s in selected if s != item] if item in selected else [*selected, item]
    elif parsed.action == "next" and data.get("step") == "pick":
        if not selected:
            await query.answer(actor.tr._("Tap at least one option first."))
            return
        await _ask_question(update, context, catalog, selected)
        return
    elif parsed.action == "default" and data.get("step") == "question":
        await query.answer()
        await _preview(update, context, catalog, selected, default_question(actor.tr))
        return
    else:
        await answer_stale(update, context)
        return
    await dialogs.expect(
        services.db,
        user_id=actor.user_id,
        chat_id=chat_id,
        kind=NEWPOLL,
        data={"step": "pick", "catalog": catalog.id, "selected": selected},
        now=services.clock(),
    )
    await query.answer()
    text, markup = _picker(context, catalog, selected)
    await query.edit_message_text(text, reply_markup=markup)


async def _ask_question(
    update: Update, context: ForumContext, catalog: PriorityCatalog, selected: list[str]
) -> None:
    actor, services = context.actor, context.services
    await dialogs.expect(
        services.db,
        user_id=actor.user_id,
        chat_id=chat_of(update).id,
        kind=NEWPOLL,
        data={"step": "question", "catalog": catalog.id, "selected": selected},
        now=services.clock(),
    )
    tr = actor.tr
    texts = [item_in(tr, item) for item in catalog.items if item.id in selected]
    origin = Html(f"{escape(title_in(tr, catalog))} ({escape(source_in(tr, catalog))})")
    await pressed(update).answer()
    await pressed(update).edit_message_text(
        tr._("Options from %(title)s:", title=origin)
        + "\n"
        + "\n".join(f"{n}. {escape(text)}" for n, text in enumerate(texts, 1))
    )
    await message_of(update).reply_text(
        actor.tr._(
            "Now send the question on the first line. Below it you may add more options, "
            "one per line, and “closes: 2027-01-15 17:00”. Or use the default question "
            "and close in 7 days:"
        ),
        reply_markup=keyboard(
            [[(actor.tr._("Use the default question"), callbacks.make("np", "default"))]]
        ),
    )


async def on_input(update: Update, context: ForumContext, data: dict) -> None:
    """A typed message in the dialog: the whole form, or the question after picking options."""
    services, actor = context.services, context.actor
    catalog = services.priorities.get(data.get("catalog", ""))
    if actor.role is not Role.COORDINATOR:
        await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_of(update).id)
        await reply(update, actor.tr._("This button is no longer valid."))
        return
    text = message_of(update).text or ""
    if data.get("step") == "question" and catalog is not None:
        await _preview(update, context, catalog, data.get("selected", []), text)
    elif data.get("step") == "form":
        await _preview(update, context, None, [], text)
    elif data.get("step") == "preview":  # a corrected form, or only the lines to change
        await _preview(
            update,
            context,
            catalog,
            data.get("selected", []),
            merge_form(data["form"], text),
            data.get("texts"),
        )
    elif data.get("step") == "translate":  # the lines of a language being added
        await poll_languages.on_text(update, context, data, _show)
    else:
        await reply(update, actor.tr._("Please use the buttons in my message above."))


async def _preview(
    update: Update,
    context: ForumContext,
    catalog: PriorityCatalog | None,
    selected: list[str],
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
        draft = parse_poll_form(
            text,
            timezone=forum.timezone,
            now=services.clock(),
            # In the coordinator's language: the poll's own, which readers fall back to.
            preset=[item_in(actor.tr, i) for i in items],
        )
    except FormError as error:
        await reply(update, actor.tr._(error.message, **error.params))
        return
    data = {
        "step": "preview",
        "forum": forum.id,  # a later switch of current forum must not redirect it
        "form": text,
        "catalog": catalog.id if catalog else None,
        "selected": selected,
        "draft": draft.to_data(),
        "language": actor.tr.lang,
        # A correction that changed the number of options drops the versions that no longer fit.
        "texts": _kept(context, texts or {}, len(draft.options), actor.tr.lang),
    }
    await _show(update, context, data)


def _kept(context: ForumContext, texts: dict, options: int, own: str) -> dict:
    languages = context.services.catalogs.languages
    return {lang: list(text) for lang, text in matching(texts, options, languages, own).items()}


async def _show(update: Update, context: ForumContext, data: dict) -> None:
    """The preview of the draft in `data`, which becomes the pending step."""
    actor, services = context.actor, context.services
    forum = actor.forum
    assert forum is not None
    draft = PollDraft.from_data(data["draft"])
    count = len(await polls_db.voters(services.db, forum.id))
    number = await polls_db.next_number(services.db, forum.id)
    languages = poll_languages.preview_part(context, data)
    screen = poll_preview.render(actor.tr, draft, number, forum.timezone, count, languages)
    if is_private(update):
        await dialogs.expect(
            services.db,
            user_id=actor.user_id,
            chat_id=chat_of(update).id,
            kind=NEWPOLL,
            data=data,
            now=services.clock(),
        )
        await reply(update, *screen)
        return
    # In a group: the preview and its correction are the coordinator's, in private.
    await dialogs.expect(
        services.db,
        user_id=actor.user_id,
        chat_id=actor.user_id,
        kind=NEWPOLL,
        data=data,
        now=services.clock(),
    )
    try:
        await context.bot.send_message(actor.user_id, screen[0], reply_markup=screen[1])
    except Forbidden:
        await dialogs.clear(services.db, user_id=actor.user_id, chat_id=actor.user_id)
        await reply(update, private_chat_hint(actor.tr, "newpoll", context.bot.username))
        return
    await reply(
        update,
        actor.tr._("I sent you a preview of the poll in our private chat; it is sent from there."),
    )


async def _on_preview_button(
    update: Update, context: ForumContext, action: str, data: dict
) -> None:
    """✅ Send (claims the draft with the poll's transaction), ✏️ Edit, ✖ Discard."""
    query, actor, services = pressed(update), context.actor, context.services
    tr, chat_id = actor.tr, chat_of(update).id
    if (
        data.get("step") not in ("preview", "translate")
        or actor.forum is None
        or data.get("forum") != actor.forum.id
    ):
        await query.answer(tr._("This poll draft is no longer open; start again with /newpoll."))
        return
    if action in ("langs", "lang", "unlang"):
        parsed = callbacks.parse(query.data)
        assert parsed is not None  # the caller parsed the same data
        code = parsed.arg(0)
        await poll_languages.on_button(update, context, action, code, data, _show)
        return
    if action == "drop":
        await dialogs.clear(services.db, user_id=actor.user_id, chat_id=chat_id)
        await query.answer()
        await query.edit_message_text(tr._("Discarded. No poll was created."))
        return
    if action == "edit":
        if data.get("step") == "translate":  # the next message is a correction, not a language
            await dialogs.expect(
                services.db,
                user_id=actor.user_id,
                chat_id=chat_id,
                kind=NEWPOLL,
                data={**data, "step": "preview", "lang": None},
                now=services.clock(),
            )
        await query.answer()
        await pressed_message(query).reply_text(
            tr._(
                "Send the corrected form as one message, or only the lines to change, such as "
                "“closes: 2027-01-20 17:00” or “anonymous: no”. You will get a new preview."
            )
        )
        return
    draft = PollDraft.from_data(data["draft"])
    try:
        validate_deadline(draft.closes_at, services.clock())
    except FormError as error:
        await query.answer(tr._(error.message, **error.params), show_alert=True)
        return
    catalog = services.priorities.get(data.get("catalog") or "")
    items = (
        [item for item in catalog.items if item.id in data.get("selected", [])] if catalog else []
    )
    refs = [item.id for item in items] + [None] * (len(draft.options) - len(items))
    poll = await create_poll(
        update,
        context,
        draft,
        catalog=catalog.id if catalog else None,
        refs=refs,
        claim=(actor.user_id, chat_id, NEWPOLL),
        # Kept as offered (not typed): each member gets the default question in their language.
        default_question=catalog is not None and draft.question == default_question(tr),
        texts={
            lang: (question, options)
            for lang, (question, options) in _kept(
                context, data.get("texts", {}), len(draft.options), own_language(context, data)
            ).items()
        },
    )
    if poll is None:
        await query.answer(tr._("This poll draft is no longer open; start again with /newpoll."))
        return
    with contextlib.suppress(TelegramError):  # courtesies: the poll is committed and sent
        await query.answer()
    with contextlib.suppress(TelegramError):  # the preview stays as a record of what went out
        await query.edit_message_reply_markup(None)


# What a typed message answers in this feature's dialogs (collected by handlers/text.py).
TYPED_STEPS = (TypedStep(NEWPOLL, on_input),)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("newpoll", new_poll)),
        (0, CallbackQueryHandler(on_dialog_button, pattern=r"^np:")),
    ]
