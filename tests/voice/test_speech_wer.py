"""Word error rate of the speech path on recorded public-domain speech (LibriVox).

The clips and their reference transcripts are in ../shared/data/audio
(pocketsphinx test data, LibriVox recordings); the test skips, saying so,
when they are absent. Two paths: the STT engine alone on the 16 kHz files,
and a whole call (PCM16 16 kHz through VAD, endpointing and speculation).
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from pathlib import Path

import jiwer
import numpy as np
import pytest
import pytest_asyncio
from voice_audio import speech_stack

from switchboard.agent.service import AgentService
from switchboard.compose import build_service
from switchboard.config import Settings
from switchboard.domain.types import Locale
from switchboard.speech.audio import MODEL_RATE, read_wav, resample
from switchboard.voice.caller import Collector, feed, silence, to_input
from switchboard.voice.events import PCM16_16K
from switchboard.voice.session import CallSession

pytestmark = [pytest.mark.slow]

BOOK = Path(__file__).resolve().parents[3] / "shared" / "data" / "audio" / (
    "pocketsphinx_testaudio"
)


def librivox() -> list[tuple[np.ndarray, int, str]]:
    index = BOOK / "transcripts.csv"
    if not index.is_file():
        pytest.skip(f"LibriVox clips not found at {BOOK} (../shared/data absent)")
    clips = []
    for row in csv.DictReader(index.open()):
        if row["file"].startswith("librivox/"):
            samples, rate = read_wav(BOOK / row["file"])
            clips.append((samples, rate, row["reference_transcript"]))
    if not clips:
        pytest.skip(f"no LibriVox rows in {index}")
    return clips


def norm(text: str) -> str:
    text = text.lower().replace("-", " ").replace("mr.", "mister").replace("mr ", "mister ")
    return " ".join("".join(c if c.isalnum() or c.isspace() else " " for c in text).split())


def test_stt_wer_on_librivox_is_at_most_10_percent() -> None:
    stt = speech_stack().stt
    refs, hyps = [], []
    for samples, rate, ref in librivox():
        hyps.append(norm(stt.transcribe(resample(samples, rate, MODEL_RATE)).text))
        refs.append(norm(ref))
    score = jiwer.wer(refs, hyps)
    print(f"LibriVox STT WER {score:.3f} over {len(refs)} clips")
    assert score <= 0.10, list(zip(refs, hyps, strict=True))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def service(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AgentService]:
    db = Path(tmp_path_factory.mktemp("voice-wer")) / "calls.db"
    svc = await build_service(
        Settings(database_url=f"sqlite:///{db}", log_json=False, log_level="WARNING")
    )
    yield svc
    await svc.aclose()


@pytest.mark.asyncio(loop_scope="module")
async def test_call_wer_on_librivox_is_at_most_10_percent(service: AgentService) -> None:
    clips = librivox()
    refs, hyps = [], []
    for samples, rate, ref in clips:
        session = CallSession(
            service, speech_stack(), locale=Locale.EN_US,
            input_spec=PCM16_16K, output_spec=PCM16_16K,
        )
        col = Collector(session)
        await session.start(greet=False)
        await feed(session, to_input(silence(300, 16000), 16000, session))
        await feed(session, to_input(samples, rate, session))
        await feed(session, to_input(silence(1000, 16000), 16000, session))
        await col.wait_for(lambda r: bool(r.transcripts()))
        # Let any turn still being transcribed land, then hang up.
        await feed(session, to_input(silence(500, 16000), 16000, session))
        await session.close()
        record = await col.done()
        hyps.append(norm(" ".join(record.transcripts())))
        refs.append(norm(ref))
    score = jiwer.wer(refs, hyps)
    print(f"LibriVox call-path WER {score:.3f} over {len(refs)} clips")
    assert score <= 0.10, list(zip(refs, hyps, strict=True))
