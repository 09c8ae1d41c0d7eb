"""Issue 12 acceptance: a browser caller asks for a person and talks to an agent in /agent.

Two headless Chromium processes, each with a fake microphone playing a WAV of
synthesised speech (``--use-fake-device-for-media-stream
--use-file-for-fake-audio-capture``):

* the caller, on the voice page ``/voice``, says "I want to speak to a person",
  is handed over and held: the page shows the queue position, the socket
  brings the spoken announcement and hold music (checked by its energy and by
  transcribing it);
* the agent signs in on ``/agent`` with a password, goes available, is assigned
  the call and the page joins ``WS /v1/contacts/{id}/agent-audio``; the agent's
  microphone says a greeting, the caller's says their problem.

Audio must flow both ways (energy of what each page receives; the caller's
received audio transcribed back to the agent's words), both legs must be
transcribed live on the desk and stored on the contact, and the agent hangs
up with a disposition.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from pydantic import SecretStr

from switchboard.agent.conversation import HUMAN_INTENT
from switchboard.config import AuthSettings, RoutingSettings, Settings
from switchboard.testing.identity import ensure_user, staff_headers

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("no /usr/bin/chromium (run `make browser`)", allow_module_level=True)

TO_HUMAN = "I want to speak to a person."
CALLER_SAYS = "My debit card was stolen yesterday."
AGENT_SAYS = "Hello, this is Vera from the bank. How can I help you today?"
PASSWORD = "vera-desk-password-0123"
Speak = Callable[[str], tuple[np.ndarray, int]]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    from voice_audio import speech_stack

    from switchboard.api import create_app
    from switchboard.testing.live import LiveApp

    tmp = tmp_path_factory.mktemp("human-browser-db")
    settings = Settings(
        database_url=f"sqlite:///{tmp / 'switchboard.db'}",
        log_json=False,
        log_level="WARNING",
        routing=RoutingSettings(hours="always"),
        auth=AuthSettings(jwt_secret=SecretStr("human-browser-secret-" + "q" * 24)),
    )
    app = create_app(settings)
    app.state.speech = speech_stack()
    with LiveApp(app) as live:
        ensure_user(settings, "vera", "agent", PASSWORD)
        yield live.http_url, settings


def wav(path: Path, parts: list[tuple[float, np.ndarray | None]], speak_rate: int) -> Path:
    """Write a 48 kHz WAV: each part is (seconds of silence before, speech or None)."""
    from switchboard.speech.audio import resample, write_wav

    out: list[np.ndarray] = []
    for gap, speech in parts:
        out.append(np.zeros(int(48000 * gap), np.float32))
        if speech is not None:
            out.append(resample(speech, speak_rate, 48000))
    write_wav(path, np.concatenate(out).astype(np.float32), 48000)
    return path


def launch(playwright: Any, audio: Path, loop: bool) -> Any:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={audio}{'' if loop else '%noloop'}",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )


def samples_of(frames: list[dict[str, Any]]) -> np.ndarray:
    from switchboard.speech.audio import pcm16_to_float

    parts = [pcm16_to_float(base64.b64decode(f["data"])) for f in frames if f["type"] == "audio"]
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def held_since_queue(received: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The frames from the first ``queue`` frame on (none before it arrived)."""
    frames = list(received)
    kinds = [f.get("type") for f in frames]
    return frames[kinds.index("queue") :] if "queue" in kinds else []


