"""An OSV query endpoint on a loopback port, served from an offline advisory snapshot, for tests.

``pip-audit --vulnerability-service osv --osv-url URL`` POSTs one query per
package, ``{"package": {"name": ..., "ecosystem": "PyPI"}, "version": ...}``,
and reads ``{"vulns": [OSV records]}`` (an empty object when there are none):
the ``/v1/query`` call of the OSV API (https://google.github.io/osv.dev/post-v1-query/).
:class:`OsvServer` answers that call on 127.0.0.1 from an :class:`AdvisorySnapshot`
— the PyPA advisory database's YAML files for our packages, copied into
``data/advisories/pypa`` by :mod:`switchboard.testing.advisories` — so
pip-audit itself does the audit with no network.

Which records a version is affected by follows the OSV schema's "Evaluation"
section (https://ossf.github.io/osv-schema/#evaluation), restated::

    IsVulnerable(pkg, v, osv):
      for affected in osv.affected:
        if affected.package == pkg:
          if v in affected.versions or IncludedInRanges(v, affected.ranges): return true
      return false

    IncludedInRanges(v, ranges):
      for range in ranges:
        if BeforeLimits(v, range):
          vulnerable = false
          for evt in sorted(range.events):        # "0" first, a "*" limit last
            if evt.introduced and v >= evt.introduced:           vulnerable = true
            else if evt.fixed and v >= evt.fixed:                vulnerable = false
            else if evt.last_affected and v > evt.last_affected: vulnerable = false
          if vulnerable: return true
      return false

Versions compare as PEP 440 versions (``packaging.version.Version``), the
PyPI ecosystem's order. Only ``ECOSYSTEM`` ranges are evaluated: ``GIT``
ranges name commits, which a version string cannot be compared with (the
PyPA records that have them also carry an ``ECOSYSTEM`` range). A record
with ``withdrawn`` set is skipped (schema: "withdrawn" field). An event
whose version is not PEP 440 makes its range count as affected (fail
closed: the finding then needs a human's reason, it is not silently lost).

Example::

    snapshot = AdvisorySnapshot.from_directory(Path("data/advisories/pypa"))
    with OsvServer(snapshot) as server:
        subprocess.run(["pip-audit", "-s", "osv", "--osv-url", server.url, ...])
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

logger = logging.getLogger(__name__)

OsvRecord = dict[str, Any]
"""One advisory in the OSV schema (JSON object), as read from the snapshot."""

_MAX_QUERY_BYTES = 64 * 1024


def _parse(raw: str) -> Version | None:
    try:
        return Version(raw)
    except InvalidVersion:
        return None


def _event_key(event: Mapping[str, str]) -> tuple[int, Version]:
    """Sort key of a range event: ``introduced: "0"`` first, a ``*`` limit last (schema)."""
    kind, raw = next(iter(event.items()))
    if kind == "introduced" and raw == "0":
        return (0, Version("0"))
    if kind == "limit" and "*" in raw:
        return (2, Version("0"))
    parsed = _parse(raw)
    return (1, parsed if parsed is not None else Version("0"))


def range_affects(events: Sequence[Mapping[str, str]], version: Version) -> bool:
    """Whether ``version`` falls in one OSV ``ECOSYSTEM`` range's ``events``.

    ``introduced`` opens the range (``"0"``: from the first version), ``fixed``
    closes it before the fixed version, ``last_affected`` after the version it
    names; ``limit`` events bound the whole range from above (``"*"`` none).
    Source: OSV schema, "Evaluation" and "affected[].ranges[].events" sections.
    An event whose version is not PEP 440 makes the range count as affected
    (fail closed), with a warning logged.
    """
    for event in events:
        for kind, raw in event.items():
            if not (kind == "introduced" and raw == "0") and "*" not in raw and not _parse(raw):
                logger.warning("OSV event %s=%r is not a PEP 440 version: counted affected",
                               kind, raw)
                return True
    limits = [Version(e["limit"]) for e in events if "limit" in e and "*" not in e["limit"]]
    if limits and not any(version < limit for limit in limits):
        return False
    vulnerable = False
    for event in sorted(events, key=_event_key):
        if "introduced" in event:
            if event["introduced"] == "0" or version >= Version(event["introduced"]):
                vulnerable = True
        elif "fixed" in event:
            if version >= Version(event["fixed"]):
                vulnerable = False
        elif "last_affected" in event and version > Version(event["last_affected"]):
            vulnerable = False
    return vulnerable


def entry_affects(entry: Mapping[str, Any], name: str, version: Version) -> bool:
    """Whether one ``affected[]`` entry covers PyPI package ``name`` at ``version``.

    The entry's package must be ``name`` (PEP 503 normalised) in the ``PyPI``
    ecosystem; then ``version`` is affected when it equals one of the explicit
    ``versions`` (PEP 440 equality, so ``2.10`` == ``2.10.0``) or lies in one
    of the ``ECOSYSTEM`` ``ranges`` (:func:`range_affects`).
    """
    package = entry.get("package") or {}
    if package.get("ecosystem") != "PyPI" or canonicalize_name(
        str(package.get("name", ""))
    ) != canonicalize_name(name):
        return False
    for listed in entry.get("versions") or []:
        if _parse(str(listed)) == version:
            return True
    return any(
        range_affects(r.get("events") or [], version)
        for r in entry.get("ranges") or []
        if r.get("type") == "ECOSYSTEM"
    )


def record_affects(record: Mapping[str, Any], name: str, version: Version) -> bool:
    """Whether an OSV record applies to ``name`` at ``version``; withdrawn records never do."""
    if record.get("withdrawn"):
        return False
    return any(entry_affects(e, name, version) for e in record.get("affected") or [])


class AdvisorySnapshot:
    """OSV records held in memory, indexed by the PyPI packages they name.

    Args:
        records: OSV records (dicts in the OSV schema).
    """

    def __init__(self, records: Iterable[OsvRecord]) -> None:
        self._by_package: dict[str, list[OsvRecord]] = {}
        for record in records:
            names = {
                canonicalize_name(str(e.get("package", {}).get("name", "")))
                for e in record.get("affected") or []
                if e.get("package", {}).get("ecosystem") == "PyPI"
            }
            for name in names:
                self._by_package.setdefault(name, []).append(record)

    @classmethod
    def from_directory(cls, root: Path) -> AdvisorySnapshot:
        """Load every ``*.yaml`` OSV file under ``root`` (recursively).

        YAML is read with PyYAML's ``BaseLoader``: every scalar stays a string,
        as in OSV's JSON (no ``2.10`` turned into the float 2.1, no timestamp
        into a ``datetime``).

        Raises:
            FileNotFoundError: ``root`` does not exist.
            ValueError: a file is not an OSV record (no ``id``).
        """
        if not root.is_dir():
            raise FileNotFoundError(root)
        records = []
        for path in sorted(root.rglob("*.yaml")):
            record = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
            if not isinstance(record, dict) or "id" not in record:
                raise ValueError(f"{path}: not an OSV record")
            records.append(record)
        return cls(records)

    @property
    def packages(self) -> set[str]:
        """Normalised names of the packages some record names."""
        return set(self._by_package)

    def records(self, name: str) -> list[OsvRecord]:
        """Every record naming package ``name`` (withdrawn ones included)."""
        return list(self._by_package.get(canonicalize_name(name), []))

    def query(self, name: str, version: str) -> list[OsvRecord]:
        """The records that affect ``name`` at ``version``, as OSV ``/v1/query`` returns them.

        Raises:
            packaging.version.InvalidVersion: ``version`` is not PEP 440.
        """
        parsed = Version(version)
        return [r for r in self.records(name) if record_affects(r, name, parsed)]


class _Handler(BaseHTTPRequestHandler):
    server: _SnapshotHttpServer

    def do_POST(self) -> None:
        if self.path.rstrip("/") != "/v1/query":
            self._reply(404, {"code": 5, "message": "not found"})
            return
        size = int(self.headers.get("Content-Length") or 0)
        if size > _MAX_QUERY_BYTES:
            self._reply(413, {"code": 3, "message": "query too large"})
            return
        try:
            query = json.loads(self.rfile.read(size) or b"{}")
            package = query["package"]
            if package.get("ecosystem") != "PyPI":
                raise ValueError("only the PyPI ecosystem is in the snapshot")
            vulns = self.server.snapshot.query(str(package["name"]), str(query["version"]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:  # InvalidVersion too
            self._reply(400, {"code": 3, "message": f"invalid query: {exc}"})
            return
        self.server.queries.append((str(package["name"]), str(query["version"])))
        self._reply(200, {"vulns": vulns} if vulns else {})

    def _reply(self, status: int, body: Mapping[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("osv snapshot server: " + format, *args)


class _SnapshotHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, snapshot: AdvisorySnapshot) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.snapshot = snapshot
        self.queries: list[tuple[str, str]] = []


class OsvServer:
    """The OSV ``POST /v1/query`` endpoint of a snapshot on 127.0.0.1, in a thread.

    Use as a context manager; :attr:`url` is what ``pip-audit --osv-url``
    takes. Answers 400 to a malformed query or a non-PyPI ecosystem, 404 to
    any other path. :attr:`queries` records each ``(name, version)`` answered.
    """

    def __init__(self, snapshot: AdvisorySnapshot) -> None:
        self._server = _SnapshotHttpServer(snapshot)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="osv-snapshot", daemon=True
        )

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/v1/query``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1/query"

    @property
    def queries(self) -> list[tuple[str, str]]:
        """``(package name, version)`` of every query answered so far, in order."""
        return list(self._server.queries)

    def __enter__(self) -> OsvServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
