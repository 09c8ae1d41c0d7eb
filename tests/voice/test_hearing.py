"""Issue 12: every word heard — VAD after long silence, unclear transcripts, no-input prompts.

The fast tests run on the fake speech ports; the ``slow`` ones on the shipped
models (Silero VAD, faster-whisper tiny.en) with the deterministic Piper
caller of the pipeline tests.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from switchboard.domain.audio import PCM16_16K
from switchboard.domain.types import EventType, Locale
from switchboard.speech.audio import encode, read_wav, resample, write_wav
from switchboard.testing.speech import (
    ScriptedConversation,
    fake_speech_stack,
    listen,
    quiet,
    tone,
)
from switchboard.voice.endpoint import Endpointer, SpeechStart
from switchboard.voice.events import ReplyText, Transcript
from switchboard.voice.prompts import no_input, prompt
from switchboard.voice.session import CallSession
from switchboard.voice.settings import VoiceSettings
from switchboard.voice.turns import CLIPPED, FRAGMENT, LOW_CONFIDENCE, last_question, unclear

# ----------------------------------------------------------------- pure rules


@pytest.mark.parametrize(
    ("text", "confidence", "no_speech", "why"),
    [
        ("their", 0.9, 0.1, FRAGMENT),
        ("And the...", 0.95, 0.0, FRAGMENT),
        ("Um.", None, 0.0, FRAGMENT),
        ("Yes", 0.54, 0.53, None),  # tiny.en on a Piper "Yes"
        ("Manchester.", 0.84, 0.11, None),
        ("No thanks.", None, 0.0, None),
        ("Can I open a savings account online?", 0.91, 0.02, None),
        ("Manchister", 0.39, 0.14, LOW_CONFIDENCE),
        ("branch in mansion.", 0.58, 0.52, CLIPPED),  # the middle of a Piper line
    ],
)
def test_unclear_transcripts(
    text: str, confidence: float | None, no_speech: float, why: str | None
) -> None:
    assert unclear(text, confidence, no_speech, 0.5) == why


def test_last_question_and_the_no_input_prompt_that_repeats_it() -> None:
    reply = "I can help you open a current account. What is your full name?"
    assert last_question(reply) == "What is your full name?"
    assert last_question("Our branch opens at nine. It closes at five.") is None
    assert no_input(Locale.EN_GB, "What is your full name?") == (
        "Sorry, I didn't hear anything. What is your full name?"
    )
    assert no_input(Locale.FR_FR, "Quel est votre nom ?").endswith("Quel est votre nom ?")
    assert no_input(Locale.EN_GB, None) == prompt("no_input", Locale.EN_GB)


def test_playback_estimate_waits_for_sentences_sent_late() -> None:
    from switchboard.voice.playback import Playback

    pb = Playback(1, "One. Two.")
    pb.start(0.0, 100.0)
    pb.add_sentence("One.", 1000.0, "r1-s0")
    pb.start(3000.0, 103.0)  # synthesis fell behind: the second sentence goes out at 3 s
    pb.add_sentence("Two.", 1000.0, "r1-s1")
    pb.done_sending = True
    # The client heard "One." (0-1 s), then silence, then "Two." from 3 s to 4 s.
    assert pb.position_ms(3500.0, 103.5) == 1500.0
    assert pb.playing(3500.0, 103.5)  # no "still there?" prompt while it still plays
    assert pb.heard_text(2000.0, 102.0) == "One."
    assert not pb.playing(4000.0, 104.0)
    pb.ack("r1-s1")
    assert pb.position_ms(3000.0, 103.0) == 2000.0  # an echoed mark is proof


async def test_a_speculation_that_ends_before_the_speech_does_is_not_the_final() -> None:
    from switchboard.testing.speech import ScriptedStt
    from switchboard.voice.stages.transcribe import Transcriber

    # Speech went on after the pause in frames between the two VAD thresholds (no Resume):
    # the speculation stopped at 700 ms, the utterance's last voiced frame is at 1500 ms.
    stt = ScriptedStt(["Is there a", "Is there a contactless card?"])
    stage = Transcriber(stt, lambda: 0.0)
    stage.speculate(0.0, tone(700), 700.0)
    await asyncio.sleep(0.05)
    pending = stage.final(0.0, lambda: tone(1700), 1500.0)
    assert not pending.speculative
    assert (await pending.result).text == "Is there a contactless card?"
    # A speculation that reaches the end of speech is the final transcript.
    stage.speculate(2000.0, tone(900), 2900.0)
    await asyncio.sleep(0.05)
    assert stage.final(2000.0, lambda: pytest.fail("no second STT"), 2736.0).speculative


# ----------------------------------------------------------------- sessions on fakes


async def _feed(session: CallSession, audio: np.ndarray) -> None:
    data = encode(audio, PCM16_16K)
    for i in range(0, len(data), 640):  # 20 ms frames
        await session.feed_audio(data[i : i + 640])


async def _until(cond: object, limit_s: float = 5.0) -> None:
    async with asyncio.timeout(limit_s):
        while not cond():  # type: ignore[operator]  # noqa: ASYNC110 - polls the session
            await asyncio.sleep(0.01)


async def test_no_input_prompt_repeats_the_question_the_agent_asked() -> None:
    conv = ScriptedConversation(replies=["Sure. What is your full name?"])
    session = CallSession(
        conv, fake_speech_stack(["I want to open an account."]), input_spec=PCM16_16K,
        output_spec=PCM16_16K, settings=VoiceSettings(no_input_ms=1000, max_no_input_prompts=2),
    )
    events, reader = listen(session)
    await session.start(greet=False)
    await _feed(session, np.concatenate([quiet(200), tone(800), quiet(700)]))
    await _until(lambda: len([e for e in events if isinstance(e, ReplyText)]) >= 1)
    for _ in range(40):  # up to 4 s of line silence, fed at a steady pace
        await _feed(session, quiet(100))
        await asyncio.sleep(0.01)
        if len([e for e in events if isinstance(e, ReplyText)]) >= 2:
            break
    said = [e.text for e in events if isinstance(e, ReplyText)]
    assert said[1] == "Sorry, I didn't hear anything. What is your full name?", said
    # The caller's turn was logged as speech (DTMF turns keep "dtmf").
    assert conv.inputs == [("speech", None)]
    await session.close()
    await reader


async def test_a_fragment_is_asked_again_never_sent_to_the_agent() -> None:
    conv = ScriptedConversation(replies=["Sorry, which account do you mean?"])
    session = CallSession(
        conv, fake_speech_stack(["their", "their"]), input_spec=PCM16_16K,
        output_spec=PCM16_16K,
    )
    events, reader = listen(session)
    await session.start(greet=False)
    await _feed(session, np.concatenate([quiet(200), tone(500), quiet(700)]))
    await _until(lambda: any(isinstance(e, ReplyText) for e in events))
    reply = next(e for e in events if isinstance(e, ReplyText))
    assert reply.text == prompt("not_understood", Locale.EN_US) and reply.kind == "prompt"
    assert conv.turns == [] and not session.ended
    logged = [e for e in conv.events if e.type is EventType.USER_INPUT]
    assert logged and logged[0].data["unclear"] == FRAGMENT
    assert logged[0].data["input_mode"] == "speech"
    # Asked once: the same again goes to the agent (nobody loops on "say that again").
    await _feed(session, np.concatenate([quiet(1500), tone(500), quiet(700)]))
    await _until(lambda: bool(conv.turns))
    assert conv.turns == [("c1", "their")]
    await session.close()
    await reader


async def test_the_audio_that_barged_in_stays_in_the_utterance() -> None:
    from switchboard.testing.speech import ScriptedStt

    stt = ScriptedStt(["Is there a branch open on Saturday?", "Stop, I need a new card."])
    speech = fake_speech_stack(ms_per_char=60)  # a reply of about 9 s
    speech.stt = stt
    conv = ScriptedConversation(replies=["Our branch opens at nine on Saturdays. " * 4, "OK."])
    session = CallSession(conv, speech, input_spec=PCM16_16K, output_spec=PCM16_16K,
                          settings=VoiceSettings(early_silence_ms=0))
    events, reader = listen(session)
    await session.start(greet=False)
    await _feed(session, np.concatenate([quiet(200), tone(800), quiet(700)]))
    await _until(lambda: len(conv.turns) == 1)
    await _feed(session, quiet(1500))  # the long reply is playing
    heard_before = len(stt.heard_ms)
    await _feed(session, np.concatenate([tone(900), quiet(700)]))  # barge-in
    await _until(lambda: len(conv.turns) == 2)
    assert any(type(e).__name__ == "Clear" for e in events)
    # The utterance sent to STT starts before the frames that triggered the barge-in:
    # pre-roll (400 ms) + the whole 900 ms of speech.
    assert stt.heard_ms[heard_before] >= 400 + 900 - 32
    await session.close()
    await reader


# ----------------------------------------------------------------- shipped models


def _line(text: str) -> tuple[np.ndarray, float]:
    """A Piper line at 16 kHz and its audible start, ms."""
    from pipeline_caller import line

    from switchboard.voice.caller import speech_bounds

    samples, rate = line(text, Locale.EN_US)
    audio = resample(samples, rate, 16000)
    return audio, speech_bounds(audio, 16000)[0]


def _onset_delay(stream: object, audio: np.ndarray, start_ms: float, lead_s: float) -> float:
    endpointer = Endpointer(VoiceSettings())
    signal = np.concatenate([np.zeros(int(16000 * lead_s), np.float32), audio])
    for i in range(0, len(signal), 320):
        for prob in stream.process(signal[i : i + 320]):  # type: ignore[attr-defined]
            for event in endpointer.push(prob):
                if isinstance(event, SpeechStart):
                    return event.start_ms - (1000 * lead_s + start_ms)
    return float("inf")


@pytest.mark.slow
def test_vad_finds_the_onset_after_20_s_of_silence_within_the_pre_roll() -> None:
    from voice_audio import speech_stack

    from switchboard.speech.vad import VadModel, VadStream

    vad = speech_stack().vad
    assert isinstance(vad, VadModel)
    audio, start = _line("Is there a contactless debit card?")
    fresh = _onset_delay(vad.stream(), audio, start, 0.4)
    stream = vad.stream()
    after_silence = _onset_delay(stream, audio, start, 20.0)
    numb = _onset_delay(VadStream(vad, reset_after_ms=0), audio, start, 20.0)
    assert stream.resets >= 19  # once per second of quiet
    assert after_silence <= fresh + 32 <= 100  # as quick as in a fresh call
    # Without the reset the LSTM state, numbed by the silence, opens the utterance late.
    assert numb > after_silence + 100, (numb, after_silence)


@pytest.mark.slow
async def test_a_clipped_wav_fragment_is_asked_again_and_a_clear_line_answered(
    tmp_path: Path,
) -> None:
    from voice_audio import speech_stack

    audio, _ = _line("Can I open a savings account online?")
    n = len(audio)
    wav = tmp_path / "clipped.wav"
    write_wav(wav, audio[int(n * 0.35) : int(n * 0.75)], 16000)  # cut mid-word at both ends
    clipped, rate = read_wav(wav)
    conv = ScriptedConversation(replies=["You can open one online in ten minutes."])
    session = CallSession(conv, speech_stack(), input_spec=PCM16_16K, output_spec=PCM16_16K)
    events, reader = listen(session)
    await session.start(greet=False)
    await _feed(session, np.concatenate([quiet(300), resample(clipped, rate, 16000), quiet(900)]))
    await _until(lambda: any(isinstance(e, ReplyText) for e in events), 60)
    first = next(e for e in events if isinstance(e, ReplyText))
    heard = [e.text for e in events if isinstance(e, Transcript)]
    assert first.text == prompt("not_understood", Locale.EN_US), (heard, first.text)
    assert conv.turns == []
    unclear_input = next(e for e in conv.events if e.type is EventType.USER_INPUT)
    assert unclear_input.data["unclear"] in {FRAGMENT, LOW_CONFIDENCE, CLIPPED}
    # The whole sentence is answered, logged as speech with a high confidence.
    await _feed(session, np.concatenate([quiet(2000), audio, quiet(900)]))
    await _until(lambda: bool(conv.turns), 60)
    assert conv.turns[0][1].lower().startswith("can i open")
    mode, confidence = conv.inputs[0]
    assert mode == "speech" and confidence is not None and confidence >= 0.8
    await session.close()
    await reader
