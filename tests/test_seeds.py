"""Seed tests skip on a developer's fresh clone without ../shared/seeds, and fail in CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import seeds

ROOT = Path(__file__).resolve().parent.parent


@seeds.needs_seeds
def reads_the_seeds() -> str:
    return "read"


def test_without_seeds_a_developer_skips(tmp_path, monkeypatch):
    monkeypatch.setattr(seeds, "SEEDS", tmp_path / "missing")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="SCP_SEEDS_DIR"):
        reads_the_seeds()


@pytest.mark.parametrize("value", ["true", "1"])
def test_without_seeds_ci_fails(tmp_path, monkeypatch, value):
    monkeypatch.setattr(seeds, "SEEDS", tmp_path / "missing")
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        reads_the_seeds()


def test_with_seeds_the_test_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(seeds, "SEEDS", tmp_path)
    monkeypatch.setenv("CI", "true")
    assert reads_the_seeds() == "read"


def test_a_ci_run_without_the_seeds_is_red(tmp_path):
    """The real thing: pytest itself, as .ci/run calls it, on a seed test."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "SCP_SEEDS_DIR")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_tips_content.py::test_no_tip_copies_a_sentence_from_the_seeds",
        ],
        cwd=ROOT,
        env={**env, "CI": "true", "SCP_SEEDS_DIR": str(tmp_path / "missing")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout[-2000:]
    assert "FAILED tests/test_tips_content.py::test_no_tip_copies" in result.stdout
