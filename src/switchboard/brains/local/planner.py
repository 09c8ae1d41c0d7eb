"""Field-level turns of the local brain: tool calls per asked question, replies per field.

The local brain hands a turn here when the router's decision carries catalog
``fields``/``entities`` (from :class:`~switchboard.brains.local.catalog_router.CatalogRouter`),
several ``parts`` (a multi-question message), or a vague opener. A question is
planned as tool calls from its entities and the dialogue's slots; when the
customer names no account type or channel but asks a specific field, the
answer is given for a current account online and says so (rather than asking
two questions before any answer). A part that needs a human is answered last
with a handover, after every part the tools cover (issue 10, item 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from switchboard.agent.handover import EXPLICIT_INTENTS, FRUSTRATION_INTENTS, SENSITIVE_INTENTS
from switchboard.brains.local.field_answers import (
    Answer,
    account_answer,
    branch_answer,
    card_answer,
)
from switchboard.brains.local.nlg import CARD_TYPES, Renderer
from switchboard.domain.types import (
    TOOL_ROUTES,
    HandoverReason,
    Locale,
    Route,
    ToolCall,
    ToolResult,
)
from switchboard.ports import RouteDecision

#: Fields that say what to answer well enough to default the account type and channel.
_SPECIFIC_ACCOUNT_FIELDS = frozenset(
    {
        "documents_required",
        "processing_time",
        "requirements",
        "min_deposit",
        "monthly_fee",
        "overdraft",
    }
)
_TOOL_ARGS = ("card_type", "account_type", "channel", "location", "service_type")

_VAGUE_EN = {
    Route.CARD_INFO: "Sure — which card, and what would you like to know?",
    Route.ACCOUNT_OPENING: (
        "Of course — which account is it about (current, savings, business or student), "
        "and what would you like to know?"
    ),
    Route.BRANCH: (
        "Happy to help — which town, city or postcode, and what would you like to know?"
    ),
    Route.SMALLTALK: (
        "Of course — is it about opening an account, one of our debit cards, or a branch?"
    ),
}
_VAGUE_US = {
    **_VAGUE_EN,
    Route.ACCOUNT_OPENING: (
        "Of course — which account is it about (checking, savings, business or student), "
        "and what would you like to know?"
    ),
    Route.BRANCH: "Happy to help — which city or ZIP code, and what would you like to know?",
}
_VAGUE_FR = {
    Route.CARD_INFO: "Bien sûr — de quelle carte s'agit-il, et que souhaitez-vous savoir ?",
    Route.ACCOUNT_OPENING: (
        "Bien sûr — de quel compte s'agit-il (courant, épargne, professionnel ou étudiant), "
        "et que souhaitez-vous savoir ?"
    ),
    Route.BRANCH: "Avec plaisir — quelle ville ou quel code postal, et que souhaitez-vous savoir ?",
    Route.SMALLTALK: (
        "Bien sûr — votre question porte-t-elle sur l'ouverture d'un compte, nos cartes ou "
        "une agence ?"
    ),
}
_HANDOVER_PART = {
    "en": (
        "For your other question (\u201c{text}\u201d), I'll pass you to a colleague who can help."
    ),
    "fr": "Pour votre autre question (\u00ab {text} \u00bb), je vous mets en relation avec un "
    "conseiller.",
}


def vague_question(route: Route, locale: Locale) -> str:
    """The clarifying question for a vague opener about ``route`` (SMALLTALK: no topic)."""
    table = (
        _VAGUE_FR
        if locale is Locale.FR_FR
        else _VAGUE_US
        if locale is Locale.EN_US
        else (_VAGUE_EN)
    )
    return table.get(route, table[Route.SMALLTALK])


def handover_reason_for(intent: str) -> HandoverReason:
    """The seed 2 handover reason for a part's intent (agent/handover.py's intent sets)."""
    if intent in EXPLICIT_INTENTS:
        return HandoverReason.EXPLICIT_REQUEST
    if intent in FRUSTRATION_INTENTS:
        return HandoverReason.CUSTOMER_FRUSTRATION
    if intent in SENSITIVE_INTENTS:
        return HandoverReason.SENSITIVE_TOPIC
    return HandoverReason.CAPABILITY_LIMITATION


@dataclass
class PartPlan:
    """One question of a turn: its route, fields, entities and the calls that answer it."""

    route: str
    fields: list[str] = field(default_factory=list)
    entities: dict[str, str] = field(default_factory=dict)
    calls: list[int] = field(default_factory=list)
    defaulted: bool = False
    handover: str | None = None
    clarify: str | None = None
    text: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form, kept in the dialogue state between the two brain rounds."""
        return {
            "route": self.route,
            "fields": self.fields,
            "entities": self.entities,
            "calls": self.calls,
            "defaulted": self.defaulted,
            "handover": self.handover,
            "clarify": self.clarify,
            "text": self.text,
        }


