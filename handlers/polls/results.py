"""/results and /export: the counted ranking, by stakeholder group, as text, chart and CSV."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InputFile, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.callbacks import parse_id
from bot.context import Services
from bot.forums import STAKEHOLDER_GROUPS
from bot.i18n import N_, Translator, escape
from bot.poll_report import (
    DEFAULT_MIN_GROUP,
    OTHERS,
    CountedBallot,
    PollCount,
    ballots_csv,
    chart_png,
    count,
    disagreement,
    first_preferences,
    results_csv,
    visible,
)
from bot.poll_texts import for_reader
from bot.poll_voters import may_export_names, named_ballots_csv
from bot.polls import members_may_see, shorten
from bot.ranking import Tally
from bot.roles import Access
from db import forums as forums_db
from db import poll_texts as poll_texts_db
from db import poll_voters as voters_db
from db import polls as polls_db
from db.polls import PollRow
from handlers.common import (
    answer_stale,
    command_text,
    guarded,
    is_private,
    keyboard,
    message_of,
    pressed,
    private_chat_hint,
    refusal,
    reply,
)
from handlers.context import ForumContext
from handlers.paging import BUTTONS_PER_PAGE, Screen, markup, page_of, pager_for
from handlers.polls.voters import who_voted_row
from handlers.render import group_name

OTHER_GROUPS = N_("Other groups, combined")


async def _count(
    services: Services, poll: PollRow, tr: Translator | None = None
) -> tuple[list[str], list[CountedBallot], PollCount, int]:
    """Options, ballots (with only the group labels that may be shown), the tallies, and the
    forum's threshold for showing a group: every view (text, chart, CSV) starts here. With `tr`,
    the options are named in its reader's language where the poll has it; without, in the
    poll's own (the CSV files)."""
    rows = await polls_db.options_of(services.db, poll.id)
    if tr is not None:
        _, rows = await for_reader(services.db, services.priorities, tr, poll, rows)
    options = [o.text for o in rows]
    forum = await forums_db.get_forum(services.db, poll.forum_id)
    minimum = forum.min_group_ballots if forum else DEFAULT_MIN_GROUP
    ballots = visible(
        [
            CountedBallot(ballot_id, group, [position - 1 for position in positions])
            for ballot_id, group, positions in await polls_db.counted_ballots(services.db, poll.id)
        ],
        list(STAKEHOLDER_GROUPS),
        minimum,
    )
    return options, ballots, count(len(options), ballots, list(STAKEHOLDER_GROUPS)), minimum


async def _item_ids(services: Services, poll: PollRow) -> list[str | None]:
    """Each option's catalog item id (None for a typed option), by position."""
    refs = (await poll_texts_db.load(services.db, poll.id)).refs
    return [refs.get(o.id) for o in await polls_db.options_of(services.db, poll.id)]


def _group_label(tr: Translator, group: str) -> str:
    return tr._(OTHER_GROUPS) if group == OTHERS else group_name(tr, group)


MESSAGE_LIMIT = 4096  # Telegram's limit on a message's text
# (sentences and the Borda list, other rankings): the first that fits one message is used.
LABEL_WIDTHS = ((None, 48), (80, 32), (48, 20), (32, 14), (20, 9))


async def results_message(services: Services, poll: PollRow, tr: Translator, zone: str) -> str:
    """One plain sentence per winner (and why Borda and another method disagree, if they do),
    turnout, the Borda list, the Schulze ranking and each group's ranking, all by option name.

    Names are shortened, the rankings' first, until the whole fits one Telegram message (12
    options of 150 characters and 7 groups do).
    """
    if poll.cancelled_at is not None:
        return cancelled_sentence(tr, poll, zone)
    options, ballots, result, minimum = await _count(services, poll, tr)
    poll, _ = await for_reader(services.db, services.priorities, tr, poll, [])
    eligible = await polls_db.eligible_count(services.db, poll.forum_id)
    for long, short in LABEL_WIDTHS:
        text = _results_text(
            tr, zone, poll, options, len(ballots), eligible, result, minimum, long, short
        )
        if len(text) <= MESSAGE_LIMIT:
            break
    return text


def cancelled_sentence(tr: Translator, poll: PollRow, zone: str) -> str:
    """What results and exports say of a cancelled poll: it has none, and never will."""
    assert poll.cancelled_at is not None
    return tr._(
        "Poll %(number)s “%(question)s” was cancelled %(time)s: it has no results.",
        number=poll.number,
        question=poll.question,
        time=tr.datetime(poll.cancelled_at, zone),
    )


