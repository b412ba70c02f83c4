"""The import graph of our floors: no cycle, no arrow up a floor, no hidden import.

Floors, top to bottom: tools/ (demo, catalog tool) → app/ (wiring, runner) → handlers/ (Telegram)
→ bot/ (rules, may read db/) → db/ (queries), as ARCHITECTURE.md draws them. An import inside a
function hides a cycle from the reader (and from this test, were it to read only module-level
imports), so every one of them is read too and must be in `LATE_IMPORTS` with its reason. The
graph is read with `ast`: nothing is imported to check it. Imports under `if TYPE_CHECKING:` never
run, so they make no cycle; they still must point down.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOORS = {"db": 0, "bot": 1, "handlers": 2, "app": 3, "tools": 4}

# Modules allowed to import up a floor until they move: none since app/ and tools/ exist.
TO_MOVE: tuple[str, ...] = ()

# (module, imported top-level package) → why the import waits until a function runs.
LATE_IMPORTS = {
    ("bot.poll_chart", "matplotlib"): "heavy (~0.5 s, a font cache): only a chart needs it",
    ("bot.chart_fonts", "matplotlib"): "heavy (~0.5 s, a font cache): only a chart needs it",
    ("bot.chart_fonts", "manimgx_fonts"): "font packages: only the first chart reads them",
    ("bot.chart_fonts", "noto_cjk_sans_otc"): "font packages: only the first chart reads them",
    ("bot.ranking", "numpy"): "heavy (~13 MB, ~0.15 s): only a count needs it, not start",
    ("bot.ranking_irv", "numpy"): "heavy (~13 MB, ~0.15 s): only a count needs it, not start",
    ("bot.ics", "icalendar"): "~0.1 s at start: only a meeting's calendar file needs it",
}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, e.g. "app.outbox"
    target: str  # the imported module, e.g. "handlers.broadcast.commands" or "matplotlib.figure"
    line: int
    in_function: bool
    type_only: bool  # under `if TYPE_CHECKING:`

    def __str__(self) -> str:
        return f"{self.source}:{self.line} imports {self.target}"


def _modules() -> dict[str, Path]:
    """Module name → file, for every module of our packages."""
    found = {}
    for package in FLOORS:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """Every import statement of one module, wherever it sits in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[Import] = []

    def targets(node: ast.Import | ast.ImportFrom) -> list[str]:
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        base = node.module or ""
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*anchor, *([base] if base else [])])
        # `from handlers import outbox` imports the module app.outbox, not the package.
        return [
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
            for alias in node.names
        ]

    def visit(node: ast.AST, in_function: bool, type_only: bool) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            for target in targets(node):
                found.append(Import(name, target, node.lineno, in_function, type_only))
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            in_function = True
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, in_function, True)
            for child in node.orelse:
                visit(child, in_function, type_only)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, in_function, type_only)

    visit(ast.parse(path.read_text(encoding="utf-8")), False, False)
    return found


def _graph() -> tuple[dict[str, Path], list[Import]]:
    modules = _modules()
    return modules, [i for name, path in modules.items() for i in _imports(name, path, modules)]


def _cycles(modules: dict[str, Path], imports: list[Import]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for i in imports:
        if i.target in modules and not i.type_only and i.target != i.source:
            edges[i.source].add(i.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges[node]:
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return components


def test_no_import_cycle():
    """A cycle means two modules each need the other: one of them holds a piece of the other."""
    assert _cycles(*_graph()) == []


def test_no_import_inside_a_function_without_a_reason():
    """An import in a function hides an arrow from the reader; only heavy optional ones may wait."""
    _, imports = _graph()
    hidden = [
        str(i)
        for i in imports
        if i.in_function and (i.source, i.target.partition(".")[0]) not in LATE_IMPORTS
    ]
    assert hidden == []


def test_late_imports_are_still_there():
    """The allow-list names only imports that exist, so it cannot hide a future one."""
    _, imports = _graph()
    late = {(i.source, i.target.partition(".")[0]) for i in imports if i.in_function}
    assert set(LATE_IMPORTS) <= late


def test_no_arrow_points_up_a_floor():
    """Each floor imports only floors below it: db/ nothing of ours, bot/ not handlers/, handlers/
    not app/, app/ not tools/."""

    def floor(module: str) -> int | None:
        return FLOORS.get(module.partition(".")[0])

    _, imports = _graph()
    upward = [
        str(i)
        for i in imports
        if floor(i.target) is not None
        and floor(i.target) > floor(i.source)
        and not any(i.source == m or i.source.startswith(m + ".") for m in TO_MOVE)
    ]
    assert upward == []


def test_telegram_is_imported_only_above_the_rules():
    """db/ and bot/ are Telegram-free: rules there can be read and tested without the Bot API, and
    the fake Bot API (fake_telegram/, a leaf tested in test_fake_telegram_leaf.py) is not ours."""
    _, imports = _graph()
    below = [
        str(i)
        for i in imports
        if i.target.partition(".")[0] == "telegram" and i.source.partition(".")[0] in ("db", "bot")
    ]
    assert below == []