def plan_calls(
    part: RouteDecision, slots: dict[str, Any], render: Renderer
) -> tuple[PartPlan, list[ToolCall]]:
    """Plan one tool-route question: its tool call(s), or a clarifying question.

    Args:
        part: the question's decision (route, fields, entities).
        slots: the dialogue's slots so far (tool arguments of earlier answers).
        render: the locale's renderer (for clarifying questions).
    """
    args = {
        **{k: v for k, v in slots.items() if v},
        **{k: v for k, v in part.entities.items() if k in _TOOL_ARGS and v},
    }
    plan = PartPlan(part.route.value, list(part.fields), dict(part.entities), text=part.text)
    fields = set(part.fields)
    if part.route is Route.CARD_INFO:
        card = args.get("card_type")
        if card is None and (not fields or fields <= {"overview", "features"}):
            return plan, [
                ToolCall(name="get_debit_card_info", arguments={"card_type": c}) for c in CARD_TYPES
            ]
        if card is None:
            card, plan.defaulted = "standard", True
        plan.entities["card_type"] = card
        return plan, [ToolCall(name="get_debit_card_info", arguments={"card_type": card})]
    if part.route is Route.ACCOUNT_OPENING:
        account, channel = args.get("account_type"), args.get("channel")
        specific = bool(fields & _SPECIFIC_ACCOUNT_FIELDS) or (account and fields)
        if account is None and not specific and channel is None:
            plan.clarify = render.ask_account_type()
            return plan, []
        # A channel named with no account type ("Can I open an account online?") gets the
        # common answer, a current account, and the reply names the other types.

        if account is None:
            account, plan.defaulted = "checking", True
        if channel is None and not fields:
            plan.clarify = render.ask_channel(account)
            plan.entities["account_type"] = account
            return plan, []
        if channel is None:
            channel, plan.defaulted = "digital", True
        plan.entities.update(account_type=account, channel=channel)
        tool = (
            "get_digital_account_opening_info"
            if channel == "digital"
            else "get_branch_account_opening_info"
        )
        return plan, [ToolCall(name=tool, arguments={"account_type": account})]
    location = args.get("location")
    if not location:
        plan.clarify = render.pick("ask_location")
        return plan, []
    call_args: dict[str, Any] = {"location": location}
    if args.get("service_type") in ("business_banking",):
        call_args["service_type"] = args["service_type"]
    plan.entities["location"] = str(location)
    return plan, [ToolCall(name="find_nearest_branch", arguments=call_args)]


def plan_turn(
    nlu: RouteDecision, slots: dict[str, Any], render: Renderer
) -> tuple[list[PartPlan], list[ToolCall]]:
    """Plan every part of a (possibly multi-question) turn; identical calls are made once."""
    parts = nlu.parts or [nlu]
    plans: list[PartPlan] = []
    calls: list[ToolCall] = []
    for part in parts:
        if part.route is Route.HANDOVER or part.intent in _HUMAN:
            plans.append(PartPlan(part.route.value, handover=part.intent, text=part.text))
            continue
        if part.route not in TOOL_ROUTES or part.intent == "sb_vague":
            continue  # a greeting or an aside inside a longer message
        plan, wanted = plan_calls(part, slots, render)
        for call in wanted:
            key = (call.name, sorted(call.arguments.items()))
            index = next(
                (i for i, c in enumerate(calls) if (c.name, sorted(c.arguments.items())) == key),
                None,
            )
            if index is None:
                calls.append(call)
                index = len(calls) - 1
            plan.calls.append(index)
        plans.append(plan)
    return plans, calls


_HUMAN = EXPLICIT_INTENTS | FRUSTRATION_INTENTS | SENSITIVE_INTENTS


def answer_part(
    plan: dict[str, Any], results: list[ToolResult], locale: Locale, render: Renderer
) -> Answer | None:
    """Render one planned part from its calls' results (None when its calls failed)."""
    outputs = [
        results[i].output
        for i in plan["calls"]
        if i < len(results) and results[i].ok and results[i].output is not None
    ]
    if not outputs:
        return None
    fields, entities = list(plan["fields"]), dict(plan["entities"])
    route = Route(plan["route"])
    if route is Route.CARD_INFO:
        if len(outputs) > 1:
            return Answer(render.card_list(outputs), render.card_list(outputs).split("\n")[0])
        others: list[str] = []
        if plan.get("defaulted"):
            others = [c for c in CARD_TYPES if c != outputs[0].get("card_type")]
        return card_answer(outputs[0], fields, entities, locale, defaulted_others=others)
    if route is Route.ACCOUNT_OPENING:
        output = outputs[0]
        return account_answer(
            output,
            fields,
            locale,
            account_name=render.account_name(str(output.get("account_type", ""))),
            defaulted=bool(plan.get("defaulted")),
        )
    if not outputs[0].get("branches"):
        return None
    return branch_answer(outputs[0], fields, entities, locale)


def handover_line(text: str, locale: Locale) -> str:
    """The sentence that says a part of the message goes to a human."""
    lang = "fr" if locale is Locale.FR_FR else "en"
    return _HANDOVER_PART[lang].format(text=text.strip(" ?.!"))
