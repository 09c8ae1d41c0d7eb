"""Typed ``Contact.state``: old stored state loads, the stored shape stays, parts are typed.

The old contacts come from ``fixtures/old_event_chain.json`` (written by main at
490aafa, before the typed state: see ``fixtures/make_old_event_chain.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic_core import to_jsonable_python

from switchboard.domain.state import (
    AgentCounters,
    ContactAttributes,
    ContactState,
    SentimentState,
)
from switchboard.domain.summary import CallSummary
from switchboard.domain.types import Contact, HandoverReason
from switchboard.store import SqlStore

OLD = json.loads((Path(__file__).parent / "fixtures" / "old_event_chain.json").read_text())
CONTACTS: list[dict[str, Any]] = OLD["contacts"]


def _without_nulls(value: Any) -> Any:
    """``value`` with ``None`` members of objects removed (unset fields are not stored)."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def test_old_stored_state_loads_into_typed_parts() -> None:
    chat = Contact.model_validate(CONTACTS[0])
    state = chat.state
    assert isinstance(state, ContactState) and not state.legacy
    assert state.agent.turns == 2 and state.agent.tools_used == ["find_nearest_branch"]
    assert state.agent.handover is not None
    assert state.agent.handover.reason == HandoverReason.EXPLICIT_REQUEST.value
    assert state.attributes.real_time_sentiment == "NEUTRAL"
    assert state.attributes.handover_reason_enum is HandoverReason.EXPLICIT_REQUEST
    assert state.attributes.target_queue == "GeneralAgentQueue"
    assert state.attributes.priority == 5
    summary = state.attributes.summary
    assert summary is not None and summary.customer_query.startswith("Where is the nearest")
    assert isinstance(state.sentiment, SentimentState) and len(state.sentiment.history) == 2
    assert isinstance(state.summary, CallSummary) and state.summary.status == "transferred"
    assert state.dialogue["slots"]["location"] == "Leeds"  # the brain's own dict, untouched
    assert Contact.model_validate(CONTACTS[1]).state.is_empty()


def test_old_state_stores_back_in_the_same_shape() -> None:
    for stored in CONTACTS:
        state = Contact.model_validate(stored).state
        again = to_jsonable_python(state)
        # the brain's dialogue and the summary come back as stored; the typed parts
        # leave unset (null) fields out, and the loop's counters gain their defaults
        expected = {
            k: v if k in ("dialogue", "summary") else _without_nulls(v)
            for k, v in stored["state"].items()
        }
        if "agent" in stored["state"]:
            old_agent = _without_nulls(stored["state"]["agent"])
            expected["agent"] = {**again["agent"], **old_agent}
        assert json.loads(json.dumps(again)) == expected
        # attribute names stay Connect's; the old loop's counters keep their keys
        assert set(again.get("attributes", {})) == set(stored["state"].get("attributes", {}))
        if "agent" in stored["state"]:
            assert set(stored["state"]["agent"]) <= set(again["agent"])


def test_a_part_that_no_longer_validates_is_kept_in_legacy() -> None:
    state = ContactState.model_validate(
        {
            "summary": {"bullets": "not a list"},
            "sentiment": {"history": [{"compound": "very"}]},
            "flow_note": {"x": 1},
        }
    )
    assert state.summary is None and state.sentiment is None
    assert state.legacy == {
        "summary": {"bullets": "not a list"},
        "sentiment": {"history": [{"compound": "very"}]},
    }
    assert state["flow_note"] == {"x": 1}  # an unknown part is kept as stored
    assert to_jsonable_python(state)["legacy"]["summary"] == {"bullets": "not a list"}


def test_attributes_merge_and_map_like_connect() -> None:
    attrs = ContactAttributes.model_validate({"RealTimeSentiment": "NEGATIVE", "Lang": "fr"})
    merged = attrs.merged({"target_queue": "PriorityAgentQueue", "routing_priority": "1"})
    assert merged.as_map() == {
        "RealTimeSentiment": "NEGATIVE",
        "Lang": "fr",
        "target_queue": "PriorityAgentQueue",
        "routing_priority": "1",
    }
    assert merged.priority == 1 and merged.real_time_sentiment == "NEGATIVE"
    assert attrs.as_map() == {"RealTimeSentiment": "NEGATIVE", "Lang": "fr"}  # not mutated
    assert ContactAttributes(routing_priority="high").priority is None


def test_mapping_view_for_older_callers() -> None:
    contact = Contact()
    assert contact.state.get("agent") == {
        "turns": 0,
        "tools_used": [],
        "tool_failures": 0,
        "intents": [],
    }
    contact.state.attributes = ContactAttributes.model_validate({"RealTimeSentiment": "NEUTRAL"})
    assert contact.state.get("attributes") == {"RealTimeSentiment": "NEUTRAL"}  # no nulls
    assert contact.state.get("sentiment") is None and "sentiment" not in contact.state
    contact.state["agent"] = {"turns": 3, "tools_used": ["find_nearest_branch"]}
    assert isinstance(contact.state.agent, AgentCounters) and contact.state.agent.turns == 3
    dialogue = contact.state.get("dialogue")
    dialogue["pending"] = {"slot": "location"}  # the brain's dict is live
    assert contact.state.dialogue == {"pending": {"slot": "location"}}
    copy = contact.state["attributes"]
    copy["handover"] = "true"  # a typed part comes back as a copy
    assert contact.state.attributes.handover is None


def test_state_round_trips_through_the_store(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 's.db'}")
    contact = store.create_contact(Contact.model_validate(CONTACTS[0] | {"ended_at": None}))
    got = store.get_contact(contact.contact_id)
    assert got.state == contact.state
    got.state.attributes = got.state.attributes.merged({"QueuePosition": "2"})
    store.update_contact(got)
    assert store.get_contact(contact.contact_id).state.attributes.queue_position == "2"
    store.close()
