"""The browser voice page in headless Chromium with a fake microphone playing a WAV file.

Chromium's ``--use-file-for-fake-audio-capture`` feeds a synthesised customer
question (Piper) to getUserMedia; the page captures it in its AudioWorklet,
downsamples to 16 kHz PCM16 and streams it over ``WS /v1/voice``. The test
asserts on the live caption of what was said, the agent's reply caption, the
seed 4 silence hint, and reply audio arriving and being scheduled for playback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from voice_audio import wer

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
QUESTION = "Where is the nearest branch in Manchester?"

if not CHROMIUM.exists():
    pytest.skip(
        "no /usr/bin/chromium (run `make browser`); voice page not tested", allow_module_level=True
    )


@pytest.fixture
def question_wav(tmp_path: Path, speak: Callable[[str], tuple[np.ndarray, int]]) -> Path:
    from switchboard.speech.audio import resample, write_wav

    samples, rate = speak(QUESTION)
    audio = resample(samples, rate, 48000)
    lead, tail = np.zeros(24000, np.float32), np.zeros(48000 * 4, np.float32)
    path = tmp_path / "customer.wav"
    write_wav(path, np.concatenate([lead, audio, tail]).astype(np.float32), 48000)
    return path


@pytest.fixture
def page(question_wav: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={question_wav}%noloop",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        context = browser.new_context(permissions=["microphone"])
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            yield tab
        finally:
            context.close()
            browser.close()
        assert errors == [], f"JavaScript errors on the voice page: {errors}"


def test_spoken_question_gets_captions_and_reply_audio(
    page: Any, voice_server: Any, tmp_path: Path
) -> None:
    sent: list[dict[str, Any]] = []
    received: list[dict[str, Any]] = []

    def on_socket(ws: Any) -> None:
        ws.on("framesent", lambda payload: sent.append(json.loads(payload)))
        ws.on("framereceived", lambda payload: received.append(json.loads(payload)))

    page.on("websocket", on_socket)
    page.goto(f"{voice_server.http_url}/voice#token={voice_server.token}")
    assert "#token" not in page.url  # the page drops the token from the address bar
    page.get_by_role("button", name="Start call").click()
    page.locator("#call[data-state='live']").wait_for(timeout=120_000)

    customer = page.locator(".caption--customer").first
    customer.wait_for(timeout=180_000)
    said = customer.locator(".caption__text").inner_text()
    assert wer(QUESTION, said) <= 0.2, said

    answer = page.locator(".caption--agent", has_text="Manchester").first
    answer.wait_for(timeout=180_000)
    reply_id = int(answer.get_attribute("data-reply-id") or -1)

    def reply_audio() -> list[dict[str, Any]]:
        return [f for f in received if f.get("type") == "audio" and f.get("replyId") == reply_id]

    for _ in range(120):  # Playwright delivers socket events while the page waits
        if reply_audio():
            break
        page.wait_for_timeout(500)

    audio = reply_audio()
    assert audio, "no reply audio arrived for the answer"
    assert audio[0]["format"] == "audio/pcm" and audio[0]["sampleRate"] == 16000
    assert int(page.locator("#call").get_attribute("data-audio-chunks") or 0) >= len(audio)

    # what the page sent: seed 4 audio frames at 16 kHz, and the 1.5 s silence hint
    # (the server may answer before the page has heard 1.5 s of silence: wait for it)
    def hinted() -> bool:
        return any(f.get("type") == "audio" and f.get("endOfUtterance") is True for f in sent)

    for _ in range(40):
        if hinted():
            break
        page.wait_for_timeout(250)
    audio_out = [f for f in sent if f.get("type") == "audio"]
    assert audio_out and all(f.get("sampleRate") == 16000 for f in audio_out)
    assert hinted(), "the page never sent endOfUtterance after the question"

    # the question starts 0.5 s into the (longer) spoken greeting: a barge-in. The page
    # got the stop message, stopped playback and marked that caption as interrupted.
    stops = [f for f in received if f.get("type") == "stop"]
    assert stops, "no barge-in stop message while the greeting was playing"
    cut = page.locator(f".caption--agent[data-reply-id='{stops[0]['replyId']}']")
    assert "caption--interrupted" in (cut.get_attribute("class") or "")
    assert page.locator("#token-box").is_hidden()  # the token came in the URL fragment

    page.screenshot(path=str(tmp_path / "voice-page.png"), full_page=True)
    page.get_by_role("button", name="Hang up").click()
    page.locator("#call[data-state='ended']").wait_for(timeout=30_000)
