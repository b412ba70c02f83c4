"""`main.py demo` as a new user runs it: real subprocess, real loopback HTTP, typed input."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

from tests.test_config import run_main
from tools.demo import echoing, run
from tools.demo_terminal import message_html, read_message, render_html, scripted, use_color

SCRIPT = """/help
/as member
/history
/settings
#2
#4
/polls
#1
#3
#1
#4
/meetings
#2
/as observer
/promote @niran
/as coordinator
/invite
/closepoll
#1
/group
/help
/private
/as arabic
/tip
/as thai
/settings
#4
#1
#9
/wait 1d
/as chinese
/tip
#2
#5
/quit
"""


def test_demo_conversation(tmp_path):
    result = run_main(tmp_path, "demo", input_text=SCRIPT)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "ERROR" not in result.stderr
    assert "Fake Telegram Bot API on http://127.0.0.1:" in out
    assert "Thailand SCP Forum — you are a coordinator." in out  # /help as Ada
    assert "/newforum — Create a new national forum" in out
    assert "Stakeholder group: Industry and business" in out  # Niran's settings
    assert "[#4 Academia and research]" in out  # the group choice, numbered
    assert "Stakeholder group: Academia and research" in out  # #4 pressed
    assert "Only coordinators of Thailand SCP Forum can use /promote." in out  # Lena refused
    assert "Coordinator invite link" in out
    # A meeting: Niran's reminder came with the calendar file; RSVP "maybe" from /meetings.
    assert "[file national-scp-forum-spring-session-" in out and "🔔 Reminder" in out
    assert "ⓘ Thank you, noted." in out and "[#2 ● Maybe]" in out
    # The demo poll: Niran ranks 3 then 1 and submits; Ada closes it and reads the results.
    assert "Your ranking is submitted" in out
    assert "3 of 5 members voted (60%)." in out
    assert "1. Institutionalise green public procurement — 5 points" in out
    assert "Mandatory waste segregation at source beats every other option head-to-head" in out
    assert "now in the group" in out
    # Tips in three scripts: Layla reads one in Arabic (laid out right to left), Mali
    # subscribes to a daily tip at 8:00 and gets it in Thai a day later, Wei picks a topic.
    after_arabic = out.split("now Layla, member, Arabic")[1]
    assert "💡" in after_arabic and _has(after_arabic, "\u0600", "\u06ff")
    after_thai = out.split("now Mali, member, Thai")[1].split("now Wei")[0]
    assert "it is now" in after_thai and _has(after_thai.split("it is now")[1], "\u0e00", "\u0e7f")
    assert "💡" in after_thai.split("it is now")[1]
    after_chinese = out.split("now Wei, member, Chinese")[1]
    assert after_chinese.count("💡") == 2 and _has(after_chinese, "\u4e00", "\u9fff")
    assert out.rstrip().endswith("Demo ended.")


def _has(text: str, low: str, high: str) -> bool:
    """Whether `text` has a character of that Unicode block (Arabic, Thai, CJK)."""
    return any(low <= ch <= high for ch in text)


# --- The demo shows everything (issue 14): typed multi-line messages, HTML, files -------------

README = Path(__file__).resolve().parent.parent / "README.md"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
START = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok; the README's dates lie ahead
# What the bot answers to each README form when it understood the whole message.
UNDERSTOOD = {
    "/newpoll": "Members will see:",
    "/announce": "Preview — to all members.",
    "/meeting": "Meeting scheduled: National SCP Forum, spring session",
    "/tip": "added in",
}


def readme_forms() -> list[str]:
    """The README's one-message forms: fenced blocks that start with a command.

    Annotations after two spaces, such as `(optional)` or `(default yes; …)`, explain a line to
    the reader and are not typed.
    """
    blocks = re.findall(r"^```\n(/.*?)^```", README.read_text(encoding="utf-8"), re.M | re.S)
    return [
        "\n".join(re.sub(r"\s{2,}\(.*\)\s*$", "", line) for line in block.strip().splitlines())
        for block in blocks
    ]


def as_continued(form: str) -> list[str]:
    """The form typed with a backslash at the end of every line but the last."""
    lines = form.split("\n")
    return [line + "\\\n" for line in lines[:-1]] + [lines[-1] + "\n"]


def as_pasted(form: str) -> list[str]:
    return ["/paste\n", *(line + "\n" for line in form.split("\n")), ".\n"]


async def read_all(lines: list[str]) -> list[str | None]:
    read_line = scripted(lines)
    messages = []
    while True:
        messages.append(message := await read_message(read_line, "> "))
        if message is None:
            return messages


async def test_a_backslash_continues_a_message_and_paste_reads_to_a_dot():
    assert await read_all(["/newpoll Q?\\\n", "A\\\n", "B\n", "/help\n"]) == [
        "/newpoll Q?\nA\nB",
        "/help",
        None,
    ]
    assert await read_all(["/paste\n", "/announce\n", "Line 1\n", " \n", "Line 3\n", ".\n"]) == [
        "/announce\nLine 1\n \nLine 3",
        None,
    ]
    # The end of input ends a message under way: what was typed is sent, without the backslash.
    assert await read_all(["/tip add energy\\\n", "en: Hi\\\n"]) == [
        "/tip add energy\nen: Hi",
        None,
    ]
    assert await read_all(["/paste\n", "a\n", "b\n"]) == ["a\nb", None]
    assert await read_all(["a .\n", ".\n"]) == ["a .", ".", None]  # "." ends only a paste


def test_html_is_shown_as_telegram_shows_it():
    sent = (
        "<b>Poll 1</b>: <i>Is &lt;script&gt; allowed?</i> <code>a &amp;&amp; b</code> "
        '<a href="https://example.org/x">the site</a> <b>bold <i>both</i> bold</b> &quot;q&quot;'
    )
    assert render_html(sent, color=False) == (
        'Poll 1: Is <script> allowed? a && b the site (https://example.org/x) bold both bold "q"'
    )
    styled = render_html(sent, color=True)
    assert "\x1b[1mPoll 1\x1b[0m" in styled and "\x1b[3mIs <script> allowed?\x1b[0m" in styled
    assert "\x1b[1m\x1b[3mboth\x1b[0m\x1b[1m bold\x1b[0m" in styled  # italic ends, bold goes on
    assert ANSI.sub("", styled) == render_html(sent, color=False)
    # A link whose text is its address is not shown twice.
    assert render_html('<a href="https://t.me/x">https://t.me/x</a>', color=False) == (
        "https://t.me/x"
    )


def test_a_message_is_rendered_from_the_text_and_entities_telegram_holds():
    """Telegram turns the bot's HTML into text and entities; `<script>` is text, not a tag."""
    text = "Poll 1: Is <script> ok?"
    message = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": 1, "type": "private"},
        "text": text,
        "entities": [{"type": "bold", "offset": 0, "length": 6}],
    }
    assert render_html(message_html(message), color=False) == text
    assert render_html(message_html(message), color=True).startswith("\x1b[0m\x1b[1mPoll 1")


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_styles_only_on_a_terminal_without_no_color():
    assert use_color(_Stream(True), {}) is True
    assert use_color(_Stream(True), {"NO_COLOR": "1"}) is False
    assert use_color(_Stream(False), {}) is False
    assert use_color(_Stream(True), {"NO_COLOR": ""}) is True  # no-color.org: set and not empty


