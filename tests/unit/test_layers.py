"""The package import graph, read with ``ast``: no cycle between ``switchboard.*`` packages,
the agent core imports no adapter, and the size limits (files ≤ 800 lines, functions ≤ 80).

This agrees with the import-linter contracts in ``pyproject.toml`` (``make lint``)
without depending on import-linter. Imports under ``if TYPE_CHECKING:`` are
annotations, not run-time dependencies, and are left out (as the contracts do).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import switchboard

SRC = Path(switchboard.__file__).parent
#: Edges allowed until their owners remove them (the same list as the contracts'
#: ``ignore_imports``): (importing module, imported module). None left.
KNOWN: set[tuple[str, str]] = set()
#: The agent core may not import these (issue 11: "agent imports no adapter").
ADAPTERS = {"brains", "voice", "routing", "api", "analytics"}
#: Folders the size limits do not apply to (none: voice/ and speech/ were split into stages).
SIZE_EXEMPT: tuple[str, ...] = ()
#: Functions over 80 lines still to split, with their current length (a longer one fails).
LONG_FUNCTIONS: dict[str, int] = {}


def module_name(path: Path) -> str:
    parts = ["switchboard", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_imports(tree: ast.AST) -> list[str]:
    """Absolute ``switchboard`` imports anywhere in the module, except TYPE_CHECKING blocks."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            skipped.update(id(n) for n in ast.walk(node))
    found: list[str] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return [name for name in found if name.startswith("switchboard.")]


def package_graph() -> dict[str, dict[str, list[tuple[str, str]]]]:
    """``{package: {imported package: [(module, imported module), ...]}}`` over src/."""
    modules = {module_name(p) for p in SRC.rglob("*.py")}
    graph: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for path in SRC.rglob("*.py"):
        source = module_name(path)
        if source == "switchboard":
            continue
        for target in runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            while target not in modules and "." in target:  # `from pkg import name`
                target = target.rsplit(".", 1)[0]
            if target == "switchboard" or any(
                source == a and target.startswith(b) for a, b in KNOWN
            ):
                continue
            src_pkg, dst_pkg = source.split(".")[1], target.split(".")[1]
            if src_pkg != dst_pkg:
                graph[src_pkg][dst_pkg].append((source, target))
    return graph


def cycles(graph: dict[str, dict[str, list[tuple[str, str]]]]) -> list[list[str]]:
    """Strongly connected components with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b": [("a.x", "b.y")]}, "b": {"a": [("b.y", "a.x")]}, "c": {}}
    assert cycles(graph) == [["a", "b"]]  # type: ignore[arg-type]


def test_no_import_cycle_between_switchboard_packages() -> None:
    graph = package_graph()
    found = cycles(graph)
    detail = {
        tuple(c): [edge for a in c for b in c for edge in graph[a].get(b, [])] for c in found
    }
    assert not found, detail


def test_the_agent_core_imports_no_adapter() -> None:
    edges = package_graph().get("agent", {})
    assert not {pkg: edges[pkg] for pkg in ADAPTERS if pkg in edges}


def test_no_file_over_800_lines_and_no_function_over_80_in_src() -> None:
    too_long: list[str] = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if rel.parts[0] in SIZE_EXEMPT:
            continue
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 800:
            too_long.append(f"{rel}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > LONG_FUNCTIONS.get(f"{rel}:{node.name}", 80):
                    too_long.append(f"{rel}:{node.lineno} {node.name}: {length} lines")
    assert not too_long, too_long