def _results_text(
    tr: Translator,
    zone: str,
    poll: PollRow,
    options: list[str],
    voted: int,
    eligible: int,
    result: PollCount,
    minimum: int,
    long: int | None,
    short: int,
) -> str:
    def name(option: int) -> str:
        return options[option] if long is None else _clip(options[option], long)

    def ranking(order: tuple[int, ...]) -> str:
        return " › ".join(_clip(options[o], short) for o in order)

    overall = result.overall
    state = (
        tr._("open until %(time)s", time=tr.datetime(poll.closes_at, zone))
        if poll.closed_at is None  # open
        else tr._("closed %(time)s", time=tr.datetime(poll.closed_at, zone))
    )
    lines = [
        tr._("<b>Results of poll %(number)s</b> (%(state)s)", number=poll.number, state=state),
        escape(poll.question if long is None else _clip(poll.question, 4 * long)),
        "",
    ]
    if voted:
        lines += [*_winners(tr, overall, name), ""]
    percent = round(100 * voted / eligible) if eligible else 0
    lines.append(
        tr.n_(
            "%(voted)s of %(eligible)s member voted (%(percent)s%%).",
            "%(voted)s of %(eligible)s members voted (%(percent)s%%).",
            eligible,
            voted=voted,
            eligible=eligible,
            percent=percent,
        )
    )
    if not voted:
        return "\n".join(lines)
    lines += [
        "",
        tr._(
            "<b>Borda count</b> (a ballot ranking k options gives its first choice k "
            "points, the next k-1, and so on):"
        ),
    ]
    for place, option in enumerate(overall.borda_ranking, 1):
        points = overall.borda[option]
        lines.append(
            tr.n_(
                "%(place)s. %(option)s — %(count)s point",
                "%(place)s. %(option)s — %(count)s points",
                int(points),
                place=place,
                option=name(option),
                count=points,
            )
        )
    lines += [
        "",
        tr._("Schulze ranking: %(ranking)s", ranking=ranking(overall.schulze_ranking)),
        "",
        *_by_group(tr, result, minimum, ranking),
    ]
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    """`text` in at most `width` characters: cut at a word if that keeps most of it."""
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    words = cut.rsplit(" ", 1)[0]
    return (words if len(words) >= width // 2 else cut).rstrip(" ,;:-") + "…"


def _winners(tr: Translator, overall: Tally, name: Callable[[int], str]) -> list[str]:
    """One plain sentence per method's winner, then why Borda's differs, if it does."""
    lines = [tr._("Most support: %(option)s (Borda)", option=name(overall.borda_ranking[0]))]
    if overall.condorcet_winner is not None:
        lines.append(
            tr._(
                "%(option)s beats every other option head-to-head (Condorcet)",
                option=name(overall.condorcet_winner),
            )
        )
    else:
        lines.append(tr._("No option beats every other option head-to-head (no Condorcet winner)."))
    if overall.irv_winner is not None:
        lines.append(tr._("%(option)s wins the instant runoff", option=name(overall.irv_winner)))
    why = disagreement(overall)
    if why is None:
        return lines
    first = first_preferences(overall)
    if why.method == "condorcet":
        most_first = first[why.borda] > max(v for o, v in enumerate(first) if o != why.borda)
        lines.append(
            tr.n_(
                "More members put %(borda)s first than any other option, but a majority ranks "
                "%(other)s above %(borda)s (%(above)s ballot to %(below)s).",
                "More members put %(borda)s first than any other option, but a majority ranks "
                "%(other)s above %(borda)s (%(above)s ballots to %(below)s).",
                why.above,
                borda=name(why.borda),
                other=name(why.other),
                above=why.above,
                below=why.below,
            )
            if most_first
            else tr.n_(
                "%(borda)s gets the most points over all places, but a majority ranks "
                "%(other)s above %(borda)s (%(above)s ballot to %(below)s).",
                "%(borda)s gets the most points over all places, but a majority ranks "
                "%(other)s above %(borda)s (%(above)s ballots to %(below)s).",
                why.above,
                borda=name(why.borda),
                other=name(why.other),
                above=why.above,
                below=why.below,
            )
        )
    else:
        lines.append(
            tr._(
                "The instant runoff counts only each ballot's highest choice still in the race, "
                "which favours %(other)s; the Borda count also counts second and later choices, "
                "which favours %(borda)s.",
                borda=name(why.borda),
                other=name(why.other),
            )
        )
    return lines


def _by_group(
    tr: Translator, result: PollCount, minimum: int, ranking: Callable[[tuple[int, ...]], str]
) -> list[str]:
    """Each group's ranking, when a breakdown may be shown at all, and why a group is missing."""
    small = tr.n_(
        "A group is shown on its own only with at least %(count)s ballot, and the other groups "
        "together only with at least as many: a smaller count could reveal a member's ranking.",
        "A group is shown on its own only with at least %(count)s ballots, and the other groups "
        "together only with at least as many: a smaller count could reveal a member's ranking.",
        minimum,
    )
    if not result.by_group:
        return [tr._("<b>By stakeholder group</b>: not shown."), small]
    lines = [tr._("<b>By stakeholder group</b> (Borda ranking):")]
    for group, group_tally in result.by_group.items():
        lines.append(
            tr._(
                "%(group)s (%(count)s): %(ranking)s",
                group=_group_label(tr, group),
                count=group_tally.ballots,
                ranking=ranking(group_tally.borda_ranking),
            )
        )
    if OTHERS in result.by_group:
        lines.append(small)
    return lines


async def pick_poll(
    update: Update, context: ForumContext, *, feature: str, action: str, open_only: bool = False
) -> PollRow | None:
    """The poll a command means: the number given, else the forum's most recent (open) poll.

    With several open polls and no number, offer one button each (`feature:action:<id>`) and
    return None; also None, after saying why, when there is no such poll.
    """
    actor, services = context.actor, context.services
    assert actor.forum is not None
    tr, arg = actor.tr, command_text(update)
    if arg:
        number = parse_id(arg)
        poll = (
            await polls_db.poll_by_number(services.db, actor.forum.id, number) if number else None
        )
        if poll is None or (open_only and not poll.is_open):
            typed = shorten(arg)  # as typed, but never longer than a message may be
            await reply(
                update,
                tr._("There is no open poll with the number %(number)s.", number=typed)
                if open_only
                else tr._("There is no poll with the number %(number)s.", number=typed),
            )
            return None
        return poll
    polls = await polls_db.polls_of(services.db, actor.forum.id)
    open_polls = [poll for poll in polls if poll.is_open]
    if len(open_polls) > 1:
        await reply(update, *poll_choice(tr, open_polls, feature, action, 0))
        return None
    candidates = open_polls if open_only else polls
    if not candidates:
        await reply(
            update,
            tr._("There is no open poll.")
            if open_only
            else tr._("%(forum)s has no polls yet.", forum=actor.forum.name),
        )
        return None
    return candidates[0]


CHOICES = {
    ("res", "show"),
    ("res", "export"),
    ("poll", "close"),
    ("pm", "menu"),
}  # what "Which poll?" leads to


def poll_choice(
    tr: Translator, open_polls: list[PollRow], feature: str, action: str, number: int
) -> Screen:
    """ "Which poll?": page `number` of one button per open poll (`feature:action:<id>`)."""
    page = page_of([1] * len(open_polls), number, per_page=BUTTONS_PER_PAGE)
    rows = [
        [(f"{p.number}. {shorten(p.question)}", callbacks.make(feature, action, p.id))]
        for p in open_polls[page.items.start : page.items.stop]
    ]
    text = tr._("Which poll?")
    if note := page.note(tr):
        text += "\n" + note
    return text, markup([*rows, page.nav("poll", feature, action)])


@pager_for("poll")
async def choice_page(
    update: Update, context: ForumContext, args: tuple[str, ...], number: int
) -> Screen | None:
    """`page:poll:<feature>:<action>:<n>`: another page of the choice, for the forum's members."""
    actor = context.actor
    if tuple(args) not in CHOICES or actor.forum is None or actor.role is None:
        return None
    polls = await polls_db.polls_of(context.services.db, actor.forum.id)
    feature, action = args  # one of CHOICES
    return poll_choice(actor.tr, [p for p in polls if p.is_open], feature, action, number)


def _may_see(context: ForumContext, poll: PollRow) -> bool:
    """Coordinators and observers always; members once closed, or if results are not hidden."""
    actor = context.actor
    if actor.forum is None or poll.forum_id != actor.forum.id or actor.role is None:
        return False
    return actor.role in ("coordinator", "observer") or members_may_see(poll)


@guarded("results")
async def show_results(update: Update, context: ForumContext) -> None:
    """`/results [number]`."""
    actor = context.actor
    if actor.forum is None or actor.role is None:  # everyone may ask, but only of their forum
        forum = actor.forum.name if actor.forum else None
        await reply(update, refusal(actor.tr, Access.EVERYONE, "results", forum, actor.role))
        return
    poll = await pick_poll(update, context, feature="res", action="show")
    if poll is not None:
        await _send_results(update, context, poll)


async def _send_results(update: Update, context: ForumContext, poll: PollRow) -> None:
    """The results, as text and chart, to whoever may see them; in a group, to all its members."""
    actor, services = context.actor, context.services
    if not _may_see(context, poll):
        await reply(
            update,
            actor.tr._(
                "The results of poll %(number)s are hidden until it closes.", number=poll.number
            ),
        )
        return
    if not is_private(update) and not members_may_see(poll):  # a coordinator's or observer's
        await reply(update, private_chat_hint(actor.tr, "results", context.bot.username))
        return
    text = await results_message(services, poll, actor.tr, actor.timezone)
    who = who_voted_row(context, poll) if is_private(update) else None
    await reply(update, text, keyboard([who]) if who else None)
    options, ballots, result, _ = await _count(services, poll, actor.tr)
    poll, _ = await for_reader(services.db, services.priorities, actor.tr, poll, [])
    if ballots:
        labels = {key: _group_label(actor.tr, key) for key in (*STAKEHOLDER_GROUPS, OTHERS)}
        heading = actor.tr._("Poll %(number)s", number=poll.number)
        axis = actor.tr._("Borda points")
        png = chart_png(options, result, labels, axis, heading, poll.question, actor.tr.lang)
        await message_of(update).reply_photo(
            InputFile(png, filename=f"poll-{poll.number}.png"),
            caption=actor.tr._(
                "Poll %(number)s: Borda points by stakeholder group.", number=poll.number
            ),
        )


async def send_poll_export(update: Update, context: ForumContext, poll: PollRow) -> None:
    actor = context.actor
    if poll.cancelled_at is not None:
        await reply(update, cancelled_sentence(actor.tr, poll, actor.timezone))
        return
    if poll.is_open and poll.hide_results:
        await reply(
            update,
            actor.tr._(
                "Poll %(number)s is still open and its results are hidden: export it after it "
                "closes.",
                number=poll.number,
            ),
        )
        return
    options, ballots, result, _ = await _count(context.services, poll)
    message = message_of(update)
    if may_export_names(poll.anonymous, actor.role):  # a named poll, for a coordinator
        named = await voters_db.named_ballots(context.services.db, poll.id)
        ballots_file = named_ballots_csv(len(options), named)
        caption = actor.tr._(
            "Poll %(number)s (named): one row per ballot with the member's name, and the option "
            "number at each rank.",
            number=poll.number,
        )
    else:  # anonymous polls for everyone; named ones for observers, without names
        ballots_file = ballots_csv(len(options), ballots)
        caption = actor.tr._(
            "Poll %(number)s: one row per ballot (anonymous), with the option number at each rank.",
            number=poll.number,
        )
    await message.reply_document(
        InputFile(ballots_file, filename=f"poll-{poll.number}-ballots.csv"), caption=caption
    )
    await message.reply_document(
        InputFile(
            results_csv(options, result, await _item_ids(context.services, poll)),
            filename=f"poll-{poll.number}-results.csv",
        ),
        caption=actor.tr._(
            "Poll %(number)s: points and places per option, by stakeholder group.",
            number=poll.number,
        ),
    )


async def on_results_button(update: Update, context: ForumContext) -> None:
    """`res:show:<id>` / `res:export:<id>` from the choice of open polls."""
    parsed = callbacks.parse(pressed(update).data)
    poll_id = parsed.int_arg(0) if parsed else None
    poll = await polls_db.get_poll(context.services.db, poll_id) if poll_id else None
    actor = context.actor
    if (
        poll is None
        or parsed is None
        or actor.forum is None
        or poll.forum_id != actor.forum.id
        or parsed.action not in ("show", "export")
        or (
            parsed.action == "export"  # as /export: analysts only, and never into a group
            and (actor.role not in ("coordinator", "observer") or not is_private(update))
        )
    ):
        await answer_stale(update, context)
        return
    if actor.role is None:  # pressed in the forum's group by someone who is no member
        await pressed(update).answer(
            refusal(actor.tr, Access.EVERYONE, "results", actor.forum.name, None)
        )
        return
    await pressed(update).answer()
    send = _send_results if parsed.action == "show" else send_poll_export
    await send(update, context, poll)


def handlers() -> list[tuple[int, BaseHandler]]:
    return [
        (0, CommandHandler("results", show_results)),
        (0, CallbackQueryHandler(on_results_button, pattern=r"^res:")),
    ]
