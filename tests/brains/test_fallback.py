"""The fallback chain: failing, throttled and hung providers give way to the next brain."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from switchboard.brains.factory import build_brain, chain_names
from switchboard.brains.fallback import FallbackBrain
from switchboard.config import Settings
from switchboard.domain.types import Contact, Locale
from switchboard.errors import BrainError, ConfigError
from switchboard.ports import Brain, BrainStep, BrainTurn
from switchboard.testing.fakes import DeadBrain, ScriptedBrain


class HungBrain:
    name = "hung"

    def __init__(self) -> None:
        self.calls = 0

    async def step(self, turn: BrainTurn) -> BrainStep:
        self.calls += 1
        await asyncio.sleep(60)
        raise AssertionError("never reached")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def answer(text: str, name: str) -> ScriptedBrain:
    return ScriptedBrain(lambda t: BrainStep(text=text), name=name)


def turn() -> BrainTurn:
    return BrainTurn(contact=Contact(locale=Locale.EN_GB), user_text="hello")


async def test_primary_answers_when_healthy() -> None:
    primary, backup = answer("from primary", "a"), answer("from backup", "b")
    chain = FallbackBrain([primary, backup], step_timeout_s=1.0)
    step = await chain.step(turn())
    assert step.text == "from primary" and backup.turns == []
    assert chain.name == "fallback(a>b)" and chain.last_answered_by == "a"
    assert isinstance(chain, Brain)


async def test_failing_provider_gives_way_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    backup = answer("from backup", "local")
    chain = FallbackBrain([DeadBrain(), backup], step_timeout_s=1.0)
    with caplog.at_level(logging.WARNING, logger="switchboard.brains.fallback"):
        step = await chain.step(turn())
    assert step.text == "from backup" and chain.last_answered_by == "local"
    assert "brain dead failed (BrainError: provider unavailable)" in caplog.text


async def test_hung_provider_times_out_and_next_answers() -> None:
    hung = HungBrain()
    chain = FallbackBrain([hung, answer("from backup", "b")], step_timeout_s=0.05)
    step = await chain.step(turn())
    assert step.text == "from backup" and hung.calls == 1


async def test_failed_provider_cools_down_then_is_tried_again() -> None:
    clock = Clock()
    dead = DeadBrain()
    calls: list[str] = []

    class Counting:
        name = "dead"

        async def step(self, t: BrainTurn) -> BrainStep:
            calls.append("dead")
            return await dead.step(t)

    chain = FallbackBrain([Counting(), answer("ok", "b")], step_timeout_s=1.0, cooldown_s=30,
                          clock=clock)
    await chain.step(turn())
    await chain.step(turn())
    assert calls == ["dead"]  # skipped while cooling down
    clock.now += 31
    await chain.step(turn())
    assert calls == ["dead", "dead"]


async def test_every_provider_failing_raises_with_all_reasons() -> None:
    chain = FallbackBrain([DeadBrain(), HungBrain()], step_timeout_s=0.05)
    with pytest.raises(BrainError) as info:
        await chain.step(turn())
    assert "dead: BrainError" in str(info.value) and "hung: no answer within 0.05 s" in str(
        info.value
    )


async def test_last_brain_is_tried_even_when_cooling_down() -> None:
    clock = Clock()
    flaky_results: list[Any] = [BrainError("down"), BrainStep(text="back")]

    async def flaky(t: BrainTurn) -> BrainStep:
        item = flaky_results.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    class Flaky:
        name = "only"
        step = staticmethod(flaky)

    chain = FallbackBrain([Flaky()], step_timeout_s=1.0, cooldown_s=60, clock=clock)
    with pytest.raises(BrainError):
        await chain.step(turn())
    assert (await chain.step(turn())).text == "back"


def test_chain_names_from_settings() -> None:
    s = Settings(brain="bedrock", brain_fallback="openai, local,openai")
    assert chain_names(s) == ["bedrock", "openai", "local"]
    with pytest.raises(ConfigError, match="unknown brain 'gpt'"):
        chain_names(Settings(brain="gpt"))
    with pytest.raises(ConfigError):
        FallbackBrain([], step_timeout_s=1.0)


def test_build_brain_single_and_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("openai")
    monkeypatch.setenv("SWITCHBOARD_BRAIN", "openai")
    monkeypatch.setenv("SWITCHBOARD_OPENAI__BASE_URL", "http://127.0.0.1:9/v1")
    assert build_brain(Settings()).name == "openai"
    monkeypatch.setenv("SWITCHBOARD_BRAIN_FALLBACK", "local")
    monkeypatch.setenv("SWITCHBOARD_AGENT__BRAIN_TIMEOUT_S", "10")
    monkeypatch.setenv("SWITCHBOARD_BRAIN_STEP_TIMEOUT_S", "8")
    chain = build_brain(Settings())
    assert isinstance(chain, FallbackBrain)
    assert [b.name for b in chain.brains] == ["openai", "local"]
    assert chain.step_timeout_s == 5.0  # its share of the loop's 10 s budget
