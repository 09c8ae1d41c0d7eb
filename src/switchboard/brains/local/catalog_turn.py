"""The local brain's catalog turns: field-level answers, multi-question messages, vague openers.

Round 0 (:func:`catalog_turn`) plans tool calls for every question of the turn
(:func:`~switchboard.brains.local.planner.plan_turn`) and keeps the plan in the
dialogue state; round 1 (:func:`catalog_render`) renders each part from its
calls' results, in order, with a chat text and a spoken form, and hands over
after the answers when a part needs a human.

Dialogue state keys written here (``Contact.state["dialogue"]``, the brain's
own dict): ``plan`` (between the two rounds only), ``field_mode``, ``fields``,
``entities`` (``day``, ``feature``), ``route``, ``slots``, ``pending``.
"""

from __future__ import annotations

import re
from typing import Any

from switchboard.brains.local.field_answers import Answer, spoken_list
from switchboard.brains.local.nlg import Renderer
from switchboard.brains.local.planner import (
    answer_part,
    handover_line,
    handover_reason_for,
    plan_turn,
    vague_question,
)
from switchboard.domain.types import TOOL_ROUTES, Action, Locale, Route, ToolResult
from switchboard.ports import BrainStep, BrainTurn, RouteDecision

_CATALOG_INTENTS = ("sb_catalog", "sb_follow_up", "sb_statement", "sb_multi", "sb_vague")
_TOOL_ARGS = ("card_type", "account_type", "channel", "location")
_DETAILS = ("day", "feature")
_MULTI_CLOSING = {
    "en": "Is there anything else I can help you with?",
    "fr": "Puis-je vous aider pour autre chose ?",
}
_SPOKEN_MORE = {
    "en": "Shall I text you the details?",
    "fr": "Voulez-vous que je vous envoie le détail par SMS ?",
}


def is_catalog_turn(nlu: RouteDecision) -> bool:
    """True when the decision asks for a field, holds several questions, or is a vague opener."""
    if nlu.parts or nlu.intent == "sb_vague":
        return True
    return nlu.route in TOOL_ROUTES and (
        bool(nlu.fields) or nlu.intent.startswith(_CATALOG_INTENTS)
    )


def _lang(locale: Locale) -> str:
    return "fr" if locale is Locale.FR_FR else "en"


def catalog_turn(
    turn: BrainTurn, state: dict[str, Any], render: Renderer, nlu: RouteDecision
) -> BrainStep:
    """Round 0: a clarifying question, tool calls for every part, or a handover."""
    common: dict[str, Any] = {"intent": nlu.intent, "confidence": nlu.confidence}
    locale = turn.contact.locale
    if nlu.intent == "sb_vague":
        state["pending"] = None
        return BrainStep(
            text=vague_question(nlu.route, locale),
            route=nlu.route,
            action=Action.CLARIFY,
            **common,
        )
    plans, calls = plan_turn(nlu, dict(state.get("slots") or {}), render)
    slots: dict[str, Any] = state.setdefault("slots", {})
    for plan in plans:
        if plan.handover is not None or plan.route not in {r.value for r in TOOL_ROUTES}:
            continue
        for key in _TOOL_ARGS:
            if plan.entities.get(key):
                slots[key] = plan.entities[key]
        state["route"] = plan.route
        state["fields"] = list(plan.fields)
        state["entities"] = {k: v for k, v in plan.entities.items() if k in _DETAILS}
    state["field_mode"] = True
    state["pending"] = None
    route = Route(state.get("route") or nlu.route.value)
    if calls:
        state["plan"] = [p.as_dict() for p in plans]
        return BrainStep(
            tool_calls=calls, route=route, action=Action.ANSWER, stop_reason="tool_use", **common
        )
    asking = next((p for p in plans if p.clarify), None)
    if asking is not None:
        slot = {
            Route.BRANCH.value: "location",
            Route.ACCOUNT_OPENING.value: "channel"
            if "account_type" in asking.entities
            else "account_type",
        }.get(asking.route)
        if slot:
            state["pending"] = {"slot": slot, "route": asking.route, "asked": 1}
        return BrainStep(
            text=asking.clarify, route=Route(asking.route), action=Action.CLARIFY, **common
        )
    human = next((p for p in plans if p.handover), None)
    reason = handover_reason_for(human.handover if human and human.handover else "")
    return BrainStep(route=Route.HANDOVER, action=Action.HANDOVER, handover_reason=reason, **common)


def _spoken(answers: list[Answer], locale: Locale) -> str:
    """At most two sentences for voice, then an offer to text the rest when cut."""
    sentences: list[str] = []
    for answer in answers:
        sentences += [s for s in re.split(r"(?<=[.!?])\s+", answer.spoken.strip()) if s]
    text = " ".join(sentences[:2])
    if len(sentences) > 2 and _SPOKEN_MORE[_lang(locale)] not in text:
        text = f"{text} {_SPOKEN_MORE[_lang(locale)]}"
    return text


def catalog_render(
    turn: BrainTurn,
    state: dict[str, Any],
    render: Renderer,
    results: list[ToolResult],
    common: dict[str, Any],
) -> BrainStep | None:
    """Round 1: answer every planned part in order.

    Returns None to let the generic renderer handle the results (a failed call, or
    an unknown place, which it asks about again).
    """
    locale = turn.contact.locale
    plan = state.pop("plan", None) or [
        {
            "route": state.get("route") or Route.OUT_OF_SCOPE.value,
            "fields": list(state.get("fields") or []),
            "entities": dict(state.get("entities") or {}),
            "calls": list(range(len(results))),
            "defaulted": False,
            "handover": None,
            "clarify": None,
            "text": "",
        }
    ]
    if any(not r.ok for r in results) and not any(r.ok for r in results):
        return None
    answers: list[Answer] = []
    human: dict[str, Any] | None = None
    for part in plan:
        if part.get("handover"):
            human = human or part
            continue
        if part.get("clarify"):
            answers.append(Answer(str(part["clarify"]), str(part["clarify"])))
            continue
        answer = answer_part(part, results, locale, render)
        if answer is None:
            if len(plan) == 1:
                return None
            continue
        answers.append(answer)
    if not answers:
        return None
    text = "\n\n".join(a.text for a in answers)
    spoken = _spoken(answers, locale)
    if human is not None:
        line = handover_line(str(human.get("text") or ""), locale)
        return BrainStep(
            text=f"{text}\n\n{line}",
            spoken_text=f"{spoken} {line}",
            action=Action.HANDOVER,
            handover_reason=handover_reason_for(str(human["handover"])),
            **common,
        )
    closing = answers[-1].closing if len(answers) == 1 else _MULTI_CLOSING[_lang(locale)]
    if closing:
        text = f"{text}\n\n{closing}"
        if "?" not in spoken and len(re.split(r"(?<=[.!?])\s+", spoken.strip())) < 2:
            spoken = f"{spoken} {closing}"
    return BrainStep(text=text, spoken_text=spoken, action=Action.ANSWER, **common)


__all__ = ["catalog_render", "catalog_turn", "is_catalog_turn", "spoken_list"]
