"""Copy our packages' advisories out of a PyPA advisory-database git mirror (offline snapshot).

The PyPA advisory database (https://github.com/pypa/advisory-database,
CC-BY-4.0) keeps one OSV YAML file per advisory under ``vulns/<package>/``.
:func:`write_snapshot` copies, unchanged, every file at one commit whose
``affected`` entries name one of the given PyPI packages into
``<out>/vulns/<package>/<ID>.yaml``, the database's ``LICENSE`` (the
CC-BY-4.0 text) into ``<out>/LICENSE``, and writes ``<out>/snapshot.json``
(source, commit, commit date, licence, the package names looked up — including
those with no advisory). :class:`switchboard.testing.osv.OsvServer` serves
the result to ``pip-audit`` (``tests/security/test_pip_audit.py``).

Refresh (in the dev virtualenv, so every installed distribution is covered)::

    git clone --bare https://github.com/pypa/advisory-database MIRROR   # or fetch
    python -m switchboard.testing.advisories --mirror MIRROR [--package NAME ...]

Only git (``git grep``, ``git show``) reads the mirror; nothing goes to the network.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from importlib.metadata import distributions
from pathlib import Path

import yaml
from packaging.utils import canonicalize_name

SOURCE = "https://github.com/pypa/advisory-database"
LICENCE = "CC-BY-4.0"
DEFAULT_OUT = Path("data/advisories/pypa")
MANIFEST = "snapshot.json"


def installed_names() -> set[str]:
    """PEP 503 names of every distribution installed in this environment."""
    return {canonicalize_name(d.metadata["Name"]) for d in distributions() if d.metadata["Name"]}


def _git(mirror: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(mirror), *args], capture_output=True, text=True, check=False
    )
    if done.returncode not in (0, 1):  # git grep: 1 = no match
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def _affected_names(record: object) -> set[str]:
    if not isinstance(record, dict):
        return set()
    return {
        canonicalize_name(str(e.get("package", {}).get("name", "")))
        for e in record.get("affected") or []
        if isinstance(e, dict) and e.get("package", {}).get("ecosystem") == "PyPI"
    }


def select(mirror: Path, names: Iterable[str], commit: str) -> dict[str, str]:
    """``{path in the mirror: file text}`` of the advisories at ``commit`` naming ``names``.

    Candidates are the files under ``vulns/<name>/`` and any file whose
    ``name:`` lines mention one of ``names`` (an advisory filed under another
    package); a candidate is kept when one of its ``affected`` PyPI packages,
    PEP 503 normalised, is in ``names``.

    Raises:
        RuntimeError: git failed (not a repository, unknown commit).
    """
    wanted = {canonicalize_name(n) for n in names}
    if not wanted:
        return {}
    # canonical names are [a-z0-9-]; a file may spell "-" as "_" or "." (matched -i)
    alternatives = "|".join(n.replace("-", "[-_.]") for n in sorted(wanted))
    pattern = r"^\s+name: ['\"]?(" + alternatives + r")['\"]?\s*$"
    candidates = {
        line.split(":", 1)[1]
        for line in _git(mirror, "grep", "-l", "-i", "-E", pattern, commit, "--", "vulns").split()
    }
    listed = _git(mirror, "ls-tree", "-r", "--name-only", commit, "vulns").splitlines()
    candidates |= {p for p in listed if canonicalize_name(p.split("/")[1]) in wanted}
    kept: dict[str, str] = {}
    for path in sorted(p for p in candidates if p.endswith(".yaml")):
        text = _git(mirror, "show", f"{commit}:{path}")
        if _affected_names(yaml.load(text, Loader=yaml.BaseLoader)) & wanted:
            kept[path] = text
    return kept


def write_snapshot(mirror: Path, out: Path, names: Iterable[str], commit: str = "HEAD") -> dict[
    str, object
]:
    """Replace ``out`` with the advisories of ``names`` at ``commit``; return the manifest.

    Also copies the database's ``LICENSE`` file (CC-BY-4.0) next to them.

    ``out/vulns`` is deleted first (a refresh drops advisories that were
    removed upstream). The manifest records the resolved commit and its
    committer date (ISO 8601, UTC offset as git prints it).

    Raises:
        RuntimeError: git failed.
    """
    wanted = sorted({canonicalize_name(n) for n in names})
    sha, date = _git(mirror, "log", "-1", "--format=%H %cI", commit).split()
    files = select(mirror, wanted, sha)
    shutil.rmtree(out / "vulns", ignore_errors=True)
    for path, text in files.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (out / "LICENSE").write_text(_git(mirror, "show", f"{sha}:LICENSE"), encoding="utf-8")
    manifest: dict[str, object] = {
        "source": SOURCE,
        "commit": sha,
        "date": date,
        "licence": LICENCE,
        "advisories": len(files),
        "packages": wanted,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m switchboard.testing.advisories --mirror PATH [--out DIR] [--package NAME]``.

    Packages: every distribution installed here plus each ``--package``.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mirror", type=Path, required=True, help="PyPA advisory-database git")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--package", action="append", default=[], help="one more PyPI name")
    args = parser.parse_args(argv)
    manifest = write_snapshot(args.mirror, args.out, installed_names() | set(args.package),
                              args.commit)
    packages = manifest["packages"]
    assert isinstance(packages, list)
    print(
        f"{manifest['advisories']} advisories for {len(packages)} packages "
        f"at {manifest['commit']} ({manifest['date']}) -> {args.out}"
    )


if __name__ == "__main__":
    main()
