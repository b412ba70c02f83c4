"""Best-practice tips: the library in `content/tips.toml`, which tip comes next, and when.

Plain data and rules, no Telegram; `pick_tip` reads and records what the member has read (db/tips.py).
The library is English source text; translations live in the `content` gettext domain (see
`tools/catalog_tool.py`), keyed by the tip's id. The forums' own tips are parsed in bot/forum_tips.py.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.i18n import N_
from bot.priorities import check_keys, one_line
from db import tips as tips_db
from db.connection import Database
from db.tips import ForumTip, Subscription

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "content" / "tips.toml"
MAX_TITLE = 60
MAX_LENGTH = 600  # title and text together: one phone screen

# Topic keys are stored with forum tips and used in callback data: never rename one.
TOPICS = {
    "energy": N_("Energy"),
    "waste": N_("Waste and recycling"),
    "procurement": N_("Public procurement"),
    "labelling": N_("Labelling"),
    "industry": N_("Industry and SMEs"),
    "finance": N_("Finance and incentives"),
    "education": N_("Education and awareness"),
    "policy": N_("Policy and governance"),
    "eco_efficiency": N_("Eco-efficiency"),
}
AUDIENCES = {
    "government": N_("Government"),
    "industry": N_("Industry"),
    "civil_society": N_("Civil society"),
    "consumers": N_("Consumers"),
}
SDG_TARGETS = frozenset({"12.1", "12.2", "12.3", "12.4", "12.5", "12.6", "12.7", "12.8"}) | {
    "12.a",
    "12.b",
    "12.c",
}
# The seed documents as members see them cited under a tip.
SOURCES = {
    "000_148de3b11304dd81.txt": N_("Seoul expert meeting on SCP, 2003"),
    "001_5005e6e60a24ed45.txt": N_("APEC Cleaner Production Strategy"),
    "002_50f6d00baf8b60a2.txt": N_("UNEP/UNIDO training module on NCPCs"),
    "003_387542a96a852c07.txt": N_("NEASPEC eco-efficiency partnership"),
    "004_e4868479312be904.txt": N_("NCPC course on sustainable production and consumption"),
}
# The place inside a source: "para 18" → ("para", "18"); rendered as a localized phrase.
PLACES = {
    "para": N_("para. %(number)s"),
    "Table": N_("Table %(number)s"),
    "role": N_("role %(number)s"),
    "section": N_("section %(number)s"),
    "objective": N_("objective %(number)s"),
    "Introduction": N_("introduction"),
}
FORUM_TIP_PREFIX = "forum-"  # forum tips are keyed "forum-<row id>"; library ids never start so

_KEYS = frozenset({"id", "topic", "audience", "sdg", "ref", "evidence", "title", "text"})


@dataclass(frozen=True)
class Tip:
    """One library tip, in the source language."""

    id: str  # stable kebab-case id; also the msgctxt of its translations
    topic: str  # a key of TOPICS
    audience: tuple[str, ...]  # keys of AUDIENCES
    sdg: str | None  # an SDG 12 target such as "12.7", where one fits
    ref: str  # "<seed file>, para 18" / "Table 1" / a section name
    evidence: str  # a phrase of the seed at `ref` that carries the tip's key fact (for review)
    title: str
    text: str


def load_tips(path: Path = DEFAULT_PATH) -> tuple[Tip, ...]:
    """Every tip in `path`, in file order. Raises ValueError naming the tip and the problem."""
    with open(path, "rb") as f:
        try:
            data = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise ValueError(f"{path}: not valid TOML: {e}") from e
    check_keys(data, frozenset({"tip"}), str(path))
    tips: list[Tip] = []
    seen: set[str] = set()
    for n, raw in enumerate(data.get("tip", []), start=1):
        check_keys(raw, _KEYS, f"{path}: tip #{n}")
        tip = _tip(raw, f"{path}: tip #{n}")
        if tip.id in seen:
            raise ValueError(f"{path}: duplicate tip id {tip.id!r}")
        seen.add(tip.id)
        tips.append(tip)
    if not tips:
        raise ValueError(f"{path}: no tips; add at least one [[tip]] table")
    return tuple(tips)


def _tip(raw: dict, where: str) -> Tip:
    tip_id = one_line(raw, "id", where)
    where = f"{where} ({tip_id})"
    if tip_id.startswith(FORUM_TIP_PREFIX) or not tip_id.replace("-", "").isalnum():
        raise ValueError(f"{where}: id must be kebab-case and not start with {FORUM_TIP_PREFIX!r}")
    topic = one_line(raw, "topic", where)
    if topic not in TOPICS:
        raise ValueError(f"{where}: unknown topic {topic!r}; one of {sorted(TOPICS)}")
    audience = raw.get("audience")
    if not isinstance(audience, list) or not audience or not set(audience) <= set(AUDIENCES):
        raise ValueError(f"{where}: audience must be a list drawn from {sorted(AUDIENCES)}")
    sdg = raw.get("sdg")
    if sdg is not None and sdg not in SDG_TARGETS:
        raise ValueError(f"{where}: sdg must be an SDG 12 target such as '12.5', got {sdg!r}")
    ref = one_line(raw, "ref", where)
    file_name, kind, _ = split_ref(ref)
    if file_name not in SOURCES or kind not in PLACES:
        raise ValueError(f"{where}: ref must be '<seed file>, <{'|'.join(PLACES)}> N'")
    title, text = one_line(raw, "title", where), one_line(raw, "text", where)
    if len(title) > MAX_TITLE or len(title) + len(text) > MAX_LENGTH:
        raise ValueError(f"{where}: title ≤ {MAX_TITLE} and title + text ≤ {MAX_LENGTH} chars")
    return Tip(
        id=tip_id,
        topic=topic,
        audience=tuple(audience),
        sdg=sdg,
        ref=ref,
        evidence=one_line(raw, "evidence", where),
        title=title,
        text=text,
    )


def split_ref(ref: str) -> tuple[str, str, str]:
    """'000_….txt, para 18' → ('000_….txt', 'para', '18'); the number is '' for 'Introduction'."""
    file_name, _, place = ref.partition(", ")
    kind, _, number = place.partition(" ")
    return file_name, kind, number


def reading_order(user_id: int, keys: Iterable[str]) -> list[str]:
    """The member's own stable order of the tips: shuffled per member, the same after a restart.

    Members of one forum then meet different tips first, and can tell each other about them.
    """
    return sorted(keys, key=lambda key: hashlib.sha256(f"{user_id}:{key}".encode()).digest())


def next_tip(user_id: int, keys: Iterable[str], seen: Iterable[str]) -> str | None:
    """The first tip in the member's order they have not seen in this cycle, or None if all are."""
    seen = set(seen)
    return next((key for key in reading_order(user_id, keys) if key not in seen), None)


