"""What a cluster load run cost: CPU per process kind, Redis commands and DB transactions.

Used by ``bench/cluster_load.py``: :class:`Meter` samples ``/proc/<pid>/stat`` (user +
system time) of the replicas, the private Redis, nginx, the PostgreSQL backends of
the rig's database and the bench itself once a second, so a replica SIGKILLed
mid-run keeps the CPU it had used up to its last sample. Redis commands come from
``INFO commandstats`` of the rig's private Redis (nobody else uses it); database
transactions from ``pg_stat_database`` of the rig's database (``xact_commit +
xact_rollback``; other rigs running in the same database at the same time would be
counted too, which is why the load runs take ``/work/wt/bench.lock``).

Everything is divided by the turns answered, so each cut in a turn's cost shows.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import create_engine, text

from switchboard.testing.replicas import RIG_DATABASE, Rig

_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` (all its threads), None when gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime (proc(5) fields 14, 15)


@dataclass
class _Counters:
    redis: Counter[str] = field(default_factory=Counter)
    xacts: int = 0


class Meter:
    """Samples the cluster's CPU (per kind of process) and counts Redis and DB work.

    Args:
        rig: the running cluster. pg_url: any URL of the PostgreSQL server (admin reads).
    """

    def __init__(self, rig: Rig, pg_url: str) -> None:
        self.rig = rig
        self._pg = create_engine(pg_url, isolation_level="AUTOCOMMIT", pool_size=1)
        self._last: dict[int, tuple[str, float]] = {}
        self._first: dict[int, float] = {}
        self._start = _Counters()
        self._end = _Counters()
        self._task: asyncio.Task[None] | None = None
        self._idle: dict[str, float] = {}

    def _pids(self) -> dict[int, str]:
        pids = {os.getpid(): "bench client"}
        for proc in self.rig.procs:
            if proc is not None and proc.poll() is None:
                pids[proc.pid] = "replicas"
        if self.rig.redis is not None:
            pids[self.rig.redis.pid] = "redis"
        if self.rig.nginx is not None:
            pids[self.rig.nginx.pid] = "nginx"
            for child in _children(self.rig.nginx.pid):
                pids[child] = "nginx"
        with self._pg.connect() as conn:
            rows = conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": RIG_DATABASE}
            ).all()
        for (pid,) in rows:
            pids[int(pid)] = "postgres"
        return pids

    def sample(self) -> None:
        """Read every process's CPU now (a vanished process keeps its last reading)."""
        for pid, kind in self._pids().items():
            used = cpu_seconds(pid)
            if used is None:
                continue
            self._first.setdefault(pid, used)
            self._last[pid] = (kind, used)

    def _counters(self) -> _Counters:
        out = _Counters()
        import redis

        client = redis.Redis(port=self.rig.redis_port)
        try:
            for name, stats in client.info("commandstats").items():
                out.redis[name.removeprefix("cmdstat_")] = int(stats["calls"])
        finally:
            client.close()
        with self._pg.connect() as conn:
            out.xacts = int(
                conn.execute(
                    text(
                        "SELECT xact_commit + xact_rollback FROM pg_stat_database "
                        "WHERE datname = :d"
                    ),
                    {"d": RIG_DATABASE},
                ).scalar()
                or 0
            )
        return out

    def _cpu_by_kind(self) -> Counter[str]:
        cpu: Counter[str] = Counter()
        for pid, (kind, used) in self._last.items():
            cpu[kind] += used - self._first.get(pid, used)
        return cpu

    async def measure_idle(self, seconds: float) -> None:
        """CPU of the idle cluster (no customer yet) over ``seconds``: background loops.

        :meth:`report` subtracts it (scaled to the run's length) to give the CPU a
        turn adds, not the stream polls, dispatch loop and health checks shared by
        all turns (they dominate a lightly loaded run's raw per-turn figure).
        """
        await asyncio.to_thread(self.sample)
        await asyncio.sleep(seconds)
        await asyncio.to_thread(self.sample)
        self._idle = {k: v / seconds for k, v in self._cpu_by_kind().items()}
        self._first = {pid: used for pid, (_, used) in self._last.items()}

    async def start(self) -> None:
        """Take the starting counters and sample every second until :meth:`stop`."""
        self._start = await asyncio.to_thread(self._counters)
        await asyncio.to_thread(self.sample)

        async def loop() -> None:
            while True:
                await asyncio.sleep(1)
                await asyncio.to_thread(self.sample)

        self._task = asyncio.create_task(loop())

    async def stop(self) -> None:
        """Last sample and the ending counters."""
        if self._task is not None:
            self._task.cancel()
        await asyncio.to_thread(self.sample)
        await asyncio.sleep(1)  # pg_stat_database is updated when a backend reports
        self._end = await asyncio.to_thread(self._counters)

    def report(self, turns: int, elapsed: float) -> list[str]:
        """Lines: CPU ms per turn by kind, cores used, Redis commands and DB xacts per turn."""
        per = max(turns, 1)
        cpu = self._cpu_by_kind()
        total_server = sum(v for k, v in cpu.items() if k != "bench client")
        added = {k: v - self._idle.get(k, 0.0) * elapsed for k, v in cpu.items()}
        added_server = sum(v for k, v in added.items() if k != "bench client")
        lines = [
            "CPU ms per turn: "
            + ", ".join(f"{k} {v * 1000 / per:.1f}" for k, v in sorted(cpu.items()))
            + f"; server side total {total_server * 1000 / per:.1f}",
            f"cores used over the run: replicas {cpu['replicas'] / elapsed:.2f}, server side "
            f"{total_server / elapsed:.2f}; turns/s per replica core "
            f"{turns / cpu['replicas'] if cpu['replicas'] else float('nan'):.1f}",
        ]
        if self._idle:
            lines.append(
                "idle cluster cores: "
                + ", ".join(f"{k} {v:.3f}" for k, v in sorted(self._idle.items()))
                + "; CPU ms a turn adds (above idle): "
                + ", ".join(f"{k} {v * 1000 / per:.1f}" for k, v in sorted(added.items()))
                + f"; server side {added_server * 1000 / per:.1f}; turns/s per replica core "
                f"(above idle) {turns / added['replicas'] if added.get('replicas') else 0:.1f}"
            )
        calls = self._end.redis - self._start.redis
        top = ", ".join(f"{k} {v / per:.2f}" for k, v in calls.most_common(8))
        lines.append(f"Redis commands per turn {sum(calls.values()) / per:.2f} ({top})")
        lines.append(f"DB transactions per turn {(self._end.xacts - self._start.xacts) / per:.2f}")
        return lines


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (nginx's worker)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []

