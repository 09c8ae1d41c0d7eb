"""The ``switchboard`` CLI through typer's CliRunner.

Input errors are checked without loading anything; ``eval routes`` and ``chat``
run the real AgentService (local brain, MCP tools, SQLite) and are marked slow.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from switchboard.cli import build_cli, percentile, read_utterances, summarise

ACCOUNT = "How do I open a checking account online?"
BRANCH = "Where is the nearest branch in Leeds?"
HUMAN = "I want to speak to a human agent"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def isolated_env(tmp_path: Path) -> dict[str, str]:
    """Point the default database at tmp so nothing reaches var/."""
    return {
        "SWITCHBOARD_DATABASE_URL": f"sqlite:///{tmp_path / 'default.db'}",
        "SWITCHBOARD_LOG_JSON": "false",
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }


def json_lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


# --- fast: input handling -----------------------------------------------------


def test_eval_missing_file_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(build_cli(), ["eval", "routes", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr and "nope.csv" in result.stderr
    assert result.stdout == ""


def test_eval_missing_text_column_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "bad.csv"
    data.write_text("utterance,route\nhello,smalltalk\n", encoding="utf-8")
    result = runner.invoke(build_cli(), ["eval", "routes", str(data)])
    assert result.exit_code == 2
    assert "no 'text' column" in result.stderr
    assert "utterance, route" in result.stderr  # says what it found
    assert result.stdout == ""


def test_eval_jsonl_line_without_text_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "bad.jsonl"
    data.write_text('{"text": "hi"}\n{"utterance": "hello"}\n', encoding="utf-8")
    result = runner.invoke(build_cli(), ["eval", "routes", str(data)])
    assert result.exit_code == 2
    assert "bad.jsonl:2" in result.stderr and "'text'" in result.stderr


def test_eval_jsonl_invalid_json_and_unknown_suffix(runner: CliRunner, tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "hi"}\n{"text": \n', encoding="utf-8")
    result = runner.invoke(build_cli(), ["eval", "routes", str(broken)])
    assert result.exit_code == 2 and "broken.jsonl:2: not valid JSON" in result.stderr

    sheet = tmp_path / "data.xlsx"
    sheet.write_bytes(b"PK\x03\x04")
    result = runner.invoke(build_cli(), ["eval", "routes", str(sheet)])
    assert result.exit_code == 2 and "unsupported file type '.xlsx'" in result.stderr


def test_read_utterances_csv_with_bom_and_jsonl_blank_lines(tmp_path: Path) -> None:
    csv_file = tmp_path / "u.csv"
    csv_file.write_text("\ufefftext,route\nHello there,smalltalk\n", encoding="utf-8")
    assert read_utterances(csv_file) == [{"text": "Hello there", "route": "smalltalk"}]
    jsonl = tmp_path / "u.jsonl"
    jsonl.write_text('\n{"text": "a", "n": 1}\n  \n{"text": "b"}\n', encoding="utf-8")
    assert read_utterances(jsonl) == [{"text": "a", "n": "1"}, {"text": "b"}]


def test_percentile_and_summary() -> None:
    assert percentile([], 50) == 0.0
    assert percentile([10.0], 95) == 10.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile(list(map(float, range(1, 101))), 95) == pytest.approx(95.05)
    results = [
        {"route": "branch", "action": "answer", "latency_ms": 10.0, "correct": True},
        {"route": "branch", "action": "clarify", "latency_ms": 30.0, "correct": False},
        {"route": None, "action": None, "latency_ms": 1.0, "error": "invalid_input"},
    ]
    summary = summarise(results)
    assert summary["routes"] == {"branch": 2, "error": 1}
    assert summary["actions"] == {"answer": 1, "clarify": 1, "error": 1}
    assert summary["errors"] == 1
    assert summary["latency_ms"] == {"p50": 10.0, "p95": 28.0, "max": 30.0}
    assert summary["labelled"] == 2 and summary["accuracy"] == 0.5


def test_help_lists_every_command(runner: CliRunner) -> None:
    result = runner.invoke(build_cli(), ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "chat", "eval", "mcp", "train"):
        assert command in result.stdout


# --- slow: the real agent -----------------------------------------------------


@pytest.mark.slow
def test_eval_routes_csv(runner: CliRunner, tmp_path: Path, isolated_env: dict[str, str]) -> None:
    data = tmp_path / "utterances.csv"
    data.write_text(
        f'text,route\n"{ACCOUNT}",account_opening\n"{BRANCH}",branch\n"{HUMAN}",handover\n',
        encoding="utf-8",
    )
    result = runner.invoke(build_cli(), ["eval", "routes", str(data)], env=isolated_env)
    assert result.exit_code == 0, result.stderr
    rows = json_lines(result.stdout)
    assert [row["text"] for row in rows] == [ACCOUNT, BRANCH, HUMAN]
    for row in rows:
        assert {"text", "route", "action", "tools", "handover_reason", "latency_ms"} <= set(row)
        assert row["latency_ms"] > 0
    account, branch, human = rows
    assert account["route"] == "account_opening" and account["action"] == "answer"
    assert "get_digital_account_opening_info" in account["tools"]
    assert account["handover_reason"] is None
    assert branch["route"] == "branch" and branch["tools"]
    assert human["action"] == "handover" and human["handover_reason"] == "explicit_request"
    assert all(row["correct"] for row in rows)
    summary = json.loads(result.stderr[result.stderr.index("{") :])["summary"]
    assert summary["utterances"] == 3 and summary["accuracy"] == 1.0
    assert summary["routes"]["account_opening"] == 1
    assert summary["latency_ms"]["p95"] >= summary["latency_ms"]["p50"] > 0
    # Each row was a fresh contact in a throw-away database, not the configured one.
    assert not (tmp_path / "default.db").exists()


@pytest.mark.slow
def test_eval_routes_jsonl(runner: CliRunner, tmp_path: Path, isolated_env: dict[str, str]) -> None:
    data = tmp_path / "utterances.jsonl"
    lines = [{"text": BRANCH}, {"text": ACCOUNT, "locale": "en_US"}, {"text": ""}]
    data.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    result = runner.invoke(build_cli(), ["eval", "routes", str(data)], env=isolated_env)
    assert result.exit_code == 0, result.stderr
    rows = json_lines(result.stdout)
    assert len(rows) == 3
    assert rows[0]["route"] == "branch"
    assert rows[1]["route"] == "account_opening"
    assert rows[2]["error"] == "invalid_input" and rows[2]["route"] is None
    assert "correct" not in rows[0]  # no expected route in the file
    assert '"errors": 1' in result.stderr


@pytest.mark.slow
def test_chat_with_piped_input(
    runner: CliRunner, tmp_path: Path, isolated_env: dict[str, str]
) -> None:
    script = f"{ACCOUNT}\n\n{BRANCH}\nquit\nthis line is never read\n"
    result = runner.invoke(build_cli(), ["chat", "--details"], input=script, env=isolated_env)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Agent: ") and len(lines[0]) > len("Agent: ")
    assert f"You: {ACCOUNT}" in lines and f"You: {BRANCH}" in lines
    assert "never read" not in result.stdout
    agent_lines = [line for line in lines if line.startswith("Agent: ")]
    assert len(agent_lines) == 3  # greeting + two replies
    assert any(line.startswith("[account_opening · answer") for line in lines)
    assert any(line.startswith("[branch") for line in lines)
    assert lines[-1] == "(chat ended: resolved)"
    assert (tmp_path / "default.db").exists()  # chat keeps its contact in the configured store
