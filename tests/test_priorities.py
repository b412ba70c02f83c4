"""Priority catalogs: the file loads, items are phone-sized, refs point into the seeds, and no
item copies the seed's wording (facts may be used, sentences may not; see the seeds' README).

The seed checks read the source documents from SCP_SEEDS_DIR (default: shared/seeds beside the checkout) and
are skipped, with the reason shown, on a machine that does not have them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.priorities import (
    DEFAULT_PATH,
    MAX_TEXT,
    MAX_TITLE,
    PriorityCatalog,
    load_catalogs,
)
from tests.seeds import MIN_COPIED_RUN, SEEDS, needs_seeds, runs, split_ref

SEOUL = "000_148de3b11304dd81.txt"

CATALOG_IDS = ("table2", "national", "regional", "jpoi", "ncpc")
ID_PATTERNS = {
    "table2": r"t2-\d{2}",
    "national": r"ne-\d{2}",
    "regional": r"rp-\d{2}",
    "jpoi": r"jpoi-\d{2}",
    "ncpc": r"ncpc-\d{2}",
}
# The seeds' README says Table 2 has 35 priority areas; counting its rows agrees (26 under
# PRODUCTION, 9 under CONSUMPTION). test_table2_matches_the_seed counts them again.
TABLE2_AREAS = 35


@pytest.fixture(scope="module")
def catalogs() -> dict[str, PriorityCatalog]:
    return load_catalogs()


def all_items(catalogs: dict[str, PriorityCatalog]):
    return [item for catalog in catalogs.values() for item in catalog.items]


# --- the file itself --------------------------------------------------------------------------


def test_the_file_loads_with_the_five_catalogs_in_order(catalogs):
    assert DEFAULT_PATH.name == "priorities.toml" and DEFAULT_PATH.parent.name == "content"
    assert tuple(catalogs) == CATALOG_IDS
    for cid, catalog in catalogs.items():
        assert catalog.id == cid
        assert catalog.title and len(catalog.title) <= MAX_TITLE, catalog.title
        assert catalog.ref
        assert catalog.items


def test_every_item_has_an_id_a_short_one_line_text_and_a_ref(catalogs):
    for item in all_items(catalogs):
        assert item.id and item.text and item.ref, item
        assert len(item.text) <= MAX_TEXT, (item.id, len(item.text))
        assert "\n" not in item.text and "\r" not in item.text, item.id
        assert item.text == item.text.strip(), item.id


def test_ids_are_unique_across_catalogs_and_follow_the_catalog_prefix(catalogs):
    ids = [item.id for item in all_items(catalogs)]
    assert len(ids) == len(set(ids))
    for cid, catalog in catalogs.items():
        for item in catalog.items:
            assert re.fullmatch(ID_PATTERNS[cid], item.id), (cid, item.id)


def test_texts_are_unique(catalogs):
    texts = [item.text.casefold() for item in all_items(catalogs)]
    assert len(texts) == len(set(texts))


def test_priority_and_heading_belong_to_table2_only(catalogs):
    for item in catalogs["table2"].items:
        assert item.priority in (1, 2, 3), item.id
        assert item.heading in ("production", "consumption"), item.id
    for cid in CATALOG_IDS[1:]:
        for item in catalogs[cid].items:
            assert item.priority is None and item.heading is None, item.id


def test_table2_has_one_item_per_priority_area(catalogs):
    assert len(catalogs["table2"].items) == TABLE2_AREAS


def test_catalog_sizes_match_the_seed_lists(catalogs):
    # paras 21-23: 5 + 4 + 5 elements; para 24: 8 priorities; para 51: 7 JPOI issues;
    # the NCPC training module lists 9 expanded roles.
    sizes = {cid: len(catalog.items) for cid, catalog in catalogs.items()}
    assert sizes == {"table2": 35, "national": 14, "regional": 8, "jpoi": 7, "ncpc": 9}


# --- against the seeds ------------------------------------------------------------------------


def table2_rows(seed: str) -> list[tuple[str, int]]:
    """(heading, priority) of each priority area of Table 2, in the seed's order.

    Rows are tab-separated: issue, regional priority, action, focal point, support. The
    PRODUCTION and CONSUMPTION rows have an empty priority and start a section.
    """
    start = seed.index("\nTable 2")
    end = seed.index("\nIV. ", start)
    rows, heading = [], None
    for line in seed[start:end].splitlines():
        cells = line.split("\t")
        if len(cells) < 2:
            continue
        if cells[0].strip() in ("PRODUCTION", "CONSUMPTION") and not cells[1].strip():
            heading = cells[0].strip().lower()
        elif re.fullmatch(r"[1-3]", cells[1].strip()):
            assert heading, f"Table 2 row before a section heading: {line[:60]!r}"
            rows.append((heading, int(cells[1])))
    return rows


@needs_seeds
def test_table2_matches_the_seed(catalogs):
    rows = table2_rows((SEEDS / SEOUL).read_text(encoding="utf-8"))
    assert len(rows) == TABLE2_AREAS
    items = catalogs["table2"].items
    assert [(item.heading, item.priority) for item in items] == rows


@needs_seeds
def test_every_ref_names_an_existing_seed_file_and_place(catalogs):
    refs = [c.ref for c in catalogs.values()] + [i.ref for i in all_items(catalogs)]
    for ref in refs:
        file_name, locator = split_ref(ref)
        seed_path = SEEDS / file_name
        assert file_name != "README.md" and seed_path.is_file(), ref
        seed = seed_path.read_text(encoding="utf-8")
        if m := re.fullmatch(r"Table (\d+)", locator):
            assert re.search(rf"^Table {m[1]}\b", seed, re.M), ref
        elif m := re.fullmatch(r"(?:paras?|roles?) (\d+)(?:-(\d+))?", locator):
            # Paragraphs of the Seoul report and the NCPC roles are both numbered "N. ".
            for n in range(int(m[1]), int(m[2] or m[1]) + 1):
                assert re.search(rf"^{n}\. ", seed, re.M), f"{ref}: no {n}. in {file_name}"
        else:
            pytest.fail(f"{ref}: locator should be 'Table N', 'para N', 'paras N-M' or 'role N'")


@needs_seeds
def test_no_item_copies_the_seed_it_cites(catalogs):
    seed_runs: dict[str, set[tuple[str, ...]]] = {}
    copied = []
    for item in all_items(catalogs):
        file_name, _ = split_ref(item.ref)
        if file_name not in seed_runs:
            seed_runs[file_name] = runs((SEEDS / file_name).read_text(encoding="utf-8"))
        shared = runs(item.text) & seed_runs[file_name]
        if shared:
            copied.append((item.id, " ".join(sorted(shared)[0])))
    assert not copied, (
        f"items sharing {MIN_COPIED_RUN}+ consecutive words with their seed: {copied}"
    )


def test_the_copy_check_catches_a_copied_sentence():
    seed = "Support for research and development on cleaner production technology."
    assert runs("Support for research and development on cleaner production") & runs(seed)
    assert not runs("Fund R&D on cleaner production technologies") & runs(seed)


# --- validation -------------------------------------------------------------------------------

GOOD_ITEM = 'id = "x-01"\ntext = "An option"\nref = "000_148de3b11304dd81.txt, para 24"\n'


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "priorities.toml"
    path.write_text(body, encoding="utf-8")
    return path


def catalog_toml(items: str, cid: str = "c") -> str:
    return (
        f'[[catalog]]\nid = "{cid}"\ntitle = "A title"\nsource = "A meeting, para 1"\n'
        f'ref = "000_x.txt, para 1"\n{items}'
    )


def test_a_minimal_file_loads(tmp_path):
    path = write(tmp_path, catalog_toml(f"[[catalog.items]]\n{GOOD_ITEM}priority = 3\n"))
    (catalog,) = load_catalogs(path).values()
    assert catalog.title == "A title"
    assert catalog.items[0].priority == 3
    assert catalog.items[0].heading is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "no catalogs"),
        ("[[catalog]\n", "not valid TOML"),
        ('title = "x"\n', "unknown top-level keys"),
        (catalog_toml(""), "no items"),
        (catalog_toml(f"[[catalog.items]]\n{GOOD_ITEM}[[catalog.items]]\n{GOOD_ITEM}"), "x-01"),
        (
            catalog_toml(f"[[catalog.items]]\n{GOOD_ITEM}")
            + catalog_toml(f"[[catalog.items]]\n{GOOD_ITEM}", cid="d"),
            "unique across all catalogs",
        ),
        (
            catalog_toml(f"[[catalog.items]]\n{GOOD_ITEM}")
            + catalog_toml("[[catalog.items]]\n" + GOOD_ITEM.replace("x-01", "x-02")),
            "duplicate catalog id",
        ),
        (
            catalog_toml("[[catalog.items]]\n" + GOOD_ITEM.replace("An option", "a" * 101)),
            "101 characters",
        ),
        (
            catalog_toml("[[catalog.items]]\n" + GOOD_ITEM.replace("An option", "two\\nlines")),
            "one line",
        ),
        (
            catalog_toml('[[catalog.items]]\nid = "x-01"\ntext = "An option"\n'),
            "ref is missing",
        ),
        (catalog_toml(f'[[catalog.items]]\n{GOOD_ITEM}ref2 = "typo"\n'), "unknown keys"),
        (catalog_toml(f"[[catalog.items]]\n{GOOD_ITEM}priority = 4\n"), "priority must be"),
        (catalog_toml(f"[[catalog.items]]\n{GOOD_ITEM}priority = 0\n"), "priority must be"),
        (catalog_toml(f"[[catalog.items]]\n{GOOD_ITEM}priority = true\n"), "priority must be"),
        (catalog_toml(f'[[catalog.items]]\n{GOOD_ITEM}priority = "3"\n'), "priority must be"),
        (catalog_toml(f'[[catalog.items]]\n{GOOD_ITEM}heading = ""\n'), "heading is empty"),
        (
            catalog_toml(f"[[catalog.items]]\n{GOOD_ITEM}").replace("A title", "t" * 61),
            "title is 61 characters",
        ),
        (catalog_toml(f"[[catalog.items]]\n{GOOD_ITEM}").replace("source = ", "x = "), "source"),
        (
            catalog_toml(f"[[catalog.items]]\n{GOOD_ITEM}").replace(
                "A meeting, para 1", "000_x.txt, para 1"
            ),
            "seed file name goes in ref",
        ),
    ],
)
def test_problems_are_value_errors_that_say_what_is_wrong(tmp_path, body, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        load_catalogs(write(tmp_path, body))
