"""Length of every spoken catalog answer, synthesised with the shipped TTS (issue 12 item 4).

Builds the same replies as ``tests/voice/test_spoken.py`` (every tool answer of
the shipped catalog, structured and per asked field, en_GB / en_US / fr_FR),
takes each distinct spoken form (``switchboard.voice.spoken.spoken_reply``)
and synthesises it with ``load_synthesizer()`` (the Piper voice through
onnxruntime for English, espeak-ng for French). Prints per locale the number
of forms, sentences (max), audio seconds p50 / p95 / max and the synthesis
time p50 / p95 (ms), with the machine's load.
Run: ``nice -n 10 .venv/bin/python bench/spoken_lengths.py``.
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "voice"))

from test_spoken import _catalog_replies

from switchboard.domain.types import Locale
from switchboard.speech.tts import load_synthesizer
from switchboard.voice.spoken import sentences, spoken_reply


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    tts = load_synthesizer()
    print(f"tts {tts.name}; load {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} cores")
    for locale in Locale:
        forms = sorted({spoken_reply(r, locale).text for r in _catalog_replies(locale)})
        seconds, synth = [], []
        for text in forms:
            speech = tts.synthesize(text, locale)
            seconds.append(len(speech.samples) / speech.sample_rate)
            synth.append(speech.elapsed_ms)
        longest = forms[seconds.index(max(seconds))]
        print(
            f"{locale.value}: {len(forms)} forms, max {max(len(sentences(t)) for t in forms)} "
            f"sentences; audio p50 {statistics.median(seconds):.1f} s p95 "
            f"{_pct(seconds, 0.95):.1f} s max {max(seconds):.1f} s; synthesis p50 "
            f"{statistics.median(synth):.0f} ms p95 {_pct(synth, 0.95):.0f} ms\n"
            f"  longest: {longest}"
        )
    print(f"load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
