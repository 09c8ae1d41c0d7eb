"""WER of each TTS voice through our own STT, on what the agent actually says (issue 12 item 5).

Sentences: the greeting and call prompts plus the spoken form of every
en_GB and en_US catalog answer (``switchboard.voice.spoken.from_tool``), one
sentence each. Each voice (the default Piper voice through onnxruntime,
espeak-ng; piper-tts when the GPL extra is installed) says every sentence;
the audio goes through a browser line (PCM16 16 kHz) and a phone line
(μ-law 8 kHz) and the shipped Whisper tiny.en STT transcribes it.

Prints WER per voice and line, synthesis time p50/p95 (ms) and real-time
factor, with the machine's load. Run: ``nice -n 10 .venv/bin/python bench/voice_wer.py``.
"""

from __future__ import annotations

import argparse
import os
import statistics

import jiwer

from switchboard.agent.messages import greeting
from switchboard.domain.audio import MULAW_8K, PCM16_16K
from switchboard.domain.types import Locale, ToolResult
from switchboard.errors import ConfigError
from switchboard.speech.intelligibility import round_trip
from switchboard.speech.piper_onnx import PiperOnnxTts
from switchboard.speech.stt import WhisperStt
from switchboard.speech.tts import EspeakTts, PiperTts
from switchboard.tools.models import ACCOUNT_TYPES, CARD_TYPES
from switchboard.tools.service import BankingTools
from switchboard.voice.prompts import prompt
from switchboard.voice.spoken import from_tool, sentences


def agent_sentences(limit: int | None = None) -> list[str]:
    """What the agent says on English calls, one sentence per item (deduplicated, in order)."""
    said = [greeting(Locale.EN_US), prompt("not_understood", Locale.EN_US),
            prompt("no_input", Locale.EN_GB)]
    for locale in (Locale.EN_GB, Locale.EN_US):
        tools = BankingTools(locale)
        outputs = [("get_branch_account_opening_info", tools.branch_account_opening(a))
                   for a in ACCOUNT_TYPES]
        outputs += [("get_digital_account_opening_info", tools.digital_account_opening(a))
                    for a in ACCOUNT_TYPES[:2]]
        outputs += [("get_debit_card_info", tools.debit_card(c)) for c in CARD_TYPES]
        outputs += [("find_nearest_branch", tools.nearest_branches(b.postcode))
                    for b in tools.catalog.branches.branches[:4]]
        for name, out in outputs:
            result = ToolResult(call_id="b", name=name, output=out.model_dump(mode="json"))
            spoken = from_tool(result, locale, "")
            if spoken is not None:
                said.extend(sentences(spoken.text))
    unique = list(dict.fromkeys(said))
    return unique[:limit] if limit else unique


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N sentences only")
    args = parser.parse_args()
    texts = agent_sentences(args.limit)
    stt = WhisperStt(num_workers=1)
    voices = {"piper-onnx (default)": PiperOnnxTts(), "espeak-ng (fallback)": EspeakTts()}
    try:
        voices["piper-tts (GPL extra)"] = PiperTts()
    except ConfigError:
        pass
    load = os.getloadavg()[0]
    print(f"{len(texts)} sentences; load {load:.1f} (1 min) on {os.cpu_count()} cores")
    for name, tts in voices.items():
        for line_name, line in (("16 kHz PCM", PCM16_16K), ("8 kHz mu-law", MULAW_8K)):
            trips = round_trip(tts, stt, texts, line, Locale.EN_US)
            wer = jiwer.wer([t.reference for t in trips], [t.heard for t in trips])
            tts_ms = sorted(t.tts_ms for t in trips)
            rtf = sum(t.tts_ms for t in trips) / 1000 / sum(t.audio_s for t in trips)
            p95 = tts_ms[min(len(tts_ms) - 1, int(0.95 * len(tts_ms)))]
            print(f"{name:24s} {line_name:13s} WER {wer:.3f}  tts p50 "
                  f"{statistics.median(tts_ms):.0f} ms p95 {p95:.0f} ms  RTF {rtf:.2f}")
    print(f"load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
