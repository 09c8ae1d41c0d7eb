"""``switchboard call FILE.wav``: a recorded caller through the whole phone path.

The recording is converted to what a phone line carries (8 kHz G.711 μ-law,
20 ms frames, as Twilio sends them) and played into a :class:`CallSession`
in real time, after the greeting has played (a caller listens first). The
session runs the real agent, VAD, endpointing, STT and TTS. Written to the
output directory:

* ``transcript.json``: caller and agent lines in order, with barge-ins
  (``interrupted`` and the text actually heard) and the call's end;
* ``reply.wav``: the agent's audio as sent down the line (8 kHz), replies in order;
* ``timings.json``: per caller turn, call-clock ms of end of speech,
  transcript ready, reply text ready and first reply audio out, and the
  voice-to-voice latency (end of speech → first audio).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from switchboard.config import Settings
from switchboard.domain.types import Locale
from switchboard.speech.audio import read_wav, write_wav
from switchboard.speech.stack import SpeechStack
from switchboard.voice.caller import CallRecord, Collector, feed, silence, to_input
from switchboard.voice.conversation import ServiceLike
from switchboard.voice.events import (
    MULAW_8K,
    CallEnded,
    Clear,
    Error,
    Mark,
    ReplyText,
    Transcript,
)
from switchboard.voice.session import CallSession, TurnTiming


class ClosableService(ServiceLike, Protocol):
    """A conversation service the call file opens and closes itself."""

    async def aclose(self) -> None:
        """Release the service's resources."""
        ...


#: Builds the service from settings (the CLI passes ``build_service``).
ServiceOpener = Callable[[Settings], Awaitable[ClosableService]]


async def run_call_file(
    settings: Settings,
    wav: Path,
    out_dir: Path,
    *,
    open_service: ServiceOpener,
    locale: Locale | None = None,
    realtime: bool = True,
    tail_ms: int = 4000,
) -> dict[str, Any]:
    """Play ``wav`` as a phone caller; write the outputs; return the summary.

    Args:
        settings: service settings (database, brain, voice knobs).
        open_service: builds the conversation service from ``settings`` (supplied by
            the composition root, so ``voice`` imports nothing from ``agent``).
        wav: 16-bit PCM WAV of the caller, any rate, mono or stereo.
        out_dir: where ``transcript.json``, ``reply.wav`` and ``timings.json`` go.
        locale: the call's locale (default: settings).
        realtime: pace the audio at 1× (False: as fast as the session takes it).
        tail_ms: silence played after the recording, plus whatever the last
            reply needs to finish playing.

    Raises:
        switchboard.errors.InputError: the file is not a 16-bit PCM WAV.
    """
    samples, rate = read_wav(wav)
    speech = await SpeechStack.load(tts_cache=settings.voice.tts_cache_entries)
    service = await open_service(settings)
    try:
        session = CallSession(
            service, speech, locale=locale or settings.locale,
            input_spec=MULAW_8K, output_spec=MULAW_8K, customer_endpoint=f"file:{wav.name}",
        )
        collector = Collector(session)
        await session.start()
        await _listen_to_greeting(session, collector, realtime)
        await feed(session, to_input(samples, rate, session), realtime=realtime)
        await _drain(session, collector, realtime, tail_ms)
        if not session.ended:
            await session.close()
        record = await collector.done()
    finally:
        await service.aclose()
    return _write(out_dir, session, record, wav)


async def _listen_to_greeting(session: CallSession, collector: Collector, realtime: bool) -> None:
    """Feed line silence until the greeting's audio has been sent and played."""
    def greeting_sent(r: CallRecord) -> bool:
        return any(isinstance(e, Mark) and e.last and e.reply_id == 1 for _, e in r.events)

    await collector.wait_for(greeting_sent, timeout_s=120)
    played_ms = 1000.0 * sum(len(a) for a in collector.record.reply_audio) / 8000
    await feed(session, to_input(silence(played_ms + 300, 8000), 8000, session), realtime=realtime)


async def _drain(session: CallSession, collector: Collector, realtime: bool, tail_ms: int) -> None:
    """Keep the line open (silence) until the caller's turns are answered and played."""
    step_ms = 500
    waited = 0
    while not session.ended and waited < tail_ms + 60_000:
        await feed(session, to_input(silence(step_ms, 8000), 8000, session), realtime=realtime)
        waited += step_ms
        if not realtime:
            await asyncio.sleep(0.02)
        if waited >= tail_ms and _quiet(session, collector.record):
            return


def _quiet(session: CallSession, record: CallRecord) -> bool:
    """No turn in progress and every reply's audio fully sent."""
    replies = {e.reply_id for _, e in record.events if isinstance(e, ReplyText)}
    finished = {e.reply_id for _, e in record.events if isinstance(e, Mark) and e.last}
    cleared = {e.reply_id for _, e in record.events if isinstance(e, Clear)}
    return replies <= finished | cleared and not session.busy


def _write(out_dir: Path, session: CallSession, record: CallRecord, wav: Path) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    lines: list[dict[str, Any]] = []
    ended: dict[str, Any] | None = None
    for at, event in record.events:
        if isinstance(event, Transcript) and event.final:
            lines.append({"at_ms": round(at), "speaker": "caller", "source": event.source,
                          "text": event.text})
        elif isinstance(event, ReplyText):
            lines.append({"at_ms": round(at), "speaker": "agent", "kind": event.kind,
                          "text": event.text, "reply_id": event.reply_id,
                          "handover": asdict(event.handover) if event.handover else None})
        elif isinstance(event, Clear):
            lines.append({"at_ms": round(at), "speaker": "system", "event": "barge_in",
                          "reply_id": event.reply_id, "interrupted": True,
                          "heard_text": event.heard_text})
        elif isinstance(event, Error):
            lines.append({"at_ms": round(at), "speaker": "system", "event": "error",
                          "code": event.code, "message": event.message})
        elif isinstance(event, CallEnded):
            ended = {"reason": event.reason,
                     "handover": asdict(event.handover) if event.handover else None}
    transcript = {"file": str(wav), "contact_id": session.contact_id, "lines": lines,
                  "ended": ended}
    (out_dir / "transcript.json").write_text(json.dumps(transcript, indent=2), encoding="utf-8")
    audio = (np.concatenate(record.reply_audio) if record.reply_audio
             else np.zeros(0, dtype=np.float32))
    write_wav(out_dir / "reply.wav", audio, session.output_spec.sample_rate)
    timings = [_timing_row(t) for t in session.timings]
    (out_dir / "timings.json").write_text(json.dumps(timings, indent=2), encoding="utf-8")
    return {"contact_id": session.contact_id, "out_dir": str(out_dir), "turns": timings,
            "ended": ended}


def _timing_row(t: TurnTiming) -> dict[str, Any]:
    row: dict[str, Any] = {k: (round(v, 1) if isinstance(v, float) else v)
                           for k, v in asdict(t).items()}
    v2v = t.voice_to_voice_ms
    row["voice_to_voice_ms"] = round(v2v, 1) if v2v is not None else None
    return row
