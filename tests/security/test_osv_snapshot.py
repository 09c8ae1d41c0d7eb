"""The offline OSV endpoint: range evaluation (OSV schema "Evaluation"), snapshot, server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from switchboard.testing.advisories import select
from switchboard.testing.osv import (
    AdvisorySnapshot,
    OsvServer,
    entry_affects,
    range_affects,
    record_affects,
)

SNAPSHOT = Path(__file__).resolve().parents[2] / "data" / "advisories" / "pypa"
MIRROR = Path("/work/.mirror/pypa+advisory-database/repo")


def _affected(events: list[dict[str, str]], version: str) -> bool:
    return range_affects(events, Version(version))


@pytest.mark.parametrize(
    ("version", "expected"),
    [("0.1", True), ("2.10", True), ("2.10.1rc1", True), ("2.10.1", False), ("3.0", False)],
)
def test_introduced_zero_to_fixed(version: str, expected: bool) -> None:
    assert _affected([{"introduced": "0"}, {"fixed": "2.10.1"}], version) is expected


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.9", False), ("1.0", True), ("1.4.9", True), ("1.5", False), ("1.9", False),
        ("2.0", True), ("2.1.post1", True), ("2.2", False), ("9", False),
    ],
)  # fmt: skip
def test_two_intervals_in_one_range_in_any_order(version: str, expected: bool) -> None:
    events = [{"introduced": "1.0"}, {"fixed": "1.5"}, {"introduced": "2.0"}, {"fixed": "2.2"}]
    assert _affected(events, version) is expected
    assert _affected(list(reversed(events)), version) is expected  # sorted before evaluation


@pytest.mark.parametrize(
    ("version", "expected"), [("0.9", False), ("1.0", True), ("1.4", True), ("1.4.1", False)]
)
def test_last_affected_is_inclusive(version: str, expected: bool) -> None:
    assert _affected([{"introduced": "1.0"}, {"last_affected": "1.4"}], version) is expected


def test_introduced_without_end_and_limits() -> None:
    assert _affected([{"introduced": "3.0"}], "99.0")
    assert not _affected([{"introduced": "3.0"}], "2.9")
    assert _affected([{"introduced": "0"}, {"limit": "2.0"}], "1.5")
    assert not _affected([{"introduced": "0"}, {"limit": "2.0"}], "2.0")
    assert _affected([{"introduced": "0"}, {"limit": "*"}], "100")


def test_a_version_that_is_not_pep440_fails_closed() -> None:
    assert _affected([{"introduced": "0"}, {"fixed": "not-a-version!"}], "5.0")


def _entry(**extra: Any) -> dict[str, Any]:
    return {"package": {"name": "Jinja2", "ecosystem": "PyPI"}, **extra}


def test_explicit_versions_name_and_ecosystem() -> None:
    listed = _entry(versions=["2.10", "2.9.6"])
    assert entry_affects(listed, "jinja2", Version("2.10.0"))  # PEP 440 equality, name normalised
    assert not entry_affects(listed, "jinja2", Version("2.10.1"))
    assert not entry_affects(listed, "markupsafe", Version("2.10"))
    npm = {"package": {"name": "jinja2", "ecosystem": "npm"}, "versions": ["2.10"]}
    assert not entry_affects(npm, "jinja2", Version("2.10"))
    git = _entry(ranges=[{"type": "GIT", "events": [{"introduced": "0"}, {"fixed": "abc123"}]}])
    assert not entry_affects(git, "jinja2", Version("2.10"))  # commits are not versions
    eco = _entry(ranges=[{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3"}]}])
    assert entry_affects(eco, "JINJA2", Version("2.10"))


def test_withdrawn_records_are_skipped() -> None:
    record = {"id": "PYSEC-X", "affected": [_entry(versions=["2.10"])]}
    assert record_affects(record, "jinja2", Version("2.10"))
    assert not record_affects({**record, "withdrawn": "2023-11-08T00:54:24Z"}, "jinja2",
                              Version("2.10"))


def test_snapshot_keeps_strings_and_skips_the_withdrawn_aiohttp_advisory() -> None:
    snapshot = AdvisorySnapshot.from_directory(SNAPSHOT)
    ids = {r["id"] for r in snapshot.records("aiohttp")}
    assert "PYSEC-2022-43059" in ids  # withdrawn 2023-11-08, affects every version ("0", no fix)
    assert "PYSEC-2022-43059" not in {r["id"] for r in snapshot.query("aiohttp", "3.8.1")}
    jinja = {r["id"]: r for r in snapshot.records("jinja2")}["PYSEC-2019-217"]
    assert "2.10" in jinja["affected"][0]["versions"]  # a YAML float would have been 2.1
    assert isinstance(jinja["published"], str)


def _post(url: str, body: object) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_server_answers_the_osv_query_call() -> None:
    snapshot = AdvisorySnapshot.from_directory(SNAPSHOT)
    with OsvServer(snapshot) as server:
        assert server.url.startswith("http://127.0.0.1:")
        status, body = _post(
            server.url, {"package": {"name": "Jinja2", "ecosystem": "PyPI"}, "version": "2.10"}
        )
        assert status == 200
        assert {v["id"] for v in body["vulns"]} == {"PYSEC-2019-217", "PYSEC-2021-66"}
        query = {"package": {"name": "jinja2", "ecosystem": "PyPI"}, "version": "3.1.4"}
        assert _post(server.url, query) == (200, {})
        assert _post(server.url, {**query, "version": "x y"})[0] == 400
        assert _post(server.url, {**query, "package": {"name": "a", "ecosystem": "npm"}})[0] == 400
        assert _post(server.url.replace("/v1/query", "/v1/querybatch"), query)[0] == 404
        assert server.queries == [("Jinja2", "2.10"), ("jinja2", "3.1.4")]


@pytest.mark.skipif(not MIRROR.is_dir(), reason="no PyPA advisory-database mirror here")
def test_refresh_selects_the_same_files_as_shipped() -> None:
    manifest = json.loads((SNAPSHOT / "snapshot.json").read_text(encoding="utf-8"))
    files = select(MIRROR, ["jinja2", "requests"], manifest["commit"])
    shipped = {
        str(p.relative_to(SNAPSHOT)): p.read_text(encoding="utf-8")
        for p in SNAPSHOT.glob("vulns/*/*.yaml")
        if p.parent.name in ("jinja2", "requests")
    }
    assert files == shipped and len(files) == 10
