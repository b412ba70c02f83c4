"""English slips in the source strings (issue 14: "you are member", "is now observer").

The English msgids are what translators translate from and what every member without a catalog
reads, so a missing article or a broken phrase there spreads to twenty languages. Each pattern
below is a slip that was in the template once; the test reads messages.pot, so it sees every
marked string however it is built in the code.
"""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR

KNOWN_SLIPS = {
    # a role after a verb or "as" needs its article: "is now an observer", "as a member"
    r"\b(?:am|is|are|was|were|be|been|being|becomes?|as|now|already) "
    r"(?:member|observer|coordinator)\b": "missing article before a role",
    r"\bcoordinator or observer a member\b": "missing article: a coordinator or an observer",
    r"\bis not removed from\b": "a state that does not exist: not among the removed members",
    r"\bAsk only going and maybe\b": "answers are not people: those who said going or maybe",
    r"\bFeedback of the last\b": "feedback from the last 30 days",
    r"\btip history go\b": "the subject is the data: are deleted",
}


def english_messages() -> list[str]:
    with (LOCALES_DIR / "messages.pot").open("rb") as fp:
        catalog = read_po(fp)
    return [text for m in catalog if m.id for text in (m.id if m.pluralizable else (m.id,))]


def test_no_known_english_slip_in_the_template():
    found = [
        f"{why}: {text!r}"
        for pattern, why in KNOWN_SLIPS.items()
        for text in english_messages()
        if re.search(pattern, re.sub(r"<[^>]+>", "", text))
    ]
    assert not found, "\n".join(found)


def test_the_patterns_catch_the_slips_from_the_issue():
    for slip in ("You are member of X.", "Ada is now observer of X.", "You join as coordinator."):
        assert any(re.search(p, slip) for p in KNOWN_SLIPS), slip
    assert not any(re.search(p, "Ada is now an observer of X.") for p in KNOWN_SLIPS)
