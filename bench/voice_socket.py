"""Whole calls over the real browser voice socket, from another process (issue 12 acceptance).

``switchboard serve`` runs as a child process (real agent, Silero VAD,
faster-whisper tiny.en, the default TTS); this process is the callers: each
call streams 16 kHz PCM16 in 20 ms frames in real time over ``WS /v1/voice``,
says ten in-scope banking questions (Piper-voiced, no sampling noise; espeak-ng
without Piper), plays every reply in real time and echoes its marks when it
would have finished, then waits ``--think-ms`` before the next question
(:mod:`switchboard.testing.socket_caller`). One call, then ``--calls`` at once
(started 0-2 s apart). A warm-up call goes first and is not counted.

Prints per level: first words kept (transcript starts with the question's first
word), calls that reached question 10 (asked it and heard an answer, never
handed over or ended early), voice-to-voice latency p50/p95/max (end of caller
speech → first reply audio frame received), the lost onsets, and ``uptime``
load before and after; then the server's own stage medians/p95 from its
"voice turn timing" log lines (endpointing, STT wait, agent, synthesis of the
first sentence, server-side voice-to-voice, silence inside replies ``gap_ms``).
The server's TTS cache is off unless ``--tts-cache N``: the callers repeat the
same ten questions, so a cache would answer most of them warm.

    nice -n 10 .venv/bin/python bench/voice_socket.py [--calls 4] [--questions 10] [--tts-cache 0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "voice"))

from switchboard.domain.types import Locale
from switchboard.testing.socket_caller import (
    CallReport,
    Question,
    ServerProcess,
    run_call,
)

QUESTIONS = [
    "Can I open a savings account online?",
    "Is there a contactless debit card?",
    "What documents do I need to bring?",
    "Where is the nearest branch in Manchester?",
    "What are your opening hours on Saturday?",
    "How much does a replacement card cost?",
    "Can I use my debit card abroad?",
    "Is there a branch near Leeds city centre?",
    "How long does it take to open a current account?",
    "What is the phone number of the Leeds branch?",
]


def load() -> str:
    """The 1/5/15-minute load average as ``uptime`` prints it."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} cores)"


def synthesise(texts: list[str]) -> list[Question]:
    """The customer's lines, with the deterministic caller voice of the voice tests."""
    from pipeline_caller import line

    out = []
    for text in texts:
        samples, rate = line(text, Locale.EN_US)
        out.append(Question.from_samples(text, samples, rate))
    return out


def summarise(label: str, reports: list[CallReport], n_questions: int) -> None:
    """Print one level's numbers."""
    answers = [a for r in reports for a in r.answers]
    kept = sum(a.first_word_kept for a in answers)
    reached = sum(
        len(r.answers) == n_questions and r.ended is None and r.answers[-1].reply != ""
        for r in reports
    )
    v2v = [a.v2v_ms for a in answers if a.v2v_ms is not None]
    p50, p95 = (np.percentile(v2v, 50), np.percentile(v2v, 95)) if v2v else (np.nan, np.nan)
    print(f"{label}: first words kept {kept}/{len(answers)}; calls reaching question "
          f"{n_questions}: {reached}/{len(reports)}; v2v p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
          f"max {max(v2v, default=np.nan):.0f} ms over {len(v2v)} turns; {load()}")
    for r in reports:
        if r.ended:
            print(f"   call {r.contact_id[:8]} ended early: {r.ended}")
        for a in r.answers:
            if not a.first_word_kept or a.handover or a.reply_kind != "turn":
                print(f"   {a.question!r} -> {a.transcript!r} -> {a.reply_kind} "
                      f"{a.handover or ''} {a.reply[:60]!r}")


def stages(server: ServerProcess, offset: int) -> int:
    """Print the server's stage times logged since byte ``offset``; return the new offset."""
    with open(server.log_path, "rb") as f:
        f.seek(offset)
        raw = f.read()
    rows = []
    for text in raw.decode("utf-8", "replace").splitlines():
        if '"voice turn timing"' in text:
            try:
                rows.append(json.loads(text)["data"])
            except (ValueError, KeyError):
                continue
    keys = ["endpoint_ms", "stt_wait_ms", "agent_ms", "tts_first_ms", "speak_ms", "v2v_ms",
            "gap_ms"]
    cells = []
    for key in keys:
        values = [r[key] for r in rows if isinstance(r.get(key), int | float)]
        if values:
            cells.append(f"{key} {np.percentile(values, 50):.0f}/{np.percentile(values, 95):.0f}")
    hits = sum(bool(r.get("speculative_hit")) for r in rows)
    print(f"   server stages p50/p95 over {len(rows)} turns (speculative hits {hits}): "
          + ", ".join(cells))
    return offset + len(raw)


async def level(
    server: ServerProcess, token: str, questions: list[Question], calls: int, think_ms: float
) -> list[CallReport]:
    """``calls`` simultaneous calls, each asking every question (its own random order)."""
    rng = random.Random(calls)

    async def one(i: int) -> CallReport:
        await asyncio.sleep(rng.uniform(0, 2.0) if calls > 1 else 0.0)
        order = questions[:] if i == 0 else rng.sample(questions, len(questions))
        return await run_call(server.ws_url, token, order, think_ms=think_ms)

    return list(await asyncio.gather(*(one(i) for i in range(calls))))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=4, help="simultaneous calls of level 2")
    parser.add_argument("--questions", type=int, default=10, help="questions per call (<= 10)")
    parser.add_argument("--think-ms", type=float, default=1000.0, help="silence after a reply")
    parser.add_argument("--skip-single", action="store_true", help="only the concurrent level")
    parser.add_argument("--nice", type=int, default=0, help="niceness added to the server")
    parser.add_argument("--tts-cache", type=int, default=0, help="the server's TTS cache "
                        "entries (default 0: every answer synthesised cold; the product's "
                        "default is VoiceSettings.tts_cache_entries)")
    args = parser.parse_args()
    questions = synthesise(QUESTIONS[: args.questions])
    print(f"before: {load()}; server TTS cache entries {args.tts_cache}")
    env = {"SWITCHBOARD_LOG_LEVEL": "INFO",
           "SWITCHBOARD_VOICE__TTS_CACHE_ENTRIES": str(args.tts_cache)}
    with ServerProcess(env=env, nice=args.nice) as server:
        token = server.token()
        await run_call(server.ws_url, token, questions[:2], think_ms=300)  # warm-up
        offset = server.log_path.stat().st_size
        if not args.skip_single:
            summarise("1 call", await level(server, token, questions, 1, args.think_ms),
                      len(questions))
            offset = stages(server, offset)
        summarise(f"{args.calls} calls", await level(
            server, token, questions, args.calls, args.think_ms), len(questions))
        stages(server, offset)


if __name__ == "__main__":
    asyncio.run(main())
