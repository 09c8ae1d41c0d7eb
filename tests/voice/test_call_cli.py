"""``switchboard call FILE.wav``: a recorded caller through the phone path, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pipeline_caller import line
from typer.testing import CliRunner
from voice_audio import speech_stack, wer

from switchboard.cli import build_cli
from switchboard.speech.audio import read_wav, resample, write_wav

pytestmark = pytest.mark.slow

QUESTION = "How do I order a new debit card?"


def test_call_writes_transcript_reply_audio_and_timings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    samples, rate = line(QUESTION)
    caller = np.concatenate([resample(samples, rate, 16000), np.zeros(16000, np.float32)])
    wav = tmp_path / "caller.wav"
    write_wav(wav, caller, 16000)
    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    out = tmp_path / "out"
    result = CliRunner().invoke(build_cli(), ["call", str(wav), "--out", str(out), "--fast"])
    assert result.exit_code == 0, result.output
    assert "v2v_ms" in result.output

    transcript = json.loads((out / "transcript.json").read_text())
    caller_lines = [x["text"] for x in transcript["lines"] if x["speaker"] == "caller"]
    agent_lines = [x for x in transcript["lines"] if x["speaker"] == "agent"]
    assert len(caller_lines) == 1 and wer(QUESTION, caller_lines[0]) <= 0.1, caller_lines
    assert [a["kind"] for a in agent_lines] == ["greeting", "turn"]
    assert "card" in agent_lines[1]["text"].lower()
    assert transcript["ended"]["reason"] == "hangup"

    timings = json.loads((out / "timings.json").read_text())
    assert len(timings) == 1
    t = timings[0]
    assert t["speech_end_ms"] <= t["transcript_ready_ms"] <= t["reply_ready_ms"] <= t[
        "first_audio_ms"
    ]
    v2v = t["first_audio_ms"] - t["speech_end_ms"]
    assert t["voice_to_voice_ms"] == pytest.approx(v2v, abs=0.2)

    audio, rate = read_wav(out / "reply.wav")
    assert rate == 8000
    assert len(audio) / rate > 3.0  # greeting + answer, spoken
    # The reply audio is speech: Whisper hears the greeting's words in it.
    heard = speech_stack().stt.transcribe(resample(audio[: rate * 8], rate, 16000)).text
    assert "help" in heard.lower(), heard


def test_call_refuses_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(build_cli(), ["call", str(tmp_path / "nope.wav")])
    assert result.exit_code == 2
    assert "no such file" in result.output
