"""`main.py demo` as a new user runs it: real subprocess, real loopback HTTP, typed input."""

from __future__ import annotations

from tests.test_config import run_main

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
    assert after_chinese.count("💡") >= 2 and _has(after_chinese, "\u4e00", "\u9fff")
    assert out.rstrip().endswith("Demo ended.")


def _has(text: str, low: str, high: str) -> bool:
    """Whether `text` has a character of that Unicode block (Arabic, Thai, CJK)."""
    return any(low <= ch <= high for ch in text)
