"""How the "say that again?" rule (``voice.turns.unclear``) treats whole lines and pieces of them.

Each banking question and short answer of the voice benches is synthesised
(the deterministic Piper caller of the voice tests, and espeak-ng), and
transcribed by faster-whisper tiny.en whole, as its middle 40 % and as its last
45 % (both cut mid-word, like an utterance whose start the VAD lost). Printed
per line: transcript, mean word probability (``SttResult.confidence``),
no-speech probability and the rule's verdict; then how many whole lines would
be asked again (false alarms) and how many pieces are caught.

    nice -n 10 .venv/bin/python bench/stt_confidence.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "voice"))

from switchboard.config_voice import VoiceSettings
from switchboard.domain.types import Locale
from switchboard.speech.audio import resample
from switchboard.speech.stt import WhisperStt
from switchboard.speech.tts import EspeakTts
from switchboard.voice.turns import unclear

LINES = [
    "Can I open a savings account online?",
    "Is there a contactless debit card?",
    "What documents do I need to bring?",
    "Where is the nearest branch in Manchester?",
    "What are your opening hours on Saturday?",
    "How much does a replacement card cost?",
    "Can I use my debit card abroad?",
    "Is there a branch near Leeds city centre?",
    "How long does it take to open a current account?",
    "What is the phone number of the Leeds branch?",
    "Yes",
    "No thanks",
    "Manchester",
    "I want to speak to a person",
]


def main() -> None:
    from pipeline_caller import line

    stt = WhisperStt(num_workers=1)
    espeak = EspeakTts()
    floor = VoiceSettings().min_confidence
    verdicts: dict[str, list[str | None]] = {"whole": [], "espeak": [], "middle": [], "end": []}
    for text in LINES:
        samples, rate = line(text, Locale.EN_US)
        audio = resample(samples, rate, 16000)
        e = espeak.synthesize(text, Locale.EN_US)
        n = len(audio)
        for kind, clip in (
            ("whole", audio),
            ("espeak", resample(e.samples, e.sample_rate, 16000)),
            ("middle", audio[int(n * 0.35) : int(n * 0.75)]),
            ("end", audio[int(n * 0.55) :]),
        ):
            result = stt.transcribe(clip)
            why = None
            if result.text.strip():
                why = unclear(result.text, result.confidence, result.no_speech_prob, floor)
            else:
                why = "empty"
            verdicts[kind].append(why)
            conf = "-" if result.confidence is None else f"{result.confidence:.2f}"
            print(f"{kind:6s} conf {conf:>4s} no-speech {result.no_speech_prob:.2f} "
                  f"{why or 'ok':14s} {result.text!r}")
    for kind, found in verdicts.items():
        asked = sum(v is not None and v != "empty" for v in found)
        empty = sum(v == "empty" for v in found)
        print(f"{kind:6s}: asked again {asked}/{len(found)}, empty {empty}, "
              f"answered {len(found) - asked - empty}")


if __name__ == "__main__":
    main()
