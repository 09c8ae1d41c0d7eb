"""Each voice stage alone, and a whole CallSession, on the fake speech ports.

Model-free (``switchboard.testing.speech``): an energy VAD, a scripted STT, a
tone TTS and a scripted conversation. Times are audio time (samples fed),
never wall-clock speed, except the DTMF timeout and the STT delay.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from switchboard.domain.audio import MULAW_8K, PCM16_16K
from switchboard.domain.types import ContactStatus, EventType, Locale
from switchboard.errors import InputError
from switchboard.ports import STT, TTS, VAD
from switchboard.speech.audio import encode
from switchboard.testing.speech import (
    EnergyVad,
    ScriptedConversation,
    ScriptedStt,
    ToneTts,
    fake_speech_stack,
    listen,
    quiet,
    tone,
)
from switchboard.voice.endpoint import Onset, Pause, Resume, SpeechStart, TurnEnd
from switchboard.voice.events import AudioOut, CallEnded, Clear, Error, Mark, ReplyText, Transcript
from switchboard.voice.session import CallSession
from switchboard.voice.settings import VoiceSettings
from switchboard.voice.stages.input import AudioInput
from switchboard.voice.stages.listen import Listener
from switchboard.voice.stages.speak import Speaker
from switchboard.voice.stages.timers import DtmfCollector, NoInputTimer
from switchboard.voice.stages.transcribe import Transcriber
from switchboard.voice.stages.turn import Conversation, TurnInput, TurnRunner, TurnTiming

S = VoiceSettings()


def test_fakes_implement_the_ports() -> None:
    assert isinstance(EnergyVad(), VAD)
    assert isinstance(ScriptedStt(), STT)
    assert isinstance(ToneTts(), TTS)
    assert isinstance(ScriptedConversation(), Conversation)


# ----------------------------------------------------------------- input


def test_input_decodes_resamples_and_keeps_pre_roll() -> None:
    stage = AudioInput(MULAW_8K, pre_roll_ms=400, idle_keep_ms=592)
    out = stage.push(encode(tone(1000, rate=8000), MULAW_8K))
    assert out is not None and len(out) == pytest.approx(16000, abs=32)
    assert stage.input_ms == 1000.0
    # Slice 600-800 ms with 400 ms pre-roll: 200-800 ms, 600 ms of 16 kHz audio.
    assert len(stage.slice(600, 800)) == 9600
    for _ in range(5):  # 5 s of idle line: only the last idle_keep_ms (+ < 1 s) is kept
        stage.push(encode(quiet(1000, rate=8000), MULAW_8K))
    assert 592 <= stage.buffered_ms <= 6000
    stage.trim(None)
    assert 592 <= stage.buffered_ms < 592 + 1000
    # Speech detected 96 ms after it started still has its whole 400 ms pre-roll.
    start = stage.input_ms - 96
    assert abs(len(stage.slice(start, stage.input_ms)) - 16 * 496) <= 8  # resampler delay
    stage.trim(start)  # an open utterance keeps its pre-roll
    assert abs(len(stage.slice(start, stage.input_ms)) - 16 * 496) <= 8


def test_input_pcm16_odd_byte_is_carried() -> None:
    stage = AudioInput(PCM16_16K, pre_roll_ms=0, idle_keep_ms=0)
    data = encode(tone(10), PCM16_16K)  # 160 samples, 320 bytes
    assert stage.push(data[:101]) is not None  # 50 samples, 1 byte carried
    assert stage.push(b"") is None or stage.input_ms == 50 / 16
    stage.push(data[101:])
    assert stage.input_ms == 10.0


def test_input_dates_speech_by_frame_arrival() -> None:
    stage = AudioInput(PCM16_16K, pre_roll_ms=0, idle_keep_ms=0)
    stage.push(encode(quiet(20), PCM16_16K))
    arrived = stage.call_ms()
    # 5 ms before the end of a frame that ended at input 20 ms: spoken 5 ms before it arrived.
    assert stage.call_ms_of_input(15.0) == pytest.approx(arrived - 5.0, abs=1.0)


# ----------------------------------------------------------------- VAD + endpointing


def _listen(listener: Listener, audio: np.ndarray) -> list[object]:
    return [e for events in listener.frames(audio) for e in events]


def test_listener_onset_start_pause_and_endpoint() -> None:
    listener = Listener(EnergyVad(), S)
    events = _listen(listener, np.concatenate([quiet(192), tone(640), quiet(800)]))
    kinds = [type(e) for e in events]
    assert kinds == [Onset, SpeechStart, Pause, TurnEnd]
    onset, start, pause, end = events
    assert isinstance(onset, Onset) and onset.start_ms == 192.0
    assert onset.detected_ms == 192.0 + S.barge_in_ms  # barge-in after 64 ms of voice
    assert isinstance(start, SpeechStart) and start.detected_ms == 192.0 + S.min_speech_ms
    assert isinstance(pause, Pause) and pause.end_ms == 832.0
    assert isinstance(end, TurnEnd) and end.why == "silence"
    # 500 ms endpointing, at the first 32 ms frame that completes it
    assert S.silence_ms <= end.closed_ms - end.end_ms < S.silence_ms + 32
    assert not listener.in_speech


def test_listener_resume_and_forced_close() -> None:
    listener = Listener(EnergyVad(), S)
    events = _listen(listener, np.concatenate([tone(320), quiet(224), tone(320)]))
    assert [type(e) for e in events] == [Onset, SpeechStart, Pause, Resume]
    assert listener.in_speech
    end = listener.force_close("hint")
    assert end is not None and end.why == "hint" and end.start_ms == 0.0
    assert listener.force_close("hint") is None


# ----------------------------------------------------------------- speculative STT


async def test_transcriber_reuses_the_speculation_of_the_same_utterance() -> None:
    stt = ScriptedStt(["Where is the branch?"])
    stage = Transcriber(stt, lambda: 0.0)
    stage.speculate(100.0, tone(500))
    await asyncio.sleep(0.05)
    assert stage.ready and stage.complete_sentence()
    pending = stage.final(100.0, lambda: pytest.fail("must not transcribe again"))
    assert pending.speculative and (await pending.result).text == "Where is the branch?"
    assert stt.heard_ms == [500.0] and stage.discarded == 0


async def test_transcriber_discards_a_speculation_the_caller_talked_past() -> None:
    stt = ScriptedStt(["Is there a", "Is there a contactless card?"])
    stage = Transcriber(stt, lambda: 0.0)
    stage.speculate(0.0, tone(300))
    await asyncio.sleep(0.05)
    assert not stage.complete_sentence()  # "Is there a" goes on
    stage.resume()
    pending = stage.final(0.0, lambda: tone(900))
    assert not pending.speculative
    assert (await pending.result).text == "Is there a contactless card?"
    assert stt.heard_ms == [300.0, 900.0] and stage.discarded == 1


# ----------------------------------------------------------------- speech out


def _speaker(tts: ToneTts, out: list[object], clock: list[float]) -> Speaker:
    return Speaker(
        tts, MULAW_8K, chunk_ms=100, emit=out.append, input_ms=lambda: clock[0],
        call_ms=lambda: 0.0, caller_speech=lambda: None,
    )


async def test_speaker_sends_sentences_in_chunks_with_marks() -> None:
    out: list[object] = []
    tts = ToneTts(fail_on={"Second one."})
    await _speaker(tts, out, [0.0]).speak("First sentence. Second one. Third!", kind="turn")
    assert isinstance(out[0], ReplyText)
    audio = [e for e in out if isinstance(e, AudioOut)]
    assert audio and all(len(a.data) <= 800 for a in audio)  # 100 ms of 8 kHz μ-law
    marks = [e.name for e in out if isinstance(e, Mark)]
    assert marks == ["r1-s0", "r1-s2", "r1-end"]
    assert [e.code for e in out if isinstance(e, Error)] == ["tts_failed"]
    assert tts.spoken == ["First sentence.", "Third!"]


async def test_speaker_barge_in_clears_with_the_text_heard() -> None:
    out: list[object] = []
    clock = [0.0]
    speaker = _speaker(ToneTts(ms_per_char=100), out, clock)
    await speaker.speak("One two three four. Five six seven eight.", kind="turn")
    clock[0] = 1000.0  # 1 s of the 1.9 s first sentence heard
    assert speaker.barge_in(1000.0, 1064.0)
    clear = next(e for e in out if isinstance(e, Clear))
    assert clear.reply_id == 1 and clear.heard_text == "One two …"
    assert not speaker.barge_in(1100.0, 1164.0)  # nothing playing any more
    await speaker.speak("Please hold.", kind="turn", interruptible=False)
    assert not speaker.barge_in(1200.0, 1264.0)


# ----------------------------------------------------------------- turns


def _runner(conv: ScriptedConversation, out: list[object], ended: list[str]) -> TurnRunner:
    speaker = _speaker(ToneTts(), out, [0.0])

    async def finish(reason: str, handover: object) -> None:
        ended.append(reason)

    runner = TurnRunner(
        conv, speaker, emit=out.append, call_ms=lambda: 0.0, finish=finish, on_idle=lambda: None
    )
    runner.contact_id = "c1"
    return runner


async def _done(text: str) -> object:
    from switchboard.ports import SttResult

    return SttResult(text, 1000.0, 5.0)


async def test_turn_runner_answers_through_the_conversation_port() -> None:
    conv = ScriptedConversation(replies=["We open at nine."])
    out: list[object] = []
    runner = _runner(conv, out, [])
    item = TurnInput("speech", TurnTiming(turn=1), _done("When do you open?"))  # type: ignore[arg-type]
    assert not await runner.run_one(item)
    assert conv.turns == [("c1", "When do you open?")]
    assert [e.text for e in out if isinstance(e, Transcript)] == ["When do you open?"]
    assert [e.text for e in out if isinstance(e, ReplyText)] == ["We open at nine."]
    assert runner.timings[0].transcript == "When do you open?"


async def test_turn_runner_prompts_on_silence_and_failure_and_ends_on_handover() -> None:
    conv = ScriptedConversation(replies=["HANDOVER: Putting you through."])
    out: list[object] = []
    ended: list[str] = []
    runner = _runner(conv, out, ended)
    empty = TurnInput("speech", TurnTiming(turn=1), _done(""))  # type: ignore[arg-type]
    assert not await runner.run_one(empty)
    assert conv.turns == []  # nothing sent to the agent
    assert [e.kind for e in out if isinstance(e, ReplyText)] == ["prompt"]
    assert await runner.run_one(TurnInput("dtmf", TurnTiming(turn=2, source="dtmf"), text="0"))
    reply = [e for e in out if isinstance(e, ReplyText)][-1]
    assert reply.handover is not None and reply.handover.queue == "GeneralAgentQueue"
    assert ended == ["handover"]
    conv.fail = InputError("contact c1 has ended")
    assert await runner.run_one(TurnInput("dtmf", TurnTiming(turn=3), text="1"))
    assert ended == ["handover", "error"]


# ----------------------------------------------------------------- timers


async def test_dtmf_collects_until_hash_or_timeout() -> None:
    got: list[str] = []
    dtmf = DtmfCollector(50, got.append)
    for d in "12#":
        dtmf.press(d)
    dtmf.press("9")
    assert got == ["12"] and dtmf.pending
    await asyncio.sleep(0.15)
    assert got == ["12", "9"] and not dtmf.pending


def test_no_input_prompts_then_goodbye() -> None:
    timer = NoInputTimer(8000, 2)
    timer.touch(1000)
    assert timer.due(8999) is None
    assert timer.due(9000) == "no_input"
    assert timer.due(17000) == "no_input"
    assert timer.due(25000) == "goodbye_no_input"
    timer.heard()
    assert timer.due(33000) == "no_input"


# ----------------------------------------------------------------- the whole session


async def _feed(session: CallSession, audio: np.ndarray) -> None:
    data = encode(audio, PCM16_16K)
    for i in range(0, len(data), 640):  # 20 ms frames
        await session.feed_audio(data[i : i + 640])


async def _until(session: CallSession, cond: object, limit_s: float = 5.0) -> None:
    async with asyncio.timeout(limit_s):
        while not cond():  # type: ignore[operator]  # noqa: ASYNC110 - polls the session
            await asyncio.sleep(0.01)


async def test_session_on_fakes_endpoints_transcribes_answers_and_barges_in() -> None:
    conv = ScriptedConversation(replies=["Our branch opens at nine on Saturdays. " * 3])
    speech = fake_speech_stack(["Is there a branch open on Saturday?"], ms_per_char=60)
    session = CallSession(conv, speech, input_spec=PCM16_16K, output_spec=PCM16_16K)
    events, reader = listen(session)
    assert await session.start(greet=False) == "c1"
    await _feed(session, np.concatenate([quiet(200), tone(800), quiet(700)]))
    await _until(session, lambda: any(isinstance(e, Mark) and e.last for e in events))
    assert conv.turns == [("c1", "Is there a branch open on Saturday?")]
    timing = session.timings[0]
    assert timing.close_reason in {"silence", "early"}
    # Barge in on the long reply (about 7 s of audio) 1 s into it.
    await _feed(session, quiet(1000))
    start_ms = session.input_ms
    await _feed(session, tone(200))
    await _until(session, lambda: any(isinstance(e, Clear) for e in events))
    clear = next(e for e in events if isinstance(e, Clear))
    assert clear.at_ms - start_ms <= S.barge_in_ms + 32  # one VAD frame of alignment
    assert conv.events[0].type is EventType.BARGE_IN
    assert clear.heard_text.startswith("Our branch")  # about 1 s of a 7 s reply
    await session.close()
    await reader
    assert isinstance(events[-1], CallEnded) and conv.ended == [("c1", ContactStatus.RESOLVED)]


async def test_session_closes_early_on_a_complete_speculative_sentence() -> None:
    conv = ScriptedConversation(replies=["Yes."])
    speech = fake_speech_stack(["Where is the branch?"])
    session = CallSession(conv, speech, input_spec=PCM16_16K, output_spec=PCM16_16K)
    await session.start(greet=False)
    await _feed(session, np.concatenate([quiet(200), tone(600), quiet(160)]))
    await _until(session, lambda: session.speculation_ready)
    await _feed(session, quiet(400))
    await _until(session, lambda: bool(conv.turns))
    assert session.timings[0].close_reason == "early"
    assert session.timings[0].speculative_hit
    assert session.speculations == 1 and session.speculations_discarded == 0
    await session.close()


async def test_session_keeps_the_pre_roll_for_the_transcript() -> None:
    stt = ScriptedStt(["Hello there."])
    speech = fake_speech_stack()
    speech.stt = stt
    session = CallSession(ScriptedConversation(), speech, input_spec=MULAW_8K,
                          output_spec=MULAW_8K, settings=VoiceSettings(early_silence_ms=0))
    await session.start(greet=False)
    data = encode(np.concatenate([quiet(3000, rate=8000), tone(800, rate=8000),
                                  quiet(800, rate=8000)]), MULAW_8K)
    for i in range(0, len(data), 160):
        await session.feed_audio(data[i : i + 160])
    await _until(session, lambda: len(stt.heard_ms) >= 1)
    # The speculation at the pause covers pre-roll (400 ms) + the whole utterance.
    assert stt.heard_ms[0] >= 400 + 800 - 32
    await session.close()


async def test_session_no_input_prompts_then_goodbye() -> None:
    conv = ScriptedConversation()
    session = CallSession(
        conv, fake_speech_stack(), input_spec=PCM16_16K, output_spec=PCM16_16K,
        settings=VoiceSettings(no_input_ms=1000, max_no_input_prompts=1),
    )
    events, reader = listen(session)
    await session.start(greet=False)
    for _ in range(40):  # 4 s of audio time, fed at a steady pace
        await _feed(session, quiet(100))
        await asyncio.sleep(0.01)
        if session.ended:
            break
    await asyncio.wait_for(reader, 5)
    kinds = [e.text for e in events if isinstance(e, ReplyText)]
    assert len(kinds) == 2 and "hear" in kinds[0].lower()
    ended = events[-1]
    assert isinstance(ended, CallEnded) and ended.reason == "no_speech"
    assert conv.ended == [("c1", ContactStatus.ABANDONED)]


async def test_session_dtmf_and_invalid_digit() -> None:
    conv = ScriptedConversation(replies=["Thanks."])
    session = CallSession(conv, fake_speech_stack(), input_spec=PCM16_16K,
                          output_spec=PCM16_16K, locale=Locale.EN_GB)
    events, reader = listen(session)
    await session.start(greet=False)
    await session.dtmf("X")
    for d in "42#":
        await session.dtmf(d)
    await _until(session, lambda: bool(conv.turns))
    assert conv.turns == [("c1", "42")]
    assert any(isinstance(e, Error) and e.code == "invalid_input" for e in events)
    assert session.timings[0].source == "dtmf"
    await session.close()
    await reader


@pytest.mark.slow
def test_shipped_engines_implement_the_ports() -> None:
    from voice_audio import speech_stack

    stack = speech_stack()
    assert isinstance(stack.vad, VAD) and isinstance(stack.stt, STT) and isinstance(stack.tts, TTS)
    vad = stack.vad
    assert (vad.sample_rate, vad.frame_samples, vad.frame_ms) == (16000, 512, 32.0)
    assert stack.stt.sample_rate == 16000
    speech = stack.tts.synthesize("Hello.", Locale.EN_US)
    assert speech.audio_ms > 100
    from switchboard.speech.audio import resample

    assert "hello" in stack.stt.transcribe(
        resample(speech.samples, speech.sample_rate, 16000)
    ).text.lower()
    stream = stack.vad.stream()
    assert len(stream.process(np.zeros(1000, dtype=np.float32))) == 1  # one whole frame, rest kept
    assert len(stream.process(np.zeros(24, dtype=np.float32))) == 1
