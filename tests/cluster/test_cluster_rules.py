"""deploy/prometheus/cluster.yml: cluster-wide sums over the replicas' own /metrics.

Every series a rule reads must be exported by ``ContactMetrics`` (the same check
as tests/analytics/test_metrics_rules.py does for alerts.yml), every total sums
across instances, and every per-replica rule keeps ``instance``.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from switchboard.analytics.metrics import ContactMetrics
from switchboard.domain.types import Event, EventType, Source

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "cluster.yml"
SERIES = re.compile(r"\b(switchboard_[a-z0-9_]+)")


def exported() -> set[str]:
    """Sample names of a /metrics render after a conversation with a turn and a transfer."""
    metrics = ContactMetrics()
    for kind, data in [
        (EventType.CONVERSATION_START, {"channel": "chat"}),
        (EventType.HANDOVER_DECISION, {"reason": "technical_issues"}),
        (EventType.AGENT_REPLY, {"route": "branch", "action": "handover", "latency_ms": 12.0}),
    ]:
        metrics.observe(Event(contact_id="c-1", type=kind, source=Source.SYSTEM, data=data))
    families = text_string_to_metric_families(metrics.render().decode())
    return {sample.name for family in families for sample in family.samples}


def test_cluster_rules_read_exported_series_and_sum_across_replicas() -> None:
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    rules = [rule for group in doc["groups"] for rule in group["rules"]]
    assert len(rules) >= 6
    names = exported()
    for rule in rules:
        expr = " ".join(rule["expr"].split())
        assert expr.count("(") == expr.count(")"), rule["record"]
        for series in SERIES.findall(expr):
            assert series in names, f"{rule['record']}: {series} is not exported"
        assert "sum" in expr, f"{rule['record']} must aggregate the replicas' series"
        if rule["record"].startswith("instance:"):
            assert "by (instance" in expr
        else:
            assert "instance" not in expr
