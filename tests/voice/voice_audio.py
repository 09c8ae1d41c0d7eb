"""Audio helpers of the voice transport tests (resample/encode, frame, WER)."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from switchboard.voice.events import AudioSpec


@cache
def speech_stack() -> Any:
    """The speech models, loaded once per test process (shared with the live server)."""
    from switchboard.speech.stack import SpeechStack

    return SpeechStack.load_sync()


def as_spec(samples: np.ndarray, rate: int, spec: AudioSpec, *, pad_ms: int = 0) -> bytes:
    """Resample ``samples`` to ``spec`` (soxr), add ``pad_ms`` of silence, encode."""
    from switchboard.speech.audio import encode, resample

    audio = resample(samples.astype(np.float32), rate, spec.sample_rate)
    pad = np.zeros(int(spec.sample_rate * pad_ms / 1000), dtype=np.float32)
    return encode(np.concatenate([audio, pad]), spec)


def chunks(data: bytes, spec: AudioSpec, ms: int) -> list[bytes]:
    """Split encoded audio into ``ms``-long frames."""
    size = spec.sample_rate * ms // 1000 * spec.bytes_per_sample
    return [data[i : i + size] for i in range(0, len(data), size)]


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate after lower-casing and dropping punctuation."""
    import jiwer

    def norm(text: str) -> str:
        return " ".join(
            "".join(c if c.isalnum() or c.isspace() else " " for c in text).lower().split()
        )

    return float(jiwer.wer(norm(reference), norm(hypothesis)))


def recv_json(ws: object, timeout: float) -> dict | None:  # type: ignore[type-arg]
    """Next JSON text frame from a ``websockets`` sync client, None on timeout."""
    import json

    try:
        raw = ws.recv(timeout=timeout)  # type: ignore[attr-defined]
    except TimeoutError:
        return None
    return json.loads(raw)  # type: ignore[no-any-return]


def collect(ws: object, until, timeout: float = 120.0) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    """Read frames until ``until(frames)`` is true; fail the test on timeout."""
    import time

    import pytest

    frames: list[dict] = []  # type: ignore[type-arg]
    give_up = time.monotonic() + timeout
    while not until(frames):
        left = give_up - time.monotonic()
        if left <= 0:
            kinds = [f.get("type") or f.get("event") for f in frames]
            pytest.fail(f"timed out after {timeout:.0f} s; got {kinds}")
        frame = recv_json(ws, min(left, 5.0))
        if frame is not None:
            frames.append(frame)
    return frames
