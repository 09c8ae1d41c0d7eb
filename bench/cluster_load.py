"""Load and faults on a real cluster: N replicas behind nginx, M chat customers, agents.

Starts ``switchboard.testing.replicas.Rig`` (N ``switchboard serve`` processes, nginx,
a private AOF Redis, PostgreSQL in a throw-away schema of database ``sb_i14``), then
runs M customers over the proxy's chat WebSocket, each sending a message every
``--think`` seconds on average (exponential), a share of them asking for a human
(handed over to agents on desk sockets, who answer every message). Clients behave
like the web page: on a dropped socket they reconnect with back-off to
``?after=<last seq>`` and re-send unanswered messages with the same id; on a
``busy`` frame (overload) they re-send that message, same id, after its
``retry_after_ms`` (doubled on each further ``busy`` for it, at most 30 s).

Everything is signed in as in production (issue 13): a customer opens its contact's
socket with the contact token ``POST /v1/contacts`` returned; agents are users of the
replicas' database who log in (``POST /v1/auth/login``) and open their own desk. Each
customer and agent connects from its own loopback address (``127.1.x.y``); nginx
passes it in ``X-Forwarded-For`` and the replicas trust their proxy, so the per-IP
rate limits apply per customer as they would on the Internet, not to the proxy's one
address. The limits stay on.

Faults (seconds from the start of the load): ``--kill-at T`` SIGKILLs replica 0 and
restarts it ``--restart-after`` s later; ``--redis-restart-at T`` restarts Redis;
``--pg-outage-at T`` stops PostgreSQL for ``--pg-outage-s`` (10) seconds. That fault
runs on a private PostgreSQL server (:class:`switchboard.testing.pg.PrivatePostgres`,
also with ``--private-postgres``), never on the machine's shared one; without it the
replicas use a throw-away schema of the shared server.

The measured window opens once every customer's socket is connected and every agent
is logged in and available (``--settle`` waits longer still); this client then
collects and freezes its own heap, so its garbage collections (one process plays
every customer) are not counted as server latency. Handover requests come
at message 2 of each such customer by default, a burst in the window's first ~20 s;
``--human-at 2-30`` spreads them over the run.

Prints: turns/s, reply latency p50/p95/p99 (message sent → its reply or delivery
frame) in all, by answering frame, by message number (1st, 2nd, 3rd, later) and per
``--window`` seconds, errors, messages lost (sent, never answered), duplicated (an
answer or an agent message received twice under different seq), customers lost,
reconnects, and the load average. Usage:

  .venv/bin/python bench/cluster_load.py --replicas 2 --customers 100 --duration 120 \\
      --think 10 --kill-at 60
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import statistics
import subprocess
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets
from cluster_meter import Meter

from switchboard.config import Settings
from switchboard.testing.identity import ensure_user
from switchboard.testing.pg import PrivatePostgres
from switchboard.testing.replicas import Rig, throwaway_schema

QUESTIONS = [
    "How do I open a current account?",
    "What documents do I need to open an account?",
    "Where is your nearest branch to Manchester?",
    "What are the opening hours of the London branch?",
    "How long does a new debit card take to arrive?",
    "What is the fee for a replacement card?",
    "Can I open an account online?",
    "hello",
    "thanks, that helps",
]
HUMAN = "I want to speak to a human agent please"
AGENT_PASSWORD = "bench-agent-password"
args_verbose = os.environ.get("BENCH_VERBOSE") == "1"


def source_ip(n: int) -> str:
    """The loopback address client ``n`` connects from (``127.1.0.1`` upwards)."""
    return f"127.1.{n // 250}.{n % 250 + 1}"

PG_URL = os.environ.get(
    "SWITCHBOARD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@dataclass
class Stats:
    """Counters of the whole run."""

    latencies: list[float] = field(default_factory=list)
    # (answered at, monotonic s; latency s; answering frame type; handover request?;
    # the message's number in its customer's conversation, 1 = first)
    samples: list[tuple[float, float, str, bool, int]] = field(default_factory=list)
    answered: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    reconnects: int = 0
    delayed: int = 0
    busy: int = 0
    ready: int = 0
    agents_ready: int = 0
    drops: Counter[str] = field(default_factory=Counter)
    agent_sent: set[str] = field(default_factory=set)
    agent_acked: set[str] = field(default_factory=set)
    agent_seen: Counter[str] = field(default_factory=Counter)


class Customer:
    """One customer: a contact, a socket that resumes, messages with ids."""

    def __init__(self, n: int, base: str, stats: Stats, args: Any):
        self.n, self.base, self.stats, self.args = n, base, stats, args
        self.ws_base = base.replace("http://", "ws://")
        self.ip = source_ip(args.agents + n)
        self.token = ""
        self.rng = random.Random(n)
        self.wants_human = self.rng.random() < args.human_share
        # Which message asks for a human: the same for all (a burst at the start of the
        # window) or spread over a range of message numbers (``--human-at 2-30``).
        first, _, last = args.human_at.partition("-")
        self.human_at = self.rng.randint(int(first), int(last or first))
        self.contact_id = ""
        self.last_seq: int | None = None
        self.sent: dict[str, float] = {}
        self.texts: dict[str, str] = {}
        self.number: dict[str, int] = {}
        self.unacked: dict[str, str] = {}
        self.answered: set[str] = set()
        self.busy_wait: dict[str, float] = {}
        self.socket: Any = None
        self.connected = asyncio.Event()
        self.lost = False
        self.t0 = time.monotonic()
        self.until = float("inf")
        self.replicas: list[str] = []

    async def run(self, go: asyncio.Event) -> None:
        """Start the contact, connect, wait for ``go`` (all connected), then chat until
        ``self.until`` (set by :func:`load` when it sets ``go``)."""
        try:
            transport = httpx.AsyncHTTPTransport(local_address=self.ip)
            async with httpx.AsyncClient(base_url=self.base, transport=transport) as http:
                r = await http.post("/v1/contacts", json={"locale": "en_GB"}, timeout=60)
            r.raise_for_status()
            started = r.json()
            self.contact_id, self.token = started["contact_id"], started["contact_token"]
        except Exception as exc:
            self.stats.errors[f"start:{type(exc).__name__}"] += 1
            self.lost = True
            return
        reader = asyncio.create_task(self._read_forever())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.connected.wait(), 120)
        self.stats.ready += 1
        await go.wait()  # the steady window starts once every customer is connected
        await asyncio.sleep(self.rng.uniform(0, self.args.think))
        count = 0
        while time.monotonic() < self.until:
            count += 1
            asks = self.wants_human and count == self.human_at
            text_ = HUMAN if asks else self.rng.choice(QUESTIONS)
            await self._send(text_, count)
            await asyncio.sleep(self.rng.expovariate(1 / self.args.think))
        grace = time.monotonic() + self.args.grace
        while self.unacked and time.monotonic() < grace:  # noqa: ASYNC110  # polls two conditions
            await asyncio.sleep(0.5)
        reader.cancel()
        if self.socket is not None:
            await self.socket.close()

    async def _send(self, text_: str, number: int) -> None:
        mid = uuid.uuid4().hex[:16]
        self.number[mid] = number
        self.unacked[mid] = text_
        self.sent[mid] = time.monotonic()
        self.texts[mid] = text_
        try:
            await asyncio.wait_for(self.connected.wait(), 60)
            await self.socket.send(json.dumps({"type": "message", "text": text_, "id": mid}))
        except Exception:
            pass  # re-sent after the reconnect

    async def _resend(self, mid: str, wait: float) -> None:
        await asyncio.sleep(wait * random.uniform(0.75, 1.25))
        text_ = self.unacked.get(mid)
        if text_ is not None and self.socket is not None:
            try:
                await self.socket.send(json.dumps({"type": "message", "text": text_, "id": mid}))
            except Exception:
                pass  # re-sent after the reconnect

    async def _read_forever(self) -> None:
        attempt = 0
        while True:
            after = "" if self.last_seq is None else f"?after={self.last_seq}"
            try:
                async with websockets.connect(
                    f"{self.ws_base}/v1/contacts/{self.contact_id}/chat{after}",
                    open_timeout=20, ping_interval=None, max_queue=None,
                    subprotocols=["bearer", self.token], local_addr=(self.ip, 0),
                ) as ws:  # fmt: skip
                    self.socket = ws
                    async for raw in ws:
                        if self._on_frame(json.loads(raw)) == "ready":
                            attempt = 0
                            for mid, t in list(self.unacked.items()):
                                await ws.send(json.dumps({"type": "message", "text": t, "id": mid}))
                            self.connected.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.stats.drops[f"chat:{type(exc).__name__}"] += 1
            self.connected.clear()
            self.socket = None
            if time.monotonic() > self.until + self.args.grace:
                self.lost = bool(self.unacked)
                return
            self.stats.reconnects += 1
            await asyncio.sleep(min(10, 0.5 * 2**attempt) * random.uniform(0.75, 1.25))
            attempt += 1

    def _on_frame(self, frame: dict[str, Any]) -> str:
        kind = frame.get("type", "")
        if kind == "ready":
            self.replicas.append(frame.get("replica", "?"))
            if self.last_seq is None:
                self.last_seq = frame.get("seq", 0)
            return kind
        if kind == "resync":
            self.stats.errors["resync"] += 1
            self.last_seq = frame["seq"]
            return kind
        if kind == "error":
            self.stats.errors[f"frame:{frame.get('code')}"] += 1
            return kind
        if kind == "delayed":  # the turn is late (database down) but coming
            self.stats.delayed += 1
            return kind
        if kind == "busy":  # overload: re-send that message, same id, later (api/ws.py)
            self.stats.busy += 1
            mid = frame.get("id")
            if mid in self.unacked:
                wait = self.busy_wait.get(mid, frame.get("retry_after_ms", 2000) / 1000)
                self.busy_wait[mid] = min(30.0, wait * 2)
                asyncio.get_running_loop().create_task(self._resend(mid, wait))
            return kind
        seq = frame.get("seq")
        if isinstance(seq, int):
            if self.last_seq is not None and seq <= self.last_seq:
                return "overlap"  # already seen before the drop: the client skips it
            self.last_seq = seq
        mid = frame.get("in_reply_to")
        if mid:
            if mid in self.answered:
                self.stats.duplicates += 1
            self.answered.add(mid)
            self.unacked.pop(mid, None)
            self.stats.answered += 1
            now = time.monotonic()
            latency = now - self.sent.get(mid, now)
            self.stats.latencies.append(latency)
            asked_human = self.texts.get(mid) == HUMAN
            self.stats.samples.append((now, latency, kind, asked_human, self.number.get(mid, 0)))
        if kind == "agent_message":
            self.stats.agent_seen[frame["text"]] += 1
        return kind


async def agent(n: int, base: str, stats: Stats, until: float) -> None:
    """A human agent: logs in, opens its desk, goes available, answers every message (tagged).

    Agent ``n`` is user ``Agent<n>`` (made by :func:`make_agents`), connecting from
    ``source_ip(n)``.
    """
    name, ip = f"Agent{n}", source_ip(n)
    ws_base = base.replace("http://", "ws://")
    transport = httpx.AsyncHTTPTransport(local_address=ip)
    async with httpx.AsyncClient(base_url=base, transport=transport) as http:
        login = await http.post(
            "/v1/auth/login", json={"username": name, "password": AGENT_PASSWORD}, timeout=60
        )
        login.raise_for_status()
        token = login.json()["access_token"]
        signed = await http.post(
            "/v1/agents", json={"name": name}, timeout=60,
            headers={"Authorization": f"Bearer {token}"},
        )  # fmt: skip
        signed.raise_for_status()
        agent_id = signed.json()["agent_id"]
    last: int | None = None
    unacked: dict[str, str] = {}
    ready = False
    while time.monotonic() < until + 30:
        after = "" if last is None else f"?after={last}"
        try:
            async with websockets.connect(
                f"{ws_base}/v1/agents/{agent_id}/desk{after}", open_timeout=20,
                ping_interval=None, subprotocols=["bearer", token], local_addr=(ip, 0),
            ) as ws:  # fmt: skip
                if last is None:  # first connect only: a resumed desk keeps its contact
                    await ws.send(json.dumps({"type": "status", "status": "available"}))
                    if not ready:
                        ready = True
                        stats.agents_ready += 1
                for mid, t in unacked.items():
                    await ws.send(json.dumps({"type": "message", "text": t, "id": mid}))
                async for raw in ws:
                    frame = json.loads(raw)
                    seq = frame.get("seq")
                    if frame["type"] == "agent" and last is None:
                        last = seq
                    elif isinstance(seq, int):
                        if last is not None and seq <= last:
                            continue
                        last = seq
                    if frame["type"] == "sent":
                        acked = unacked.pop(frame["id"], None)
                        if acked:
                            stats.agent_acked.add(acked)
                    if frame["type"] == "error":
                        stats.errors[f"desk-frame:{frame.get('code')}"] += 1
                        if args_verbose:
                            print(f"{name} desk error frame: {frame}", flush=True)
                    if frame["type"] in ("assigned", "customer_message"):
                        mid = uuid.uuid4().hex[:12]
                        reply = f"[{mid}] {name} here, noted."
                        unacked[mid] = reply
                        stats.agent_sent.add(reply)
                        await ws.send(json.dumps({"type": "message", "text": reply, "id": mid}))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            stats.drops[f"desk:{type(exc).__name__}"] += 1
        await asyncio.sleep(1)


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 2 else float("nan")


async def faults(rig: Rig, start: float, args: Any) -> None:
    """Inject the faults at their times (blocking rig calls run in threads)."""
    plan = []
    if args.kill_at is not None:
        plan.append((args.kill_at, "kill"))
    if args.redis_restart_at is not None:
        plan.append((args.redis_restart_at, "redis"))
    if args.pg_outage_at is not None:
        plan.append((args.pg_outage_at, "postgres"))
    for at, what in sorted(plan):
        await asyncio.sleep(max(0, start + at - time.monotonic()))
        if what == "kill":
            print(f"[{time.monotonic() - start:6.1f} s] SIGKILL replica 0", flush=True)
            rig.kill(0)
            await asyncio.sleep(args.restart_after)
            await asyncio.to_thread(rig.start_replica, 0)
            print(f"[{time.monotonic() - start:6.1f} s] replica 0 back", flush=True)
        elif what == "postgres":
            print(f"[{time.monotonic() - start:6.1f} s] PostgreSQL down for "
                  f"{args.pg_outage_s:.0f} s", flush=True)
            await asyncio.to_thread(args.postgres.outage, args.pg_outage_s)
            print(f"[{time.monotonic() - start:6.1f} s] PostgreSQL back", flush=True)
        else:
            print(f"[{time.monotonic() - start:6.1f} s] restarting Redis", flush=True)
            await asyncio.to_thread(rig.restart_redis, 1.0)
            print(f"[{time.monotonic() - start:6.1f} s] Redis back", flush=True)


async def load(rig: Rig, args: Any) -> None:
    stats = Stats()
    base = rig.proxy_url
    meter = Meter(rig, PG_URL)
    if args.idle_s > 0:
        await meter.measure_idle(args.idle_s)
    agents_until = time.monotonic() + 600 + args.duration
    agents = [
        asyncio.create_task(agent(i, base, stats, agents_until)) for i in range(args.agents)
    ]
    customers = [Customer(i, base, stats, args) for i in range(args.customers)]
    go = asyncio.Event()
    runs = asyncio.gather(*(c.run(go) for c in customers))
    # Contacts are started, sockets connected and agents logged in and available first,
    # outside the measured window (agents sign in at the start of their shift, not in
    # the middle of the customers' traffic; a login hashes a password, ~0.1 s of CPU).
    deadline = time.monotonic() + 180
    while (
        stats.ready + sum(c.lost for c in customers) < len(customers)
        or stats.agents_ready + sum(t.done() for t in agents) < len(agents)
    ):
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    print(f"{stats.ready} customers connected, {stats.agents_ready} agents available; "
          f"load {os.getloadavg()}", flush=True)
    if args.settle > 0:  # let the connect storm's background work finish first
        await asyncio.sleep(args.settle)
        print(f"settled {args.settle:.0f} s; load {os.getloadavg()}", flush=True)
    # This one process plays all the customers: its own full collections (120-145 ms
    # with 500 customers' state, 2026-12-05) would be counted as server latency. What
    # exists now (the rig, the sockets, the customers) is kept for the whole run.
    gc.collect()
    gc.freeze()
    await meter.start()
    start = time.monotonic()
    for c in customers:
        c.until = start + args.duration
    fault_task = asyncio.create_task(faults(rig, start, args))
    go.set()
    await runs
    elapsed = time.monotonic() - start
    await meter.stop()
    for task in [*agents, fault_task]:
        task.cancel()
    for task in agents:
        if task.done() and not task.cancelled() and (exc := task.exception()) is not None:
            where = ""
            if isinstance(exc, httpx.HTTPStatusError):
                where = f" {exc.response.status_code} {exc.request.url.path}"
            stats.errors[f"agent:{type(exc).__name__}{where}"] += 1
    report(stats, customers, elapsed, args)
    for line in meter.report(stats.answered, elapsed):
        print(line)


def make_agents(database_url: str, count: int) -> None:
    """Create users ``Agent0..Agent<count-1>`` (role agent) in the replicas' database."""
    settings = Settings(database_url=database_url)
    for i in range(count):
        ensure_user(settings, f"Agent{i}", "agent", AGENT_PASSWORD)


