"""The contact-attribute contract shared by the agent, Lex, flows and routing."""

import json

from switchboard.domain.attributes import (
    GENERAL_QUEUE,
    PRIORITY_QUEUE,
    handover_attributes,
    queue_for,
)
from switchboard.domain.types import ConversationSummary, Handover, HandoverReason


def _handover(reason: HandoverReason) -> Handover:
    summary = ConversationSummary(
        customer_query="I want a person",
        conversation_turns=1,
        topics_discussed=["handover"],
        information_collected={},
        handover_reason=reason,
    )
    return Handover(reason=reason, message="Connecting you", summary=summary)


def test_no_handover_sets_only_the_flag() -> None:
    assert handover_attributes(None) == {"handover": "false"}


def test_handover_carries_reason_summary_queue_and_priority() -> None:
    attrs = handover_attributes(_handover(HandoverReason.EXPLICIT_REQUEST))
    assert attrs["handover"] == "true"
    assert attrs["handover_reason"] == "explicit_request"
    assert json.loads(attrs["conversation_summary"])["customer_query"] == "I want a person"
    assert attrs["target_queue"] == GENERAL_QUEUE
    assert attrs["routing_priority"] == "5"
    assert all(isinstance(v, str) for v in attrs.values())


def test_frustration_and_negative_sentiment_raise_priority() -> None:
    assert queue_for(HandoverReason.CUSTOMER_FRUSTRATION) == (PRIORITY_QUEUE, 1)
    assert queue_for(HandoverReason.REPEATED_QUERY) == (GENERAL_QUEUE, 5)
    assert queue_for(HandoverReason.REPEATED_QUERY, sentiment="NEGATIVE") == (PRIORITY_QUEUE, 1)
    attrs = handover_attributes(_handover(HandoverReason.REPEATED_QUERY), sentiment="NEGATIVE")
    assert attrs["RealTimeSentiment"] == "NEGATIVE"
    assert attrs["target_queue"] == PRIORITY_QUEUE
