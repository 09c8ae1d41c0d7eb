"""The queue-status Lambda: Connect requests checked by botocore's Stubber against the real
``connect`` service model, answers as the customer queue flow reads them."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

import switchboard.aws.connect as connect
from switchboard.aws.queue_status import (
    CURRENT_METRICS,
    QueueSnapshot,
    approximate_position,
    estimate_ewt_s,
    split_queue_arn,
)
from switchboard.aws.settings import AwsSettings
from switchboard.errors import InputError

INSTANCE = "9e0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
QUEUE = "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e"
CONTACT = "4a573372-1f28-4e26-b97b-4c0e7a5d2f91"
QUEUE_ARN = f"arn:aws:connect:eu-west-2:123456789012:instance/{INSTANCE}/queue/{QUEUE}"


def sample() -> dict[str, Any]:
    text = resources.files("switchboard.aws").joinpath("events/connect_queue_status_event.json")
    return json.loads(text.read_text())


def metrics_request(queue: str = QUEUE) -> dict[str, Any]:
    return {
        "InstanceId": INSTANCE,
        "Filters": {"Queues": [queue]},
        "CurrentMetrics": [{"Name": n, "Unit": u} for n, u in CURRENT_METRICS],
    }


def metrics_response(**values: float) -> dict[str, Any]:
    units = dict(CURRENT_METRICS)
    return {
        "MetricResults": [
            {
                "Dimensions": {"Queue": {"Id": QUEUE, "Arn": QUEUE_ARN}},
                "Collections": [
                    {"Metric": {"Name": name, "Unit": units[name]}, "Value": value}
                    for name, value in values.items()
                ],
            }
        ],
        "DataSnapshotTime": datetime.now(UTC),
    }


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """A real Connect client whose requests the Stubber checks against the service model."""
    client = boto3.client(
        "connect", region_name="eu-west-2", aws_access_key_id="t", aws_secret_access_key="t"
    )
    monkeypatch.setattr(connect, "_tables", connect._Tables(aws=AwsSettings(), connect=client))
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()
    monkeypatch.setattr(connect, "_tables", None)


def test_position_from_the_enqueue_time_and_ewt_from_the_estimator(stub: Stubber) -> None:
    # 4 waiting, the oldest for 240 s, this caller for 60 s: 2.25 contacts ahead → 3rd.
    stub.add_response(
        "get_current_metric_data",
        metrics_response(
            CONTACTS_IN_QUEUE=4,
            OLDEST_CONTACT_AGE=240,
            AGENTS_AVAILABLE=0,
            AGENTS_ON_CONTACT=2,
            AGENTS_AFTER_CONTACT_WORK=0,
            AGENTS_ONLINE=3,
        ),
        metrics_request(),
    )
    stub.add_response(
        "describe_contact",
        {
            "Contact": {
                "QueueInfo": {
                    "Id": QUEUE,
                    "EnqueueTimestamp": datetime.now(UTC) - timedelta(seconds=60),
                }
            }
        },
        {"InstanceId": INSTANCE, "ContactId": CONTACT},
    )
    answer = connect.queue_status_handler(sample(), None)
    # two agents on calls, each expected free in max(300 − 150, 75) = 150 s: contacts 1 and 2
    # at 150 s, contact 3 at 150 + 300 = 450 s = 7.5 min → 8 (whole minutes, rounded up).
    assert answer == {
        "QueuePosition": "3",
        "EstimatedWaitTime": "8",
        "ContactsInQueue": "4",
        "AgentsAvailable": "0",
        "PositionBasis": "enqueue_time",
    }


def test_without_the_enqueue_time_the_caller_counts_last(stub: Stubber) -> None:
    stub.add_response(
        "get_current_metric_data",
        metrics_response(CONTACTS_IN_QUEUE=4, OLDEST_CONTACT_AGE=240, AGENTS_ON_CONTACT=2),
        metrics_request(),
    )
    stub.add_client_error("describe_contact", "AccessDeniedException", http_status_code=403)
    answer = connect.queue_status_handler(sample(), None)
    assert answer["QueuePosition"] == "4" and answer["PositionBasis"] == "queue_size"
    assert answer["EstimatedWaitTime"] == "8"  # contacts 3 and 4 both at 450 s


def test_flow_parameters_name_the_queue_and_the_handle_time(stub: Stubber) -> None:
    ev = sample()
    ev["Details"]["ContactData"]["Queue"] = None  # not yet queued: the flow names the queue
    ev["Details"]["Parameters"] = {"QueueId": "q-2", "AverageHandleTimeSeconds": "120"}
    stub.add_response(
        "get_current_metric_data",
        {"MetricResults": [], "DataSnapshotTime": datetime.now(UTC)},  # an idle queue
        metrics_request("q-2"),
    )
    stub.add_response("describe_contact", {"Contact": {"Id": CONTACT}})
    answer = connect.queue_status_handler(ev, None)
    # nobody in queue and no agent: the caller is first; rule 4: 1 × AHT = 120 s = 2 min
    assert answer["QueuePosition"] == "1" and answer["EstimatedWaitTime"] == "2"


def test_metrics_failure_answers_only_an_error(stub: Stubber) -> None:
    stub.add_client_error("get_current_metric_data", "ThrottlingException", http_status_code=429)
    assert connect.queue_status_handler(sample(), None) == {"Error": "tool_unavailable"}


@pytest.mark.parametrize(
    "mutate",
    [
        lambda ev: ev.update(Name="SomethingElse"),
        lambda ev: ev["Details"]["ContactData"].update(Queue=None, InstanceARN=None),
        lambda ev: ev["Details"].update(Parameters={"AverageHandleTimeSeconds": "soon"}),
        lambda ev: ev["Details"].update(Parameters={"AverageHandleTimeSeconds": "0"}),
        lambda ev: ev["Details"]["ContactData"].update(Queue={"ARN": "arn:aws:connect:x"}),
    ],
)
def test_malformed_events_answer_an_error_and_call_nothing(stub: Stubber, mutate: Any) -> None:
    ev = copy.deepcopy(sample())
    mutate(ev)
    assert connect.queue_status_handler(ev, None) == {"Error": "invalid_input"}


def test_split_queue_arn() -> None:
    assert split_queue_arn(QUEUE_ARN, None) == (INSTANCE, QUEUE)
    assert split_queue_arn("q-1", "i-1") == ("i-1", "q-1")
    with pytest.raises(InputError):
        split_queue_arn("q-1", None)
    with pytest.raises(InputError):
        split_queue_arn("", "i-1")


def test_position_approximation_bounds() -> None:
    snap = QueueSnapshot(contacts_in_queue=5, oldest_contact_age_s=100)
    assert approximate_position(snap, None) == 5  # unknown age: last
    assert approximate_position(snap, 100) == 1  # the oldest is first
    assert approximate_position(snap, 0) == 5  # just joined: last
    assert approximate_position(snap, 50) == 3  # half as old: 2 of the 4 others ahead
    assert approximate_position(QueueSnapshot(), 10) == 1  # snapshot lags the arrival


def test_ewt_uses_free_agents_first() -> None:
    now = datetime.now(UTC)
    free = QueueSnapshot(contacts_in_queue=2, oldest_contact_age_s=30, agents_available=2)
    assert estimate_ewt_s(free, 2, aht_s=300, acw_s=0, now=now) == 0.0
    acw = QueueSnapshot(contacts_in_queue=1, agents_after_contact_work=1)
    assert estimate_ewt_s(acw, 1, aht_s=300, acw_s=60, now=now) == 30.0
