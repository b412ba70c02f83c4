"""Every count a member reads goes through the language's plural rules (issue 14, "1 members").

STYLE (the rule these tests enforce):
- A placeholder whose value is a count of things is named for it (see COUNT_NAMES), and a sentence
  that carries one is marked with `tr.n_` (or `Nn_` for an error raised in `bot/`), even when the
  English forms are the same: Russian, Arabic or Sinhala need another form for 1, 2, 5 or 21.
  The count that picks the form is the one the nouns around it agree with.
- Numbers that are not counts (poll, tip and feedback numbers, page and list positions, a
  percentage, a rating, an SDG target) use other names: `number`, `page`, `position`, `percent`,
  `rating`, `target`. A value that holds a count under another name is caught by the source scan
  below (a `len(...)` or `sum(...)` passed to a non-plural message).
- The only non-plural messages allowed to show a count are in LABELS, each with its reason: a
  count alone after a label ("Total: 4"), with no word in the sentence that agrees with it, or
  a tally of several counts that gettext cannot pluralize together.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR

ROOT = LOCALES_DIR.parent
TEMPLATE = LOCALES_DIR / "messages.pot"

COUNT_NAMES = frozenset(
    {
        "count", "n", "total", "max", "members", "votes", "ballots", "options", "voted",
        "eligible", "sent", "pending", "blocked", "failed", "above", "below", "recent", "going",
        "maybe", "no", "pages", "years", "months", "weeks", "days", "hours", "minutes",
    }
)  # fmt: skip

LABELS = {
    "<b>%(group)s</b>: %(count)s": "a heading with the group's head count after a colon",
    "<b>Members of %(forum)s</b>: %(count)s": "a heading with the head count after a colon",
    "Total: %(count)s": "a label and a number, nothing agrees with it",
    "%(topic)s: %(count)s (%(recent)s in the last 7 days)": (
        "a table row: topic and two bare numbers; the fixed '7 days' is translated as written"
    ),
    "%(group)s (%(count)s): %(ranking)s": "a table row: the ballot count alone in parentheses",
    "Going: %(going)s · Maybe: %(maybe)s · Not going: %(no)s": (
        "an RSVP tally of three counts, each alone after its label"
    ),
    "Page %(page)s of %(pages)s": "a position in a list of pages, no noun to agree",
    "📣 Announcement delivered. %(sent)s of %(total)s sent, %(blocked)s blocked the bot, "
    "%(failed)s failed.": "a tally of four counts; gettext pluralizes on one only",
    "📣 Sending the announcement… %(sent)s sent, %(pending)s waiting, %(blocked)s blocked the "
    "bot, %(failed)s failed.": "a tally of four counts; gettext pluralizes on one only",
    "A reminder can't come before the previous meeting of the series: the longest lead time is "
    "%(max)s.": "max is a duration already written out in words (format_duration), not a number",
}

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def singular_messages() -> list[str]:
    """The non-plural msgids of the extracted template."""
    with TEMPLATE.open("rb") as fp:
        catalog = read_po(fp)
    return [m.id for m in catalog if m.id and not m.pluralizable]


def counts_outside_plurals(messages: list[str]) -> list[str]:
    return [
        f"{sorted(set(PLACEHOLDER.findall(m)) & COUNT_NAMES)}: {m!r}"
        for m in messages
        if set(PLACEHOLDER.findall(m)) & COUNT_NAMES and m not in LABELS
    ]


def test_no_count_outside_a_plural_message_in_the_template():
    """Scan messages.pot: a count placeholder in a `_`/`N_` message is a "1 members" waiting."""
    bad = counts_outside_plurals(singular_messages())
    assert not bad, "use tr.n_ (or Nn_) for these, or add a reasoned LABELS entry:\n" + "\n".join(
        bad
    )


def test_no_format_style_placeholder_in_the_template():
    """`{n}` is never filled by tr._ (it fills %(name)s): it would reach members as "{n}"."""
    with TEMPLATE.open("rb") as fp:
        texts = [t for m in read_po(fp) if m.id for t in (m.id if m.pluralizable else (m.id,))]
    assert not [text for text in texts if re.search(r"\{\w*\}", text)]


def test_every_label_exception_still_exists():
    """An allow-list entry for a message that is gone would hide the next one with its text."""
    present = set(singular_messages())
    assert not [label for label in LABELS if label not in present]


def test_the_scan_catches_a_count():
    assert counts_outside_plurals(["Sending the ballot to %(count)s members."])
    assert not counts_outside_plurals(["Poll %(number)s is closed."])


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_count(value: ast.expr) -> bool:
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id in ("len", "sum")
    )


def _count_misuses(tree: ast.AST) -> list[tuple[int, str]]:
    """Non-plural `_(...)` / `FormError(N_(...), ...)` calls given a count, and f-strings in `_`."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        first = node.args[0]
        if name in ("_", "n_", "N_", "Nn_") and isinstance(first, ast.JoinedStr):
            found.append((node.lineno, "an f-string cannot be translated; use placeholders"))
        if name == "_":
            message = _literal(first)
        elif isinstance(first, ast.Call) and getattr(first.func, "id", None) == "N_":
            message = _literal(first.args[0]) if first.args else None  # FormError(N_(...), ...)
        else:
            continue
        if message is None or message in LABELS:
            continue
        counted = [k.arg for k in node.keywords if k.arg and _is_count(k.value)]
        if counted:
            found.append((node.lineno, f"{counted} given a count in {message!r}"))
    return found


def test_no_count_is_passed_to_a_non_plural_message_in_the_source():
    """Scan bot/ and handlers/: len(...) or sum(...) as a value of a non-plural message."""
    bad = []
    for folder in ("bot", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "fake_telegram" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            bad += [f"{path.relative_to(ROOT)}:{line}: {why}" for line, why in _count_misuses(tree)]
    assert not bad, "\n".join(bad)


def test_the_source_scan_catches_a_count():
    tree = ast.parse(
        'tr._("Sending to %(people)s now.", people=len(members))\n'
        'raise FormError(N_("Has %(k)s."), k=sum(xs))\n'
        'tr._(f"{n} members")\n'
    )
    assert [line for line, _ in _count_misuses(tree)] == [1, 2, 3]


def test_a_plural_error_from_bot_is_translated_with_its_count():
    """`Nn_` errors raised in bot/ pick the plural form through `tr._`, like `tr.n_`."""
    from bot.i18n import Catalogs, Nn_

    tr = Catalogs(Path(LOCALES_DIR)).translator("en")
    message = Nn_("at most %(max)s character", "at most %(max)s characters", "max")
    assert tr._(message, max=1) == "at most 1 character"
    assert tr._(message, max=300) == "at most 300 characters"
