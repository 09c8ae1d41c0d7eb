"""``pip-audit`` on the runtime dependency set (issue 13 item 7), offline by default.

The runtime set is the closure of ``switchboard``'s own requirements (no
extras, no dev tools), pinned to the versions installed here, written as a
requirements file. pip-audit audits it with ``--no-deps --disable-pip``
against an OSV query endpoint on 127.0.0.1 (``switchboard.testing.osv``)
that answers from the PyPA advisory database snapshot shipped in
``data/advisories/pypa`` (commit of 2024-10-10, CC-BY-4.0; see its README),
so it runs in ``make test`` with no network: an HTTP(S) proxy that does not
exist is set for pip-audit, so any request off the loopback would fail the
run. Advisories published after the snapshot are not known offline, nor
GitHub-only (GHSA) advisories, which the PyPA database does not hold.

``SWITCHBOARD_PIP_AUDIT=1`` (a CI with internet) also runs the same audit
against PyPI's live advisory service. Known findings that are accepted must
be listed, each with its reason, in ``deploy/pip-audit-accepted.txt``.

A control run pins known-vulnerable versions present in the snapshot
(``jinja2==2.10``, ``requests==2.19.0``) and their fixed neighbours: the
exact advisory ids of those files must come back, proving the endpoint and
its range evaluation are what pip-audit sees.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from switchboard.testing.osv import AdvisorySnapshot, OsvServer

ROOT = Path(__file__).resolve().parents[2]
ACCEPTED = ROOT / "deploy" / "pip-audit-accepted.txt"
SNAPSHOT = ROOT / "data" / "advisories" / "pypa"
DEAD_PROXY = "http://127.0.0.1:9"  # discard port, nothing listens: off-box requests fail


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


def _pins(pins: dict[str, str], path: Path) -> Path:
    path.write_text("".join(f"{name}=={version}\n" for name, version in sorted(pins.items())))
    return path


def _pip_audit(requirements: Path, tmp_path: Path, osv_url: str | None) -> dict[str, Any]:
    """pip-audit's JSON report on ``requirements``; against ``osv_url`` (offline) or PyPI."""
    command = [
        sys.executable, "-m", "pip_audit", "-r", str(requirements), "--no-deps", "--disable-pip",
        "--format", "json", "--progress-spinner", "off", "--cache-dir", str(tmp_path / "cache"),
    ]  # fmt: skip
    env = dict(os.environ)
    if osv_url is not None:
        command += ["--vulnerability-service", "osv", "--osv-url", osv_url]
        # nothing may leave the machine: every non-loopback request goes to a dead proxy
        for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env[var] = DEAD_PROXY
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, env=env
    )
    assert done.stdout, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _found(report: dict[str, Any]) -> dict[tuple[str, str], set[str]]:
    return {
        (dep["name"], dep["version"]): {vuln["id"] for vuln in dep.get("vulns", [])}
        for dep in report["dependencies"]
    }


def _open_findings(
    report: dict[str, Any], allowed: dict[str, str] | None = None
) -> list[tuple[str, str, str]]:
    """Findings whose id and aliases are all absent from the accepted list."""
    allowed = accepted() if allowed is None else allowed
    return [
        (dep["name"], dep["version"], vuln["id"])
        for dep in report["dependencies"]
        for vuln in dep.get("vulns", [])
        if vuln["id"] not in allowed and not set(vuln.get("aliases", [])) & set(allowed)
    ]


@pytest.fixture(scope="module")
def osv_server() -> Iterator[OsvServer]:
    with OsvServer(AdvisorySnapshot.from_directory(SNAPSHOT)) as server:
        yield server


def test_snapshot_covers_the_runtime_set_and_says_where_it_is_from() -> None:
    manifest = json.loads((SNAPSHOT / "snapshot.json").read_text(encoding="utf-8"))
    missing = sorted(set(runtime_closure()) - set(manifest["packages"]))
    assert not missing, (
        f"not in the advisory snapshot (refresh it, data/advisories/README.md): {missing}"
    )
    readme = (SNAPSHOT.parent / "README.md").read_text(encoding="utf-8")
    assert manifest["licence"] == "CC-BY-4.0" and "CC-BY-4.0" in readme
    assert manifest["commit"] in readme and manifest["date"] in readme
    files = sorted(SNAPSHOT.rglob("*.yaml"))
    assert len(files) == manifest["advisories"] and f"{len(files)} advisories" in readme


def test_pip_audit_offline_finds_no_unaccepted_vulnerability(
    tmp_path: Path, osv_server: OsvServer
) -> None:
    closure = runtime_closure()
    before = len(osv_server.queries)
    report = _pip_audit(_pins(closure, tmp_path / "runtime.txt"), tmp_path, osv_server.url)
    asked = {_name(name) for name, _ in osv_server.queries[before:]}
    assert asked == set(closure), set(closure) ^ asked  # pip-audit asked our endpoint, for all
    assert len(report["dependencies"]) == len(closure)
    found = _open_findings(report)
    print(
        f"pip-audit (offline snapshot): {len(closure)} runtime packages audited, "
        f"{sum(len(v) for v in _found(report).values())} findings, {len(found)} open"
    )
    assert not found, found


def test_pip_audit_control_reports_the_known_advisories(
    tmp_path: Path, osv_server: OsvServer
) -> None:
    """Vulnerable pins and their fixed neighbours: the advisory ids of the snapshot's files.

    jinja2 2.10: PYSEC-2019-217 (fixed 2.10.1) and PYSEC-2021-66 (fixed 2.11.3);
    requests 2.19.0: PYSEC-2018-28 (fixed 2.20.0) and PYSEC-2023-74 (2.3.0 to 2.31.0).
    """
    vulnerable = _pip_audit(
        _pins({"jinja2": "2.10", "requests": "2.19.0"}, tmp_path / "bad.txt"),
        tmp_path,
        osv_server.url,
    )
    assert _found(vulnerable) == {
        ("jinja2", "2.10"): {"PYSEC-2019-217", "PYSEC-2021-66"},
        ("requests", "2.19.0"): {"PYSEC-2018-28", "PYSEC-2023-74"},
    }
    # an acceptance by id or by alias (CVE) closes exactly that finding
    reasons = {"PYSEC-2018-28": "control", "CVE-2019-10906": "control (alias of PYSEC-2019-217)"}
    assert sorted(_open_findings(vulnerable, reasons)) == [
        ("jinja2", "2.10", "PYSEC-2021-66"),
        ("requests", "2.19.0", "PYSEC-2023-74"),
    ]
    fixed = _pip_audit(
        _pins({"jinja2": "2.10.1", "requests": "2.31.0"}, tmp_path / "fixed.txt"),
        tmp_path,
        osv_server.url,
    )
    assert _found(fixed) == {("jinja2", "2.10.1"): {"PYSEC-2021-66"}, ("requests", "2.31.0"): set()}


def test_pip_audit_online_finds_no_unaccepted_vulnerability(tmp_path: Path) -> None:
    if os.environ.get("SWITCHBOARD_PIP_AUDIT") != "1":
        pytest.skip(
            "online audit (PyPI's advisory service, one query per package) runs only with "
            "SWITCHBOARD_PIP_AUDIT=1 where the network is allowed; the offline snapshot "
            "audit above ran"
        )
    closure = runtime_closure()
    report = _pip_audit(_pins(closure, tmp_path / "runtime.txt"), tmp_path, None)
    found = _open_findings(report)
    print(f"pip-audit (online): {len(report['dependencies'])} runtime packages, {len(found)} open")
    assert not found, found
