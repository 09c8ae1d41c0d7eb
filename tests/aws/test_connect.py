"""Connect Lambda invocations: Connect's ContactFlowEvent, moto tables built from the Terraform."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

import boto3
import pytest
from moto import mock_aws

import switchboard.aws.connect as connect
from deploy.tf import dynamodb_create_table_kwargs, load
from switchboard.aws.connect import normalize_phone, parse_contact_flow_event
from switchboard.aws.dynamo import CallbackTable, CustomerTable
from switchboard.domain.types import Locale
from switchboard.errors import InputError

REGION = "eu-west-2"


def sample(name: str) -> dict[str, Any]:
    return json.loads(resources.files("switchboard.aws").joinpath(f"events/{name}").read_text())


@pytest.fixture
def tables(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    tf = load()["resource"]["aws_dynamodb_table"]
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(**dynamodb_create_table_kwargs(tf["callbacks"], "sb-callbacks"))
        client.create_table(**dynamodb_create_table_kwargs(tf["customers"], "sb-customers"))
        monkeypatch.setenv("SWITCHBOARD_AWS_REGION", REGION)
        monkeypatch.setenv("SWITCHBOARD_AWS_CALLBACK_TABLE", "sb-callbacks")
        monkeypatch.setenv("SWITCHBOARD_AWS_CUSTOMER_TABLE", "sb-customers")
        monkeypatch.setattr(connect, "_tables", None)
        yield client
        monkeypatch.setattr(connect, "_tables", None)


def assert_flat_string_map(answer: Any) -> None:
    """Connect reads $.External.key only from a flat map of strings."""
    assert isinstance(answer, dict) and answer
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in answer.items()), answer


def test_callback_from_the_sample_event(tables: Any) -> None:
    answer = connect.callback_handler(sample("connect_callback_event.json"), None)
    assert_flat_string_map(answer)
    assert answer["callback_scheduled"] == "true"
    assert answer["callback_priority"] == "NORMAL"
    assert "0123" in answer["CustomerPhoneNumber"] and "7946" not in answer["CustomerPhoneNumber"]
    (item,) = CallbackTable(tables, "sb-callbacks").pending()
    assert item["callback_id"] == answer["callback_id"]
    assert item["customer_phone"] == "+442079460123"
    assert item["queue_id"] == "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e"
    assert item["contact_id"] == "4a573372-1f28-4e26-b97b-4c0e7a5d2f91"


def test_callback_number_collected_by_the_flow_and_priority(tables: Any) -> None:
    ev = sample("connect_callback_event.json")
    ev["Details"]["Parameters"]["CallbackNumber"] = "020 7946 0555"
    ev["Details"]["ContactData"]["Attributes"]["routing_priority"] = "1"
    answer = connect.callback_handler(ev, None)
    assert answer["callback_priority"] == "HIGH"
    (item,) = CallbackTable(tables, "sb-callbacks").pending()
    assert item["customer_phone"] == "+442079460555" and item["priority"] == "HIGH"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda ev: ev.update(Name="SomethingElse"),
        lambda ev: ev["Details"]["ContactData"].pop("ContactId"),
        lambda ev: ev["Details"]["ContactData"].update(CustomerEndpoint=None),
        lambda ev: ev["Details"]["ContactData"]["CustomerEndpoint"].update(Address="12"),
        lambda ev: ev.update(Details="oops"),
    ],
)
def test_malformed_callback_events_answer_a_flat_map(tables: Any, mutate: Any) -> None:
    ev = copy.deepcopy(sample("connect_callback_event.json"))
    mutate(ev)
    answer = connect.callback_handler(ev, None)
    assert_flat_string_map(answer)
    assert answer["callback_scheduled"] == "false"
    assert answer["Error"] == "invalid_input"
    assert CallbackTable(tables, "sb-callbacks").pending() == []


def test_table_failure_answers_a_flat_map(tables: Any) -> None:
    tables.delete_table(TableName="sb-callbacks")
    answer = connect.callback_handler(sample("connect_callback_event.json"), None)
    assert answer == {"callback_scheduled": "false", "Error": "store_error"}


def test_lookup_known_and_unknown_callers(tables: Any) -> None:
    CustomerTable(tables, "sb-customers").put(
        {
            "phone_number": "+442079460123",
            "customer_id": "CUST-42",
            "segment": "premier",
            "preferred_locale": "en_GB",
        }
    )
    found = connect.lookup_handler(sample("connect_lookup_event.json"), None)
    assert_flat_string_map(found)
    assert found == {
        "CustomerFound": "true",
        "ContactId": "4a573372-1f28-4e26-b97b-4c0e7a5d2f91",
        "CustomerId": "CUST-42",
        "CustomerSegment": "premier",
        "PreferredLocale": "en_GB",
    }
    ev = sample("connect_lookup_event.json")
    ev["Details"]["ContactData"]["CustomerEndpoint"]["Address"] = "+12025550143"
    unknown = connect.lookup_handler(ev, None)
    assert unknown["CustomerFound"] == "false" and "Error" not in unknown
    ev["Details"]["ContactData"]["CustomerEndpoint"] = None  # a chat contact without a number
    none = connect.lookup_handler(ev, None)
    assert none == {"CustomerFound": "false", "Error": "invalid_input"}


def test_parse_and_normalise() -> None:
    req = parse_contact_flow_event(sample("connect_callback_event.json"))
    assert req.channel == "VOICE"
    assert req.queue_arn and req.queue_arn.endswith("/queue/5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e")
    assert req.attributes["handover_reason"] == "explicit_request"
    assert normalize_phone("(202) 555-0143", Locale.EN_US) == "+12025550143"
    assert normalize_phone("06 12 34 56 78", Locale.FR_FR) == "+33612345678"
    with pytest.raises(InputError):
        normalize_phone("not a number")


# -- the callback dialer: Connect requests against the Connect service model -------------


def connect_client() -> Any:
    return boto3.client(
        "connect", region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test"
    )


def test_dialer_calls_each_pending_callback_once(tables: Any) -> None:
    from botocore.stub import Stubber

    from switchboard.aws.connect import CallbackDialer

    callbacks = CallbackTable(tables, "sb-callbacks")
    first = callbacks.request(
        contact_id="c-1",
        customer_phone="+442079460123",
        queue_id="arn:aws:connect:eu-west-2:123456789012:instance/i-1/queue/q-general",
    )
    second = callbacks.request(
        contact_id="c-2", customer_phone="+12025550143", queue_id=None, priority="HIGH"
    )
    client = connect_client()
    with Stubber(client) as stub:
        stub.add_response(
            "start_outbound_voice_contact",
            {"ContactId": "out-1"},
            {
                "DestinationPhoneNumber": "+442079460123",
                "ContactFlowId": "flow-1",
                "InstanceId": "i-1",
                "ClientToken": first["callback_id"],
                "QueueId": "q-general",
                "SourcePhoneNumber": "+442079460999",
                "Attributes": {
                    "callback_id": first["callback_id"],
                    "callback_priority": "NORMAL",
                    "original_contact_id": "c-1",
                },
            },
        )
        stub.add_client_error(
            "start_outbound_voice_contact",
            service_error_code="ThrottlingException",
            http_status_code=429,
        )
        dialer = CallbackDialer(
            client,
            callbacks,
            instance_id="i-1",
            contact_flow_id="flow-1",
            queue_id="q-fallback",
            source_phone="+442079460999",
        )
        outcomes = dialer.dial_pending()
        stub.assert_no_pending_responses()
    assert outcomes == {
        first["callback_id"]: "out-1",
        second["callback_id"]: "error:tool_unavailable",
    }
    # the dialled one left the worklist, the throttled one waits for the next run
    assert [p["callback_id"] for p in callbacks.pending()] == [second["callback_id"]]
    assert callbacks.mark(first["callback_id"], "DIALLED") is False  # no second dial


def test_dial_handler_without_configuration_reports_it(tables: Any) -> None:
    answer = connect.dial_handler({}, None)
    assert answer == {"dialled": 0, "outcomes": {}, "Error": "config_error"}