def print_tail(stats: Stats, window_s: float = 60.0) -> None:
    """Where the latency tail is: p50/p99 (ms) per answering frame type (bot ``reply``
    vs an agent's ``delivered``...), for the handover requests, and per ``window_s``
    window of the run (a burst shows as one bad window, steady queueing as all)."""
    if not stats.samples:
        return
    groups: dict[str, list[float]] = {}
    numbered: dict[str, list[float]] = {}
    for _, latency, kind, asked_human, number in stats.samples:
        groups.setdefault("handover request" if asked_human else kind, []).append(latency)
        label = {1: "1st", 2: "2nd", 3: "3rd"}.get(number, "later")
        numbered.setdefault(label, []).append(latency)
    print("  by answer: " + "; ".join(
        f"{name} n={len(v)} p50 {pct(v, 50):.0f} p99 {pct(v, 99):.0f}"
        for name, v in sorted(groups.items())))
    print("  by message number: " + "; ".join(
        f"{name} n={len(numbered[name])} p50 {pct(numbered[name], 50):.0f} "
        f"p99 {pct(numbered[name], 99):.0f}"
        for name in ("1st", "2nd", "3rd", "later") if name in numbered))
    t0 = min(t for t, *_ in stats.samples)
    windows: dict[int, list[float]] = {}
    for t, latency, *_ in stats.samples:
        windows.setdefault(int((t - t0) // window_s), []).append(latency)
    print(f"  p99 per {window_s:.0f} s window: " + " ".join(
        f"{pct(v, 99):.0f}" for _, v in sorted(windows.items())))


def report(stats: Stats, customers: list[Customer], elapsed: float, args: Any) -> None:
    sent = sum(len(c.sent) for c in customers)
    lost = sum(len(c.unacked) for c in customers)
    agent_lost = len([t for t in stats.agent_acked if t not in stats.agent_seen])
    agent_unacked = len(stats.agent_sent - stats.agent_acked)
    agent_dup = sum(n - 1 for n in stats.agent_seen.values() if n > 1)
    print(f"replicas {args.replicas}, customers {args.customers}, agents {args.agents}, "
          f"think {args.think} s, duration {args.duration} s, elapsed {elapsed:.0f} s")
    print(f"turns answered {stats.answered} of {sent} sent: {stats.answered / elapsed:.1f} /s")
    lat = stats.latencies
    print(f"latency ms p50 {pct(lat, 50):.0f}  p95 {pct(lat, 95):.0f}  p99 {pct(lat, 99):.0f}  "
          f"max {max(lat, default=0) * 1000:.0f}")
    print_tail(stats, args.window)
    print(f"messages lost {lost}, duplicated {stats.duplicates}; agent messages lost "
          f"{agent_lost} of {len(stats.agent_acked)} relayed ({agent_unacked} never acknowledged),"
          f" duplicated {agent_dup}")
    print(f"customers lost {sum(c.lost for c in customers)}, reconnects {stats.reconnects}, "
          f"busy frames {stats.busy}, delayed frames {stats.delayed}, "
          f"sockets dropped by faults {dict(stats.drops)}")
    print(f"errors {sum(stats.errors.values())}: {dict(stats.errors)}")
    print(f"load average {os.getloadavg()}; uptime: {subprocess.getoutput('uptime').strip()}")
    for c in customers:  # what was lost, to look it up in the replicas' logs
        for mid, said in c.unacked.items():
            print(f"  lost: customer {c.n} contact {c.contact_id} message {mid} {said!r} "
                  f"sent at {c.sent[mid] - c.t0:.1f} s; replicas {c.replicas}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--agents", type=int, default=0, help="default: customers × share + 2")
    parser.add_argument("--think", type=float, default=10.0, help="mean seconds between messages")
    parser.add_argument("--duration", type=float, default=120.0)
    parser.add_argument("--settle", type=float, default=0.0,
                        help="seconds between every socket connected and the first message")
    parser.add_argument("--window", type=float, default=60.0,
                        help="seconds per window of the p99-per-window line")
    parser.add_argument("--grace", type=float, default=30.0, help="wait for answers at the end")
    parser.add_argument("--human-share", type=float, default=0.1)
    parser.add_argument("--human-at", default="2",
                        help="message number that asks for a human: N, or a range A-B "
                        "(each such customer picks one; spreads the handovers over the run)")
    parser.add_argument("--kill-at", type=float, default=None)
    parser.add_argument("--restart-after", type=float, default=5.0)
    parser.add_argument("--redis-restart-at", type=float, default=None)
    parser.add_argument("--pg-outage-at", type=float, default=None,
                        help="stop PostgreSQL at T s for --pg-outage-s (private server)")
    parser.add_argument("--pg-outage-s", type=float, default=10.0)
    parser.add_argument("--private-postgres", action="store_true",
                        help="own PostgreSQL server (implied by --pg-outage-at)")
    parser.add_argument(
        "--idle-s", type=float, default=15.0,
        help="measure the idle cluster's CPU this long first (subtracted per turn)",
    )  # fmt: skip
    args = parser.parse_args()
    args.agents = args.agents or int(args.customers * args.human_share) + 2
    with contextlib.ExitStack() as stack:
        if args.private_postgres or args.pg_outage_at is not None:
            args.postgres = stack.enter_context(PrivatePostgres())
            database_url = args.postgres.url
        else:
            args.postgres = None
            database_url = stack.enter_context(throwaway_schema(PG_URL, "bench"))
        rig = Rig(database_url=database_url, replicas=args.replicas)
        stack.callback(rig.stop)
        t0 = time.monotonic()
        rig.start()
        make_agents(rig.database_url, args.agents)
        print(f"cluster up in {time.monotonic() - t0:.0f} s (logs in {rig.root}); load "
              f"{os.getloadavg()}", flush=True)
        asyncio.run(load(rig, args))


if __name__ == "__main__":
    main()
