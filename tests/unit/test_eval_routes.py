"""Route-safety figures of ``switchboard eval routes`` (issue 10's route bars).

The figures are checked on hand-made results (fast); the product's route sets are
read from ``../shared/data`` when it is there; ``eval routes --summary`` runs the
real agent (slow).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from switchboard.cli import build_cli
from switchboard.evals.routes import (
    format_route_safety,
    needs_human,
    outcome,
    route_safety,
    route_set_rows,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def test_needs_human_only_when_no_tool_route_is_right() -> None:
    assert needs_human({"handover"})
    assert needs_human({"handover", "out_of_scope"})
    assert not needs_human({"card_info", "handover"})  # a tool answer is right too
    assert not needs_human({"out_of_scope"})
    assert not needs_human(set())


def test_outcome_reads_route_and_action() -> None:
    assert outcome({"route": "card_info", "action": "handover"}) == "handover"
    assert outcome({"route": "handover", "action": "answer"}) == "handover"
    assert outcome({"route": "branch", "action": "answer", "tools": ["x"]}) == "tool"
    assert outcome({"route": "card_info", "action": "clarify"}) == "clarify"
    assert outcome({"route": "out_of_scope", "action": "decline"}) == "decline"
    assert outcome({"route": "smalltalk", "action": "answer"}) == "decline"
    assert outcome({"route": None, "action": None}) == "error"


def test_route_safety_per_source() -> None:
    rows = [
        {"expected_route": "handover", "route": "handover", "action": "handover", "source": "a"},
        {"expected_route": "handover", "route": "card_info", "action": "answer", "source": "a"},
        {
            "expected_route": "card_info|handover",
            "route": "card_info",
            "action": "answer",
            "source": "a",
        },
        {
            "expected_route": "out_of_scope",
            "route": "out_of_scope",
            "action": "decline",
            "source": "b",
        },
        {
            "expected_route": "out_of_scope",
            "route": "handover",
            "action": "handover",
            "source": "b",
        },
        {"text": "no label", "route": "branch", "action": "answer"},
    ]
    figures = route_safety(rows)
    assert set(figures) == {"all", "a", "b"}
    assert figures["all"]["rows"] == 5
    assert figures["a"]["need_human"] == 2
    assert figures["a"]["handover_recall"] == 0.5
    assert figures["a"]["tool_on_human"] == 0.5 and figures["a"]["tool_on_human_n"] == 1
    assert figures["a"]["off_topic_declined"] is None
    assert figures["b"]["off_topic"] == 2 and figures["b"]["off_topic_declined"] == 0.5
    table = format_route_safety(figures)
    assert table.splitlines()[0].startswith("set")
    assert "50.00" in table and len(table.splitlines()) == 4
    assert route_safety([{"route": "branch"}]) == {}


@pytest.mark.skipif(not (SHARED / "banking77").is_dir(), reason="no ../shared/data")
def test_route_sets_use_the_product_route_maps() -> None:
    rows = route_set_rows(SHARED)
    sources = {r["source"] for r in rows}
    assert sources == {"banking77", "clinc150"}
    virtual = {r["expected_route"] for r in rows if r["intent"] == "getting_virtual_card"}
    assert virtual == {"card_info|handover"}  # training.BANKING77_ROUTE_OVERRIDES
    stolen = {r["expected_route"] for r in rows if r["intent"] == "lost_or_stolen_card"}
    assert stolen == {"handover"}
    assert sum(r["expected_route"] == "out_of_scope" for r in rows) >= 1000


@pytest.mark.slow
def test_eval_routes_summary_prints_route_safety(tmp_path: Path) -> None:
    data = tmp_path / "rows.jsonl"
    lines = [
        {"text": "I want to speak to a human agent", "expected_route": "handover", "source": "x"},
        {
            "text": "Where is the nearest branch in Leeds?",
            "expected_route": "branch",
            "source": "x",
        },
        {"text": "What's the capital of Peru?", "expected_route": "out_of_scope", "source": "y"},
    ]
    data.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    env = {
        "SWITCHBOARD_DATABASE_URL": f"sqlite:///{tmp_path / 'default.db'}",
        "SWITCHBOARD_LOG_JSON": "false",
        "HF_HUB_OFFLINE": "1",
    }
    result = CliRunner().invoke(build_cli(), ["eval", "routes", str(data), "--summary"], env=env)
    assert result.exit_code == 0, result.stderr
    head, _, rest = result.stdout.partition("{")
    assert head.splitlines()[0].startswith("set")  # the table first, no per-line results
    summary = json.loads("{" + rest)["summary"]
    safety = summary["route_safety"]
    assert safety["all"]["need_human"] == 1 and safety["all"]["handover_recall"] == 1.0
    assert safety["x"]["tool_on_human"] == 0.0
    assert safety["y"]["off_topic"] == 1 and safety["y"]["off_topic_declined"] == 1.0
