"""Post-call summaries of seed 2's example conversations, played through the real agent.

The router is the shipped artifact, tools, validation agent and store are the
real ones (SQLite in memory). Each summary must carry the reason, the actions
and the outcome, and nothing that is not in the contact's transcript or events.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from switchboard.agent.service import AgentService
from switchboard.analytics.summary import CallSummary
from switchboard.analytics.summary_check import GroundingChecker, RecordEvidence
from switchboard.analytics.summary_sinks import FileSummarySink
from switchboard.analytics.telemetry_runtime import AnalyticsRuntime
from switchboard.compose import build_service
from switchboard.config import Settings
from switchboard.domain.types import ContactStatus
from switchboard.errors import SummaryNotReadyError
from switchboard.store import SqlStore

pytestmark = pytest.mark.asyncio(loop_scope="module")

QUOTE = re.compile(r"“([^”]*)”")


#: The runtime wired onto each service of this module (the fixture fills it).
RUNTIMES: dict[int, AnalyticsRuntime] = {}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def wired(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[AgentService, AnalyticsRuntime, Path]]:
    out = tmp_path_factory.mktemp("summaries")
    # A file database: one in-memory SQLite connection shared by the audit sink's flush
    # and the turns' worker threads raced under a full run (StoreError, a missing event).
    url = f"sqlite:///{tmp_path_factory.mktemp('summary-db') / 'switchboard.db'}"
    svc = await build_service(Settings(database_url=url), store=SqlStore(url))
    runtime = AnalyticsRuntime.attach(
        svc, svc.settings, sinks=[FileSummarySink(out)], start_sweeper=False
    )
    RUNTIMES[id(svc)] = runtime
    yield svc, runtime, out
    await runtime.aclose()
    await svc.aclose()


async def play(
    svc: AgentService, *lines: str, status: ContactStatus = ContactStatus.RESOLVED
) -> tuple[str, CallSummary]:
    c = await svc.start_contact()
    for line in lines:
        await svc.handle_turn(c.contact_id, line)
    await svc.end_contact(c.contact_id, status)
    runtime = RUNTIMES[id(svc)]
    return c.contact_id, await runtime.summaries.get(c.contact_id)


def assert_traceable(svc: AgentService, summary: CallSummary, said: tuple[str, ...] = ()) -> None:
    """Re-check the stored summary: quotes and words in the record, quotes as the customer typed."""
    runtime = RUNTIMES[id(svc)]
    record = runtime.summaries.record(summary.contact_id)
    evidence = RecordEvidence(record)
    texts = [*summary.bullets, summary.outcome.text]
    texts += [n.text for n in (summary.customer_asked + summary.tools + summary.follow_ups)]
    if summary.reason:
        texts.append(summary.reason.text)
    for text in texts:
        for span in QUOTE.findall(text):
            assert evidence.quote_found(span), (span, text)
            if said:  # independent of the checker: a customer's own words, verbatim
                assert any(span in line for line in said), (span, said)
        assert evidence.untraceable_words(text) == [], text
    assert summary.check.checked >= len(texts) - 1


async def test_example_1_account_opening_summary(wired) -> None:
    svc, _, out = wired
    lines = ("Hi, I want to open an account", "Checking account", "Online would be easier")
    cid, s = await play(svc, *lines)
    assert len(s.bullets) == 3
    reason, actions, outcome = s.bullets
    assert reason.startswith("Reason:") and "opening an account" in reason
    assert "I want to open an account" in reason
    assert actions.startswith("Actions:") and "get_digital_account_opening_info" in actions
    assert outcome == "Outcome: Resolved by the AI agent in 3 turns"
    assert [t.tool for t in s.tools] == ["get_digital_account_opening_info"]
    assert s.tools[0].arguments == {"account_type": "checking"} and s.tools[0].ok
    assert "processing_time" in s.tools[0].text and "account_type" not in s.tools[0].text
    assert s.status == "resolved" and s.turns == 3 and s.handover is None
    assert s.check.dropped == []
    assert_traceable(svc, s, lines)
    exported = json.loads((out / f"{cid}.json").read_text())
    assert exported["contact_id"] == cid and exported["bullets"] == s.bullets


async def test_example_2_complex_query_transferred(wired) -> None:
    svc, _, _ = wired
    said = ("I need to open a business account but I have some tax issues I'm dealing with",)
    _, s = await play(svc, *said)
    assert s.status == "transferred"
    assert s.handover is not None and s.handover.reason == "complex_scenario"
    assert s.handover.queue == "GeneralAgentQueue"
    assert "tax issues" in s.bullets[0]
    assert s.bullets[2].startswith("Outcome: Transferred to a human agent because a complex")
    assert "answered without calling a tool" in s.bullets[1]
    assert_traceable(svc, s, said)


async def test_example_3_frustration_transferred_to_priority_queue(wired) -> None:
    svc, _, _ = wired
    said = ("I've asked this three times already! Why can't you just tell me?",)
    _, s = await play(svc, *said)
    assert s.handover is not None and s.handover.reason == "customer_frustration"
    assert s.handover.queue == "PriorityAgentQueue"
    assert "the customer was frustrated" in s.bullets[2]
    assert_traceable(svc, s, said)


async def test_scenario_2_tool_query_lists_what_the_tool_returned(wired) -> None:
    svc, _, _ = wired
    _, s = await play(svc, "How do I open a checking account online?")
    (tool,) = s.tools
    assert tool.tool == "get_digital_account_opening_info"
    assert "documents_required" in tool.text and "items" in tool.text
    assert_traceable(svc, s)


async def test_branch_search_and_abandoned_contact(wired) -> None:
    svc, _, _ = wired
    _, s = await play(
        svc, "Where is the nearest branch in Manchester?", status=ContactStatus.ABANDONED
    )
    assert s.status == "abandoned"
    assert s.bullets[2] == "Outcome: Abandoned by the customer after 1 turn"
    assert s.tools and s.tools[0].tool == "find_nearest_branch"
    assert "branches" in s.tools[0].text
    assert_traceable(svc, s)


async def test_summary_not_ready_while_active(wired) -> None:
    svc, runtime, _ = wired
    c = await svc.start_contact()
    await svc.handle_turn(c.contact_id, "hello")
    with pytest.raises(SummaryNotReadyError):
        await runtime.summaries.get(c.contact_id)


async def test_every_ended_contact_has_a_stored_summary(wired) -> None:
    svc, _, _ = wired
    ids = []
    for lines, status in [
        (("thank you",), ContactStatus.RESOLVED),
        (("what's the weather in Paris tomorrow",), ContactStatus.RESOLVED),
        (("can I speak to a real person please",), ContactStatus.RESOLVED),
        ((), ContactStatus.ABANDONED),
    ]:
        cid, _ = await play(svc, *lines, status=status)
        ids.append(cid)
    for cid in ids:
        stored = svc.store.get_contact(cid).state.get("summary")
        assert isinstance(stored, dict) and stored["contact_id"] == cid
        assert len(stored["bullets"]) == 3
        assert_traceable(svc, CallSummary.model_validate(stored))


async def test_an_untraceable_statement_is_dropped_not_stored(wired) -> None:
    svc, runtime, _ = wired
    cid, s = await play(svc, "How do I open a checking account online?")
    record = runtime.summaries.record(cid)
    forged = s.model_copy(
        update={
            "bullets": [
                *s.bullets[:2],
                "Outcome: the customer also took out a mortgage at 4.5%",
            ],
            "follow_ups": [
                s.outcome.model_copy(update={"text": "Callback booked for 09:30 tomorrow"})
            ],
            "reason": s.reason.model_copy(update={"text": "Customer asked: “open a loan now”"})
            if s.reason
            else None,
        }
    )
    checked = GroundingChecker().check(forged, record)
    assert len(checked.bullets) == 2
    assert checked.follow_ups == [] and checked.reason is None
    fields = {d.field for d in checked.check.dropped}
    assert {"bullets[2]", "follow_ups[0]", "reason"} <= fields
    assert all("mortgage" not in d.reason for d in checked.check.dropped)


async def test_sentiment_trajectory_of_an_angry_customer(wired) -> None:
    svc, _, _ = wired
    lines = ("I want to open a savings account", "This is absolutely ridiculous, you are useless!!")
    _, s = await play(svc, *lines)
    assert s.sentiment is not None
    assert len(s.sentiment.points) == 2
    assert s.sentiment.points[-1].score < 0 < s.sentiment.points[0].score + 0.5
    assert s.sentiment.trend == "declining"
    assert all(p.source.startswith("event:") for p in s.sentiment.points)
    assert s.handover is not None and s.handover.reason == "customer_frustration"
    assert_traceable(svc, s, lines)
