"""What every LLM brain sends and reads, independent of the provider's wire format.

An LLM brain is stateless between steps: from one :class:`BrainTurn` it
rebuilds the whole exchange the model sees —

1. the system text: the locale-aware system prompt, plus, on a strict
   regeneration (seed 2 "Hallucination Response Strategy"), the stricter
   instruction and what the validation agent found wrong;
2. the dialogue: stored history then the customer's utterance, as strictly
   alternating user/assistant messages that start with the user (the shape
   the Bedrock Converse API requires; OpenAI-compatible servers accept it);
3. the tool exchange of this turn: one assistant message with a tool call
   per :class:`ToolResult` (same id), then the results.

Back from the model, a reply that asks the customer a question on a tool
route records it as the dialogue's pending question (``state["pending"]``,
the shape the embedded brain writes): the turn loop then reads a bare answer
("Checking account", "Online would be easier") as the answer it is, not as a
new request for the handover policy to judge.

Provider adapters (``brains/bedrock``, ``brains/openai_compat``) map these
neutral pieces to their wire formats and map the model's answer back with
:func:`reply_step` / :func:`tool_step`.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any, Literal

from switchboard.domain.types import Action, HandoverReason, Role, Route, ToolCall, ToolResult
from switchboard.ports import BrainStep, BrainTurn

#: Phrases of the system prompt's "connect you with a specialist" answer (en, fr).
_SPECIALIST = re.compile(
    r"connect you (?:with|to) (?:one of )?our specialists?"
    r"|transfer you to (?:a|one of our) specialists?"
    r"|(?:je vous mets|vous mettre) en relation avec un conseiller",
    re.IGNORECASE,
)


#: The slot a question on each tool route most likely asks for.
_ROUTE_SLOT = {
    Route.ACCOUNT_OPENING: "account_type",
    Route.CARD_INFO: "card_type",
    Route.BRANCH: "location",
}
#: "branch or online?" (en, fr): the question asks for the opening channel.
_CHANNEL_QUESTION = re.compile(
    r"(?=.*\b(?:branch(?:es)?|agences?)\b)(?=.*\b(?:online|en ligne)\b)", re.IGNORECASE | re.DOTALL
)


@dataclass(frozen=True)
class ChatMessage:
    """One plain-text message of the dialogue."""

    role: Literal["user", "assistant"]
    text: str


def system_text(turn: BrainTurn) -> str:
    """Return the system text for ``turn``.

    On a strict regeneration the loop's ``validation_feedback`` (the seed 2
    stricter instruction first, then one line per finding) is appended, so the
    model knows what to drop.
    """
    text = turn.system_prompt.strip()
    if turn.strict or turn.validation_feedback:
        lines = "\n".join(f"- {line}" for line in turn.validation_feedback)
        text += (
            "\n\nYour previous reply to this message was rejected by the fact checker. "
            "Write it again following these instructions:\n" + lines
        )
    return text


def dialogue(turn: BrainTurn) -> list[ChatMessage]:
    """Return history plus the current utterance as alternating messages, user first.

    Consecutive messages of one role are joined with a blank line; empty
    messages and assistant messages before the first user message are dropped.
    """
    merged: list[ChatMessage] = []
    items = [(m.role, m.content) for m in turn.history]
    items.append((Role.USER, turn.user_text))
    for role, content in items:
        text = content.strip()
        if not text:
            continue
        name: Literal["user", "assistant"] = "user" if role is Role.USER else "assistant"
        if not merged and name == "assistant":
            continue
        if merged and merged[-1].role == name:
            merged[-1] = ChatMessage(name, merged[-1].text + "\n\n" + text)
        else:
            merged.append(ChatMessage(name, text))
    return merged


def result_payload(result: ToolResult) -> dict[str, Any]:
    """Return what the model is shown for one tool result: its output, or its error."""
    if result.ok and result.output is not None:
        return result.output
    if result.error is not None:
        return {"error": result.error.model_dump(exclude_none=True)}
    return {"error": {"code": "internal", "message": f"{result.name} returned nothing"}}


def tool_step(calls: list[ToolCall]) -> BrainStep:
    """Return a ``tool_use`` step for ``calls`` (non-empty)."""
    return BrainStep(tool_calls=calls, stop_reason="tool_use")


def dialogue_state(turn: BrainTurn, text: str) -> dict[str, Any]:
    """Return the contact's dialogue state after the reply ``text``.

    A reply ending in a question on a tool route sets ``pending`` to
    ``{"slot", "route", "asked"}``: the route is this turn's when the router
    put it on a tool route, else the route of the question it answered (a bare
    "Checking account" is no route of its own). A reply written from tool
    output, or one that asks nothing, clears it.
    """
    state: dict[str, Any] = copy.deepcopy(turn.contact.state.get("dialogue") or {})
    previous: dict[str, Any] = state.get("pending") or {}
    route = turn.nlu.route if turn.nlu and turn.nlu.route in _ROUTE_SLOT else None
    if route is None and previous.get("route"):
        route = Route(str(previous["route"]))
    answered = any(r.ok for r in turn.tool_results)  # "anything else?" after an answer
    if route is None or answered or not text.rstrip().endswith("?"):
        state["pending"] = None
        return state
    slot = _ROUTE_SLOT[route]
    if route is Route.ACCOUNT_OPENING and _CHANNEL_QUESTION.search(text):
        slot = "channel"
    asked = int(previous.get("asked", 0)) + 1 if previous.get("slot") == slot else 1
    state["pending"] = {"slot": slot, "route": route.value, "asked": asked}
    return state


def reply_step(turn: BrainTurn, text: str) -> BrainStep:
    """Return the ``end_turn`` step for the model's reply ``text``.

    A reply that offers a specialist (the system prompt's wording for what the
    tools cannot do) becomes a handover request with reason
    ``capability_limitation``, so the customer really is transferred. A
    question updates the pending question (:func:`dialogue_state`) and is a
    ``clarify`` when no tool ran this turn.
    """
    route = turn.nlu.route if turn.nlu else None
    intent = turn.nlu.intent if turn.nlu else None
    if _SPECIALIST.search(text):
        return BrainStep(
            text=text,
            route=route,
            intent=intent,
            action=Action.HANDOVER,
            handover_reason=HandoverReason.CAPABILITY_LIMITATION,
        )
    state = dialogue_state(turn, text)
    pending = state.get("pending")
    action = Action.CLARIFY if pending and not turn.tool_results else Action.ANSWER
    if pending and (route is None or route not in _ROUTE_SLOT):
        route = Route(str(pending["route"]))
    return BrainStep(text=text, route=route, intent=intent, action=action, state=state)