def audio_frames(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``audio`` frames among ``frames``, in order."""
    return [f for f in frames if f.get("type") == "audio"]


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) if len(x) else 0.0


def heard(x: np.ndarray) -> str:
    from voice_audio import speech_stack

    return str(speech_stack().stt.transcribe(x.astype(np.float32)).text).lower()


def test_caller_is_held_then_talks_with_an_agent_in_the_desk_page(
    server: tuple[str, Settings], speak: Speak, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base, settings = server
    to_human, rate = speak(TO_HUMAN)
    problem, _ = speak(CALLER_SAYS)
    greeting, _ = speak(AGENT_SAYS)
    caller_wav = wav(
        tmp_path / "caller.wav",
        [(1.0, to_human), (28.0, problem), (8.0, problem), (8.0, problem), (8.0, problem),
         (30.0, None)],
        rate,
    )
    agent_wav = wav(tmp_path / "agent.wav", [(2.0, greeting), (3.0, None)], rate)
    errors: list[str] = []
    received: list[dict[str, Any]] = []

    def on_socket(ws: Any) -> None:
        if "/v1/voice" in ws.url:
            ws.on("framereceived", lambda payload: received.append(json.loads(payload)))

    with sync_playwright() as playwright:
        agent_browser = launch(playwright, agent_wav, loop=True)
        caller_browser = launch(playwright, caller_wav, loop=False)
        try:
            desk = agent_browser.new_context(permissions=["microphone"]).new_page()
            desk.on("pageerror", lambda exc: errors.append(f"agent: {exc}"))
            desk.goto(f"{base}/agent")
            desk.get_by_label("User name").fill("vera")
            desk.get_by_label("Password").fill(PASSWORD)
            desk.get_by_role("button", name="Sign in").click()
            desk.wait_for_selector("body[data-desk='connected'][data-agent-status='offline']")

            phone = caller_browser.new_context(permissions=["microphone"]).new_page()
            phone.on("pageerror", lambda exc: errors.append(f"caller: {exc}"))
            phone.on("websocket", on_socket)
            phone.goto(f"{base}/voice")
            phone.get_by_role("button", name="Start call").click()
            phone.wait_for_selector("#call[data-queue-position='1']", timeout=120_000)
            contact_id = phone.locator("#call").get_attribute("data-contact-id")
            assert contact_id
            # held: the announcement and hold music (≥ 3 s of it, every chunk audible)
            phone.wait_for_function(
                "() => Number(document.querySelector('#call').dataset.audioChunks) > 0"
            )
            # poll (250 ms steps, 60 s at most) until ≥ 60 hold chunks came after the queue
            # frame; the page's socket frames are recorded while Playwright waits
            held = held_since_queue(received)
            deadline = time.monotonic() + 60
            while len(audio_frames(held)) < 60 and time.monotonic() < deadline:
                phone.wait_for_timeout(250)
                held = held_since_queue(received)
            announcement = next(f for f in held if f["type"] == "announcement")
            assert "queue" in announcement["text"]
            hold = audio_frames(held)
            assert len(hold) >= 60, len(hold)
            assert min(rms(samples_of([f])) for f in hold) > 0.003
            assert "queue" in heard(samples_of(hold)) or "next" in heard(samples_of(hold))
            assert phone.locator(".caption--system", has_text="in the queue").count() >= 1

            # the agent takes the call in the desk page
            desk.get_by_role("button", name="Go available").click()
            desk.wait_for_selector(f"#contact[data-contact-id='{contact_id}']", timeout=30_000)
            assert "I want to speak to a person" in (desk.locator("#summary").text_content() or "")
            phone.wait_for_selector("#call[data-agent='vera']", timeout=30_000)
            desk.wait_for_selector("#voice:not([hidden])", timeout=30_000)
            # the agent's words reach the caller and are transcribed on the desk
            desk.wait_for_selector("#voice-transcript [data-leg='agent']", timeout=90_000)
            joined = [f["type"] for f in received].index("agent_joined")
            phone.wait_for_selector(".caption--agent >> text=help you", timeout=60_000)
            voice = samples_of(received[joined:])
            assert rms(voice) > 0.005, rms(voice)
            assert "help you" in heard(voice), heard(voice)
            # the caller's words reach the agent and are transcribed on the desk
            desk.wait_for_selector(
                "#voice-transcript [data-leg='customer'] >> text=stolen", timeout=120_000
            )
            level = float(desk.locator("body").get_attribute("data-voice-rx-rms") or 0)
            assert level > 0.005, level
            assert int(desk.locator("body").get_attribute("data-voice-tx") or 0) > 20
            desk.wait_for_selector("#transcript [data-source='CUSTOMER'] >> text=stolen")
            agent_line = desk.locator("#voice-transcript [data-leg='agent']").first.text_content()
            assert "help" in (agent_line or "").lower() or "vera" in (agent_line or "").lower()

            # hang up with a disposition
            desk.get_by_label("Disposition").select_option("resolved")
            desk.get_by_role("button", name="Close contact").click()
            desk.wait_for_selector("#contact", state="hidden", timeout=30_000)
            phone.wait_for_selector("#call[data-state='ended']", timeout=30_000)
        finally:
            agent_browser.close()
            caller_browser.close()
    assert errors == [], errors
    view = httpx.get(
        f"{base}/v1/contacts/{contact_id}", headers=staff_headers(settings, "supervisor"),
        timeout=30,
    ).json()
    customer = " ".join(m["content"] for m in view["messages"] if m["role"] == "user").lower()
    human = " ".join(
        m["content"] for m in view["messages"] if m.get("intent") == HUMAN_INTENT
    ).lower()
    assert "stolen" in customer
    assert "help" in human
    dispositions = [e for e in view["events"] if e["type"] == "disposition"]
    assert dispositions and dispositions[0]["data"]["disposition"] == "resolved"
    assert view["contact"]["ended_at"] is not None
