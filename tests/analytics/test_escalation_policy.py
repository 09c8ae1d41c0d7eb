"""The handover policy reads the live sentiment; attributes carry the raised priority."""

from __future__ import annotations

from switchboard.agent.handover import HandoverPolicy
from switchboard.domain.attributes import handover_attributes, queue_for
from switchboard.domain.types import HandoverReason, Route
from switchboard.ports import RouteDecision


def nlu(intent: str, route: Route = Route.BRANCH) -> RouteDecision:
    return RouteDecision(route=route, intent=intent, confidence=0.95)


def test_negative_sentiment_hands_over_as_frustration_even_on_a_slot_answer() -> None:
    policy = HandoverPolicy()
    for pending in (False, True):
        d = policy.evaluate(
            "Leeds",
            nlu("sb_branch_find"),
            {},
            answers_pending_question=pending,
            sentiment="NEGATIVE",
        )
        assert d is not None and d.reason is HandoverReason.CUSTOMER_FRUSTRATION
    calm = policy.evaluate(
        "Leeds", nlu("sb_branch_find"), {}, answers_pending_question=False, sentiment="NEUTRAL"
    )
    assert calm is None


def test_negative_sentiment_with_a_request_for_a_human_is_an_explicit_request() -> None:
    d = HandoverPolicy().evaluate(
        "get me a person",
        nlu("sb_human_request", Route.HANDOVER),
        {},
        answers_pending_question=False,
        sentiment="NEGATIVE",
    )
    assert d is not None and d.reason is HandoverReason.EXPLICIT_REQUEST


def test_negative_sentiment_raises_priority_whatever_the_reason() -> None:
    assert queue_for(HandoverReason.CAPABILITY_LIMITATION) == ("GeneralAgentQueue", 5)
    assert queue_for(HandoverReason.CAPABILITY_LIMITATION, sentiment="NEGATIVE") == (
        "PriorityAgentQueue",
        1,
    )
    assert handover_attributes(None, sentiment="NEGATIVE")["RealTimeSentiment"] == "NEGATIVE"
