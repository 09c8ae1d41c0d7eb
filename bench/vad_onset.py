"""How late the VAD opens an utterance after caller silence of different lengths (issue 12).

A caller who listens to a long reply is silent for many seconds; this bench
puts each banking line after ``lead`` seconds of line silence (digital zeros,
or ``--noise`` RMS of line noise) and through the phone path as a
``CallSession`` hears it (Piper → 8 kHz μ-law in 20 ms frames → soxr QQ
stream to 16 kHz → Silero VAD → ``Endpointer`` with the default settings),
at 8 phases of the 32 ms VAD frame grid. Printed: p50/p95/max of (utterance
start found − audible start of the line), ms. Past ``pre_roll_ms`` (400 ms),
the first words never reach STT. Each lead is measured with the shipped
stream (state reset after 1 s of quiet) and with ``--compare`` also without
the reset (the behaviour before issue 12: p95 506 ms after 20 s).

    .venv/bin/python bench/vad_onset.py [--leads 0.4,8,20] [--noise 0.003] [--compare]
"""

from __future__ import annotations

import argparse

import numpy as np

from switchboard.domain.types import Locale
from switchboard.speech.audio import Resampler, decode, encode, resample
from switchboard.speech.stack import SpeechStack
from switchboard.speech.vad import VadModel, VadStream
from switchboard.voice.caller import speech_bounds
from switchboard.voice.endpoint import Endpointer, SpeechStart
from switchboard.voice.events import MULAW_8K
from switchboard.voice.settings import VoiceSettings

LINES = [
    "Is there a contactless debit card?",
    "Is there a branch near Leeds city centre?",
    "What documents do I need to bring?",
    "How do I order a new debit card?",
    "Can I use my debit card abroad?",
    "Where is the nearest branch in Manchester?",
]


def onset_delay(
    stack: SpeechStack, line: np.ndarray, lead: np.ndarray, reset: bool = True
) -> float | None:
    """Utterance start found by the endpointer − audible start of ``line``, ms (8 kHz input)."""
    data = encode(np.concatenate([lead, line, np.zeros(8000, np.float32)]), MULAW_8K)
    assert isinstance(stack.vad, VadModel)
    vad = VadStream(stack.vad) if reset else VadStream(stack.vad, reset_after_ms=0)
    resampler, endpointer = Resampler(8000, 16000), Endpointer(VoiceSettings())
    for i in range(0, len(data), 160):
        for prob in vad.process(resampler.process(decode(data[i : i + 160], MULAW_8K))):
            for event in endpointer.push(prob):
                if isinstance(event, SpeechStart):
                    start, _ = speech_bounds(line, 8000)
                    return event.start_ms - (1000 * len(lead) / 8000 + start)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", default="0.4,8,20", help="seconds of silence before a line")
    parser.add_argument("--noise", type=float, default=0.0, help="line noise RMS (0: zeros)")
    parser.add_argument("--compare", action="store_true", help="also run without the reset")
    args = parser.parse_args()
    stack = SpeechStack.load_sync()
    rng = np.random.default_rng(1)
    lines = []
    for text in LINES:
        speech = stack.tts.synthesize(text, Locale.EN_US)
        lines.append(resample(speech.samples, speech.sample_rate, 8000))
    print(f"line noise RMS {args.noise}; VAD {type(stack.vad).__name__}; "
          f"{len(LINES)} lines x 8 frame phases")
    print("state_reset  lead_s  p50_ms  p95_ms  max_ms  over_pre_roll")
    for reset in (True, False) if args.compare else (True,):
        for lead_s in (float(x) for x in args.leads.split(",")):
            delays: list[float] = []
            for line in lines:
                for shift_ms in range(0, 32, 4):
                    n = int(8000 * (lead_s + shift_ms / 1000))
                    lead = (args.noise * rng.standard_normal(n)).astype(np.float32)
                    found = onset_delay(stack, line, lead, reset)
                    delays.append(found if found is not None else float("inf"))
            over = sum(d > VoiceSettings().pre_roll_ms for d in delays)
            print(f"{'on' if reset else 'off':>11}  {lead_s:6.1f}  {np.percentile(delays, 50):6.0f}"
                  f"  {np.percentile(delays, 95):6.0f}  {max(delays):6.0f}  {over}/{len(delays)}")


if __name__ == "__main__":
    main()
