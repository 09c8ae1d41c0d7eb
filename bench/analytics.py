"""Live-sentiment bench: escalation rates, sentiment throughput, publish → attribute latency.

Prints:

1. escalation rates of the rule on the shipped splits (train / dev / heldout),
   for cue-only anger and for the MiniLM anger model, on conversations
   scripted from the utterances (``sentiment_eval``);
2. the same held-out conversations played through the real ``AgentService``
   (router, tools, validation, SQLite store): angry escalated by the second
   angry turn, calm (incl. bad news) escalated at all;
3. sentiment throughput (segments/s) of the classifier alone;
4. segment published → ``RealTimeSentiment`` stored latency p50/p95 for the
   in-process stream and Redis Streams (127.0.0.1:6379; skipped with a
   reason when Redis is down).

Run: ``.venv/bin/python bench/analytics.py [--conversations 100] [--segments 400]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from typing import Any

from switchboard.compose import build_service

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def rates(n: int) -> None:
    from switchboard.analytics.sentiment import VaderClassifier
    from switchboard.analytics.sentiment_eval import DATA_DIR, evaluate, load_utterances
    from switchboard.analytics.sentiment_model import AngerModel
    from switchboard.analytics.sentiment_monitor import EscalationRule
    from switchboard.brains.local.embedder import embedder_for
    from switchboard.config import load_settings

    # The MiniLM the product would share with its router (runtime and precision of
    # SWITCHBOARD_ROUTER__ENCODER_BACKEND / __ENCODER_PRECISION).
    router = load_settings().router
    model = VaderClassifier(AngerModel.load(embedder=embedder_for("minilm", router)))
    print(f"encoder: {router.encoder_backend} {router.encoder_precision}")
    print("== escalation rule on scripted conversations (n angry = n calm =", n, ")")
    for split in ("train", "dev", "heldout"):
        data = load_utterances(DATA_DIR / split)
        for name, clf, rule in (
            ("cues ", VaderClassifier(), EscalationRule.for_cues()),
            ("model", model, EscalationRule()),
        ):
            r = evaluate(data, rule, classifier=clf, n=n)
            print(
                f"{split:8s} {name}  angry escalated by 2nd angry turn "
                f"{r.angry_escalated_by_second:6.1%}  calm escalated {r.calm_escalated:5.1%}  "
                f"per-utterance angry: {r.utterance_angry_rate}"
            )


async def through_agent(n: int) -> None:
    from switchboard.analytics.sentiment_eval import DATA_DIR, load_utterances, script_conversations
    from switchboard.config import Settings
    from switchboard.domain.types import HandoverReason
    from switchboard.store import SqlStore

    convs = script_conversations(load_utterances(DATA_DIR / "heldout"), n=n, seed=11)
    svc = await build_service(Settings(database_url="sqlite://"), store=SqlStore("sqlite://"))
    assert svc.sentiment is not None
    ok_angry = angry = false_calm = calm = 0
    frustration_handover = 0
    t0 = time.perf_counter()
    for conv in convs:
        contact = await svc.start_contact()
        escalated_at = None
        for i, line in enumerate(conv.turns):
            reply = await svc.handle_turn(contact.contact_id, line)
            await svc.sentiment.settle()
            state = svc.store.get_contact(contact.contact_id).state
            negative = (state.get("attributes") or {}).get("RealTimeSentiment") == "NEGATIVE"
            frustrated = reply.handover is not None and reply.handover.reason in (
                HandoverReason.CUSTOMER_FRUSTRATION,
            )
            if escalated_at is None and (negative or frustrated):
                escalated_at = i
        if conv.kind == "angry":
            angry += 1
            ok_angry += escalated_at is not None and escalated_at <= conv.angry_turns[1]
            frustration_handover += escalated_at is not None
        else:
            calm += 1
            false_calm += escalated_at is not None
        await svc.end_contact(contact.contact_id)
    elapsed = time.perf_counter() - t0
    await svc.aclose()
    print(
        f"== held-out through AgentService: angry escalated by 2nd angry turn "
        f"{ok_angry}/{angry} = {ok_angry / angry:.1%}; calm escalated {false_calm}/{calm} = "
        f"{false_calm / calm:.1%}  ({len(convs)} conversations in {elapsed:.1f} s)"
    )


def throughput(segments: int) -> None:
    from switchboard.analytics.sentiment import VaderClassifier
    from switchboard.analytics.sentiment_eval import DATA_DIR, load_utterances
    from switchboard.analytics.sentiment_model import AngerModel

    data = load_utterances(DATA_DIR / "train")
    texts = [t for kind in data.values() for t in kind]
    texts = (texts * (segments // len(texts) + 1))[:segments]
    model = AngerModel.load()
    print("== sentiment throughput (one core, single thread)")
    for name, clf in (
        ("VADER + cues", VaderClassifier()),
        ("VADER + anger model", VaderClassifier(model)),
    ):
        model.embedder.clear_cache()
        unique = [f"{t} #{i}" for i, t in enumerate(texts)]  # no embedding cache hits
        t0 = time.perf_counter()
        for t in unique:
            clf.score_sync(t)
        dt = time.perf_counter() - t0
        each_ms = dt / len(unique) * 1000
        print(f"{name:22s} {len(unique) / dt:8.0f} segments/s  ({each_ms:.2f} ms each)")


async def latency(backend: str, segments: int) -> None:
    from switchboard.analytics.sentiment import VaderClassifier
    from switchboard.analytics.sentiment_live import LiveSentiment
    from switchboard.analytics.sentiment_monitor import EscalationRule
    from switchboard.analytics.stream import (
        InProcessStream,
        SegmentBus,
        SegmentStream,
        TranscriptSegment,
    )
    from switchboard.audit import AuditSink
    from switchboard.config import SentimentSettings
    from switchboard.domain.types import Contact, Source
    from switchboard.store import SqlStore

    stream: SegmentStream
    key = f"switchboard-bench:{uuid.uuid4().hex}"
    if backend == "redis":
        from switchboard.analytics.stream_redis import RedisStream

        redis_stream = RedisStream("redis://127.0.0.1:6379/0", key=key)
        try:
            await redis_stream.client.ping()
        except Exception as exc:
            print(f"redis       skipped: {type(exc).__name__}: {exc}")
            return
        stream = redis_stream
    else:
        stream = InProcessStream()
    store = SqlStore("sqlite://")
    events = AuditSink(store, batch_size=256)
    bus = SegmentBus(stream)
    locks: dict[str, asyncio.Lock] = {}
    live = LiveSentiment(
        settings=SentimentSettings(),
        store=store,
        events=events,
        segments=bus,
        lock_for=lambda cid: locks.setdefault(cid, asyncio.Lock()),
        classifier=VaderClassifier(),
        rule=EscalationRule.for_cues(),
    )
    published: dict[str, float] = {}
    stored: dict[str, float] = {}
    persist = live.monitor.persist
    assert persist is not None

    async def timed(state: Any, score: Any) -> None:
        await persist(state, score)
        stored[state.history[-1]["segment_id"]] = time.perf_counter()

    live.monitor.persist = timed
    live.start(block_ms=100)
    contacts = [store.create_contact(Contact()) for _ in range(20)]
    for i in range(segments):
        c = contacts[i % len(contacts)]
        seg = TranscriptSegment(
            contact_id=c.contact_id, speaker=Source.CUSTOMER, text=f"Where is my card? attempt {i}"
        )
        published[seg.segment_id] = time.perf_counter()
        bus.publish_nowait(seg)
        await asyncio.sleep(0.002)  # ~500 segments/s offered
    await live.settle(30)
    lat = [(stored[s] - published[s]) * 1000 for s in published if s in stored]
    print(
        f"{backend:10s} published → RealTimeSentiment stored: n={len(lat)}/{segments}  "
        f"p50 {pct(lat, 50):.2f} ms  p95 {pct(lat, 95):.2f} ms  mean {statistics.mean(lat):.2f} ms"
    )
    await live.consumer.stop() if live.consumer else None
    if backend == "redis":
        await stream.client.delete(key, *[k async for k in stream.client.scan_iter(key + "*")])
    await bus.aclose()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=100)
    ap.add_argument("--segments", type=int, default=400)
    ap.add_argument("--skip-agent", action="store_true")
    args = ap.parse_args()
    rates(args.conversations)
    if not args.skip_agent:
        await through_agent(args.conversations)
    throughput(args.segments)
    print("== segment published → attribute updated (20 contacts, VADER + cues)")
    for backend in ("inprocess", "redis"):
        await latency(backend, args.segments)


if __name__ == "__main__":
    asyncio.run(main())
