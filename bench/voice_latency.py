"""Voice-to-voice latency of whole phone calls, one and many at once, in real time.

Each simulated caller plays customer utterances (banking lines synthesised
with Piper, or espeak-ng, then carried as 8 kHz μ-law in 20 ms frames, as
Twilio sends them) into its own ``CallSession`` at 1× speed, with line
silence between them, against the real agent, VAD, endpointing, STT and TTS.

Voice-to-voice latency = end of the customer's speech (the last audible
sample of the utterance, from the recording itself, at the wall time it was
fed) → the first reply audio byte the session emits for that turn.

Prints: p50/p95 for each number of simultaneous calls, the largest number
whose p95 stays ≤ 1.5 s, the per-stage medians, and the STT and TTS
real-time factors (processing time / audio time) measured alone.

    .venv/bin/python bench/voice_latency.py [--levels 1,2,4,6] [--turns 6]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from switchboard.agent.service import AgentService
from switchboard.compose import build_service
from switchboard.config import Settings
from switchboard.domain.types import Locale
from switchboard.speech.audio import MODEL_RATE, resample
from switchboard.speech.stack import SpeechStack
from switchboard.voice.caller import Collector, silence, speech_bounds, to_input
from switchboard.voice.events import MULAW_8K, Mark
from switchboard.voice.session import CallSession

LINES = [
    "What are your opening hours on Saturday?",
    "Where is the nearest branch in Manchester?",
    "I would like to open a current account.",
    "How do I order a new debit card?",
    "What documents do I need to bring?",
    "Can I use my debit card abroad?",
    "Is there a branch near Leeds city centre?",
    "How much does a replacement card cost?",
]
TARGET_P95_MS = 1500.0
FRAME_MS = 20


@dataclass
class Turn:
    calls: int
    v2v_ms: float
    vad_v2v_ms: float | None
    endpoint_ms: float
    stt_wait_ms: float
    agent_ms: float
    tts_first_ms: float


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


async def one_call(
    service: AgentService,
    speech: SpeechStack,
    lines: list[tuple[np.ndarray, int]],
    calls: int,
    delay_s: float,
) -> list[Turn]:
    await asyncio.sleep(delay_s)
    session = CallSession(service, speech, locale=Locale.EN_GB,
                          input_spec=MULAW_8K, output_spec=MULAW_8K)
    col = Collector(session)
    await session.start(greet=False)
    frame = 8000 * FRAME_MS // 1000  # μ-law bytes per frame
    start = time.perf_counter()
    sent_frames = 0
    truth_ends: list[float] = []

    async def play(data: bytes, end_offset_ms: float | None = None) -> None:
        nonlocal sent_frames
        for i, offset in enumerate(range(0, len(data), frame)):
            await session.feed_audio(data[offset : offset + frame])
            sent_frames += 1
            if end_offset_ms is not None and (i + 1) * FRAME_MS >= end_offset_ms:
                # The frame holding the last audible sample has just been "spoken".
                truth_ends.append(session.call_ms() - ((i + 1) * FRAME_MS - end_offset_ms))
                end_offset_ms = None
            delay = start + sent_frames * FRAME_MS / 1000 - time.perf_counter()
            await asyncio.sleep(max(0.0, delay))

    await play(to_input(silence(400, 8000), 8000, session))
    for samples, rate in lines:
        _, end_ms = speech_bounds(samples, rate)
        await play(to_input(samples, rate, session), end_ms)
        replies_before = len(col.record.replies())
        # Line silence until the reply has been sent out, then one more second.
        while not session.ended:
            await play(to_input(silence(100, 8000), 8000, session))
            replies = col.record.replies()
            if len(replies) > replies_before and any(
                isinstance(e, Mark) and e.last and e.reply_id == replies[-1].reply_id
                for _, e in col.record.events
            ):
                break
        await play(to_input(silence(1000, 8000), 8000, session))
        if session.ended:
            break
    if not session.ended:
        await session.close()
    await col.done()
    turns = []
    for timing, truth_end in zip(session.timings, truth_ends, strict=False):
        if timing.first_audio_ms is None or timing.reply_ready_ms is None:
            continue
        turns.append(Turn(
            calls=calls,
            v2v_ms=timing.first_audio_ms - truth_end,
            vad_v2v_ms=timing.voice_to_voice_ms,
            endpoint_ms=timing.closed_ms - truth_end,
            stt_wait_ms=(timing.transcript_ready_ms or timing.closed_ms) - timing.closed_ms,
            agent_ms=timing.agent_ms,
            tts_first_ms=timing.tts_first_ms,
        ))
    return turns


def rtfs(speech: SpeechStack, lines: list[tuple[np.ndarray, int]]) -> tuple[float, float]:
    """STT and TTS real-time factors, one at a time (sum of processing / sum of audio)."""
    stt_t = stt_a = tts_t = tts_a = 0.0
    for samples, rate in lines:
        result = speech.stt.transcribe(resample(samples, rate, MODEL_RATE))
        stt_t += result.elapsed_ms
        stt_a += result.audio_ms
    for text in ["Your closest branch is Manchester Piccadilly, about a quarter of a mile away.",
                 "I can help you open a current account. What is your full name?",
                 "Our branches open at nine in the morning on Saturdays."]:
        out = speech.tts.synthesize(text, Locale.EN_US)
        tts_t += out.elapsed_ms
        tts_a += out.audio_ms
    return stt_t / stt_a, tts_t / tts_a


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,2,4,6", help="simultaneous calls to try")
    parser.add_argument("--turns", type=int, default=6, help="customer turns per call")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

    speech = await SpeechStack.load()
    db = Path(tempfile.mkdtemp()) / "bench.db"
    service = await build_service(
        Settings(database_url=f"sqlite:///{db}", log_json=False, log_level="ERROR")
    )
    voice = [speech.tts.synthesize(t, Locale.EN_US) for t in LINES]
    lines = [(v.samples, v.sample_rate) for v in voice]
    stt_rtf, tts_rtf = rtfs(speech, lines)
    print(f"tts engine: {speech.tts.name}; stt: faster-whisper tiny.en int8, 1 thread/worker")
    print(f"STT real-time factor {stt_rtf:.3f}   TTS real-time factor {tts_rtf:.3f}  (alone)")
    # Warm-up call (first turns pay one-off costs); not counted.
    await one_call(service, speech, lines[:2], 0, 0.0)

    best = 0
    print("calls  turns  v2v_p50  v2v_p95  v2v_max  endpoint_p50  stt_wait_p50  agent_p50  "
          "tts_first_p50   (ms)")
    for n in levels:
        rng = random.Random(n)
        results = await asyncio.gather(*[
            one_call(service, speech, rng.sample(lines, min(args.turns, len(lines))), n,
                     rng.uniform(0, 2.0))
            for _ in range(n)
        ])
        turns = [t for call in results for t in call]
        v2v = [t.v2v_ms for t in turns]
        p95 = pct(v2v, 95)
        print(f"{n:5d}  {len(turns):5d}  {pct(v2v, 50):7.0f}  {p95:7.0f}  {max(v2v):7.0f}  "
              f"{statistics.median(t.endpoint_ms for t in turns):12.0f}  "
              f"{statistics.median(t.stt_wait_ms for t in turns):12.0f}  "
              f"{statistics.median(t.agent_ms for t in turns):9.0f}  "
              f"{statistics.median(t.tts_first_ms for t in turns):13.0f}")
        if p95 <= TARGET_P95_MS:
            best = max(best, n)
    print(f"largest number of simultaneous real-time calls with p95 <= {TARGET_P95_MS:.0f} ms "
          f"(of {levels}): {best}")
    await service.aclose()


if __name__ == "__main__":
    asyncio.run(main())
