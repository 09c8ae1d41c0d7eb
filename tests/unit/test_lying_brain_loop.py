"""A lying brain through the whole turn loop: nothing fabricated reaches the customer."""

from __future__ import annotations

import pytest

from switchboard.agent.messages import fallback_message
from switchboard.audit import redact
from switchboard.compose import build_service
from switchboard.config import Settings
from switchboard.domain.types import (
    Action,
    HandoverReason,
    Locale,
    Route,
    ValidationAction,
)
from switchboard.ports import BrainStep, BrainTurn
from switchboard.store import SqlStore
from switchboard.testing.fakes import ScriptedRouter
from switchboard.testing.lying_brain import LIES, LyingBrain

LYING = [lie for lie in LIES if lie != "honest"]


class Recording:
    """Wraps a brain and keeps every reply text it wrote."""

    def __init__(self, inner: LyingBrain) -> None:
        self.inner = inner
        self.name = inner.name
        self.texts: list[str] = []

    async def step(self, turn: BrainTurn) -> BrainStep:
        step = await self.inner.step(turn)
        if step.text:
            self.texts.append(step.text)
        return step


async def run(lie: str, *, persistent: bool):
    brain = Recording(LyingBrain(lie, persistent=persistent))
    store = SqlStore("sqlite://")
    svc = await build_service(
        Settings(database_url="sqlite://"),
        brain=brain,
        store=store,
        router=ScriptedRouter({}, default=(Route.CARD_INFO, "sb_card_info", 0.9)),
    )
    c = await svc.start_contact(locale=Locale.EN_GB)
    reply = await svc.handle_turn(c.contact_id, "tell me what I need")
    logs = store.hallucination_logs(c.contact_id)
    await svc.aclose()
    return reply, brain.texts, logs


@pytest.mark.parametrize("lie", LYING)
async def test_persistent_liar_gets_fallback_and_transfer(lie: str) -> None:
    reply, texts, logs = await run(lie, persistent=True)
    assert texts, "the brain wrote a reply"
    assert reply.text not in texts
    assert reply.text == fallback_message("transfer", Locale.EN_GB)
    assert reply.action is Action.HANDOVER and reply.route is Route.HANDOVER
    assert reply.handover is not None
    assert reply.handover.reason is HandoverReason.VALIDATION_FAILURE
    assert reply.validation is not None and not reply.validation.passed
    assert logs, "every finding goes to the hallucination log"
    row = logs[0]
    # rows are PII-redacted (branch phone numbers included)
    assert row.session_id == reply.contact_id
    assert row.model_response in [redact(t) for t in texts]
    assert row.action_taken in (ValidationAction.FALLBACK, ValidationAction.REGENERATED)
    assert row.ttl > 0


@pytest.mark.parametrize("lie", LYING)
async def test_liar_that_corrects_itself(lie: str) -> None:
    reply, texts, logs = await run(lie, persistent=False)
    lying_text = texts[0]
    assert reply.text != lying_text
    assert logs
    if reply.action is Action.HANDOVER:  # high severity: straight to the safe fallback
        assert reply.text == fallback_message("transfer", Locale.EN_GB)
    else:  # medium: regenerated once with the stricter instruction, then validated
        assert reply.validation is not None and reply.validation.passed
        assert len(texts) == 2 and reply.text == texts[1]
        assert any(row.action_taken is ValidationAction.REGENERATED for row in logs)


async def test_honest_brain_passes_untouched() -> None:
    reply, texts, logs = await run("honest", persistent=True)
    assert reply.action is Action.ANSWER and reply.text == texts[-1]
    assert reply.validation is not None and reply.validation.passed
    assert logs == []
