"""Lex V2 code hook pieces that need no event loop: parsing, message splitting, the entry point."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from switchboard.aws.lex import lex_messages, parse_event
from switchboard.aws.session import ATTR_STATE
from switchboard.domain.types import Locale
from switchboard.errors import InputError

from .lex_contract import assert_valid_lex_response
from .test_lex_handler import sample_event


def test_long_replies_are_split_within_the_message_limit() -> None:
    text = ("The branch is open from nine to five. " * 80).strip()
    msgs = lex_messages(text)
    assert len(msgs) >= 3
    assert all(1 <= len(m["content"]) <= 1024 for m in msgs)
    assert " ".join(m["content"] for m in msgs).split() == text.split()


def test_parse_event_reads_the_documented_fields() -> None:
    req = parse_event(sample_event(), Locale.EN_US)
    assert req.session_id == "6f1c2a8e-5b1d-4c47-9b59-0d3f4d8e2a10"
    assert req.text == "Hi, I want to open an account"
    assert req.locale is Locale.EN_GB
    assert req.channel.value == "chat"
    assert req.invocation_source == "FulfillmentCodeHook"
    speech = parse_event({**sample_event(), "inputMode": "Speech"}, Locale.EN_US)
    assert speech.channel.value == "voice"
    with pytest.raises(InputError):
        parse_event({"inputTranscript": "x"}, Locale.EN_GB)


def test_lambda_handler_builds_once_and_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real entry point: lazily built agent (local brain), reused by the second call."""
    import switchboard.aws.lex as lex

    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", "sqlite://")
    monkeypatch.setattr(lex, "_container", None)

    class Ctx:
        def get_remaining_time_in_millis(self) -> int:
            return 30_000

    try:
        first = lex.lambda_handler(sample_event(), Ctx())
        assert_valid_lex_response(first)
        built = lex._container
        ev = copy.deepcopy(sample_event())
        ev["inputTranscript"] = "Checking account"
        ev["sessionState"]["sessionAttributes"] = first["sessionState"]["sessionAttributes"]
        second = lex.lambda_handler(ev, Ctx())
        assert_valid_lex_response(second)
        assert lex._container is built
        state = json.loads(second["sessionState"]["sessionAttributes"][ATTR_STATE])
        assert state["state"]["agent"]["turns"] == 2
    finally:
        if lex._container is not None:
            lex._container.loop.run_until_complete(lex._container.hook.service.aclose())
            lex._container.loop.close()
        monkeypatch.setattr(lex, "_container", None)


def test_lambda_handler_hands_over_when_the_agent_cannot_be_built(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import switchboard.aws.lex as lex

    monkeypatch.setenv("SWITCHBOARD_ROUTER__MODEL_DIR", str(tmp_path / "missing"))
    monkeypatch.setattr(lex, "_container", None)
    resp = lex.lambda_handler(sample_event(), None)
    assert_valid_lex_response(resp)
    assert resp["sessionState"]["dialogAction"]["type"] == "Close"
    assert resp["sessionState"]["sessionAttributes"]["handover_reason"] == "technical_issues"
    assert lex._container is None  # retried on the next invocation


def test_unbuilt_agent_with_malformed_settings_still_hands_over(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import switchboard.aws.lex as lex

    monkeypatch.setenv("SWITCHBOARD_AWS_SESSION_BUDGET_BYTES", "not-a-number")
    monkeypatch.setenv("SWITCHBOARD_LOCALE", "xx_XX")
    monkeypatch.setattr(lex, "_container", None)
    resp = lex.lambda_handler(sample_event(), None)
    assert_valid_lex_response(resp)
    assert resp["sessionState"]["intent"]["name"] == "TransferToAgent"
    history = json.loads(resp["sessionState"]["sessionAttributes"]["conversation_history"])
    assert history[0]["content"] == "Hi, I want to open an account"
    assert lex._container is None


def test_lambda_logging_writes_one_json_object_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    """CloudWatch metric filters (deploy/terraform/alarms.tf) read these fields."""
    import logging

    from switchboard.aws.settings import configure_lambda_logging

    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    runtime_handler = logging.StreamHandler()  # stands in for the Lambda runtime's text handler
    root.addHandler(runtime_handler)
    try:
        configure_lambda_logging("INFO")
        assert runtime_handler not in root.handlers and len(root.handlers) == 1
        logging.getLogger("switchboard.audit").info(
            "audit event validation_check",
            extra={
                "contact_id": "c-1",
                "event_type": "validation_check",
                "data": {"hallucination_detected": True, "customer_phone": "+442079460123"},
            },
        )
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in saved_handlers:
            root.addHandler(h)
        root.setLevel(saved_level)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["event_type"] == "validation_check"
    assert record["data"]["hallucination_detected"] is True
    assert "7946" not in lines[0]  # PII redacted before it leaves the process
