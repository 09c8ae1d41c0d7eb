"""Mouth-to-ear latency of the human line: caller ⇄ agent through the server, p50/p95.

Runs the real app (SQLite in a temp dir, queues open, the shipped speech stack)
on a loopback port, puts a browser-socket caller through the handover ("I want
to speak to a person", synthesised), signs an agent in, takes the call and
opens the agent-audio socket. Then, ``--rounds`` times each way, one side sends
100 ms of a 1 kHz tone between 100 ms frames of silence and the clock runs
until the other side receives a frame whose energy shows the tone. The agent
sends 48 kHz audio (resampled by the server with soxr), the caller 16 kHz.

Usage: ``nice -n 10 .venv/bin/python bench/human_line_latency.py [--rounds 30]``
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from pydantic import SecretStr
from websockets.sync.client import ClientConnection, connect

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def pcm(samples: np.ndarray) -> str:
    """Float samples as base64 PCM16."""
    return base64.b64encode((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()).decode()


def tone(rate: int, ms: int = 100) -> np.ndarray:
    t = np.arange(rate * ms // 1000) / rate
    return (0.3 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)


def energy(frame: dict[str, Any]) -> float:
    raw = np.frombuffer(base64.b64decode(frame["data"]), dtype="<i2").astype(np.float32) / 32768
    return float(np.sqrt(np.mean(raw**2))) if len(raw) else 0.0


class Listener(threading.Thread):
    """Reads one socket; records when audio above ``level`` arrives."""

    def __init__(self, ws: ClientConnection, level: float) -> None:
        super().__init__(daemon=True)
        self.ws, self.level = ws, level
        self.loud = threading.Event()
        self.stop = False

    def run(self) -> None:
        while not self.stop:
            try:
                frame = json.loads(self.ws.recv(timeout=1))
            except TimeoutError:
                continue
            except Exception:
                return
            if frame.get("type") == "audio" and energy(frame) > self.level:
                self.loud.set()


def measure(sender: ClientConnection, rate: int, listener: Listener, rounds: int,
            extra: dict[str, Any]) -> list[float]:
    quiet = np.zeros(rate // 10, np.float32)
    out = []
    for _ in range(rounds):
        for _ in range(5):  # 500 ms of silence: the other side goes quiet
            sender.send(json.dumps({"type": "audio", "data": pcm(quiet), **extra}))
            time.sleep(0.1)
        listener.loud.clear()
        start = time.perf_counter()
        sender.send(json.dumps({"type": "audio", "data": pcm(tone(rate)), **extra}))
        if listener.loud.wait(10):
            out.append(1000 * (time.perf_counter() - start))
    return out


def p(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    from switchboard.api import create_app
    from switchboard.config import AuthSettings, RoutingSettings, Settings
    from switchboard.domain.types import Locale
    from switchboard.speech.audio import resample
    from switchboard.speech.stack import SpeechStack
    from switchboard.testing.identity import bearer, staff_token
    from switchboard.testing.live import LiveApp

    tmp = Path(tempfile.mkdtemp(prefix="human-line-bench-"))
    settings = Settings(
        database_url=f"sqlite:///{tmp / 'bench.db'}", log_json=False, log_level="WARNING",
        routing=RoutingSettings(hours="always"),
        auth=AuthSettings(jwt_secret=SecretStr("human-line-bench-" + "b" * 24)),
    )
    speech = SpeechStack.load_sync()
    app = create_app(settings)
    app.state.speech = speech
    with LiveApp(app) as live:
        contact = httpx.post(f"{live.http_url}/v1/contacts", json={"channel": "voice"}).json()
        caller = connect(
            f"{live.ws_url}/v1/voice",
            subprotocols=["bearer", contact["contact_token"]],  # type: ignore[list-item]
            max_size=None,
            open_timeout=120,
        )
        said = speech.tts.synthesize("I want to speak to a person.", Locale.EN_GB)
        audio = resample(np.asarray(said.samples, np.float32), said.sample_rate, 16000)
        audio = np.concatenate([audio, np.zeros(16000, np.float32)])
        for i in range(0, len(audio), 1600):
            caller.send(json.dumps({"type": "audio", "data": pcm(audio[i : i + 1600])}))
        caller.send(json.dumps({"type": "audio", "data": "", "endOfUtterance": True}))
        while json.loads(caller.recv(timeout=120)).get("type") != "queue":
            pass
        token = staff_token(settings, "agent", "bench")
        agent = httpx.post(f"{live.http_url}/v1/agents", json={}, headers=bearer(token)).json()
        desk = connect(f"{live.ws_url}/v1/agents/{agent['agent_id']}/desk",
                       subprotocols=["bearer", token])  # type: ignore[list-item]
        desk.send(json.dumps({"type": "status", "status": "available"}))
        while json.loads(desk.recv(timeout=60)).get("type") != "assigned":
            pass
        line = connect(f"{live.ws_url}/v1/contacts/{contact['contact_id']}/agent-audio",
                       subprotocols=["bearer", token], max_size=None)  # type: ignore[list-item]
        ear_caller, ear_agent = Listener(caller, 0.05), Listener(line, 0.05)
        ear_caller.start()
        ear_agent.start()
        time.sleep(1.0)  # the line hears agent_joined; hold audio stops
        to_caller = measure(line, 48000, ear_caller, args.rounds, {"sampleRate": 48000})
        to_agent = measure(caller, 16000, ear_agent, args.rounds, {})
        ear_caller.stop = ear_agent.stop = True
        for ws in (line, desk, caller):
            ws.close()
    load = os.getloadavg()
    for name, values in (("agent→caller", to_caller), ("caller→agent", to_agent)):
        print(f"{name}: n={len(values)}/{args.rounds} p50 {p(values, 50):.1f} ms "
              f"p95 {p(values, 95):.1f} ms (mean {statistics.fmean(values or [0]):.1f})")
    print(f"load average (1/5/15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
