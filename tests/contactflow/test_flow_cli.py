"""``switchboard flow check`` and ``switchboard flow run`` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from switchboard.cli import build_cli

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
MAIN = str(ROOT / "flows" / "switchboard-inbound.json")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_cli(), list(args))
    return result.exit_code, result.output


def test_check_passes_our_flows() -> None:
    code, out = invoke("flow", "check", *sorted(str(p) for p in (ROOT / "flows").glob("*.json")))
    assert code == 0, out
    assert out.count(": 0 error(s), 0 warning(s)") == 3


def test_check_names_every_wrong_seed_type_with_its_replacement() -> None:
    files = sorted(str(p) for p in FIXTURES.glob("seed*.json"))
    code, out = invoke("flow", "check", *files)
    assert code == 1
    for wrong, right in [
        ("TransferToQueue", "TransferContactToQueue"),
        ("CheckAttribute", "Compare"),
        ("SetQueue", "UpdateContactTargetQueue"),
        ("PlayPrompt", "MessageParticipant"),
        ("StoreUserInput", "GetParticipantInput"),
        ("InvokeExternalResource", "InvokeLambdaFunction"),
        ("StartMediaStreaming", "UpdateContactMediaStreamingBehavior"),
    ]:
        assert f"{wrong} is not a flow-language action; use {right}" in out
    assert "[customer-lost] disconnect" in out


def test_check_reports_a_malformed_document(tmp_path: Path) -> None:
    bad = tmp_path / "seed5.json"
    bad.write_text(json.dumps({"Version": "2019-10-30", "Actions": {"a": {"Type": "X"}}}))
    missing = tmp_path / "missing.json"
    code, out = invoke("flow", "check", str(bad), str(missing))
    assert code == 1
    assert "Actions must be a list" in out and "cannot read" in out


def test_run_refuses_a_naive_time() -> None:
    code, out = invoke("flow", "run", MAIN, "--say", "hi", "--at", "2026-11-23T22:00:00")
    assert code == 2 and "time zone" in out


@pytest.mark.slow
def test_acceptance_run_queues_in_hours_and_books_a_callback_at_22() -> None:
    """The issue's acceptance: the real agent (embedding router) plays the bot."""
    say = ("--say", "I want to speak to a person")
    code, out = invoke("flow", "run", MAIN, *say, "--at", "2026-11-23T10:00:00+00:00")
    assert code == 0, out
    assert "(TransferContactToQueue): queued in GeneralAgentQueue" in out
    assert "outcome: queued" in out and "conversation_summary attached: yes" in out
    code, out = invoke("flow", "run", MAIN, *say, "--at", "2026-11-23T22:00:00+00:00")
    assert code == 0, out
    assert "GeneralAgentQueue at 2026-11-23T22:00+00:00: closed" in out
    assert "outcome: callback_booked" in out and "due 2026-11-24T09:00+00:00" in out


def test_run_refuses_a_flow_that_fails_check() -> None:
    seed = str(FIXTURES / "seed2_flow_queue_management.json")
    code, out = invoke("flow", "run", seed, "--say", "hi", "--at", "2026-11-23T10:00:00+00:00")
    assert code == 1
    assert "does not pass flow check" in out and "use TransferContactToQueue" in out
