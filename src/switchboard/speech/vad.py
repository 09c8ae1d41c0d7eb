"""Silero VAD (v6 ONNX, shipped inside the faster-whisper package) run frame by frame.

The model takes 512-sample frames at 16 kHz (32 ms) preceded by the last 64
samples of the previous frame, and carries an LSTM state (``h``, ``c``)
between frames; it returns the probability that the frame holds speech.
One :class:`VadModel` (an onnxruntime session, 1 intra-op thread) is shared
by every call; each call keeps its own :class:`VadStream` state.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import onnxruntime as ort

from switchboard.errors import ConfigError
from switchboard.speech.audio import Float32

#: Samples per VAD frame at 16 kHz (32 ms), fixed by the model.
FRAME_SAMPLES = 512
#: Frame duration, ms.
FRAME_MS = 32.0
_CONTEXT = 64


def silero_model_path() -> Path:
    """Path of the Silero VAD ONNX file inside the installed faster-whisper package.

    Raises:
        ConfigError: faster-whisper is not installed or ships no Silero model.
    """
    try:
        assets = resources.files("faster_whisper") / "assets"
    except ModuleNotFoundError as exc:
        raise ConfigError("faster-whisper is not installed (pip install switchboard)") from exc
    candidates = sorted(
        (Path(str(p)) for p in assets.iterdir() if p.name.startswith("silero_vad")),
        reverse=True,
    )
    if not candidates:
        raise ConfigError(f"no silero_vad*.onnx under {assets}")
    return candidates[0]


class VadModel:
    """The shared onnxruntime session of the Silero VAD model.

    The :class:`~switchboard.ports.VAD` adapter (16 kHz, 512-sample frames).

    Args:
        path: ONNX file; default: the one shipped in faster-whisper.
    """

    #: Input rate, Hz.
    sample_rate = 16000
    #: Samples per frame (32 ms).
    frame_samples = FRAME_SAMPLES
    #: Frame duration, ms.
    frame_ms = FRAME_MS

    def __init__(self, path: Path | None = None) -> None:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 4
        self.path = path or silero_model_path()
        self._session = ort.InferenceSession(
            str(self.path), sess_options=opts, providers=["CPUExecutionProvider"]
        )

    def stream(self) -> VadStream:
        """A fresh per-call state."""
        return VadStream(self)

    def run(
        self, frame: Float32, h: Float32, c: Float32
    ) -> tuple[float, Float32, Float32]:
        """One step: ``frame`` is 64 context + 512 new samples, shape (1, 576)."""
        prob, h2, c2 = self._session.run(None, {"input": frame, "h": h, "c": c})
        return float(np.asarray(prob).ravel()[0]), h2, c2


class VadStream:
    """Per-call VAD state: 16 kHz float32 audio in, one probability per 32 ms frame out.

    A :class:`~switchboard.ports.VADStream`.
    """

    def __init__(self, model: VadModel) -> None:
        self._model = model
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros((1, _CONTEXT), dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)

    def process(self, samples: Float32) -> list[float]:
        """Append 16 kHz samples; return the speech probability of each completed frame."""
        buf = np.concatenate([self._pending, samples.astype(np.float32)])
        probs: list[float] = []
        n_frames = len(buf) // FRAME_SAMPLES
        for i in range(n_frames):
            frame = buf[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES][None, :]
            if not np.all(np.isfinite(frame)):
                frame = np.nan_to_num(frame, nan=0.0, posinf=0.0, neginf=0.0)
            prob, self._h, self._c = self._model.run(
                np.concatenate([self._context, frame], axis=1), self._h, self._c
            )
            self._context = frame[:, -_CONTEXT:]
            probs.append(prob)
        self._pending = buf[n_frames * FRAME_SAMPLES :]
        return probs
