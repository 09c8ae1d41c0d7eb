"""Contact attributes: the names every channel and flow agrees on.

The AI agent, the Lex V2 code hook (``aws/``), the contact flows
(``flows/``, ``contactflow/``), the routing engine (``routing/``) and the
sentiment stage all read and write the same flat string map. Amazon Connect
contact attributes and Lex V2 session attributes are both ``dict[str, str]``
(Connect API "UpdateContactAttributes"; Lex V2 "SessionState"), so every value
here is a string.

Names come from the seeds where they have one: ``handover_reason`` and
``conversation_summary`` (seed 2 "Handover Execution"), ``TransferToAgent``
(seed 2 "Contact Flow Integration"), ``QueuePosition``, ``EstimatedWaitTime``
and ``CustomerPhoneNumber`` (seed 2 "Customer Queue Flow"),
``RealTimeSentiment`` (seed 3).
"""

from __future__ import annotations

import json

from switchboard.domain.types import Handover, HandoverReason

TRANSFER_INTENT = "TransferToAgent"
"""Lex intent name the agent closes with on a handover (seed 2)."""

ATTR_HANDOVER = "handover"
"""``"true"`` when the agent decided to hand the contact to a human, else ``"false"``."""
ATTR_HANDOVER_REASON = "handover_reason"
"""A :class:`HandoverReason` value."""
ATTR_CONVERSATION_SUMMARY = "conversation_summary"
"""The :class:`ConversationSummary` as a JSON string."""
ATTR_TARGET_QUEUE = "target_queue"
"""Queue name the contact should be transferred to (see :data:`QUEUES`)."""
ATTR_PRIORITY = "routing_priority"
"""Queue priority as a decimal string, ``"1"`` (highest) to ``"10"``; Connect's default is 5."""
ATTR_SENTIMENT = "RealTimeSentiment"
"""``POSITIVE`` | ``NEUTRAL`` | ``NEGATIVE`` (seed 3)."""
ATTR_CUSTOMER_PHONE = "CustomerPhoneNumber"
"""E.164 number for a callback (seed 2 queue flow)."""
ATTR_QUEUE_POSITION = "QueuePosition"
"""1-based position in the queue, as a string."""
ATTR_EWT = "EstimatedWaitTime"
"""Estimated wait time in whole minutes, as a string."""

GENERAL_QUEUE = "GeneralAgentQueue"
"""Seed 2's general queue (``aws_connect_queue.general_agent_queue``)."""
PRIORITY_QUEUE = "PriorityAgentQueue"
"""Seed 2 "Priority Routing": frustrated customers and complaints go here."""
QUEUES = (GENERAL_QUEUE, PRIORITY_QUEUE)

DEFAULT_PRIORITY = 5
HIGH_PRIORITY = 1

_PRIORITY_REASONS = frozenset(
    {HandoverReason.CUSTOMER_FRUSTRATION, HandoverReason.SENSITIVE_TOPIC}
)


def queue_for(reason: HandoverReason, *, sentiment: str | None = None) -> tuple[str, int]:
    """Pick the queue and priority for a handover (seed 2 "Priority Routing").

    Args:
        reason: why the agent hands over.
        sentiment: the contact's ``RealTimeSentiment`` if known; ``NEGATIVE``
            raises the priority whatever the reason.

    Returns:
        ``(queue name, priority)`` with priority 1 (highest) .. 10.
    """
    if reason in _PRIORITY_REASONS or sentiment == "NEGATIVE":
        return PRIORITY_QUEUE, HIGH_PRIORITY
    return GENERAL_QUEUE, DEFAULT_PRIORITY


def handover_attributes(
    handover: Handover | None, *, sentiment: str | None = None
) -> dict[str, str]:
    """The contact attributes the agent sets at the end of a bot turn.

    Args:
        handover: the turn's handover decision, or None when the bot goes on.
        sentiment: the contact's rolling sentiment label, if known.

    Returns:
        A flat ``str → str`` map: ``handover`` always; with a handover also
        ``handover_reason``, ``conversation_summary`` (JSON), ``target_queue``
        and ``routing_priority``; ``RealTimeSentiment`` when given.
    """
    attrs: dict[str, str] = {ATTR_HANDOVER: "true" if handover else "false"}
    if sentiment:
        attrs[ATTR_SENTIMENT] = sentiment
    if handover is None:
        return attrs
    queue, priority = queue_for(handover.reason, sentiment=sentiment)
    attrs[ATTR_HANDOVER_REASON] = handover.reason.value
    attrs[ATTR_CONVERSATION_SUMMARY] = json.dumps(
        handover.summary.model_dump(mode="json"), ensure_ascii=False, sort_keys=True
    )
    attrs[ATTR_TARGET_QUEUE] = queue
    attrs[ATTR_PRIORITY] = str(priority)
    return attrs
