from switchboard.agent.handover import HandoverPolicy, build_summary
from switchboard.domain.types import HandoverReason, Message, Role, Route
from switchboard.ports import RouteDecision


def nlu(route: Route, intent: str, conf: float = 0.9) -> RouteDecision:
    return RouteDecision(route=route, intent=intent, confidence=conf)


POLICY = HandoverPolicy()


def test_explicit_request_by_intent_not_keyword() -> None:
    d = POLICY.evaluate(
        "get me a human",
        nlu(Route.HANDOVER, "sb_human_request"),
        {},
        answers_pending_question=False,
    )
    assert d is not None and d.reason is HandoverReason.EXPLICIT_REQUEST
    # "personal account" contains "person" but is an account-opening question
    d = POLICY.evaluate(
        "I want a personal account",
        nlu(Route.ACCOUNT_OPENING, "sb_open_account"),
        {},
        answers_pending_question=False,
    )
    assert d is None


def test_stolen_card_is_sensitive_not_explicit() -> None:
    d = POLICY.evaluate(
        "someone stole my card",
        nlu(Route.HANDOVER, "lost_or_stolen_card"),
        {},
        answers_pending_question=False,
    )
    assert d is not None and d.reason is HandoverReason.SENSITIVE_TOPIC


def test_frustration_and_capability() -> None:
    d = POLICY.evaluate(
        "this is useless", nlu(Route.HANDOVER, "sb_frustration"), {}, answers_pending_question=False
    )
    assert d is not None and d.reason is HandoverReason.CUSTOMER_FRUSTRATION
    d = POLICY.evaluate(
        "cancel my transfer",
        nlu(Route.HANDOVER, "cancel_transfer"),
        {},
        answers_pending_question=False,
    )
    assert d is not None and d.reason is HandoverReason.CAPABILITY_LIMITATION


def test_repeated_query_and_tool_failures() -> None:
    state = {"intents": ["activate_my_card", "greeting", "activate_my_card", "activate_my_card"]}
    d = POLICY.evaluate(
        "how do I activate",
        nlu(Route.CARD_INFO, "activate_my_card"),
        state,
        answers_pending_question=False,
    )
    assert d is not None and d.reason is HandoverReason.REPEATED_QUERY
    d = POLICY.evaluate(
        "hi", nlu(Route.SMALLTALK, "greeting"), {"tool_failures": 3}, answers_pending_question=False
    )
    assert d is not None and d.reason is HandoverReason.TECHNICAL_ISSUES


def test_complex_scenario_example_2() -> None:
    text = "I need to open a business account but I have some tax issues I'm dealing with"
    d = POLICY.evaluate(
        text, nlu(Route.ACCOUNT_OPENING, "sb_open_account"), {}, answers_pending_question=False
    )
    assert d is not None and d.reason is HandoverReason.COMPLEX_SCENARIO


def test_pending_answer_skips_route_triggers() -> None:
    d = POLICY.evaluate(
        "Online would be easier",
        nlu(Route.HANDOVER, "exchange_via_app", 0.4),
        {},
        answers_pending_question=True,
    )
    assert d is None


def test_summary_fields() -> None:
    history = [
        Message(role=Role.USER, content="hello", route=Route.SMALLTALK),
        Message(role=Role.ASSISTANT, content="Hi!"),
        Message(role=Role.USER, content="open a savings account", route=Route.ACCOUNT_OPENING),
        Message(role=Role.USER, content="speak to someone", route=Route.HANDOVER),
    ]
    s = build_summary(
        history,
        "speak to someone",
        reason=HandoverReason.EXPLICIT_REQUEST,
        information={"account_type": "savings"},
    )
    assert s.customer_query == "open a savings account"
    assert s.conversation_turns == 3
    assert s.topics_discussed == ["account_opening", "handover"]
    assert s.information_collected == {"account_type": "savings"}


def test_low_confidence_human_request_does_not_override_a_slot_answer() -> None:
    d = POLICY.evaluate("Online would be easier", nlu(Route.HANDOVER, "human_request", 0.18), {},
                        answers_pending_question=True)
    assert d is None
    d = POLICY.evaluate("no, get me a human", nlu(Route.HANDOVER, "human_request", 0.95), {},
                        answers_pending_question=True)
    assert d is not None and d.reason is HandoverReason.EXPLICIT_REQUEST
