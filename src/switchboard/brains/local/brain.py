"""The embedded brain ``local``: router + slot-filling dialogue + grounded templates.

No LLM and no network. On the first round of a turn it reads the router's
decision (``BrainTurn.nlu``) and the slots in the utterance, and either asks a
clarifying question, answers small talk, declines, or emits tool calls
(``stop_reason == "tool_use"``). On the next round it renders the reply from
the tool outputs only (:mod:`switchboard.brains.local.nlg`).

Dialogue state lives in ``Contact.state["dialogue"]`` (JSON-serialisable):
``slots`` (account_type, channel, card_type, location, service_type),
``pending`` (the slot just asked for and its route), ``aspects`` (what a card
question is about), ``variant`` (phrasing counter) and ``last_reply``.

Seed 2 Example 1 plays out as: "Hi, I want to open an account" → account type?
→ "Checking account" → branch or online? → "Online would be easier" →
``get_digital_account_opening_info(account_type="checking")`` → documents,
steps and timings.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from switchboard.brains.local.catalog_turn import catalog_render, catalog_turn, is_catalog_turn
from switchboard.brains.local.field_cues import field_cues
from switchboard.brains.local.nlg import CARD_TYPES, Renderer
from switchboard.domain.types import (
    TOOL_ROUTES,
    Action,
    HandoverReason,
    Locale,
    Route,
    ToolCall,
    ToolResult,
)
from switchboard.nlu.dialogue import fills_pending
from switchboard.nlu.slots import Slots, extract_slots
from switchboard.ports import BrainStep, BrainTurn, RouteDecision


def _fr_field(turn: BrainTurn) -> bool:
    """True when a French turn asks an account-opening field by its cue words."""
    locale = turn.contact.locale
    return locale is Locale.FR_FR and bool(field_cues(turn.user_text, Route.ACCOUNT_OPENING))


#: BANKING77 intents → which part of the card output answers them.
_INTENT_ASPECTS: dict[str, tuple[str, ...]] = {
    "activate_my_card": ("activation",),
    "card_delivery_estimate": ("delivery",),
    "order_physical_card": ("ordering", "fees", "delivery"),
    "getting_spare_card": ("ordering", "fees"),
    "card_about_to_expire": ("replacement",),
    "visa_or_mastercard": ("features",),
    "card_acceptance": ("features",),
    "replacement_card_duration": ("replacement", "delivery"),
    "damaged_card": ("replacement",),
    "new_card": ("ordering", "delivery"),
    "sb_card_order": ("ordering", "fees", "delivery"),
    "sb_card_fees_features": ("features", "fees"),
}

_SMALLTALK_KEYS: dict[str, str] = {
    "greeting": "greeting",
    "thank_you": "thanks",
    "goodbye": "goodbye",
    "are_you_a_bot": "bot",
    "what_can_i_ask_you": "capabilities",
    "who_do_you_work_for": "name",
    "what_is_your_name": "name",
    "yes": "yes",
    "no": "no",
    "maybe": "yes",
    "cancel": "cancel",
}

#: Router entities that fill a missing slot of this utterance.
_ROUTE_ENTITY_SLOTS = ("account_type", "channel", "card_type", "location")
#: Confidence above which a new tool route overrides an answer to a pending question.
_SWITCH_CONFIDENCE = 0.6
#: The slot that identifies a fresh question on each tool route.
_ROUTE_SLOT = {
    Route.ACCOUNT_OPENING: "account_type",
    Route.CARD_INFO: "card_type",
    Route.BRANCH: "location",
}


class LocalBrain:
    """The embedded brain (implements :class:`switchboard.ports.Brain`)."""

    name = "local"

    async def step(self, turn: BrainTurn) -> BrainStep:
        """Return tool calls (first round) or the grounded reply (after tool results)."""
        state = copy.deepcopy(turn.contact.state.get("dialogue") or {})
        state.setdefault("slots", {})
        render = Renderer(turn.contact.locale, int(state.get("variant", 0)))
        if turn.tool_results:
            step = self._render_results(turn, state, render)
        else:
            step = self._decide(turn, state, render)
        if step.stop_reason == "end_turn":
            state["variant"] = int(state.get("variant", 0)) + 1
            state["last_reply"] = step.text
        step.state = state
        return step

    # -- round 0: decide --------------------------------------------------------------

    def _decide(self, turn: BrainTurn, state: dict[str, Any], render: Renderer) -> BrainStep:
        nlu = turn.nlu or RouteDecision(route=Route.OUT_OF_SCOPE, intent="oos", confidence=0.0)
        pending: dict[str, Any] = state.get("pending") or {}
        expecting = pending.get("slot")
        slots = extract_slots(turn.user_text, turn.contact.locale, expecting=expecting)
        # Slots the router read from the spell-corrected text ("studnet acount").
        read = {
            k: v
            for k, v in nlu.entities.items()
            if k in _ROUTE_ENTITY_SLOTS and getattr(slots, k) is None
        }
        if read:
            slots = replace(slots, **read)  # type: ignore[arg-type]  # str slots only
        named = nlu.entities.get("location")
        if turn.contact.locale is Locale.FR_FR and named and str(named).isdigit():
            # "près de la gare Part-Dieu": the branch named by its own name (the router read
            # its postcode), not the place "Gare" the slot extractor took.
            slots = replace(slots, location=str(named))
        route, intent = nlu.route, nlu.intent
        # An exact answer to the question just asked ("I'll do it at a branch" to "branch or
        # online?") continues it, unless it carries the other route's own slot ("the
        # branch in Leeds" is a branch search).
        exact = bool(expecting) and getattr(slots, str(expecting), None) is not None
        continuing = fills_pending(slots, pending) and (
            route not in TOOL_ROUTES
            or route.value == pending.get("route")
            or nlu.confidence < _SWITCH_CONFIDENCE
            or (exact and getattr(slots, _ROUTE_SLOT[route]) is None)
        )
        if (
            not continuing
            and pending
            and pending.get("slot") == "location"
            and route is Route.OUT_OF_SCOPE
            and 0 < len(turn.user_text.split()) <= 4
        ):
            # A short reply to "which town or postcode?" that is no known city: let the
            # branch tool's geocoder judge it (it answers not_found, and we ask again).
            slots = replace(slots, location=turn.user_text.strip(" .!?,"))
            continuing = True
        if continuing:
            route = Route(str(pending["route"]))
        elif is_catalog_turn(nlu):
            # Field-level answers, several questions, vague openers (CatalogRouter).
            return catalog_turn(turn, state, render, nlu)
        else:
            state["field_mode"] = False
        if route in TOOL_ROUTES:
            self._merge_slots(state, slots, route, new_question=not continuing, intent=intent)
        common = {"intent": intent, "confidence": nlu.confidence}
        if route is Route.ACCOUNT_OPENING:
            asked = turn.user_text.rstrip().endswith("?")
            if asked and expecting == "channel" and slots.channel is None and _fr_field(turn):
                # "Et qu'est-ce qu'il faut comme documents ?" after "en agence ou en ligne ?":
                # a field asked, answered for the common case (online, named in the reply).
                state["pending"] = None
            return self._account_opening(state, render, common, asked=asked)
        if route is Route.CARD_INFO:
            return self._card_info(state, render, slots, intent, common)
        if route is Route.BRANCH:
            return self._branch(state, render, slots, common)
        state["pending"] = None
        if route is Route.HANDOVER:
            return BrainStep(
                text=None,
                route=Route.HANDOVER,
                action=Action.HANDOVER,
                handover_reason=HandoverReason.CAPABILITY_LIMITATION,
                **common,
            )
        if route is Route.SMALLTALK:
            return self._smalltalk(state, render, intent, turn, common)
        return BrainStep(
            text=render.pick("decline"), route=Route.OUT_OF_SCOPE, action=Action.DECLINE, **common
        )

    @staticmethod
    def _merge_slots(
        state: dict[str, Any], slots: Slots, route: Route, *, new_question: bool, intent: str
    ) -> None:
        """Merge this utterance's slots into the contact's; a new question resets its focus."""
        stored: dict[str, Any] = state["slots"]
        if new_question:
            # What a card question is about, and which card, belong to this question only.
            state["aspects"] = list(slots.card_aspects) or list(_INTENT_ASPECTS.get(intent, ()))
            if route is Route.CARD_INFO and slots.card_type is None and not state["aspects"]:
                stored.pop("card_type", None)
        elif slots.card_aspects:
            state["aspects"] = list(slots.card_aspects)
        for key, value in slots.as_dict().items():
            if key != "service_type":
                stored[key] = value
        if route is Route.BRANCH and (new_question or slots.service_type):
            stored["service_type"] = slots.service_type
        state["route"] = route.value

    @staticmethod
    def _clarify(
        state: dict[str, Any], slot: str, route: Route, text: str, common: dict[str, Any]
    ) -> BrainStep:
        pending = state.get("pending") or {}
        asked = int(pending.get("asked", 0)) + 1 if pending.get("slot") == slot else 1
        state["pending"] = {"slot": slot, "route": route.value, "asked": asked}
        return BrainStep(text=text, route=route, action=Action.CLARIFY, **common)

    @staticmethod
    def _tools(
        state: dict[str, Any], route: Route, calls: list[ToolCall], common: dict[str, Any]
    ) -> BrainStep:
        state["pending"] = None
        return BrainStep(
            tool_calls=calls, route=route, action=Action.ANSWER, stop_reason="tool_use", **common
        )

    def _account_opening(
        self,
        state: dict[str, Any],
        render: Renderer,
        common: dict[str, Any],
        asked: bool = False,
    ) -> BrainStep:
        """Clarify the account type and channel, or call the channel's opening tool.

        ``asked``: the customer asked a question ("Can I open a student account?"),
        answered for the common case (a current account, online) instead of asking back.
        """
        slots = state["slots"]
        account = slots.get("account_type")
        asked_type = (state.get("pending") or {}).get("slot") == "account_type"
        if not account and slots.get("channel") and not asked_type:
            # "Can I open an account online?": the common answer (a current account,
            # named in the reply's first line) rather than a question back.
            account = slots["account_type"] = "checking"
        if not account:
            return self._clarify(
                state, "account_type", Route.ACCOUNT_OPENING, render.ask_account_type(), common
            )
        channel = slots.get("channel")
        if not channel and asked and not (state.get("pending") or {}).get("slot"):
            # "Can I get student checking?": a question, not a wish to start; the common
            # answer (online, named in the reply's first line) rather than a question back.
            channel = slots["channel"] = "digital"
        if not channel:
            return self._clarify(
                state, "channel", Route.ACCOUNT_OPENING, render.ask_channel(account), common
            )
        tool = (
            "get_digital_account_opening_info"
            if channel == "digital"
            else "get_branch_account_opening_info"
        )
        call = ToolCall(name=tool, arguments={"account_type": account})
        return self._tools(state, Route.ACCOUNT_OPENING, [call], common)

    def _card_info(
        self,
        state: dict[str, Any],
        render: Renderer,
        slots: Slots,
        intent: str,
        common: dict[str, Any],
    ) -> BrainStep:
        card = state["slots"].get("card_type")
        if card:
            state["card_defaulted"] = False
            calls = [ToolCall(name="get_debit_card_info", arguments={"card_type": card})]
        elif state.get("aspects"):
            # A question about one aspect of "my card": answer for the standard card, say so.
            state["card_defaulted"] = True
            calls = [ToolCall(name="get_debit_card_info", arguments={"card_type": "standard"})]
        else:
            # "Which debit cards do you offer?": look up the whole catalog and compare.
            state["card_defaulted"] = False
            calls = [
                ToolCall(name="get_debit_card_info", arguments={"card_type": c}) for c in CARD_TYPES
            ]
        return self._tools(state, Route.CARD_INFO, calls, common)

    def _branch(
        self, state: dict[str, Any], render: Renderer, slots: Slots, common: dict[str, Any]
    ) -> BrainStep:
        location = state["slots"].get("location")
        if not location:
            return self._clarify(
                state, "location", Route.BRANCH, render.pick("ask_location"), common
            )
        args: dict[str, Any] = {"location": location}
        service = state["slots"].get("service_type")
        if service:
            args["service_type"] = service
        return self._tools(
            state, Route.BRANCH, [ToolCall(name="find_nearest_branch", arguments=args)], common
        )

    def _smalltalk(
        self,
        state: dict[str, Any],
        render: Renderer,
        intent: str,
        turn: BrainTurn,
        common: dict[str, Any],
    ) -> BrainStep:
        if intent == "repeat" and state.get("last_reply"):
            return BrainStep(
                text=str(state["last_reply"]), route=Route.SMALLTALK, action=Action.ANSWER, **common
            )
        key = _SMALLTALK_KEYS.get(intent)
        if key is None:
            # Chit-chat we do not do (jokes, hobbies, settings): decline, say what we can do.
            return BrainStep(
                text=render.pick("decline"), route=Route.SMALLTALK, action=Action.DECLINE, **common
            )
        if key == "cancel":
            state["slots"] = {}
        text = (
            render.pick(key, closing=render.pick("closing"))
            if key == "thanks"
            else render.pick(key)
        )
        return BrainStep(text=text, route=Route.SMALLTALK, action=Action.ANSWER, **common)

    # -- round 1: render --------------------------------------------------------------

    def _render_results(
        self, turn: BrainTurn, state: dict[str, Any], render: Renderer
    ) -> BrainStep:
        results: list[ToolResult] = list(turn.tool_results)
        route = Route(state.get("route") or Route.OUT_OF_SCOPE.value)
        common: dict[str, Any] = {"route": route}
        if turn.nlu is not None:
            common.update(intent=turn.nlu.intent, confidence=turn.nlu.confidence)
        if state.get("plan") or state.get("field_mode"):
            step = catalog_render(turn, state, render, results, common)
            if step is not None:
                return step
        ok = [r for r in results if r.ok and r.output is not None]
        failed = [r for r in results if not r.ok]
        location_error = next(
            (
                r
                for r in failed
                if r.name == "find_nearest_branch"
                and r.error is not None
                and r.error.code in ("not_found", "invalid_argument")
            ),
            None,
        )
        if location_error is not None:
            bad = str(location_error.arguments.get("location", ""))
            state["slots"].pop("location", None)
            step = self._clarify(
                state, "location", Route.BRANCH, render.pick("ask_location_again", location=bad), {}
            )
            step.intent, step.confidence = common.get("intent"), common.get("confidence")
            return step
        if not ok:
            return BrainStep(text=render.pick("tool_failed"), action=Action.CLARIFY, **common)
        first = ok[0]
        assert first.output is not None  # narrowed by `ok` above
        if first.name == "find_nearest_branch":
            text = render.branches(first.output)
        elif first.name == "get_debit_card_info" and len(ok) > 1:
            text = render.card_list([r.output for r in ok if r.output is not None])
            state["pending"] = {"slot": "card_type", "route": Route.CARD_INFO.value, "asked": 1}
            return BrainStep(text=text, action=Action.ANSWER, **common)
        elif first.name == "get_debit_card_info":
            text = render.card_info(
                first.output,
                list(state.get("aspects") or []),
                defaulted=bool(state.get("card_defaulted")),
            )
        else:
            text = render.account_info(first.output)
        return BrainStep(text=text, action=Action.ANSWER, **common)
