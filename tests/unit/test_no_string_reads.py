"""No string-keyed reads of event ``data`` (anywhere) or contact ``state`` (in its readers).

Readers use ``event.payload`` (``domain/events.py``) and the typed parts of
``Contact.state`` (``domain/state.py``); a ``data.get("field")`` elsewhere is how
readers and writers drifted apart (issue 11). The check walks the AST of every
module under ``src/switchboard``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import switchboard

SRC = Path(switchboard.__file__).parent
#: The modules allowed to read by field name: the event and state models.
MODEL_MODULES = {SRC / "domain" / "events.py", SRC / "domain" / "state.py"}


#: Packages that read contact state through its typed parts only.
TYPED_STATE_PACKAGES = ("analytics", "aws", "routing", "api")


def _is_data(node: ast.AST, aliases: set[str], attr: str) -> bool:
    """``<expr>.<attr>`` or a local name bound to one."""
    if isinstance(node, ast.Attribute) and node.attr == attr:
        return True
    return isinstance(node, ast.Name) and node.id in aliases


def _data_aliases(tree: ast.AST, attr: str) -> set[str]:
    """Names bound to ``<expr>.<attr>`` (``data = event.data``, ``x = e.data if e else {}``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            value = node.value
            options = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
            if any(isinstance(v, ast.Attribute) and v.attr == attr for v in options):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def string_reads(path: Path, attr: str = "data") -> list[str]:
    """The ``<x>.<attr>.get("…")`` / ``<x>.<attr>["…"]`` reads in one module, as ``file:line``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    aliases = _data_aliases(tree, attr)
    found: list[str] = []
    for node in ast.walk(tree):
        target: ast.AST | None = None
        key: ast.AST | None = None
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and node.args
        ):
            target, key = node.func.value, node.args[0]
        elif isinstance(node, ast.Subscript):
            target, key = node.value, node.slice
        if (
            target is not None
            and isinstance(key, ast.Constant)
            and isinstance(key.value, str)
            and _is_data(target, aliases, attr)
        ):
            where = path.relative_to(SRC) if path.is_relative_to(SRC) else path.name
            found.append(f"{where}:{node.lineno}")
    return found


def test_the_check_finds_the_patterns_it_forbids(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    body = (
        "def f(event, ends):\n"
        "    data = event.data\n"
        "    end = ends[-1].data if ends else {}\n"
        "    return data.get('a'), event.data['b'], end.get('c'), event.data.get('d')\n"
    )
    sample.write_text(body, encoding="utf-8")
    assert string_reads(sample) == ["sample.py:4"] * 4
    sample.write_text("def g(contact):\n    return contact.state.get('agent')\n", "utf-8")
    assert string_reads(sample, "state") == ["sample.py:2"]


def test_no_event_data_string_reads_outside_the_models() -> None:
    offenders = [
        hit
        for path in sorted(SRC.rglob("*.py"))
        if path not in MODEL_MODULES
        for hit in string_reads(path)
    ]
    assert offenders == []


def test_no_contact_state_string_reads_in_the_typed_readers() -> None:
    offenders = [
        hit
        for package in TYPED_STATE_PACKAGES
        for path in sorted((SRC / package).rglob("*.py"))
        for hit in string_reads(path, "state")
    ]
    assert offenders == []
