"""Handover policy and the conversation summary for the human agent.

Source: seed 2 "Agent Handover Design" (triggers, detection logic, execution,
messages). The seed's detection is naive keyword matching ("person" in
"personal account" would trigger it); this policy reads the router's
fine-grained intent instead, so a request for a human, a complaint, a stolen
card and a personal-account question are told apart by meaning, and keeps
the seed's counters (repeated query 3+, tool failures 3+).

Triggers, in order of precedence:

========================  =============================================================
reason                    fires when
========================  =============================================================
explicit_request          the intent is a request for a human (any route confidence)
customer_frustration      live sentiment escalated the contact (``RealTimeSentiment``
                          is ``NEGATIVE``, seed 3), or the intent is frustration
sensitive_topic           lost/stolen/compromised card, fraud, disputes, complaints
technical_issues          ``tool_failure_threshold`` (3) failed tool calls in the contact
repeated_query            the same non-smalltalk intent ``repeated_query_threshold`` (3)
                          times in the last 6 customer turns
complex_scenario          a tool route, but a complicating factor (tax, debt, legal,
                          bankruptcy, immigration...) is raised (seed 2 Example 2)
capability_limitation     the route is ``handover`` for any other intent (the tools
                          cannot answer it: transfers, balances, refunds...)
========================  =============================================================
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from switchboard.domain.types import (
    TOOL_ROUTES,
    ConversationSummary,
    HandoverReason,
    Message,
    Role,
    Route,
)
from switchboard.ports import RouteDecision

#: Intents that ask for a human (our own label and the NLU++-derived one).
EXPLICIT_INTENTS = frozenset({"sb_human_request", "nlupp_handoff", "human_request", "handoff"})
#: Intents that express frustration with the service.
FRUSTRATION_INTENTS = frozenset({"sb_frustration", "frustration"})
#: Complaints, security incidents and disputes (seed 2 trigger 4 "Sensitive Topics").
SENSITIVE_INTENTS = frozenset(
    {
        "sb_complaint",
        "complaint",
        "lost_or_stolen_card",
        "lost_or_stolen_phone",
        "compromised_card",
        "card_payment_not_recognised",
        "cash_withdrawal_not_recognised",
        "direct_debit_payment_not_recognised",
        "transaction_charged_twice",
        "report_fraud",
        "report_lost_card",
        "card_swallowed",
        "wrong_amount_of_cash_received",
        "nlupp_lost_stolen",
        "nlupp_lost_or_stolen",
        "sb_account_security",
        "nlupp_fraud",
        "sb_lost_stolen_card",
        "sb_fraud",
        "terminate_account",
    }
)
#: Smalltalk-like intents that never count as a repeated query.
_NON_REPEATING = frozenset(
    {"greeting", "thank_you", "goodbye", "yes", "no", "maybe", "repeat", "cancel", "oos"}
)

#: Complicating factors that need a human's judgement even on a tool route (seed 2 Example 2).
_COMPLEX = re.compile(
    r"\b(tax(es)? (issue|problem|investigation|debt|bill)s?|tax issues?|hmrc|irs|"
    r"bankrupt\w*|insolven\w*|debt collect\w*|in debt|debts|county court|ccj|"
    r"lawsuit|legal (issue|problem|dispute|action)s?|court order|"
    r"immigration status|visa status|no fixed address|homeless|power of attorney|"
    r"deceased|bereavement|passed away|sanction\w*|criminal record|"
    r"problèmes? fiscaux|impôts impayés|faillite|surendett\w*)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class HandoverDecision:
    """A decision to hand over, with the seed 2 reason and a short explanation."""

    reason: HandoverReason
    detail: str


@dataclass(frozen=True)
class HandoverPolicy:
    """Decides, before the brain runs, whether a human should take the contact.

    Args:
        repeated_query_threshold: same intent this many times → handover (seed: 3).
        tool_failure_threshold: this many failed tool calls → handover (seed: 3).
        repeat_window: how many recent customer intents the repeated-query check reads.
        pending_override_confidence: router confidence above which a request for a
            human or frustration wins over an answer to the agent's pending question.
    """

    repeated_query_threshold: int = 3
    tool_failure_threshold: int = 3
    repeat_window: int = 6
    pending_override_confidence: float = 0.6

    def evaluate(
        self,
        text: str,
        nlu: RouteDecision | None,
        agent_state: dict[str, Any],
        *,
        answers_pending_question: bool,
        sentiment: str | None = None,
    ) -> HandoverDecision | None:
        """Return a handover decision for this customer turn, or None to let the brain answer.

        Args:
            text: the customer's utterance.
            nlu: the router's reading (None when no router is configured: only the
                counters apply).
            agent_state: the turn loop's per-contact counters: ``tool_failures`` (int)
                and ``intents`` (recent intents, oldest first, including this turn's).
            answers_pending_question: True when the utterance fills the slot the
                agent just asked for; route-based triggers are then skipped, since a
                bare answer ("Online would be easier") carries little intent signal.
            sentiment: the contact's ``RealTimeSentiment``; ``NEGATIVE`` (the live
                sentiment monitor escalated an angry customer) hands over as
                frustration — or as an explicit request when the customer also asks
                for a human — whatever the route.
        """
        failures = int(agent_state.get("tool_failures", 0))
        if failures >= self.tool_failure_threshold:
            return HandoverDecision(
                HandoverReason.TECHNICAL_ISSUES, f"{failures} tool failures in this contact"
            )
        if sentiment == "NEGATIVE":
            if nlu is not None and nlu.intent in EXPLICIT_INTENTS:
                return HandoverDecision(HandoverReason.EXPLICIT_REQUEST, f"intent {nlu.intent}")
            return HandoverDecision(
                HandoverReason.CUSTOMER_FRUSTRATION, "live sentiment escalation (RealTimeSentiment)"
            )
        if nlu is None:
            return None
        intent = nlu.intent
        # A bare answer to the agent's question ("Online would be easier") carries little
        # intent signal: only a confident request for a human or frustration overrides it.
        if answers_pending_question and nlu.confidence < self.pending_override_confidence:
            return None
        if intent in EXPLICIT_INTENTS:
            return HandoverDecision(HandoverReason.EXPLICIT_REQUEST, f"intent {intent}")
        if intent in FRUSTRATION_INTENTS:
            return HandoverDecision(HandoverReason.CUSTOMER_FRUSTRATION, f"intent {intent}")
        if answers_pending_question:
            return None
        if intent in SENSITIVE_INTENTS:
            return HandoverDecision(HandoverReason.SENSITIVE_TOPIC, f"intent {intent}")
        repeated = self._repeated(agent_state.get("intents", []))
        if repeated is not None:
            return HandoverDecision(
                HandoverReason.REPEATED_QUERY,
                f"intent {repeated} asked {self.repeated_query_threshold}+ times",
            )
        if nlu.route in TOOL_ROUTES and _COMPLEX.search(text):
            return HandoverDecision(
                HandoverReason.COMPLEX_SCENARIO, "complicating factor on a tool route"
            )
        if nlu.route is Route.HANDOVER:
            return HandoverDecision(
                HandoverReason.CAPABILITY_LIMITATION,
                f"intent {intent} is outside the tools' scope",
            )
        return None

    def _repeated(self, intents: Sequence[str]) -> str | None:
        recent = [i for i in list(intents)[-self.repeat_window :] if i not in _NON_REPEATING]
        if not recent:
            return None
        last = recent[-1]
        if recent.count(last) >= self.repeated_query_threshold:
            return last
        return None


def build_summary(
    history: Sequence[Message],
    current_text: str,
    *,
    reason: HandoverReason,
    information: dict[str, str],
    now: datetime | None = None,
) -> ConversationSummary:
    """Build the seed 2 conversation summary handed to the human agent.

    Args:
        history: messages of the contact, oldest first, including this turn's
            customer message (with its route).
        current_text: the customer's utterance of this turn (used when the
            history holds no substantive message).
        reason: why the contact is handed over.
        information: slots collected so far (account type, channel, location...).
        now: timestamp to record (defaults to the current UTC time).

    Returns:
        ``ConversationSummary`` with customer_query (the first substantive
        customer message), conversation_turns (customer messages),
        topics_discussed (routes seen, in order), information_collected.
    """
    user_msgs = [m for m in history if m.role is Role.USER]
    substantive = [
        m.content for m in user_msgs if m.route not in (None, Route.SMALLTALK, Route.OUT_OF_SCOPE)
    ]
    customer_query = substantive[0] if substantive else current_text
    topics: list[str] = []
    for m in user_msgs:
        if m.route is not None and m.route.value not in topics and m.route is not Route.SMALLTALK:
            topics.append(m.route.value)
    return ConversationSummary(
        customer_query=customer_query,
        conversation_turns=max(1, len(user_msgs)),
        topics_discussed=topics,
        information_collected=dict(information),
        handover_reason=reason,
        timestamp=now or datetime.now(UTC),
    )
