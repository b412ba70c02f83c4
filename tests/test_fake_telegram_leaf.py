"""The fake Bot API is a leaf: it imports nothing of ours, so it fakes Telegram for any bot.

Read from the source with `ast`, every `import` anywhere in a module (inside functions too):
an absolute import of one of the project's own top-level packages or modules is a violation.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "fake_telegram"


def our_top_level_names() -> set[str]:
    """The project's own importable names: its folders of Python files and its root modules."""
    folders = {p.name for p in ROOT.iterdir() if p.is_dir() and any(p.glob("*.py"))}
    modules = {p.stem for p in ROOT.glob("*.py")}
    return (folders | modules) - {PACKAGE.name}


def imported_names(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, dotted name) of every absolute import in a module; relative ones stay inside."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level > 1:
                found.append((node.lineno, "." * node.level + (node.module or "")))
            elif node.level == 0 and node.module:
                found.append((node.lineno, node.module))
    return found


def violations(path: Path, ours: set[str]) -> list[str]:
    """The imports of one file that reach outside the package into our own code."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(ROOT)}:{line}: imports {name}"
        for line, name in imported_names(tree)
        if name.startswith("..") or name.split(".")[0] in ours
    ]


def test_our_own_code_is_recognised():
    """The scan knows the floors it guards against, so an empty result means something."""
    ours = our_top_level_names()
    assert {"bot", "handlers", "db", "tests", "bench", "main"} <= ours
    assert "fake_telegram" not in ours
    probe = ast.parse(
        "def f():\n    from bot.clock import FakeClock\nimport db\nfrom ..x import y\n"
    )
    assert sorted(name for _, name in imported_names(probe)) == ["..x", "bot.clock", "db"]


def test_fake_telegram_imports_nothing_of_ours():
    ours = our_top_level_names()
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 5, f"fake_telegram/ not found at {PACKAGE}"
    bad = [line for path in files for line in violations(path, ours)]
    assert not bad, "\n".join(bad)
