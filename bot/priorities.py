"""Priority catalogs: the ready-made options coordinators put into ranking polls.

The catalogs live in `content/priorities.toml`, written afresh from the source documents (each
item cites its seed file and paragraph or table). This module only reads and validates them:
plain data, no Telegram, no database. Any problem in the file is a `ValueError` whose message
names the catalog or item and says what is wrong.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.i18n import Translator

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "content" / "priorities.toml"

MAX_TEXT = 100  # an option as members see it on a phone
MAX_TITLE = 60
PRIORITIES = range(1, 4)  # Table 2 of the Seoul report: 3 = highest regional priority

_CATALOG_KEYS = frozenset({"id", "title", "source", "ref", "items"})
MAX_SOURCE = 80
_ITEM_KEYS = frozenset({"id", "text", "ref", "priority", "heading"})


@dataclass(frozen=True)
class PriorityItem:
    """One option of a catalog."""

    id: str  # stable across edits, e.g. "t2-01"; polls store it
    text: str  # plain English, one line, at most MAX_TEXT characters
    ref: str  # seed file name, then paragraph or table: "000_….txt, para 24"
    priority: int | None = None  # Table 2 only: regional priority 1-3, 3 = highest
    heading: str | None = None  # Table 2 only: "production" or "consumption"


@dataclass(frozen=True)
class PriorityCatalog:
    """A named list of options drawn from one place in the seeds."""

    id: str  # "table2", "national", "regional", "jpoi", "ncpc"
    title: str  # short English title, at most MAX_TITLE characters
    source: str  # where it comes from, for members: "Seoul 2003 expert meeting, Table 2"
    ref: str  # the seed file and place, for reviewers and tests; never shown to members
    items: tuple[PriorityItem, ...]


def load_catalogs(path: Path = DEFAULT_PATH) -> dict[str, PriorityCatalog]:
    """All catalogs in `path`, keyed by id, in file order. Raises ValueError on any problem."""
    with open(path, "rb") as f:
        try:
            data = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise ValueError(f"{path}: not valid TOML: {e}") from e

    extra = set(data) - {"catalog"}
    if extra:
        raise ValueError(f"{path}: unknown top-level keys {sorted(extra)}; use [[catalog]]")
    raw_catalogs = data.get("catalog")
    if not isinstance(raw_catalogs, list) or not raw_catalogs:
        raise ValueError(f"{path}: no catalogs; add at least one [[catalog]] table")

    catalogs: dict[str, PriorityCatalog] = {}
    item_ids: dict[str, str] = {}  # item id -> id of the catalog it is in
    for n, raw in enumerate(raw_catalogs, start=1):
        where = f"{path}: catalog #{n}"
        check_keys(raw, _CATALOG_KEYS, where)
        cid = one_line(raw, "id", where)
        where = f"{path}: catalog {cid!r}"
        if cid in catalogs:
            raise ValueError(f"{where}: duplicate catalog id")
        title = one_line(raw, "title", where)
        if len(title) > MAX_TITLE:
            raise ValueError(f"{where}: title is {len(title)} characters, at most {MAX_TITLE}")
        source = one_line(raw, "source", where)
        if len(source) > MAX_SOURCE or ".txt" in source:
            raise ValueError(
                f"{where}: source must be a human description of at most {MAX_SOURCE} "
                "characters (the seed file name goes in ref)"
            )
        ref = one_line(raw, "ref", where)

        raw_items = raw.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            raise ValueError(f"{where}: no items; add [[catalog.items]] tables")
        items = []
        for m, raw_item in enumerate(raw_items, start=1):
            item = _item(raw_item, where, m)
            if item.id in item_ids:
                raise ValueError(
                    f"{where}: item id {item.id!r} is already used in catalog "
                    f"{item_ids[item.id]!r}; ids must be unique across all catalogs"
                )
            item_ids[item.id] = cid
            items.append(item)
        catalogs[cid] = PriorityCatalog(
            id=cid, title=title, source=source, ref=ref, items=tuple(items)
        )
    return catalogs


def _item(raw: Any, catalog: str, n: int) -> PriorityItem:
    """The n-th item (from 1) of a catalog; `catalog` names it in messages."""
    check_keys(raw, _ITEM_KEYS, f"{catalog}, item #{n}")
    iid = one_line(raw, "id", f"{catalog}, item #{n}")
    where = f"{catalog}, item {iid!r}"
    text = one_line(raw, "text", where)
    if len(text) > MAX_TEXT:
        raise ValueError(f"{where}: text is {len(text)} characters, at most {MAX_TEXT}")
    ref = one_line(raw, "ref", where)

    priority = raw.get("priority")
    # bool is an int in Python; `priority = true` is a mistake, not priority 1.
    if priority is not None and (
        not isinstance(priority, int) or isinstance(priority, bool) or priority not in PRIORITIES
    ):
        raise ValueError(f"{where}: priority must be 1, 2 or 3, got {priority!r}")
    heading = raw.get("heading")
    if heading is not None:
        heading = one_line(raw, "heading", where)
    return PriorityItem(id=iid, text=text, ref=ref, priority=priority, heading=heading)


def check_keys(raw: Any, allowed: frozenset[str], where: str) -> None:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a table, got {type(raw).__name__}")
    unknown = set(raw) - allowed
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")


def one_line(raw: dict[str, Any], key: str, where: str) -> str:
    """A required one-line string without surrounding blanks."""
    value = raw.get(key)
    if value is None:
        raise ValueError(f"{where}: {key} is missing")
    if not isinstance(value, str):
        raise ValueError(f"{where}: {key} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{where}: {key} is empty")
    if value != value.strip():
        raise ValueError(f"{where}: {key} has leading or trailing blanks")
    if not value.isprintable():  # newlines, tabs, control characters
        raise ValueError(f"{where}: {key} must be one line of printable text")
    return value


# Catalog texts are content: translated in the `content` gettext domain (locales/*/content.po),
# each under a context naming what it is, so a title and an item with the same English text
# never share a translation. tools/catalog_tool.py extracts them under the same contexts.


def title_key(catalog: PriorityCatalog) -> str:
    return f"catalog:{catalog.id}"


def source_key(catalog: PriorityCatalog) -> str:
    return f"source:{catalog.id}"


def item_key(item_id: str) -> str:
    return f"item:{item_id}"


def title_in(tr: Translator, catalog: PriorityCatalog) -> str:
    """The catalog's title in the reader's language (plain text), else English."""
    return tr.content_plain(title_key(catalog), catalog.title)


def source_in(tr: Translator, catalog: PriorityCatalog) -> str:
    """Where the catalog comes from, for members, in the reader's language (plain text)."""
    return tr.content_plain(source_key(catalog), catalog.source)


def item_in(tr: Translator, item: PriorityItem) -> str:
    """An item's text in the reader's language (plain text), else English."""
    return tr.content_plain(item_key(item.id), item.text)


def item_index(catalogs: dict[str, PriorityCatalog]) -> dict[str, PriorityItem]:
    """Every item of every catalog by its id (ids are unique across catalogs)."""
    return {item.id: item for catalog in catalogs.values() for item in catalog.items}
