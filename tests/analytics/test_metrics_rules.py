"""deploy/prometheus/alerts.yml mirrors seed 2's CloudWatch alarms and reads real series.

No promtool: the file is loaded as YAML, every expression is checked for
balanced brackets, known functions and range windows, and every series and
label matcher it names must exist in the ``/metrics`` output.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from switchboard.analytics.metrics import ContactMetrics
from switchboard.domain.types import Event, EventType, Source

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "alerts.yml"

#: Seed 2 "CloudWatch Alarms" (+ "Queue Metrics" abandonment):
#: alert → (severity, window, threshold).
SEED_ALARMS = {
    "HallucinationRateCritical": ("critical", "5m", 0.10),
    "ErrorRateCritical": ("critical", "5m", 0.05),
    "ResponseLatencyP95Critical": ("critical", "5m", 5.0),
    "AbandonmentRateCritical": ("critical", "1h", 0.20),
    "HallucinationRateWarning": ("warning", "15m", 0.05),
    "ToolExecutionFailuresWarning": ("warning", "1h", 10.0),
    "ValidationTimeoutsWarning": ("warning", "1h", 5.0),
}
FUNCTIONS = {"sum", "rate", "increase", "clamp_min", "histogram_quantile", "vector", "by", "or"}
SERIES = re.compile(r"\b(switchboard_[a-z0-9_]+)(\{[^}]*\})?")
RANGE = re.compile(r"\[(\d+[smh])\]")


def rules() -> list[dict]:
    doc = yaml.safe_load(RULES.read_text())
    return [rule for group in doc["groups"] for rule in group["rules"]]


def exported() -> dict[str, dict[str, set[str]]]:
    """Sample name → label name → values seen, from a /metrics render after one of each event."""
    metrics = ContactMetrics()
    cid = "c-1"
    events = [
        (EventType.CONVERSATION_START, {"channel": "chat"}),
        (EventType.TOOL_INVOCATION,
         {"tool_name": "t", "error": {"code": "timeout", "message": "tool timed out"}}),
        (EventType.VALIDATION_CHECK, {"validation_passed": False, "hallucination_detected": True,
                                      "severity": "high"}),
        (EventType.ERROR, {"stage": "brain"}),
        (EventType.ERROR, {"stage": "validation"}),
        (EventType.HANDOVER_DECISION, {"reason": "technical_issues"}),
        (EventType.AGENT_REPLY, {"route": "branch", "action": "handover", "latency_ms": 12.0}),
        (EventType.CONVERSATION_END, {"resolution_status": "abandoned", "total_turns": 1}),
    ]
    for kind, data in events:
        metrics.observe(Event(contact_id=cid, type=kind, source=Source.SYSTEM, data=data))
    seen: dict[str, dict[str, set[str]]] = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            labels = seen.setdefault(sample.name, {})
            for key, val in sample.labels.items():
                labels.setdefault(key, set()).add(val)
    return seen


def test_every_seed_alarm_is_mirrored_with_its_window_and_threshold() -> None:
    alerts = {r["alert"]: r for r in rules() if "alert" in r}
    assert set(alerts) == set(SEED_ALARMS)
    for name, (severity, window, threshold) in SEED_ALARMS.items():
        rule = alerts[name]
        assert rule["labels"]["severity"] == severity, name
        assert rule["labels"]["window"] == window, name
        assert float(rule["labels"]["threshold"]) == threshold, name
        expr = " ".join(rule["expr"].split())
        assert expr.endswith(f"> {rule['labels']['threshold']}"), (name, expr)
        assert set(RANGE.findall(expr)) == {window}, (name, expr)
        assert rule["annotations"]["summary"] and "seed 2" in rule["annotations"]["seed"]


@pytest.mark.parametrize("rule", rules(), ids=lambda r: r.get("alert") or r.get("record"))
def test_expression_is_sane_and_reads_exported_series(rule: dict) -> None:
    expr: str = rule["expr"]
    depth = {"(": 0, "[": 0, "{": 0}
    closing = {")": "(", "]": "[", "}": "{"}
    for ch in expr:
        if ch in depth:
            depth[ch] += 1
        elif ch in closing:
            depth[closing[ch]] -= 1
            assert depth[closing[ch]] >= 0, expr
    assert all(v == 0 for v in depth.values()), expr
    bare = SERIES.sub(" ", RANGE.sub(" ", expr))
    words = set(re.findall(r"\b([a-z_]+)\s*\(", bare)) | set(re.findall(r"\b(by|or)\b", bare))
    assert words <= FUNCTIONS, words - FUNCTIONS
    seen = exported()
    named = SERIES.findall(expr)
    assert named, expr
    for series, matchers in named:
        assert series in seen, f"{series} is not exported by /metrics"
        for key, val in re.findall(r'(\w+)="([^"]*)"', matchers):
            assert key in seen[series], (series, key)
            assert val in seen[series][key], (series, key, val)
    if "record" in rule:
        assert rule["record"].startswith("switchboard:")
