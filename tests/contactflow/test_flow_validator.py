"""The flow validator on seed 2's original flows, on ours, and on targeted rule breaks."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from switchboard.contactflow import Finding, load_flow, parse_flow, validate
from switchboard.contactflow.actions import KNOWN_MISTAKES, SPECS
from switchboard.contactflow.validator import check_file
from switchboard.errors import FlowDocumentError

ROOT = Path(__file__).resolve().parents[2]
FLOWS = sorted((ROOT / "flows").glob("*.json"))
FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = sorted(FIXTURES.glob("seed2_*.json"))


def codes(findings: list[Finding], action_id: str | None = None) -> set[str]:
    return {f.code for f in findings if action_id is None or f.action_id == action_id}


def test_we_ship_three_flows() -> None:
    assert [p.stem for p in FLOWS] == [
        "switchboard-callback",
        "switchboard-customer-queue",
        "switchboard-inbound",
    ]


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_our_flows_have_no_findings(path: Path) -> None:
    assert validate(load_flow(path)) == []


# Every wrong action type in seed 2's flow JSON, with its flow-language replacement.
TCQ = "TransferContactToQueue"
SEED_WRONG_TYPES = [
    ("seed2_flow_input_preservation", "transfer-to-agent", "TransferToQueue", TCQ),
    ("seed2_flow_intent_transfer", "check-intent", "CheckAttribute", "Compare"),
    ("seed2_flow_intent_transfer", "transfer-to-agent", "TransferToQueue", TCQ),
    ("seed2_flow_queue_management", "check-intent", "CheckAttribute", "Compare"),
    ("seed2_flow_queue_management", "transfer-to-agent", "SetQueue", "UpdateContactTargetQueue"),
    ("seed2_flow_queue_management", "queue-customer", "TransferToQueue", TCQ),
    (
        "seed2_flow_queue_management",
        "collect-callback-number",
        "StoreUserInput",
        "GetParticipantInput",
    ),
    ("seed2_customer_queue_flow", "check-queue-position", "CheckAttribute", "Compare"),
    (
        "seed2_customer_queue_flow",
        "callback-flow",
        "InvokeExternalResource",
        "InvokeLambdaFunction",
    ),
    ("seed2_customer_queue_flow", "play-hold-music", "PlayPrompt", "MessageParticipant"),
    ("seed2_fragment_contact_flow_integration", "check-intent", "CheckAttribute", "Compare"),
    ("seed2_fragment_contact_flow_integration", "transfer-to-queue", "TransferToQueue", TCQ),
]


@pytest.mark.parametrize(("seed", "action", "wrong", "right"), SEED_WRONG_TYPES)
def test_seed_wrong_type_named_with_replacement(
    seed: str, action: str, wrong: str, right: str
) -> None:
    findings = validate(load_flow(FIXTURES / f"{seed}.json"))
    messages = [f.message for f in findings if f.action_id == action and f.code == "unknown-type"]
    assert messages == [messages[0]]
    assert messages[0].startswith(f"{wrong} is not a flow-language action; use {right}")


def test_seed_wrong_types_list_is_complete() -> None:
    """Every action of every seed fixture whose type is not in the reference is in the table."""
    listed = {(s, a) for s, a, _, _ in SEED_WRONG_TYPES}
    found = set()
    for path in SEEDS:
        for action in load_flow(path).Actions:
            if action.Type not in SPECS:
                assert action.Type in KNOWN_MISTAKES
                found.add((path.stem, action.Identifier))
    assert found == listed


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_every_seed_flow_fails(path: Path) -> None:
    findings = validate(load_flow(path))
    assert any(f.severity.value == "error" for f in findings)


@pytest.mark.parametrize(
    "seed",
    ["seed2_flow_input_preservation", "seed2_flow_intent_transfer", "seed2_flow_queue_management"],
)
def test_seed_flows_lose_customers_at_the_disconnect(seed: str) -> None:
    findings = validate(load_flow(FIXTURES / f"{seed}.json"))
    lost = [f for f in findings if f.code == "customer-lost"]
    assert [f.action_id for f in lost] == ["disconnect"]
    assert "no queue transfer and no callback" in lost[0].message


def test_seed_parameter_mistakes_carry_hints() -> None:
    findings = validate(load_flow(FIXTURES / "seed2_flow_queue_management.json"))
    hints = [f.message for f in findings if f.action_id == "get-callback-choice"]
    assert any("InputTimeLimitSeconds" in m for m in hints)
    checks = [f for f in findings if f.action_id == "check-queue-status"]
    assert any("Equals False and Equals True" in f.message for f in checks)
    assert {"version", "start-action"} <= codes(findings, "")


def test_seed_greeting_fragment_barge_in_hint() -> None:
    findings = validate(load_flow(FIXTURES / "seed2_fragment_greeting_with_input.json"))
    hints = " ".join(f.message for f in findings if f.code == "unknown-parameter")
    assert "ConnectParticipantWithLexBot" in hints and "allow-interrupt" in hints


def test_actions_as_object_is_a_document_error() -> None:
    """Seed 5 writes Actions as an object keyed by identifier."""
    with pytest.raises(FlowDocumentError, match="Actions must be a list"):
        parse_flow({"Version": "2019-10-30", "StartAction": "a", "Actions": {"a": {}}})


# -- targeted rules on a minimal valid flow -------------------------------------------------


def base() -> dict[str, Any]:
    return json.loads((ROOT / "flows" / "switchboard-inbound.json").read_text())


def action(doc: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(a for a in doc["Actions"] if a["Identifier"] == ident)


def check(doc: dict[str, Any]) -> list[Finding]:
    return validate(parse_flow(doc))


@pytest.mark.parametrize(
    ("ident", "reason"),
    [("bad:id", "forbidden characters"), ("x" * 51, "at most 50"), ("constructor", "reserved")],
)
def test_identifier_rules(ident: str, reason: str) -> None:
    doc = base()
    action(doc, "hang-up")["Identifier"] = ident
    action(doc, "goodbye")["Transitions"]["NextAction"] = ident
    findings = [f for f in check(doc) if f.code == "identifier"]
    assert findings and reason in findings[0].message and findings[0].action_id == ident


def test_duplicate_identifier() -> None:
    doc = base()
    doc["Actions"].append(copy.deepcopy(action(doc, "hang-up")))
    assert "duplicate-id" in codes(check(doc), "hang-up")


def test_dangling_next_action_and_unreachable() -> None:
    doc = base()
    action(doc, "goodbye")["Transitions"]["NextAction"] = "nowhere"
    findings = check(doc)
    assert "dangling" in codes(findings, "goodbye")
    assert "unreachable" in codes(findings, "hang-up")


def test_missing_queue_at_capacity_branch() -> None:
    doc = base()
    errors = action(doc, "transfer")["Transitions"]["Errors"]
    action(doc, "transfer")["Transitions"]["Errors"] = [
        e for e in errors if e["ErrorType"] != "QueueAtCapacity"
    ]
    findings = [f for f in check(doc) if f.code == "missing-error-branch"]
    assert [(f.action_id, "QueueAtCapacity" in f.message) for f in findings] == [("transfer", True)]


def test_wrong_error_type_and_operator() -> None:
    doc = base()
    action(doc, "goodbye")["Transitions"]["Errors"].append(
        {"NextAction": "hang-up", "ErrorType": "QueueAtCapacity"}
    )
    cond = action(doc, "check-hours")["Transitions"]["Conditions"][0]["Condition"]
    cond["Operator"] = "TextContains"
    findings = check(doc)
    assert "error-type" in codes(findings, "goodbye")
    assert "operator" in codes(findings, "check-hours")


def test_action_not_allowed_in_flow_type() -> None:
    doc = json.loads((ROOT / "flows" / "switchboard-customer-queue.json").read_text())
    action(doc, "stay-in-queue")["Type"] = "TransferContactToQueue"
    action(doc, "stay-in-queue")["Transitions"] = {
        "Errors": [
            {"NextAction": "comfort-loop", "ErrorType": "NoMatchingError"},
            {"NextAction": "comfort-loop", "ErrorType": "QueueAtCapacity"},
        ]
    }
    assert "flow-type" in codes(check(doc), "stay-in-queue")


def test_stored_input_takes_no_conditions() -> None:
    doc = json.loads((ROOT / "flows" / "switchboard-callback.json").read_text())
    action(doc, "ask-callback-number")["Transitions"]["Conditions"] = [
        {"NextAction": "create-callback", "Condition": {"Operator": "Equals", "Operands": ["1"]}}
    ]
    assert "conditions" in codes(check(doc), "ask-callback-number")


def test_comparison_value_must_be_jsonpath() -> None:
    doc = base()
    action(doc, "check-handover")["Parameters"]["ComparisonValue"] = "TransferToAgent"
    assert "bad-parameter" in codes(check(doc), "check-handover")


# -- no customer lost ---------------------------------------------------------------------


def test_queue_full_to_disconnect_loses_the_customer() -> None:
    doc = base()
    for e in action(doc, "transfer")["Transitions"]["Errors"]:
        e["NextAction"] = "hang-up"
    lost = [f for f in check(doc) if f.code == "customer-lost"]
    assert [f.action_id for f in lost] == ["hang-up"]
    assert "no queue transfer and no callback booked" in lost[0].message


def test_handover_branch_to_goodbye_loses_the_customer() -> None:
    doc = base()
    action(doc, "check-handover")["Transitions"]["Conditions"][0]["NextAction"] = "goodbye"
    lost = [f for f in check(doc) if f.code == "customer-lost"]
    assert [f.action_id for f in lost] == ["hang-up"]
    assert "handover branch of check-handover" in lost[0].message


def test_disconnect_after_booked_callback_is_safe_and_without_it_is_not() -> None:
    doc = json.loads((ROOT / "flows" / "switchboard-callback.json").read_text())
    assert check(doc) == []
    action(doc, "offer-callback")["Transitions"]["Conditions"][1]["NextAction"] = "end-call"
    lost = [f for f in check(doc) if f.code == "customer-lost"]
    assert [f.action_id for f in lost] == ["end-call"]


def test_bot_resolved_goodbye_is_not_a_lost_customer() -> None:
    findings = validate(load_flow(ROOT / "flows" / "switchboard-inbound.json"))
    assert "customer-lost" not in codes(findings)


def test_queue_flow_end_keeps_contact_queued_but_disconnect_does_not() -> None:
    doc = json.loads((ROOT / "flows" / "switchboard-customer-queue.json").read_text())
    action(doc, "stay-in-queue")["Type"] = "DisconnectParticipant"
    lost = [f for f in check(doc) if f.code == "customer-lost"]
    assert [f.action_id for f in lost] == ["stay-in-queue"]


def test_end_flow_in_inbound_flow_is_not_allowed() -> None:
    doc = base()
    action(doc, "hang-up")["Type"] = "EndFlowExecution"
    assert "flow-type" in codes(check(doc), "hang-up")


def test_seed5_actions_object_is_reported_and_its_actions_still_checked() -> None:
    findings = check_file(FIXTURES / "seed5_iasovoice_flow.json")
    assert "actions-object" in codes(findings, "")
    streaming = [f.message for f in findings if f.action_id == "enable-streaming"]
    assert any(
        m.startswith(
            "StartMediaStreaming is not a flow-language action; use "
            "UpdateContactMediaStreamingBehavior"
        )
        for m in streaming
    )
    assert any("Kinesis Video Streams" in m and "WebSocket" in m for m in streaming)
    assert any(f.code == "restriction" and "chat" in f.message for f in findings)


def test_unreadable_and_non_json_files_are_findings(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert codes(check_file(bad)) == {"document"}
    assert codes(check_file(tmp_path / "absent.json")) == {"document"}


@pytest.mark.parametrize(
    ("ident", "key", "value"),
    [
        ("fallback-callback", "InitialCallDelaySeconds", "0"),
        ("fallback-callback", "RetryDelaySeconds", "300000"),
        ("raise-priority", "QueuePriority", "high"),
    ],
)
def test_numeric_parameters_are_range_checked(ident: str, key: str, value: str) -> None:
    doc = base()
    action(doc, ident)["Parameters"][key] = value
    messages = [f.message for f in check(doc) if f.code == "bad-parameter" and f.action_id == ident]
    assert messages and messages[0].startswith(f"{key} must be an integer")
