"""Choose the endpointing silence threshold by measurement.

Runs Silero VAD and the session's endpointer over real recorded speech
(LibriVox and JFK clips in ../shared/data/audio, 16 kHz) and over synthesised
multi-sentence banking lines (Piper or espeak-ng, sent through 8 kHz μ-law),
records every pause *inside* an utterance (silence between two voiced
stretches of one recording), and prints, for each candidate threshold, the
share of recordings that would be cut in two (a false endpoint) and the
pause percentiles, then checks the early close (``early_silence_ms`` when the
speculative transcript is a complete sentence) on the same pauses. The default
``VoiceSettings.silence_ms`` is the smallest
threshold with no false endpoint on this material (50 ms steps) plus a
100 ms margin for the longer hesitations of spontaneous speech.

    .venv/bin/python bench/endpoint_silence.py
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from switchboard.domain.types import Locale
from switchboard.speech.audio import (
    MODEL_RATE,
    decode,
    encode,
    read_wav,
    resample,
)
from switchboard.speech.tts import load_synthesizer
from switchboard.speech.vad import VadModel
from switchboard.voice.endpoint import Endpointer, Pause, Resume, SpeechStart, TurnEnd
from switchboard.voice.events import MULAW_8K
from switchboard.voice.settings import VoiceSettings

MARGIN_MS = 100
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "audio"
LINES = [
    "Hello. I would like to check the balance of my current account, please.",
    "I lost my debit card yesterday, and I think someone may have used it.",
    "Where is the nearest branch to my postcode? It is S W one A, one A A.",
    "I want to open a savings account. What do I need to bring with me?",
    "My card was declined at the shop, but I have money in the account.",
    "Can you tell me your opening hours on Saturday and Sunday?",
    "I moved house last month. How do I change my address?",
    "Thanks. And could you also send me a new PIN for the card?",
]


def clips() -> list[tuple[str, np.ndarray]]:
    out: list[tuple[str, np.ndarray]] = []
    book = SHARED / "pocketsphinx_testaudio"
    if (book / "transcripts.csv").is_file():
        for row in csv.DictReader((book / "transcripts.csv").open()):
            if row["file"].endswith(".wav"):
                samples, rate = read_wav(book / row["file"])
                out.append((row["file"], resample(samples, rate, MODEL_RATE)))
    else:
        print(f"(no recorded clips: {book} absent)", file=sys.stderr)
    jfk = SHARED / "whisper_jfk" / "jfk.flac"
    if jfk.is_file():
        from faster_whisper import decode_audio

        out.append(("whisper_jfk/jfk.flac", decode_audio(str(jfk), sampling_rate=MODEL_RATE)))
    tts = load_synthesizer()
    for i, line in enumerate(LINES):
        speech = tts.synthesize(line, Locale.EN_US)
        phone = decode(encode(resample(speech.samples, speech.sample_rate, 8000), MULAW_8K),
                       MULAW_8K)
        out.append((f"{tts.name}-{i}", resample(phone, 8000, MODEL_RATE)))
    return out


def pause_points(vad: VadModel, audio: np.ndarray) -> list[tuple[float, float]]:
    """(voiced end ms, pause ms) of every internal pause, times in the padded signal."""
    settings = VoiceSettings(silence_ms=5000, speculate_ms=32)
    ep = Endpointer(settings)
    stream = vad.stream()
    pad = np.zeros(MODEL_RATE, dtype=np.float32)
    found: list[tuple[float, float]] = []
    started = False
    pause_at: float | None = None
    for prob in stream.process(np.concatenate([pad, audio, pad])):
        for event in ep.push(prob):
            if isinstance(event, SpeechStart):
                started = True
            elif isinstance(event, Pause) and started:
                pause_at = event.end_ms
            elif isinstance(event, Resume) and pause_at is not None:
                found.append((pause_at, event.at_ms - ep.frame_ms - pause_at))
                pause_at = None
            elif isinstance(event, TurnEnd):
                pause_at = None
    return found


def early_close_check(
    vad: VadModel, recordings: list[tuple[str, np.ndarray]], early_ms: int
) -> None:
    """How the early close (complete-sentence transcript) behaves on this material.

    False early closes: internal pauses ≥ ``early_ms`` whose speculative transcript
    (audio up to the pause + the speculation delay) looks complete. Hits: recording
    ends whose transcript looks complete (those turns close after ``early_ms``).
    """
    from switchboard.speech.stt import WhisperStt
    from switchboard.voice.turns import looks_complete

    stt = WhisperStt()
    spec_ms = VoiceSettings().speculate_ms
    pad = np.zeros(MODEL_RATE, dtype=np.float32)
    false_cuts: list[str] = []
    long_pauses = hits = 0
    for name, audio in recordings:
        padded = np.concatenate([pad, audio, pad])
        for end_ms, pause_ms in pause_point_cache[name]:
            if pause_ms < early_ms:
                continue
            long_pauses += 1
            cut = padded[: int((end_ms + spec_ms) * MODEL_RATE / 1000)]
            text = stt.transcribe(cut).text
            if looks_complete(text):
                false_cuts.append(f"{name}: {text!r}")
        if looks_complete(stt.transcribe(padded).text):
            hits += 1
    print(f"early close at {early_ms} ms: {len(false_cuts)} false of {long_pauses} internal "
          f"pauses >= {early_ms} ms; complete-sentence ends {hits}/{len(recordings)}")
    for line in false_cuts:
        print("  false early close:", line)


pause_point_cache: dict[str, list[tuple[float, float]]] = {}


def pauses(vad: VadModel, name: str, audio: np.ndarray) -> list[float]:
    pause_point_cache[name] = pause_points(vad, audio)
    return [p for _, p in pause_point_cache[name]]


def main() -> None:
    vad = VadModel()
    recordings = clips()
    per_clip = [(name, pauses(vad, name, audio)) for name, audio in recordings]
    every = [p for _, ps in per_clip for p in ps]
    print(f"recordings: {len(per_clip)}, internal pauses: {len(every)}")
    if every:
        q = np.percentile(every, [50, 90, 95, 100])
        print("pause ms p50 {:.0f}  p90 {:.0f}  p95 {:.0f}  max {:.0f}".format(*tuple(q)))
    for name, ps in per_clip:
        if ps:
            print(f"  {name:32s} " + " ".join(f"{p:.0f}" for p in ps))
    # JFK's inaugural address is oratory with 1 s dramatic pauses: shown, not used to choose.
    talk = [(n, ps) for n, ps in per_clip if "jfk" not in n]
    print("threshold_ms  cut(all)  cut(conversational+read)  share")
    chosen = None
    for threshold in range(250, 1250, 50):
        cut_all = sum(1 for _, ps in per_clip if any(p >= threshold for p in ps))
        cut = sum(1 for _, ps in talk if any(p >= threshold for p in ps))
        print(f"{threshold:12d}  {cut_all:8d}  {cut:24d}  {cut / len(talk):.2f}")
        if cut == 0 and chosen is None:
            chosen = threshold
    print(f"smallest threshold with no false endpoint (without oratory): {chosen} ms")
    if chosen is not None:
        # Spontaneous speech hesitates longer than read or synthesised speech: margin.
        print(f"suggested default (+{MARGIN_MS} ms margin): {chosen + MARGIN_MS} ms")
    for early in (300, 350, 400):
        early_close_check(vad, recordings, early)


if __name__ == "__main__":
    main()
