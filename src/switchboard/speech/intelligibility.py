"""How well our own STT understands a TTS voice: the round trip text → voice → line → STT.

A voice is good enough for a contact centre when a listener understands it;
our Whisper STT is a strict, repeatable listener (issue 12 item 5: Whisper
misheard espeak-ng's "what documents do I" as "what's not human? Who I
need"). :func:`round_trip` synthesises each sentence with a TTS, sends it
through a phone line (:data:`~switchboard.domain.audio.PCM16_16K` browser
audio or :data:`~switchboard.domain.audio.MULAW_8K` telephone audio: resample,
encode, decode, resample back) and transcribes it; :func:`normalise` puts
reference and transcript in the same spoken words (Whisper writes "5", the
reference says "five") so a word error rate (WER) compares words, not forms.
``bench/voice_wer.py`` prints the WER per voice and line; the voice tests
hold the default voice to a bar.

.. _WER: word error rate = (substitutions + deletions + insertions) / reference words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from switchboard.domain.audio import AudioSpec
from switchboard.domain.types import Locale
from switchboard.ports import STT, TTS
from switchboard.speech.audio import MODEL_RATE, decode, encode, resample
from switchboard.speech.say import say

__all__ = ["RoundTrip", "normalise", "round_trip"]


@dataclass(frozen=True)
class RoundTrip:
    """One sentence through a voice, a line and the STT.

    Attributes:
        reference: the sentence said (normalised words).
        heard: the STT transcript (normalised words).
        audio_s: duration of the synthesised audio, s.
        tts_ms: synthesis time, ms.
        stt_ms: transcription time, ms.
    """

    reference: str
    heard: str
    audio_s: float
    tts_ms: float
    stt_ms: float


def normalise(text: str, locale: Locale = Locale.EN_US) -> str:
    """Lower-case spoken words without punctuation (digits said as words, hyphens as spaces)."""
    words = say(text, locale).lower().replace("-", " ")
    return " ".join(re.sub(r"[^\w\s']", " ", words).split())


def round_trip(
    tts: TTS, stt: STT, sentences: Sequence[str], line: AudioSpec, locale: Locale = Locale.EN_US
) -> list[RoundTrip]:
    """Synthesise, pass through ``line`` and transcribe each sentence (in order).

    Args:
        tts: the voice under test.
        stt: the listener (the shipped Whisper STT).
        sentences: what the voice says (plain text, as the agent would say it).
        line: the audio path (encoding and rate) between voice and listener.
        locale: the sentences' locale (the voice's choice and the normalisation).

    Raises:
        switchboard.errors.TtsError, switchboard.errors.SttError: an engine failed.
    """
    out = []
    for sentence in sentences:
        speech = tts.synthesize(sentence, locale)
        wire = encode(resample(speech.samples, speech.sample_rate, line.sample_rate), line)
        heard = resample(decode(wire, line), line.sample_rate, MODEL_RATE)
        result = stt.transcribe(heard)
        out.append(RoundTrip(
            normalise(sentence, locale), normalise(result.text, locale),
            len(speech.samples) / speech.sample_rate, speech.elapsed_ms, result.elapsed_ms,
        ))
    return out
