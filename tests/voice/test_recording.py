"""Call recording (issue 12 item 6): both legs sealed at rest, played to supervisors only, purged.

A real agent service (SQLite, local brain, MCP tools, envelope encryption with
a keyring in a temporary folder) answers a call on the fake speech ports
(energy VAD, scripted STT, tone TTS) with ``voice.record_calls`` on. Then a
live app over the same database and keys plays the legs through
``GET /v1/contacts/{id}/recordings/{leg}`` with real tokens, and the privacy
service's retention purge deletes them.
"""

from __future__ import annotations

import asyncio
import io
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pytest
from pydantic import SecretStr

from switchboard.compose import build_service
from switchboard.config import AuthSettings, CryptoSettings, RetentionSettings, Settings
from switchboard.config_voice import VoiceSettings
from switchboard.crypto import Envelope, LocalKeyring, is_sealed
from switchboard.domain.audio import PCM16_16K
from switchboard.domain.types import EventType
from switchboard.errors import InputError
from switchboard.speech.audio import encode
from switchboard.testing.identity import staff_headers
from switchboard.testing.speech import fake_speech_stack, listen, quiet, tone
from switchboard.voice.events import Mark, ReplyText
from switchboard.voice.recording import CallRecorder, RecordingStore
from switchboard.voice.session import CallSession

SECRET = "recording-tests-secret-0123456789abcdef-0123"


def _settings(tmp: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp / 'calls.db'}",
        log_json=False,
        log_level="WARNING",
        voice=VoiceSettings(record_calls=True),
        retention=RetentionSettings(
            recordings_dir=tmp / "recordings", anchor_file=tmp / "anchors.jsonl",
            purge_interval_s=0, anchor_interval_s=0,
        ),
        crypto=CryptoSettings(
            keyring_file=tmp / "keyring.json", index_key_file=tmp / "index-key",
            anchor_key_file=tmp / "anchor.pem",
        ),
        auth=AuthSettings(jwt_secret=SecretStr(SECRET)),
    )


async def _call(settings: Settings) -> tuple[str, list[object], bytes]:
    """A recorded call: greeting, question, answer; returns (contact, events, caller PCM)."""
    service = await build_service(settings)
    speech = fake_speech_stack(["Where is your nearest branch to Manchester?"], ms_per_char=5)
    session = CallSession(service, speech, input_spec=PCM16_16K, output_spec=PCM16_16K)
    events, reader = listen(session)
    contact_id = await session.start()
    caller = encode(np.concatenate([quiet(300), tone(900, level=0.4), quiet(800)]), PCM16_16K)
    async with asyncio.timeout(120):
        while sum(isinstance(e, Mark) and e.last for e in events) < 1:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        for i in range(0, len(caller), 640):  # 20 ms frames
            await session.feed_audio(caller[i : i + 640])
        while sum(isinstance(e, Mark) and e.last for e in events) < 2:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    assert session.recorder is not None and session.recorder.duration_ms("bot") > 0
    await session.close()
    await reader
    stored = [e for e in service.contact_view(contact_id).events if e.type is EventType.RECORDING]
    await service.aclose()
    return contact_id, [*events, *stored], caller


def test_recorded_call_is_sealed_playable_by_supervisors_and_purged(tmp_path: Path) -> None:
    from switchboard.api import create_app
    from switchboard.privacy import PrivacyService
    from switchboard.testing.live import LiveApp

    settings = _settings(tmp_path)
    contact_id, events, caller_pcm = asyncio.run(_call(settings))
    greeting = next(e for e in events if isinstance(e, ReplyText))
    assert greeting.text.startswith("This call may be recorded")  # the caller is told first
    recordings = [e for e in events if getattr(e, "type", None) is EventType.RECORDING]
    linked = {e.data["leg"]: e.data for e in recordings}  # type: ignore[attr-defined]
    assert set(linked) == {"caller", "bot"}
    folder = settings.retention.recordings_dir
    for leg in ("caller", "bot"):
        blob = (folder / linked[leg]["key"]).read_bytes()
        assert is_sealed(blob) and b"RIFF" not in blob and b"WAVE" not in blob  # ciphertext
    assert caller_pcm[16000:16400] not in (folder / linked["caller"]["key"]).read_bytes()

    app = create_app(settings)
    with LiveApp(app) as live:
        base = f"{live.http_url}/v1/contacts/{contact_id}/recordings"
        supervisor = staff_headers(settings, "supervisor")
        listed = httpx.get(base, headers=supervisor, timeout=30)
        assert listed.status_code == 200
        assert {r["leg"] for r in listed.json()} == {"caller", "bot"}
        for leg in ("caller", "bot"):
            played = httpx.get(f"{base}/{leg}", headers=supervisor, timeout=30)
            assert played.status_code == 200 and played.headers["content-type"] == "audio/wav"
            with wave.open(io.BytesIO(played.content)) as wav:
                seconds = wav.getnframes() / wav.getframerate()
                assert wav.getframerate() == 16000 and seconds > 1.0
        caller_wav = httpx.get(f"{base}/caller", headers=supervisor, timeout=30).content
        assert caller_pcm[16000:16400] in caller_wav  # the caller's own audio, opened
        assert httpx.get(f"{base}/caller", timeout=30).status_code == 401
        agent = staff_headers(settings, "agent")
        assert httpx.get(f"{base}/caller", headers=agent, timeout=30).status_code == 403
        assert httpx.get(base, headers=agent, timeout=30).status_code == 403

        store = app.state.service.conversation.store
        later = datetime.now(UTC) + timedelta(days=settings.retention.recordings_days + 1)
        report = PrivacyService(settings, store).purge(now=later)
        assert report.recordings >= 2
        assert not list(folder.glob(f"{contact_id}.*"))
        assert httpx.get(f"{base}/caller", headers=supervisor, timeout=30).status_code == 404


def test_recorder_places_legs_on_the_call_clock_and_cuts_unheard_audio(tmp_path: Path) -> None:
    store = RecordingStore(tmp_path, Envelope(LocalKeyring.generate()))
    recorder = CallRecorder(store, "contact-1")
    recorder.write("caller", encode(tone(1000), PCM16_16K), 16000)
    recorder.write("bot", tone(500, rate=22050), 22050, at_ms=200.0)
    recorder.write("bot", tone(500, rate=22050), 22050, at_ms=300.0)  # queued after the first
    assert recorder.duration_ms("bot") == pytest.approx(1200.0, abs=2)
    recorder.cut("bot", 900.0)  # barge-in at 900 ms
    assert recorder.duration_ms("bot") == pytest.approx(900.0, abs=1)
    recorder.write("agent", b"\x00\x01" * 800, 8000)  # a desk bridge's PCM16 at 8 kHz
    with pytest.raises(InputError):
        recorder.write("supervisor", b"\x00\x00", 16000)
    with pytest.raises(InputError):
        recorder.write("agent", b"\x00", 16000)  # odd PCM16 byte count
    stored = {s.leg: s for s in recorder.close()}
    assert set(stored) == {"caller", "bot", "agent"}
    assert stored["agent"].duration_ms == pytest.approx(100.0, abs=2)  # 800 samples at 8 kHz
    assert store.load("contact-1", "bot")[:4] == b"RIFF"
    assert store.legs("contact-1") == ["caller", "bot", "agent"]
    with pytest.raises(InputError):
        RecordingStore.key("../etc", "caller")
