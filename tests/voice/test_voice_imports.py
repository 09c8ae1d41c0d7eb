"""The import rules of ``speech/`` and ``voice/`` (issue 11), read from the source with ``ast``.

``speech`` is a leaf over domain/ports (it imports no ``voice``); ``voice``
imports no ``api`` or ``routing``, and its pipeline no ``agent`` (the
conversation reaches it through the ``Conversation`` port and ``app.state``;
the speech-to-speech engines under ``voice/engines/`` are adapters over the
agent core, like the brains). Imports under
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
    # The pipeline reaches the conversation through the Conversation port only.
    # Speech-to-speech engines (voice/engines/, e.g. Nova Sonic) are adapters over
    # the agent core, like the brains: they write through the conversation
    # service and reuse its prompts and handover summary, so agent is allowed there.
    assert _offenders("voice", ("switchboard.api", "switchboard.routing")) == []
    pipeline = [
        line
        for line in _offenders("voice", ("switchboard.agent",))
        if not line.startswith("voice/engines/")
    ]
    assert pipeline == []


def test_the_checker_sees_imports() -> None:
    # Guard against a vacuous pass: voice does import speech, and speech imports ports.
    assert any("switchboard.speech.audio" in n for n in _imports("voice").values())
    assert _offenders("speech", ("switchboard.ports",))
