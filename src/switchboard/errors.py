"""One error root for switchboard.

Every error the product raises derives from :class:`SwitchboardError` and
says whether retrying the same call may succeed (``retryable``). The API
maps them to HTTP responses in one place (``switchboard.api.errors``).

Tree::

    SwitchboardError
    ├── ConfigError                 bad or missing settings
    ├── InputError                  a malformed request, event or argument (HTTP 422)
    │   ├── UnknownContactError     no such contact id (HTTP 404)
    │   ├── UnknownQueueError       no such queue (HTTP 404)
    │   ├── FlowDocumentError       a contact-flow JSON document cannot be parsed
    │   └── UnknownAgentError       no such human agent (HTTP 404)
    ├── ToolError                   a tool call failed
    │   ├── ToolArgumentError       the brain sent arguments a tool rejects (not retryable)
    │   └── ToolUnavailableError    the tool host cannot be reached (retryable)
    ├── BrainError                  a brain could not produce a step (retryable)
    ├── ValidationAgentError        the validation agent itself failed
    ├── StoreError                  the database failed (retryable)
    │   └── ConnectionLostError     a pooled connection was dead (retried once on a fresh one)
    ├── FlowRuntimeError            a contact flow cannot run on (stuck, unknown Lambda)
    ├── RoutingError                a contact cannot be queued or routed as asked
    │   ├── QueueClosedError        outside the queue's hours of operation
    │   └── QueueFullError          the queue holds MaxContacts already
    ├── StreamError                 the transcript stream backend failed (retryable)
    ├── SummaryError                a post-call summary could not be built or exported
    │   ├── SummaryNotReadyError    the contact is still active: no summary yet (HTTP 409)
    │   └── SummaryExportError      the summary sink (file, S3) refused the write
    ├── RouterModelError            the embedded router is missing or cannot load
    │   └── TrainingDataMissingError  ../shared/data (or data/) is not where training expects it
    └── TtsError                    speech synthesis failed for one text chunk (retryable)
"""

from __future__ import annotations


class SwitchboardError(Exception):
    """Root of every switchboard error.

    Attributes:
        retryable: True when the same call may succeed if tried again.
        code: a short machine-readable code used in API error bodies.
    """

    retryable: bool = False
    code: str = "switchboard_error"

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        if retryable is not None:
            self.retryable = retryable


class ConfigError(SwitchboardError):
    """Settings are invalid or a required setting is missing."""

    code = "config_error"


class InputError(SwitchboardError):
    """A request, event or argument is malformed; nothing was changed."""

    code = "invalid_input"


class UnknownContactError(InputError):
    """The contact id does not exist in the store."""

    code = "unknown_contact"


class ToolError(SwitchboardError):
    """A tool call failed."""

    code = "tool_error"


class ToolArgumentError(ToolError):
    """The tool rejected its arguments (unknown enum value, malformed postcode...)."""

    code = "tool_argument_error"


class ToolUnavailableError(ToolError):
    """The tool host could not be reached or timed out."""

    code = "tool_unavailable"
    retryable = True


class BrainError(SwitchboardError):
    """A brain failed to produce a step (provider down, timeout, bad output)."""

    code = "brain_error"
    retryable = True


class ValidationAgentError(SwitchboardError):
    """The validation agent itself failed (not: it found a hallucination)."""

    code = "validation_agent_error"


class StoreError(SwitchboardError):
    """The database could not be read or written."""

    code = "store_error"
    retryable = True


class ConnectionLostError(StoreError):
    """A pooled database connection turned out dead (server restarted, backend killed).

    The pool has dropped it (and every connection older than it); the same call on
    a fresh connection may succeed, so the async store retries once
    (``switchboard.store.aio``). The pool does not ping before each checkout.
    """

    code = "store_connection_lost"


class StreamError(SwitchboardError):
    """The transcript stream backend (Redis, Kinesis) could not be reached or refused a call."""

    code = "stream_error"
    retryable = True


class SummaryError(SwitchboardError):
    """A post-call summary could not be built, checked or exported."""

    code = "summary_error"


class SummaryNotReadyError(SummaryError):
    """The contact has not ended, so it has no summary yet."""

    code = "summary_not_ready"


class SummaryExportError(SummaryError):
    """The summary sink (a directory, an S3 bucket) refused the write; the stored one stays."""

    code = "summary_export_failed"


class RouterModelError(SwitchboardError):
    """The embedded router artifact is missing, corrupt or cannot be loaded."""

    code = "router_model_error"


class TrainingDataMissingError(RouterModelError):
    """Training data for the embedded router is not where it is expected."""

    code = "training_data_missing"


class UnknownQueueError(InputError):
    """The queue name is not configured in the routing engine."""

    code = "unknown_queue"


class UnknownAgentError(InputError):
    """The human agent id or name does not exist."""

    code = "unknown_agent"


class RoutingError(SwitchboardError):
    """A contact cannot be queued, assigned or completed as asked (state conflict)."""

    code = "routing_error"


class QueueClosedError(RoutingError):
    """The queue is outside its hours of operation (offer a callback instead)."""

    code = "queue_closed"


class QueueFullError(RoutingError):
    """The queue is at capacity (Connect ``QueueAtCapacity``; offer a callback)."""

    code = "queue_full"
    retryable = True


class FlowDocumentError(InputError):
    """A contact-flow document is not JSON or not shaped like a flow (``Actions`` not a list...)."""

    code = "flow_document_error"


class FlowRuntimeError(SwitchboardError):
    """A contact flow cannot run on: a step limit, an unknown Lambda, a missing flow."""

    code = "flow_runtime_error"


class TtsError(SwitchboardError):
    """Speech synthesis failed for one text chunk (the caller gets the reply text instead)."""

    code = "tts_failed"
    retryable = True
