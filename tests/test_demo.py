"""`main.py demo` as a new user runs it: real subprocess, real loopback HTTP, typed input."""

from __future__ import annotations

from tests.test_config import run_main

SCRIPT = """/help
/as member
/settings
#2
#4
/as observer
/promote @niran
/as coordinator
/invite
/group
/help
/quit
"""


def test_demo_conversation(tmp_path):
    result = run_main(tmp_path, "demo", input_text=SCRIPT)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "ERROR" not in result.stderr
    assert "Fake Telegram Bot API on http://127.0.0.1:" in out
    assert "Thailand SCP Forum — you are coordinator." in out  # /help as Ada
    assert "/newforum — Create a new national forum" in out
    assert "Stakeholder group: Industry and business" in out  # Niran's settings
    assert "[#4 Academia and research]" in out  # the group choice, numbered
    assert "Stakeholder group: Academia and research" in out  # #4 pressed
    assert "Only coordinators of Thailand SCP Forum can use /promote." in out  # Lena refused
    assert "Coordinator invite link" in out
    assert "now in the group" in out
    assert out.rstrip().endswith("Demo ended.")
