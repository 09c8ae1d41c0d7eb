"""Queue position and EWT of a contact waiting in an Amazon Connect queue.

Amazon Connect publishes no per-contact queue position, so the
``queue_status`` Lambda (:func:`switchboard.aws.connect.queue_status_handler`)
approximates it from two Connect API calls and feeds our own EWT estimator
(:mod:`switchboard.routing.estimator`) with what they return:

1. ``GetCurrentMetricData`` for the contact's queue (Connect API reference,
   "GetCurrentMetricData"; metrics defined in the admin guide "Real-time
   metrics definitions"): ``CONTACTS_IN_QUEUE`` (count), ``OLDEST_CONTACT_AGE``
   (seconds), ``AGENTS_AVAILABLE``, ``AGENTS_ON_CONTACT``,
   ``AGENTS_AFTER_CONTACT_WORK`` and ``AGENTS_ONLINE`` (counts, agents whose
   routing profile includes the queue).
2. ``DescribeContact`` for the contact's own ``QueueInfo.EnqueueTimestamp``
   (optional: without it the contact is counted last in the queue).

Approximations (documented, measured nowhere on AWS — nothing on AWS is
reachable from this repository):

* **Position.** Contacts are taken as having arrived evenly between the
  oldest contact's arrival and now, served first in, first out. With ``n``
  contacts in queue, oldest age ``A`` and this contact's age ``a``, the
  contacts ahead are ``(n − 1)·(A − a)/A``; position = 1 + that, rounded,
  within ``[1, n]``. Without an enqueue time the position is ``n`` (exact on
  the first invocation, right after the contact joined; pessimistic later).
  Routing priority and age adjustments (``QueuePriority``,
  ``QueueTimeAdjustmentSeconds``) are not visible in the metrics and are
  ignored.
* **EWT.** The estimator replays FIFO dispatch of the ``position`` contacts
  up to and including this one over the queue's agents: available agents
  free now, agents on a contact free after ``busy_residual_s(AHT, AHT/2)``
  (the elapsed handle time is unknown; half an AHT is its mean) plus ACW,
  agents in after-contact work free after half an ACW. Agents are assumed to
  serve only this queue (their other queues' work is invisible here), and
  the jump-in correction (estimator rule 5) is off: Connect's real-time
  metrics carry no arrival rates. With no agent working the queue the
  estimator's rule 4 applies: ``position × AHT``. AHT and ACW come from the
  flow (``Parameters.AverageHandleTimeSeconds`` / ``AfterContactWorkSeconds``)
  or the Lambda's settings (``SWITCHBOARD_AWS_QUEUE_AHT_S`` /
  ``SWITCHBOARD_AWS_QUEUE_ACW_S``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from switchboard.errors import InputError, ToolUnavailableError
from switchboard.routing.estimator import (
    Server,
    WaitingContact,
    busy_residual_s,
    estimate_waits,
    ewt_minutes,
)
from switchboard.routing.types import ProfileQueue, RoutingProfile

#: GetCurrentMetricData metrics the estimate reads, with their units.
CURRENT_METRICS: tuple[tuple[str, str], ...] = (
    ("CONTACTS_IN_QUEUE", "COUNT"),
    ("OLDEST_CONTACT_AGE", "SECONDS"),
    ("AGENTS_AVAILABLE", "COUNT"),
    ("AGENTS_ON_CONTACT", "COUNT"),
    ("AGENTS_AFTER_CONTACT_WORK", "COUNT"),
    ("AGENTS_ONLINE", "COUNT"),
)

_RETRYABLE = {"ThrottlingException", "InternalServiceException", "LimitExceededException"}


def call_connect(connect_client: Any, operation: str, **params: Any) -> dict[str, Any]:
    """Call one Amazon Connect operation (boto3 method name) and return its response.

    Raises:
        ToolUnavailableError: Connect refused or failed (``retryable`` on
            throttling, limits and service errors).
    """
    try:
        out: dict[str, Any] = getattr(connect_client, operation)(**params)
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
        raise ToolUnavailableError(
            f"{operation} failed: {code}", retryable=code in _RETRYABLE
        ) from exc
    return out


def split_queue_arn(arn_or_id: str, instance_id: str | None) -> tuple[str, str]:
    """``(instance id, queue id)`` from a queue ARN, or from a queue id plus the instance id.

    A queue ARN reads ``arn:<partition>:connect:<region>:<account>:instance/<instance
    id>/queue/<queue id>``.

    Raises:
        InputError: no queue, or a bare queue id without an instance id.
    """
    if "/queue/" in arn_or_id:
        head, queue_id = arn_or_id.rsplit("/queue/", 1)
        if "instance/" in head and queue_id:
            return head.rsplit("instance/", 1)[1], queue_id
    if not arn_or_id or "/" in arn_or_id or ":" in arn_or_id:
        raise InputError("the contact has no queue (Queue.ARN or Parameters.QueueId)")
    if not instance_id:
        raise InputError("a queue id needs the instance (InstanceARN or settings)")
    return instance_id, arn_or_id


@dataclass(frozen=True)
class QueueSnapshot:
    """One queue's real-time metrics (``GetCurrentMetricData``, filtered on that queue)."""

    contacts_in_queue: int = 0
    oldest_contact_age_s: float = 0.0
    agents_available: int = 0
    agents_on_contact: int = 0
    agents_after_contact_work: int = 0
    agents_online: int = 0

    @classmethod
    def from_response(cls, response: Mapping[str, Any]) -> QueueSnapshot:
        """Read a ``GetCurrentMetricData`` response (no ``MetricResults``: an idle queue).

        A metric Connect could not compute (``Value`` absent) counts as 0.
        """
        values: dict[str, float] = {}
        for result in response.get("MetricResults") or []:
            for item in result.get("Collections") or []:
                name = item.get("Metric", {}).get("Name")
                value = item.get("Value")
                if isinstance(name, str) and isinstance(value, int | float):
                    values[name] = values.get(name, 0.0) + float(value)
        return cls(
            contacts_in_queue=int(values.get("CONTACTS_IN_QUEUE", 0)),
            oldest_contact_age_s=values.get("OLDEST_CONTACT_AGE", 0.0),
            agents_available=int(values.get("AGENTS_AVAILABLE", 0)),
            agents_on_contact=int(values.get("AGENTS_ON_CONTACT", 0)),
            agents_after_contact_work=int(values.get("AGENTS_AFTER_CONTACT_WORK", 0)),
            agents_online=int(values.get("AGENTS_ONLINE", 0)),
        )


