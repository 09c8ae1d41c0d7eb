"""Amazon Connect Lambda invocations: callback request, customer lookup, queue status.

Connect invokes a Lambda from a flow's "Invoke AWS Lambda function" block
(``InvokeLambdaFunction``) with (Amazon Connect admin guide "Invoke
Lambda"): ``{"Name": "ContactFlowEvent", "Details": {"ContactData":
{"ContactId", "Channel", "CustomerEndpoint": {"Address", "Type"},
"Attributes", "Queue", ...}, "Parameters": {...}}}``. The function must
answer a *flat* map whose values are strings; the flow reads them as
``$.External.<key>``. Anything else fails the block, so both handlers
answer a flat ``str → str`` map on every path, errors included
(``"Error": "<code>"`` plus the handler's "nothing done" values), and the
flow branches on ``$.External.callback_scheduled`` / ``$.External.CustomerFound``.

* :func:`callback_handler` (seed 2 "Callback Lambda Function"): stores a
  ``PENDING`` callback (TTL 7 days) for the caller's number or the number
  the flow collected (``Parameters.CallbackNumber``), and answers
  ``callback_scheduled``, ``callback_id``, ``CustomerPhoneNumber`` (the
  attribute the queue flow reads back to the customer, masked).
* :func:`lookup_handler` (seed 5 Step 4): finds the customer by the
  caller's number. A number match identifies a caller; it does not
  authenticate them, so the answer says ``CustomerFound``, never
  "authenticated".
* :func:`queue_status_handler` (seed 2 "Customer Queue Flow Design"): the
  caller's ``QueuePosition`` and ``EstimatedWaitTime`` (whole minutes) for the
  customer queue flow, approximated from Connect's real-time metrics and our
  EWT estimator (:mod:`switchboard.aws.queue_status` documents how). The
  interpreter plays the same Lambda with
  :func:`switchboard.contactflow.players.queue_status_handler`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from switchboard.audit.redact import mask_endpoint
from switchboard.aws.dynamo import CallbackTable, CustomerTable, client
from switchboard.aws.queue_status import call_connect, queue_status, split_queue_arn
from switchboard.aws.settings import AwsSettings, configure_lambda_logging
from switchboard.domain.attributes import ATTR_CUSTOMER_PHONE, ATTR_PRIORITY, HIGH_PRIORITY
from switchboard.domain.types import Locale
from switchboard.errors import InputError, SwitchboardError

log = logging.getLogger("switchboard.aws.connect")

CONTACT_FLOW_EVENT = "ContactFlowEvent"
_REGION_BY_LOCALE = {Locale.EN_GB: "GB", Locale.EN_US: "US", Locale.FR_FR: "FR"}


@dataclass(frozen=True)
class ConnectRequest:
    """The parts of a Connect ``ContactFlowEvent`` the handlers use.

    Attributes:
        contact_id: ``Details.ContactData.ContactId``.
        channel: ``VOICE`` | ``CHAT`` | ``TASK`` ...
        customer_address: ``CustomerEndpoint.Address`` (None for chat without a number).
        attributes: the contact attributes (strings only).
        parameters: the block's parameters (strings only).
        queue_arn: ``ContactData.Queue.ARN`` when the contact is in a queue.
        instance_arn: ``ContactData.InstanceARN``.
    """

    contact_id: str
    channel: str | None
    customer_address: str | None
    attributes: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    queue_arn: str | None = None
    instance_arn: str | None = None


def _strings(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def parse_contact_flow_event(event: Any) -> ConnectRequest:
    """Read a Connect Lambda invocation event.

    Raises:
        InputError: not a ``ContactFlowEvent`` or no ``ContactId``.
    """
    if not isinstance(event, Mapping) or event.get("Name") != CONTACT_FLOW_EVENT:
        raise InputError("not an Amazon Connect ContactFlowEvent")
    details = event.get("Details")
    if not isinstance(details, Mapping):
        raise InputError("Details is missing")
    data = details.get("ContactData")
    if not isinstance(data, Mapping) or not isinstance(data.get("ContactId"), str):
        raise InputError("Details.ContactData.ContactId is missing")
    endpoint = data.get("CustomerEndpoint")
    address = endpoint.get("Address") if isinstance(endpoint, Mapping) else None
    queue = data.get("Queue")
    queue_arn = queue.get("ARN") if isinstance(queue, Mapping) else None
    channel = data.get("Channel")
    instance_arn = data.get("InstanceARN")
    return ConnectRequest(
        contact_id=data["ContactId"],
        channel=channel if isinstance(channel, str) else None,
        customer_address=address if isinstance(address, str) and address else None,
        attributes=_strings(data.get("Attributes")),
        parameters=_strings(details.get("Parameters")),
        queue_arn=queue_arn if isinstance(queue_arn, str) else None,
        instance_arn=instance_arn if isinstance(instance_arn, str) else None,
    )


def normalize_phone(raw: str, locale: Locale = Locale.EN_GB) -> str:
    """Return ``raw`` as an E.164 number (national numbers read in the locale's country).

    Raises:
        InputError: not a valid phone number.
    """
    try:
        parsed = phonenumbers.parse(raw, _REGION_BY_LOCALE.get(locale, "GB"))
    except phonenumbers.NumberParseException as exc:
        raise InputError("not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InputError("not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _locale_of(request: ConnectRequest, default: Locale) -> Locale:
    for key in ("Locale", "locale"):
        value = request.parameters.get(key) or request.attributes.get(key)
        if value:
            try:
                return Locale(value)
            except ValueError:
                break
    return default


def _error_code(exc: BaseException) -> str:
    return exc.code if isinstance(exc, SwitchboardError) else "internal_error"


def handle_callback(
    request: ConnectRequest, table: CallbackTable, locale: Locale
) -> dict[str, str]:
    """Store a callback request and answer the flow (flat ``str → str`` map).

    The number is ``Parameters.CallbackNumber`` when the flow collected one,
    else the caller's own number. Priority is ``HIGH`` when the contact was
    routed with the highest priority (``routing_priority`` = 1).

    Raises:
        InputError: no usable number.
        switchboard.errors.StoreError: the table write failed.
    """
    raw = request.parameters.get("CallbackNumber") or request.customer_address
    if not raw:
        raise InputError("no callback number")
    phone = normalize_phone(raw, locale)
    high = request.attributes.get(ATTR_PRIORITY) == str(HIGH_PRIORITY)
    item = table.request(
        contact_id=request.contact_id,
        customer_phone=phone,
        queue_id=request.parameters.get("QueueId") or request.queue_arn,
        priority="HIGH" if high else "NORMAL",
    )
    return {
        "callback_scheduled": "true",
        "callback_id": item["callback_id"],
        ATTR_CUSTOMER_PHONE: mask_endpoint(phone) or "",
        "callback_priority": item["priority"],
    }


def handle_lookup(request: ConnectRequest, table: CustomerTable, locale: Locale) -> dict[str, str]:
    """Find the caller by phone number and answer the flow (flat ``str → str`` map).

    Raises:
        InputError: the contact has no usable number.
        switchboard.errors.StoreError: the table read failed.
    """
    if not request.customer_address:
        raise InputError("the contact has no customer number")
    phone = normalize_phone(request.customer_address, locale)
    customer = table.by_phone(phone)
    if customer is None:
        return {"CustomerFound": "false", "ContactId": request.contact_id}
    out = {
        "CustomerFound": "true",
        "ContactId": request.contact_id,
        "CustomerId": str(customer.get("customer_id", "")),
        "CustomerSegment": str(customer.get("segment", "")),
        "PreferredLocale": str(customer.get("preferred_locale", "")),
    }
    return {k: v for k, v in out.items() if v}


class CallbackDialer:
    """Calls customers back: one outbound call per pending callback (seed 2 "Callback Option").

    Uses Amazon Connect ``StartOutboundVoiceContact`` with the callback id as
    ``ClientToken`` (a retried call does not dial twice) and the callback's
    attributes on the new contact, then marks the callback ``DIALLED``.

    Args:
        connect_client: a boto3 Amazon Connect client.
        table: the callback table.
        instance_id: the Connect instance id.
        contact_flow_id: the outbound flow the call runs (it greets the customer and queues them).
        queue_id: queue for the outbound call when the callback has none.
        source_phone: the number the customer sees (E.164), else the queue's outbound caller id.
    """

    def __init__(
        self,
        connect_client: Any,
        table: CallbackTable,
        *,
        instance_id: str,
        contact_flow_id: str,
        queue_id: str | None = None,
        source_phone: str | None = None,
    ) -> None:
        self.client = connect_client
        self.table = table
        self.instance_id = instance_id
        self.contact_flow_id = contact_flow_id
        self.queue_id = queue_id
        self.source_phone = source_phone

    def dial(self, item: Mapping[str, Any]) -> str:
        """Start the outbound call for one callback item; return the new contact id.

        Raises:
            switchboard.errors.ToolUnavailableError: Connect refused or failed
                (``retryable`` on throttling and service errors).
            switchboard.errors.StoreError: the callback could not be marked.
        """
        queue = str(item.get("queue_id") or self.queue_id or "")
        if "/queue/" in queue:  # an ARN from ContactData.Queue: the API wants the id
            queue = queue.rsplit("/queue/", 1)[1]
        params: dict[str, Any] = {
            "DestinationPhoneNumber": item["customer_phone"],
            "ContactFlowId": self.contact_flow_id,
            "InstanceId": self.instance_id,
            "ClientToken": str(item["callback_id"])[:500],
            "Attributes": {
                "callback_id": str(item["callback_id"]),
                "callback_priority": str(item.get("priority", "NORMAL")),
                "original_contact_id": str(item.get("contact_id", "")),
            },
        }
        if queue:
            params["QueueId"] = queue
        if self.source_phone:
            params["SourcePhoneNumber"] = self.source_phone
        out = call_connect(self.client, "start_outbound_voice_contact", **params)
        contact_id = str(out["ContactId"])
        self.table.mark(str(item["callback_id"]), "DIALLED", outbound_contact_id=contact_id)
        return contact_id

    def dial_pending(self, limit: int = 10) -> dict[str, str]:
        """Dial up to ``limit`` pending callbacks, oldest first; return callback id → outcome.

        An outcome is the new contact id, or ``error:<code>`` for a callback
        left pending for the next run. Never raises on one callback's failure.

        Raises:
            switchboard.errors.StoreError: the worklist could not be read.
        """
        outcomes: dict[str, str] = {}
        for item in self.table.pending()[:limit]:
            try:
                outcomes[str(item["callback_id"])] = self.dial(item)
            except SwitchboardError as exc:
                outcomes[str(item["callback_id"])] = f"error:{exc.code}"
                log.error(
                    "callback not dialled",
                    extra={"data": {"callback_id": item["callback_id"], "error": exc.message}},
                )
        return outcomes


# -- Lambda entry points ------------------------------------------------------------------


@dataclass
class _Tables:
    aws: AwsSettings
    callbacks: CallbackTable | None = None
    customers: CustomerTable | None = None
    connect: Any = None  # the boto3 Connect client, made on first use


_tables: _Tables | None = None


def _container_tables() -> _Tables:
    """Build the DynamoDB adapters once per container."""
    global _tables
    if _tables is None:
        aws = AwsSettings()
        if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
            configure_lambda_logging(os.environ.get("SWITCHBOARD_LOG_LEVEL", "INFO"))
        ddb = client("dynamodb", aws)
        _tables = _Tables(
            aws=aws,
            callbacks=CallbackTable(ddb, aws.callback_table, aws.callback_ttl_days)
            if aws.callback_table
            else None,
            customers=CustomerTable(ddb, aws.customer_table) if aws.customer_table else None,
        )
    return _tables


def _answer(kind: str, event: Any, failed: dict[str, str], run: Any) -> dict[str, str]:
    """Run one handler; any failure becomes ``failed`` plus ``Error`` (never an exception)."""
    contact_id = None
    try:
        request = parse_contact_flow_event(event)
        contact_id = request.contact_id
        result: dict[str, str] = run(request)
        log.info(
            "connect %s", kind, extra={"contact_id": contact_id, "data": {"keys": sorted(result)}}
        )
        return result
    except Exception as exc:
        log.error(
            "connect %s failed",
            kind,
            extra={"contact_id": contact_id, "data": {"error": _error_code(exc)}},
        )
        return {**failed, "Error": _error_code(exc)}


def callback_handler(event: Any, context: Any) -> dict[str, str]:
    """Lambda entry point ``switchboard.aws.connect.callback_handler`` (seed 2 callback)."""

    def run(request: ConnectRequest) -> dict[str, str]:
        tables = _container_tables()
        if tables.callbacks is None:
            raise InputError("SWITCHBOARD_AWS_CALLBACK_TABLE is not set")
        return handle_callback(request, tables.callbacks, _locale_of(request, Locale.EN_GB))

    return _answer("callback", event, {"callback_scheduled": "false"}, run)


def lookup_handler(event: Any, context: Any) -> dict[str, str]:
    """Lambda entry point ``switchboard.aws.connect.lookup_handler`` (seed 5 Step 4)."""

    def run(request: ConnectRequest) -> dict[str, str]:
        tables = _container_tables()
        if tables.customers is None:
            raise InputError("SWITCHBOARD_AWS_CUSTOMER_TABLE is not set")
        return handle_lookup(request, tables.customers, _locale_of(request, Locale.EN_GB))

    return _answer("lookup", event, {"CustomerFound": "false"}, run)


def handle_queue_status(
    request: ConnectRequest, connect_client: Any, aws: AwsSettings
) -> dict[str, str]:
    """Answer the customer queue flow with the caller's position and EWT (flat ``str → str``).

    The queue is ``ContactData.Queue.ARN``, else ``Parameters.QueueARN`` /
    ``Parameters.QueueId`` (an id is read in ``ContactData.InstanceARN``'s
    instance, else ``SWITCHBOARD_AWS_CONNECT_INSTANCE_ID``). AHT and ACW
    (seconds) come from ``Parameters.AverageHandleTimeSeconds`` /
    ``AfterContactWorkSeconds`` when the flow passes them, else the settings.

    Raises:
        InputError: no queue, or a non-numeric AHT / ACW parameter.
        switchboard.errors.ToolUnavailableError: ``GetCurrentMetricData`` failed.
    """
    params = request.parameters
    queue = request.queue_arn or params.get("QueueARN") or params.get("QueueId") or ""
    instance = aws.connect_instance_id or None
    if request.instance_arn and "instance/" in request.instance_arn:
        instance = request.instance_arn.rsplit("instance/", 1)[1]
    instance_id, queue_id = split_queue_arn(queue, instance)
    try:
        aht = float(params.get("AverageHandleTimeSeconds") or aws.queue_aht_s)
        acw = float(params.get("AfterContactWorkSeconds") or aws.queue_acw_s)
    except ValueError as exc:
        raise InputError(
            "AverageHandleTimeSeconds / AfterContactWorkSeconds must be numbers"
        ) from exc
    if aht <= 0 or acw < 0:
        raise InputError("AHT must be positive and ACW not negative")
    status = queue_status(
        connect_client,
        instance_id=instance_id,
        queue_id=queue_id,
        contact_id=request.contact_id,
        aht_s=aht,
        acw_s=acw,
    )
    return status.attributes()


def queue_status_handler(event: Any, context: Any) -> dict[str, str]:
    """Lambda entry point ``switchboard.aws.connect.queue_status_handler`` (customer queue flow).

    Answers ``QueuePosition``, ``EstimatedWaitTime`` (minutes), ``ContactsInQueue``,
    ``AgentsAvailable`` and ``PositionBasis``; on any failure only ``Error``
    (the flow then plays its comfort loop without numbers). Never raises.
    """

    def run(request: ConnectRequest) -> dict[str, str]:
        tables = _container_tables()
        if tables.connect is None:
            tables.connect = client("connect", tables.aws)
        return handle_queue_status(request, tables.connect, tables.aws)

    return _answer("queue_status", event, {}, run)


def dial_handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point ``switchboard.aws.connect.dial_handler`` (scheduled; dials callbacks).

    Reads ``SWITCHBOARD_AWS_CONNECT_INSTANCE_ID`` and ``SWITCHBOARD_AWS_CALLBACK_FLOW_ID``,
    optionally ``SWITCHBOARD_AWS_CALLBACK_QUEUE_ID`` and ``..._CALLBACK_SOURCE_PHONE``.
    Returns ``{"dialled": n, "outcomes": {...}}``.
    """
    tables = _container_tables()
    aws = tables.aws
    if tables.callbacks is None or not aws.connect_instance_id or not aws.callback_flow_id:
        log.error("dialer not configured", extra={"data": {"missing": "table/instance/flow"}})
        return {"dialled": 0, "outcomes": {}, "Error": "config_error"}
    dialer = CallbackDialer(
        client("connect", aws),
        tables.callbacks,
        instance_id=aws.connect_instance_id,
        contact_flow_id=aws.callback_flow_id,
        queue_id=aws.callback_queue_id or None,
        source_phone=aws.callback_source_phone or None,
    )
    try:
        outcomes = dialer.dial_pending()
    except SwitchboardError as exc:
        return {"dialled": 0, "outcomes": {}, "Error": exc.code}
    return {
        "dialled": sum(not v.startswith("error:") for v in outcomes.values()),
        "outcomes": outcomes,
    }
