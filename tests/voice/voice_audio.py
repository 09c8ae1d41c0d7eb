"""Audio helpers of the voice transport tests (resample/encode, frame, WER)."""

from __future__ import annotations

import numpy as np

from switchboard.voice.events import AudioSpec


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
