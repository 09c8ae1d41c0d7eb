"""Issue 14: a browser voice call outlives its replica (SIGTERM drain, SIGKILL, held caller).

Two real ``switchboard serve`` replicas behind real nginx (private Redis,
PostgreSQL in a throw-away schema). The test plays the voice page's part on
``WS /v1/voice`` (seed 4 frames, marks echoed, the contact token of ``ready``
kept for a resume):

* a call with the AI agent on replica A; A gets SIGTERM: the page is told
  ``reconnect`` (close 1012) once the greeting has been answered, reconnects
  through nginx with ``?resume=1`` and the same contact goes on at replica B,
  which opens with the "we were cut off" prompt — one contact, never ended;
* the same after a SIGKILL of the replica holding the call (the socket just drops);
* a caller handed over (waiting in the queue) reconnects and is back on the held
  line: the queue position again and hold audio, the queue place kept.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from switchboard.config import Settings
from switchboard.testing.identity import bearer, staff_headers
from switchboard.testing.replicas import Rig, missing_tools, throwaway_schema
from switchboard.voice.prompts import prompt

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(bool(missing_tools()), reason=f"not installed: {missing_tools()}"),
]

RESUMED = prompt("resumed", Settings().locale)


@pytest.fixture(scope="module")
def rig(postgres_url: str) -> Iterator[Rig]:
    """Two replicas behind nginx on PostgreSQL (a fresh schema)."""
    with throwaway_schema(postgres_url, "voice") as database_url:
        cluster = Rig(database_url=database_url, replicas=2)
        cluster.extra_env["SWITCHBOARD_CLUSTER__DRAIN_S"] = "15"
        # The caller here says nothing while a replica restarts (~30 s): no "are you
        # still there?" hang-up in the meantime.
        cluster.extra_env["SWITCHBOARD_VOICE__NO_INPUT_MS"] = "300000"
        try:
            yield cluster.start()
        finally:
            cluster.stop()


def ws_url(base: str, query: str) -> str:
    """``WS /v1/voice`` of ``base`` (an http:// URL) with ``query``."""
    return base.replace("http://", "ws://") + f"/v1/voice?{query}"


def read_until(ws: ClientConnection, want: Any, timeout: float = 120) -> list[dict[str, Any]]:
    """Frames until one satisfies ``want`` (marks echoed as the page does once played).

    Raises:
        TimeoutError: nothing matched within ``timeout`` seconds.
    """
    frames: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = json.loads(ws.recv(timeout=deadline - time.monotonic()))
        frames.append(frame)
        if frame["type"] == "mark":
            ws.send(json.dumps({"type": "mark", "name": frame["name"]}))
        if want(frame):
            return frames
    raise TimeoutError(f"no matching frame in {timeout} s: {[f['type'] for f in frames]}")


def greeting_heard(frame: dict[str, Any]) -> bool:
    """The last mark of the first reply: the page has played the greeting."""
    return frame["type"] == "mark" and bool(frame.get("last"))


def resume(rig: Rig, token: str) -> tuple[ClientConnection, dict[str, Any]]:
    """Reconnect through nginx with ``?resume=1`` as the page does, with back-off.

    A draining replica answers ``reconnect`` at once; the page then tries again.
    """
    for attempt in range(12):
        ws = connect(ws_url(rig.proxy_url, "locale=en_GB&resume=1"),
                     subprotocols=["bearer", token],  # type: ignore[list-item]
                     open_timeout=60, max_size=None)  # fmt: skip
        first = json.loads(ws.recv(timeout=120))
        if first["type"] == "ready":
            return ws, first
        assert first["type"] == "reconnect", first
        ws.close()
        time.sleep(min(4.0, 0.25 * 2**attempt))
    raise AssertionError("the call could not be resumed")


def new_contact(rig: Rig) -> tuple[str, str]:
    """A customer's contact (id, contact token), made through nginx."""
    started = httpx.post(f"{rig.proxy_url}/v1/contacts", json={"locale": "en_GB"},
                         timeout=60).json()  # fmt: skip
    return started["contact_id"], started["contact_token"]


def view(rig: Rig, contact_id: str) -> dict[str, Any]:
    """The supervisor's view of a contact."""
    headers = staff_headers(Settings(database_url=rig.database_url), "supervisor", "rig-sup")
    response = httpx.get(f"{rig.proxy_url}/v1/contacts/{contact_id}", headers=headers, timeout=60)
    result: dict[str, Any] = response.json()
    return result


def test_a_drained_or_killed_replica_moves_the_call_and_it_goes_on(rig: Rig) -> None:
    contact_id, token = new_contact(rig)
    with connect(ws_url(rig.replica_url(0), "locale=en_GB"),
                 subprotocols=["bearer", token],  # type: ignore[list-item]
                 open_timeout=60, max_size=None) as ws:  # fmt: skip
        ready = json.loads(ws.recv(timeout=120))
        assert ready["type"] == "ready" and ready["contactId"] == contact_id
        assert ready["contactToken"] and ready["resumed"] is False
        read_until(ws, greeting_heard)
        proc = rig.procs[0]
        assert proc is not None
        proc.send_signal(signal.SIGTERM)  # a rolling update
        frames = []
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                frames.append(json.loads(ws.recv(timeout=60)))
        assert {"type": "reconnect", "reason": "draining", "contactId": contact_id} in frames
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012

    ws, ready = resume(rig, ready["contactToken"])  # lands on replica B
    with ws:
        assert ready["contactId"] == contact_id and ready["resumed"] is True
        said = read_until(ws, lambda f: f["type"] == "reply")[-1]
        assert said["text"] == RESUMED and said["kind"] == "greeting"
        read_until(ws, greeting_heard)
        assert view(rig, contact_id)["contact"]["ended_at"] is None  # one contact, going on

        # SIGKILL of the replica that now holds the call: the socket just drops
        rig.start_replica(0)  # the rolled replica is back
        rig.kill(1)
        with pytest.raises(ConnectionClosed):
            while True:
                ws.recv(timeout=60)

    ws, ready = resume(rig, ready["contactToken"])  # lands on replica A again
    with ws:
        assert ready["contactId"] == contact_id and ready["resumed"] is True
        said = read_until(ws, lambda f: f["type"] == "reply")[-1]
        assert said["text"] == RESUMED
        ws.send(json.dumps({"type": "hangup"}))
        read_until(ws, lambda f: f["type"] == "ended")
    deadline = time.monotonic() + 30
    while view(rig, contact_id)["contact"]["ended_at"] is None and time.monotonic() < deadline:
        time.sleep(0.5)
    contact = view(rig, contact_id)["contact"]
    assert contact["status"] == "resolved" and contact["ended_at"] is not None
    rig.start_replica(1)


def test_a_held_caller_who_reconnects_is_back_in_the_queue(rig: Rig) -> None:
    contact_id, token = new_contact(rig)
    asked = httpx.post(
        f"{rig.proxy_url}/v1/contacts/{contact_id}/messages",
        json={"text": "I want to speak to a person please"}, headers=bearer(token), timeout=60,
    )
    assert asked.json()["action"] == "handover", asked.json()
    ws, ready = resume(rig, token)  # e.g. the replica of the held line died
    with ws:
        assert ready["contactId"] == contact_id and ready["resumed"] is True
        frames = read_until(ws, lambda f: f["type"] == "queue", timeout=60)
        assert frames[-1]["position"] >= 1
        read_until(ws, lambda f: f["type"] == "audio", timeout=60)  # hold audio, never silence
        assert view(rig, contact_id)["contact"]["status"] == "transferred"
        ws.send(json.dumps({"type": "hangup"}))


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
def test_the_voice_page_resumes_by_itself_when_its_replica_stops(
    rig: Rig, tmp_path: Path
) -> None:
    """Chromium, a silent fake microphone, the page through nginx; its replica gets SIGTERM."""
    from playwright.sync_api import sync_playwright

    from switchboard.speech.audio import write_wav

    silence = tmp_path / "silence.wav"
    write_wav(silence, np.zeros(48000 * 2, np.float32), 48000)
    for i in range(rig.replicas):  # both replicas up (the tests above killed some)
        if rig.procs[i] is None or rig.procs[i].poll() is not None:  # type: ignore[union-attr]
            rig.start_replica(i)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream",
                  "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-audio-capture={silence}",
                  "--autoplay-policy=no-user-gesture-required"],
        )  # fmt: skip
        context = browser.new_context(permissions=["microphone"])
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            page.goto(f"{rig.proxy_url}/voice")
            page.click("#start")
            page.wait_for_selector("#call[data-state='live'][data-replica]", timeout=120_000)
            call = page.locator("#call")
            contact_id = call.get_attribute("data-contact-id")
            replica = str(call.get_attribute("data-replica"))
            page.wait_for_selector(".caption--agent", timeout=120_000)  # the greeting
            proc = rig.procs[int(replica.rsplit("-", 1)[1])]
            assert proc is not None
            proc.send_signal(signal.SIGTERM)
            page.wait_for_selector("#call[data-resumed='1'][data-state='live']", timeout=120_000)
            assert call.get_attribute("data-contact-id") == contact_id  # the same contact
            assert call.get_attribute("data-replica") != replica
            page.wait_for_function(
                "text => [...document.querySelectorAll('.caption--agent .caption__text')]"
                ".some(el => el.textContent === text)", arg=RESUMED, timeout=120_000,
            )
            assert page.locator(".caption--system", has_text="Reconnected.").count() == 1
        finally:
            context.close()
            browser.close()
    assert errors == [], f"JavaScript errors on the voice page: {errors}"
