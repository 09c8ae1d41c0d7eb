"""The import rules of ``speech/`` and ``voice/`` (issue 11), read from the source with ``ast``.

``speech`` is a leaf over domain/ports (it imports no ``voice``); ``voice``
imports no ``api``, ``agent`` or ``routing`` (the conversation reaches it
through the ``Conversation`` port and ``app.state``). Imports under
``if TYPE_CHECKING:`` count too: they make cycles for type checkers and for
import-linter alike.
"""

from __future__ import annotations

import ast
from pathlib import Path

import switchboard

ROOT = Path(switchboard.__file__).parent


def _imports(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[str(path.relative_to(ROOT))] = {n for n in names if n.startswith("switchboard.")}
    return found


def _offenders(package: str, banned: tuple[str, ...]) -> list[str]:
    return [
        f"{path} imports {name}"
        for path, names in _imports(package).items()
        for name in sorted(names)
        if any(name == b or name.startswith(b + ".") for b in banned)
    ]


def test_speech_imports_no_voice() -> None:
    assert _offenders("speech", ("switchboard.voice",)) == []


def test_voice_imports_no_api_agent_or_routing() -> None:
    banned = ("switchboard.api", "switchboard.agent", "switchboard.routing")
    assert _offenders("voice", banned) == []


def test_the_checker_sees_imports() -> None:
    # Guard against a vacuous pass: voice does import speech, and speech imports ports.
    assert any("switchboard.speech.audio" in n for n in _imports("voice").values())
    assert _offenders("speech", ("switchboard.ports",))
