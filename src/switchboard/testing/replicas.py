"""A real cluster on loopback: N ``switchboard serve`` processes behind nginx, a private Redis.

Used by ``bench/cluster_load.py`` (load and faults) and the two-replica browser
test. Everything runs as child processes of the caller on 127.0.0.1:

* a private ``redis-server`` (AOF on, ``appendfsync always``) on its own port, so
  that restarting it disturbs nobody else and keeps the frame logs;
* the database the caller names (PostgreSQL: give a URL with its own schema in
  ``search_path``; the replicas migrate it at start, ``SWITCHBOARD_DATABASE_MIGRATE``);
* N replicas, each ``switchboard serve --port P_i`` with the cluster on the Redis;
* nginx (Debian package) in front, ``least_conn`` over the replicas, WebSocket
  upgrade headers, 1 h read timeout, and a 1 s ``proxy_connect_timeout`` with
  ``proxy_next_upstream`` so a dead replica is skipped at once.

Faults: :meth:`Rig.kill` (SIGKILL a replica), :meth:`Rig.start_replica` (restart
it), :meth:`Rig.restart_redis`. Requires ``redis-server`` and ``nginx`` on PATH
(``apt-get install -y nginx redis-server``); :func:`missing_tools` names what is absent.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

_NGINX_CONF = """
worker_processes 1;
daemon off;
user root;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 8192; }}
http {{
  access_log off;
  client_body_temp_path {root}/tmp-body;
  proxy_temp_path {root}/tmp-proxy;
  fastcgi_temp_path {root}/tmp-fcgi;
  uwsgi_temp_path {root}/tmp-uwsgi;
  scgi_temp_path {root}/tmp-scgi;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  upstream switchboard {{
    least_conn;
{servers}
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://switchboard;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout 3600s;
      proxy_send_timeout 3600s;
      proxy_connect_timeout 1s;
      proxy_next_upstream error timeout http_502 http_503;
      add_header X-Upstream $upstream_addr always;
    }}
  }}
}}
"""


#: The PostgreSQL database the rigs' throw-away schemas live in (created if missing).
RIG_DATABASE = "sb_i14"


def ensure_database(postgres_url: str, name: str = RIG_DATABASE) -> str:
    """The URL of database ``name`` on ``postgres_url``'s server, created when missing.

    Args:
        postgres_url: a reachable server (any database; its credentials are reused).
        name: the database to make sure of.

    Returns:
        The URL (password included) of ``name``.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if found is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(postgres_url).set(database=name).render_as_string(hide_password=False)


