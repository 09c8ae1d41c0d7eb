"""The supervisor board (fed by events), its live updates, and abandonment by idle timeout."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from switchboard.analytics.supervisor import SupervisorBoard
from switchboard.analytics.telemetry_runtime import AnalyticsRuntime
from switchboard.compose import build_service
from switchboard.config import Settings
from switchboard.domain.types import Event, EventType, Source, utcnow
from switchboard.store import SqlStore

SETTINGS = Settings(database_url="sqlite://", summaries={"directory": None})


def ev(kind: EventType | str, cid: str = "c1", **data: object) -> Event:
    return Event(contact_id=cid, type=kind, source=Source.SYSTEM, data=data)


def test_board_tracks_route_turns_transcript_and_handover() -> None:
    board = SupervisorBoard()
    board.observe(ev(EventType.CONVERSATION_START, channel="voice", locale="en_US"))
    board.observe(ev(EventType.USER_INPUT, transcript="where is my branch", turn=1))
    board.observe(ev(EventType.AGENT_REPLY, text="The nearest is...", route="branch"))
    (c,) = board.snapshot()
    got = (c.channel, c.locale, c.route, c.turns, c.status)
    assert got == ("voice", "en_US", "branch", 1, "active")
    assert [line.speaker for line in c.lines] == ["CUSTOMER", "AI_AGENT"]
    board.observe(ev(EventType.HANDOVER_DECISION, reason="sensitive_topic"))
    c = board.get("c1")
    assert c is not None and c.handover and c.status == "transferred"
    assert c.queue == "PriorityAgentQueue" and not c.escalated
    board.observe(ev(EventType.CONVERSATION_END, resolution_status="transferred"))
    assert board.get("c1").ended_at is not None  # type: ignore[union-attr]


def test_sentiment_events_draw_the_sparkline_and_only_the_rule_escalates() -> None:
    board = SupervisorBoard()
    board.observe(ev(EventType.CONVERSATION_START))
    # Factual bad news: a negative segment, no escalation.
    board.observe(ev("sentiment", compound=-0.6, label="NEGATIVE", attribute="NEUTRAL",
                     escalated=False, escalation=False))
    c = board.get("c1")
    assert c is not None and c.sentiment == [-0.6] and c.sentiment_label == "NEUTRAL"
    assert not c.escalated
    board.observe(ev("sentiment", compound=-0.9, label="NEGATIVE", attribute="NEGATIVE",
                     escalated=True, escalation=True))
    c = board.get("c1")
    assert c is not None and c.sentiment == [-0.6, -0.9] and c.escalated
    assert c.sentiment_label == "NEGATIVE"


def test_frustration_handover_is_an_escalation() -> None:
    board = SupervisorBoard()
    board.observe(ev(EventType.CONVERSATION_START))
    board.observe(ev(EventType.HANDOVER_DECISION, reason="customer_frustration"))
    c = board.get("c1")
    assert c is not None and c.escalated and c.queue == "PriorityAgentQueue"


async def test_subscribers_receive_every_change_and_can_leave() -> None:
    board = SupervisorBoard()
    queue = board.subscribe()
    board.observe(ev(EventType.CONVERSATION_START, cid="a"))
    board.observe(ev(EventType.USER_INPUT, cid="a", transcript="hi", turn=1))
    first = await asyncio.wait_for(queue.get(), 1)
    second = await asyncio.wait_for(queue.get(), 1)
    assert first["type"] == "contact" and first["contact"]["contact_id"] == "a"
    assert second["contact"]["turns"] == 1
    board.unsubscribe(queue)
    board.observe(ev(EventType.USER_INPUT, cid="a", transcript="again", turn=2))
    await asyncio.sleep(0.05)
    assert queue.empty()


def test_ended_contacts_are_trimmed_live_ones_kept() -> None:
    board = SupervisorBoard(keep_ended=2)
    for i in range(5):
        board.observe(ev(EventType.CONVERSATION_START, cid=f"e{i}"))
        board.observe(ev(EventType.CONVERSATION_END, cid=f"e{i}", resolution_status="resolved"))
    board.observe(ev(EventType.CONVERSATION_START, cid="live"))
    ids = [c.contact_id for c in board.snapshot()]
    assert ids[0] == "live" and len(ids) <= 3


async def test_idle_contact_is_abandoned_and_summarised() -> None:
    svc = await build_service(SETTINGS, store=SqlStore("sqlite://"))
    runtime = AnalyticsRuntime.attach(svc, SETTINGS, sinks=[], start_sweeper=False)
    quiet = await svc.start_contact()
    await svc.handle_turn(quiet.contact_id, "Where is the nearest branch in Leeds?")
    other = await svc.start_contact()
    await svc.handle_turn(other.contact_id, "hello")
    await svc.end_contact(other.contact_id)  # ended normally: never swept
    now = utcnow()
    assert await runtime.sweeper.sweep(now) == []  # nobody idle yet
    later = now + timedelta(seconds=SETTINGS.summaries.idle_timeout_s + 1)
    assert await runtime.sweeper.sweep(later) == [quiet.contact_id]
    assert svc.store.get_contact(other.contact_id).status.value == "resolved"
    stored = svc.store.get_contact(quiet.contact_id)
    assert stored.status.value == "abandoned" and stored.ended_at is not None
    summary = await runtime.summaries.get(quiet.contact_id)
    assert summary.bullets[2] == "Outcome: Abandoned by the customer after 1 turn"
    assert runtime.board.get(quiet.contact_id).summary_ready  # type: ignore[union-attr]
    await runtime.aclose()
    await svc.aclose()
