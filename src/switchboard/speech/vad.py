"""Silero VAD (v6 ONNX, shipped inside the faster-whisper package) run frame by frame.

The model takes 512-sample frames at 16 kHz (32 ms) preceded by the last 64
samples of the previous frame, and carries an LSTM state (``h``, ``c``)
between frames; it returns the probability that the frame holds speech.
One :class:`VadModel` (an onnxruntime session, 1 intra-op thread) is shared
by every call; each call keeps its own :class:`VadStream` state.

Long silence numbs the recurrent state: after 20 s of line silence (a caller
listening to a long reply) the first 300-500 ms of speech scored 0.2-0.5
instead of 0.6-0.8, and the endpointer found utterance starts up to 590 ms
late (``bench/vad_onset.py``: p95 506 ms at a 20 s lead against 38 ms at
0.4 s), past the 400 ms pre-roll, so the first words never reached STT. A
:class:`VadStream` therefore resets its state to the fresh-call state after
every ``reset_after_ms`` of frames below ``quiet_prob`` (Pipecat's Silero
analyzer likewise resets its model state every 5 s; 5 s leads already
scored lower here, so we reset after 1 s of quiet).
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
#: Quiet audio after which a stream's recurrent state is reset, ms (see the module docstring).
RESET_AFTER_MS = 1000.0
#: Frames scoring below this count as quiet for the reset.
QUIET_PROB = 0.2


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
        """A fresh per-call state (reset after each second of quiet)."""
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

    Args:
        model: the shared model.
        reset_after_ms: quiet audio (frames scoring below ``quiet_prob``) after which
            the recurrent state is reset, ms; 0 never resets. See the module docstring.
        quiet_prob: probability below which a frame is quiet.
    """

    def __init__(
        self,
        model: VadModel,
        *,
        reset_after_ms: float = RESET_AFTER_MS,
        quiet_prob: float = QUIET_PROB,
    ) -> None:
        self._model = model
        self._reset_frames = int(reset_after_ms // FRAME_MS) if reset_after_ms > 0 else 0
        self._quiet_prob = quiet_prob
        self._quiet = 0
        #: Times the state was reset after quiet (for tests and benches).
        self.resets = 0
        self._pending = np.zeros(0, dtype=np.float32)
        self.reset()

    def reset(self) -> None:
        """Back to the state of a fresh call (the partial frame is kept)."""
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros((1, _CONTEXT), dtype=np.float32)
        self._quiet = 0

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
            self._quiet = self._quiet + 1 if prob < self._quiet_prob else 0
            if self._reset_frames and self._quiet >= self._reset_frames:
                self.reset()
                self.resets += 1
        self._pending = buf[n_frames * FRAME_SAMPLES :]
        return probs