@contextlib.contextmanager
def throwaway_schema(postgres_url: str, prefix: str = "rig") -> Iterator[str]:
    """A database URL whose ``search_path`` is a fresh schema of :data:`RIG_DATABASE`.

    Args:
        postgres_url: a reachable server (any database; its credentials are reused).
        prefix: start of the schema's name (``<prefix>_<8 hex>``).

    Yields:
        The URL to give the replicas (``options=-csearch_path=<schema>``); the schema
        is dropped on exit.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    own = make_url(ensure_database(postgres_url, RIG_DATABASE))
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    engine = create_engine(own)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = own.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def missing_tools() -> list[str]:
    """The executables the rig needs that are not installed."""
    return [tool for tool in ("redis-server", "nginx") if shutil.which(tool) is None]


@dataclass
class Rig:
    """The running cluster (see the module doc). Use :func:`start_rig` or the context manager.

    Attributes:
        proxy_url: ``http://127.0.0.1:<nginx port>``.
        replica_ports: one port per replica; ``procs[i]`` is replica i (None when killed).
    """

    database_url: str
    replicas: int = 2
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="sb-rig-")))
    extra_env: dict[str, str] = field(default_factory=dict)
    redis_port: int = field(default_factory=free_port)
    proxy_port: int = field(default_factory=free_port)
    replica_ports: list[int] = field(default_factory=list)
    procs: list[subprocess.Popen[bytes] | None] = field(default_factory=list)
    redis: subprocess.Popen[bytes] | None = None
    nginx: subprocess.Popen[bytes] | None = None

    @property
    def proxy_url(self) -> str:
        """The proxy's base URL."""
        return f"http://127.0.0.1:{self.proxy_port}"

    def replica_url(self, i: int) -> str:
        """Replica ``i``'s own base URL (bypassing the proxy)."""
        return f"http://127.0.0.1:{self.replica_ports[i]}"

    def env(self, i: int) -> dict[str, str]:
        """The environment of replica ``i``."""
        env = dict(os.environ)
        env.update(
            {
                "SWITCHBOARD_DATABASE_URL": self.database_url,
                "SWITCHBOARD_DATABASE_MIGRATE": "true",
                "SWITCHBOARD_STREAM__BACKEND": "redis",
                "SWITCHBOARD_STREAM__REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                "SWITCHBOARD_CLUSTER__REPLICA_ID": f"replica-{i}",
                "SWITCHBOARD_ROUTING__HOURS": "always",
                "SWITCHBOARD_LOG_LEVEL": "WARNING",
                "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1",
                "TOKENIZERS_PARALLELISM": "false",
            }
        )
        env.update(self.extra_env)
        return env

    # -- lifecycle -------------------------------------------------------------------

    def start(self, timeout_s: float = 240) -> Rig:
        """Start Redis, the replicas (in parallel) and nginx; wait until all are healthy.

        Raises:
            RuntimeError: a tool is missing or a process did not become healthy.
        """
        if missing := missing_tools():
            raise RuntimeError(f"not installed: {', '.join(missing)}")
        self.start_redis()
        self.replica_ports = [free_port() for _ in range(self.replicas)]
        self.procs = [None] * self.replicas
        for i in range(self.replicas):
            self.start_replica(i, wait=False)
        for i in range(self.replicas):
            self.wait_healthy(i, timeout_s)
        self._start_nginx()
        return self

    def start_redis(self) -> None:
        """Start (or restart) the private Redis with AOF persistence in ``root``."""
        data = self.root / "redis"
        data.mkdir(exist_ok=True)
        self.redis = subprocess.Popen(
            [
                "redis-server",
                "--port", str(self.redis_port),
                "--bind", "127.0.0.1",
                "--dir", str(data),
                "--appendonly", "yes",
                "--appendfsync", "always",
                "--save", "",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(
                ("127.0.0.1", self.redis_port), timeout=0.5
            ):
                return
            time.sleep(0.1)
        raise RuntimeError("private redis-server did not start")

    def restart_redis(self, down_s: float = 1.0) -> None:
        """Fault: stop Redis (SIGTERM: it writes its AOF), wait ``down_s``, start it again."""
        if self.redis is not None:
            self.redis.send_signal(signal.SIGTERM)
            self.redis.wait(15)
        time.sleep(down_s)
        self.start_redis()

    def start_replica(self, i: int, *, wait: bool = True, timeout_s: float = 240) -> None:
        """Start replica ``i`` (again) on its port; wait until healthy when ``wait``."""
        log = open(self.root / f"replica-{i}.log", "ab")  # owned by the process
        self.procs[i] = subprocess.Popen(
            [sys.executable, "-m", "switchboard.cli", "serve", "--host", "127.0.0.1",
             "--port", str(self.replica_ports[i])],
            env=self.env(i),
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        if wait:
            self.wait_healthy(i, timeout_s)

    def wait_healthy(self, i: int, timeout_s: float) -> None:
        """Poll replica ``i``'s ``/health`` until it answers 200.

        Raises:
            RuntimeError: it exited or did not answer in time (its log is in ``root``).
        """
        deadline = time.monotonic() + timeout_s
        proc = self.procs[i]
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"replica {i} exited; see {self.root}/replica-{i}.log")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{self.replica_url(i)}/health", timeout=2) as r:
                    if r.status == 200:
                        return
            time.sleep(0.5)
        raise RuntimeError(f"replica {i} not healthy after {timeout_s:.0f} s")

    def kill(self, i: int) -> None:
        """Fault: SIGKILL replica ``i`` (no shutdown, sockets reset by the kernel)."""
        proc = self.procs[i]
        if proc is not None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        self.procs[i] = None

    def _start_nginx(self) -> None:
        for sub in ("tmp-body", "tmp-proxy", "tmp-fcgi", "tmp-uwsgi", "tmp-scgi"):
            (self.root / sub).mkdir(exist_ok=True)
        servers = "\n".join(
            f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in self.replica_ports
        )
        conf = self.root / "nginx.conf"
        conf.write_text(
            _NGINX_CONF.format(root=self.root, servers=servers, port=self.proxy_port),
            encoding="utf-8",
        )
        self.nginx = subprocess.Popen(
            ["nginx", "-c", str(conf), "-p", str(self.root)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "nginx.out", "ab"),
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{self.proxy_url}/health", timeout=2) as r:
                    if r.status == 200:
                        return
            time.sleep(0.2)
        raise RuntimeError(f"nginx did not start; see {self.root}/nginx-error.log")

    def stop(self) -> None:
        """Stop every process the rig started (by their own ids): proxy, replicas, then Redis."""
        for group in ([self.nginx, *self.procs], [self.redis]):
            for proc in group:
                if proc is not None and proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in group:
                if proc is not None:
                    try:
                        proc.wait(20)
                    except subprocess.TimeoutExpired:
                        proc.kill()

    def __enter__(self) -> Rig:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
