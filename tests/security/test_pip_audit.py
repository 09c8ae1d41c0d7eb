"""``pip-audit`` on the runtime dependency set (issue 13 item 7).

The runtime set is the closure of ``switchboard``'s own requirements (no
extras, no dev tools), pinned to the versions installed here, written as a
requirements file. pip-audit has no offline advisory database: it asks
PyPI's JSON API (or OSV) about every package, which this workplace does not
allow (no bulk registry look-ups). So the audit itself runs only where
``SWITCHBOARD_PIP_AUDIT=1`` says the network may be used (a CI with
internet), and skips visibly otherwise; the set it would audit is built and
checked here either way. Known findings that are accepted must be listed,
each with its reason, in ``deploy/pip-audit-accepted.txt``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ACCEPTED = Path(__file__).resolve().parents[2] / "deploy" / "pip-audit-accepted.txt"


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def runtime_closure(root: str = "switchboard") -> dict[str, str]:
    """``{normalised name: installed version}`` of ``root``'s runtime requirements, recursively.

    Only what a plain ``pip install switchboard`` pulls in: the project's own extras
    (dev, aws...) are not followed, extras its requirements name (``pwdlib[argon2]``)
    are; markers are evaluated for this interpreter.
    """
    seen: dict[str, str] = {}
    done: set[tuple[str, str]] = set()
    todo: list[tuple[str, frozenset[str]]] = [(root, frozenset())]
    while todo:
        name, extras = todo.pop()
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        key = _name(dist.metadata["Name"])
        seen[key] = dist.version
        for extra in {"", *extras}:  # an extra asked for (pwdlib[argon2]) pulls its own deps
            if (key, extra) in done:
                continue
            done.add((key, extra))
            for raw in dist.requires or []:
                req = Requirement(raw)
                wanted = req.marker is None or req.marker.evaluate({"extra": extra})
                if wanted and (extra == "" or req.marker is not None):
                    todo.append((req.name, frozenset(req.extras)))
    seen.pop(_name(root), None)
    return seen


def accepted() -> dict[str, str]:
    """Accepted advisory ids → reason (``ID  reason`` lines; ``#`` comments)."""
    out: dict[str, str] = {}
    for line in ACCEPTED.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            vuln, _, reason = line.partition(" ")
            assert reason.strip(), f"{vuln}: an accepted finding needs a written reason"
            out[vuln] = reason.strip()
    return out


def test_runtime_set_is_the_product_not_the_tools() -> None:
    closure = runtime_closure()
    for runtime in ("fastapi", "sqlalchemy", "pwdlib", "argon2-cffi", "limits", "pyjwt"):
        assert runtime in closure, runtime
    for tool in ("pytest", "schemathesis", "pip-audit", "ruff", "mypy", "moto"):
        assert tool not in closure, tool
    assert isinstance(accepted(), dict)


def test_pip_audit_finds_no_unaccepted_vulnerability(tmp_path: Path) -> None:
    if os.environ.get("SWITCHBOARD_PIP_AUDIT") != "1":
        pytest.skip(
            "pip-audit needs PyPI's/OSV's advisory service over the network (one query per "
            "package); set SWITCHBOARD_PIP_AUDIT=1 where that is allowed"
        )
    requirements = tmp_path / "runtime.txt"
    requirements.write_text(
        "".join(f"{name}=={version}\n" for name, version in sorted(runtime_closure().items()))
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "-r",
            str(requirements),
            "--no-deps",
            "--disable-pip",
            "--format",
            "json",
            "--progress-spinner",
            "off",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.stdout, done.stderr
    report = json.loads(done.stdout)
    allowed = accepted()
    found = [
        (dep["name"], dep["version"], vuln["id"])
        for dep in report["dependencies"]
        for vuln in dep.get("vulns", [])
        if vuln["id"] not in allowed and not set(vuln.get("aliases", [])) & set(allowed)
    ]
    print(f"pip-audit: {len(report['dependencies'])} runtime packages audited, {len(found)} open")
    assert not found, found