async def test_every_readme_form_can_be_typed_and_the_files_can_be_opened(tmp_path, capsys):
    forms = readme_forms()
    assert sorted(form.split()[0] for form in forms) == sorted(UNDERSTOOD)  # all four found
    poll = next(form for form in forms if form.startswith("/newpoll"))
    script = []
    for form in forms:
        script += [*as_continued(form), "/cancel\n", *as_pasted(form), "/cancel\n"]
    script += [
        "/newpoll Is <script>alert(1)</script> welcome?\\\n",
        "Yes &amp; no\\\n",
        "<b>No</b>\n",
        "/cancel\n",
        "/export members\n",
        "/closepoll\n",
        "#1\n",
        "/results 1\n",
        "/files\n",
        "/quit\n",
    ]
    await run(tmp_path, echoing(scripted(script)), color=True, start=START)
    styled = capsys.readouterr().out
    out = ANSI.sub("", styled)
    assert "Traceback" not in out and "Sorry, something went wrong" not in out
    turns = out.split("[Ada @ private] ")
    for form in forms:
        command = form.split()[0]
        # Typed with backslashes, then pasted: each time the bot answers the whole form once.
        answers = [turn for turn in turns if turn.startswith((form.split("\n")[0], "/paste"))]
        answers = [turn for turn in answers if UNDERSTOOD[command] in turn]
        assert len(answers) == 2, (command, answers)
        for answer in answers:
            assert "not a setting" not in answer and "I don't understand" not in answer
    # The poll form's settings were read as settings, its options as options.
    preview = next(
        turn for turn in turns if turn.startswith("/paste") and "Members will see" in turn
    )
    for option in poll.split("\n")[1:4]:
        assert option in preview
    assert "Closes: Jan 15, 2027" in preview and "Reminder: 24 hours before closing" in preview
    # The announcement's two lines are one message.
    assert "The spring session moves to Room 5.\n     Please bring your country report." in out
    # Escaped text is shown as the member reads it; bold is a terminal style.
    assert "Poll 2: Is <script>alert(1)</script> welcome?" in out
    assert "1. Yes &amp; no" in out and "2. <b>No</b>" in out
    assert "\x1b[1mbot:\x1b[0m" in styled and "\x1b[1mPreview\x1b[0m — to all members." in styled
    # /files: the calendar files, the export and the results chart, saved where it says.
    listing = turns[-2].split("/files\n")[1]
    paths = [Path(p) for p in re.findall(r"^  (?:file|chart) (\S+)", listing, re.M)]
    names = [path.name for path in paths]
    assert any(name.endswith(".ics") for name in names) and any("members.csv" in n for n in names)
    charts = re.findall(r"^  chart (\S+)", listing, re.M)
    assert charts and charts[0].endswith("poll-1.png")
    assert all(path.parent == tmp_path / "files" for path in paths)
    saved = {path.name: await asyncio.to_thread(path.read_bytes) for path in paths}
    assert saved[Path(charts[0]).name].startswith(b"\x89PNG")  # a chart that opens
    assert any(b"BEGIN:VCALENDAR" in data for name, data in saved.items() if name.endswith(".ics"))
    assert f"[file members.csv → {tmp_path / 'files'}" in out  # shown where it was sent too