@dataclass(frozen=True)
class QueueStatus:
    """The answer for the flow: position (1-based), EWT in seconds, and how the position was got.

    Attributes:
        position: 1-based place in the queue (approximate, see the module doc).
        ewt_s: estimated wait from now, seconds.
        basis: ``enqueue_time`` (the contact's age placed it) or ``queue_size``
            (no enqueue time: counted last).
        snapshot: the metrics it was computed from.
    """

    position: int
    ewt_s: float
    basis: str
    snapshot: QueueSnapshot

    def attributes(self) -> dict[str, str]:
        """The flat string map the flow reads as ``$.External.<key>`` (EWT in whole minutes)."""
        return {
            "QueuePosition": str(self.position),
            "EstimatedWaitTime": str(ewt_minutes(self.ewt_s)),
            "ContactsInQueue": str(self.snapshot.contacts_in_queue),
            "AgentsAvailable": str(self.snapshot.agents_available),
            "PositionBasis": self.basis,
        }


def approximate_position(snapshot: QueueSnapshot, age_s: float | None) -> int:
    """Position of a contact waiting ``age_s`` seconds (None: unknown) — see the module doc."""
    n = max(snapshot.contacts_in_queue, 1)  # the snapshot may lag the contact's arrival
    oldest = snapshot.oldest_contact_age_s
    if age_s is None:
        return n
    if oldest <= 0 or age_s >= oldest:
        return 1
    ahead = (n - 1) * (oldest - max(age_s, 0.0)) / oldest
    return min(n, max(1, 1 + math.floor(ahead + 0.5)))


def estimate_ewt_s(
    snapshot: QueueSnapshot, position: int, *, aht_s: float, acw_s: float, now: datetime
) -> float:
    """EWT in seconds of the contact at ``position`` through :func:`estimate_waits`."""
    profile = RoutingProfile(name="connect-queue", queues=(ProfileQueue(queue="q"),))
    servers: list[Server] = []
    busy_free = busy_residual_s(aht_s, aht_s / 2) + acw_s
    for count, free_in in (
        (snapshot.agents_available, 0.0),
        (snapshot.agents_on_contact, busy_free),
        (snapshot.agents_after_contact_work, acw_s / 2),
    ):
        servers += [Server(f"a{len(servers) + i}", profile, free_in) for i in range(count)]
    spacing = snapshot.oldest_contact_age_s / max(position, 1)
    waiting = [
        WaitingContact(
            key=k,
            queue="q",
            priority=5,
            enqueued_at=now - timedelta(seconds=spacing * (position - k)),
        )
        for k in range(1, position + 1)
    ]
    waits = estimate_waits(waiting, servers, {"q": aht_s}, acw_s=acw_s, now=now, target=position)
    return max(0.0, waits.get(position, position * aht_s))


def _enqueued_at(connect_client: Any, instance_id: str, contact_id: str) -> datetime | None:
    """The contact's ``QueueInfo.EnqueueTimestamp`` (None when Connect does not say)."""
    out = call_connect(
        connect_client, "describe_contact", InstanceId=instance_id, ContactId=contact_id
    )
    stamp = (out.get("Contact") or {}).get("QueueInfo", {}).get("EnqueueTimestamp")
    if not isinstance(stamp, datetime):
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def queue_status(
    connect_client: Any,
    *,
    instance_id: str,
    queue_id: str,
    contact_id: str,
    aht_s: float,
    acw_s: float,
    now: datetime | None = None,
) -> QueueStatus:
    """Position and EWT of ``contact_id`` in ``queue_id`` from Connect's metrics.

    ``DescribeContact`` failing (e.g. not permitted) only loses the enqueue
    time; ``GetCurrentMetricData`` failing fails the call.

    Raises:
        ToolUnavailableError: ``GetCurrentMetricData`` failed.
    """
    now = now or datetime.now(UTC)
    response = call_connect(
        connect_client,
        "get_current_metric_data",
        InstanceId=instance_id,
        Filters={"Queues": [queue_id]},
        CurrentMetrics=[{"Name": name, "Unit": unit} for name, unit in CURRENT_METRICS],
    )
    snapshot = QueueSnapshot.from_response(response)
    try:
        enqueued = _enqueued_at(connect_client, instance_id, contact_id)
    except ToolUnavailableError:
        enqueued = None
    age = (now - enqueued).total_seconds() if enqueued is not None else None
    position = approximate_position(snapshot, age)
    ewt = estimate_ewt_s(snapshot, position, aht_s=aht_s, acw_s=acw_s, now=now)
    return QueueStatus(position, ewt, "enqueue_time" if age is not None else "queue_size", snapshot)