@dataclass(frozen=True)
class Pick:
    """The tip chosen for a member, and why."""

    tip: Tip | ForumTip
    again: bool = False  # every tip of the topic was read in this cycle: one is shown again
    restarted: bool = False  # every tip was read: a new cycle began with this one


async def pick_tip(
    db: Database,
    library: Iterable[Tip],
    user_id: int,
    forum_ids: list[int],
    now: datetime,
    topic: str | None = None,
) -> Pick:
    """Choose and record the member's next tip: unread in this cycle, in their own order."""
    pool: dict[str, Tip | ForumTip] = {tip.id: tip for tip in library}
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


# --- subscriptions ---------------------------------------------------------------------------

FREQUENCIES = ("daily", "weekly")


def next_delivery(
    after: datetime, timezone: str, frequency: str, hour: int, weekday: int | None
) -> datetime:
    """The first delivery strictly after `after`: `hour`:00 in the member's zone, every day or on
    `weekday` (0 = Monday). Calendar arithmetic is done on local dates, so the hour holds across
    daylight-saving changes."""
    zone = ZoneInfo(timezone)
    local = after.astimezone(zone)
    day = local.date()
    for _ in range(9):  # at most a week ahead, plus a day either side of a DST change
        slot = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
        wanted_day = frequency == "daily" or day.weekday() == weekday
        if wanted_day and slot > local:
            return slot.astimezone(after.tzinfo)
        day += timedelta(days=1)
    raise AssertionError("no delivery slot within nine days")  # unreachable for valid input


def moved_delivery(
    subscription: Subscription | None, timezone: str, now: datetime
) -> datetime | None:
    """After the member's time zone changed: their next tip at the same local hour, in the new
    zone (None if they have no subscription)."""
    if subscription is None:
        return None
    return next_delivery(
        now, timezone, subscription.frequency, subscription.hour, subscription.weekday
    )
