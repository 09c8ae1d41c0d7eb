"""A private PostgreSQL server for fault tests: one the rig may stop and start.

The machine's shared PostgreSQL (``127.0.0.1:5432``) serves every engineer's tests,
so the "stop PostgreSQL for 10 s" fault of issue 14 cannot be run against it.
:class:`PrivatePostgres` makes a throw-away cluster with the installed server
binaries (``initdb``, ``pg_ctl``; Debian's ``postgresql`` package), trust auth on
loopback and a free port, in a temporary directory, and can stop it (``pg_ctl stop
-m fast``: open connections are cut, as a crash or failover would) and start it again
on the same port and data. PostgreSQL refuses to run as root, so under root the
server runs as the ``postgres`` system user through ``runuser``.

    with PrivatePostgres() as pg:
        url = pg.url            # postgresql+psycopg://postgres@127.0.0.1:<port>/postgres
        pg.outage(10.0)         # down 10 s, then up again
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

__all__ = ["PrivatePostgres", "server_binaries"]


def server_binaries() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``, or None when not installed.

    Looks at ``PATH`` first, then Debian's ``/usr/lib/postgresql/<major>/bin``.
    """
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(os.path.realpath(found)).parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on a loopback port (see the module doc).

    Args:
        root: directory for the data and the log (a new temporary one by default).
        port: TCP port on 127.0.0.1 (a free one by default).

    Attributes:
        url: SQLAlchemy URL of its ``postgres`` database (psycopg 3 driver).
    """

    def __init__(self, root: Path | None = None, port: int | None = None) -> None:
        bins = server_binaries()
        if bins is None:
            raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        self.bin = bins
        self.root = root or Path(tempfile.mkdtemp(prefix="sb-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = port or _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        """Run a server binary, as ``postgres`` when we are root.

        Raises:
            RuntimeError: it failed (its output is in the message).
        """
        cmd = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> PrivatePostgres:
        """Create the cluster on first use, then start the server and wait for it.

        Raises:
            RuntimeError: ``initdb`` or ``pg_ctl start`` failed.
        """
        if not self.data.exists():
            if os.geteuid() == 0:
                shutil.chown(self.root, "postgres", "postgres")
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                      "--no-sync", "-E", "UTF8")  # fmt: skip
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c max_connections=300"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "-t", "60", "start")  # fmt: skip
        return self

    def stop(self) -> None:
        """Stop the server at once (``-m fast``: sessions are terminated). No error if down."""
        with contextlib.suppress(RuntimeError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def outage(self, down_s: float) -> None:
        """Fault: stop the server, keep it down ``down_s`` seconds, start it again."""
        self.stop()
        time.sleep(down_s)
        self.start()

    def close(self) -> None:
        """Stop the server and delete its directory."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PrivatePostgres:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
