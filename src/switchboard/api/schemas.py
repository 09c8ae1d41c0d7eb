"""Request, response and WebSocket frame models of the HTTP API.

The turn result itself is :class:`switchboard.domain.types.AgentReply`; the
contact view is :class:`switchboard.agent.service.ContactView`. These models
only add what the transport needs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from switchboard.domain.types import Channel, ContactStatus, Locale

#: Transport-level cap on one message (characters). The service applies the
#: product's own, smaller limit and answers 422 with ``invalid_input``.
MAX_TRANSPORT_TEXT = 20_000


class StartContactRequest(BaseModel):
    """Body of ``POST /v1/contacts``; every field is optional."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel = Field(Channel.CHAT, description="how the customer reached us")
    locale: Locale | None = Field(None, description="defaults to the server's locale")
    customer_endpoint: str | None = Field(
        None, max_length=256, description="phone number or address the customer came from"
    )


class StartContactResponse(BaseModel):
    """Answer of ``POST /v1/contacts`` (HTTP 201)."""

    contact_id: str
    greeting: str = Field(description="the opening line to show or say to the customer")
    locale: Locale
    channel: Channel
    status: ContactStatus
    contact_token: str = Field(
        "",
        description="bearer token that opens this contact (and only it) to the customer: "
        "send it as `Authorization: Bearer ...` or the socket subprotocols ['bearer', token]",
    )


class MessageRequest(BaseModel):
    """Body of ``POST /v1/contacts/{id}/messages``: one customer utterance."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1,
        max_length=MAX_TRANSPORT_TEXT,
        # at least one visible character: blank or control-only text is refused (guardrail)
        pattern=r"[^\s\x00-\x1f\x7f]",
        description="what the customer wrote",
    )


class EndContactRequest(BaseModel):
    """Optional body of ``POST /v1/contacts/{id}/end``."""

    model_config = ConfigDict(extra="forbid")

    status: ContactStatus = Field(
        ContactStatus.RESOLVED, description="final status (resolved, abandoned, transferred)"
    )


class HealthResponse(BaseModel):
    """Answer of ``GET /health`` (load-balancer check, seed 4 "Health Checks")."""

    status: Literal["ok", "degraded"]
    store: Literal["ok", "error"]
    brain: str = Field(description="name of the brain answering turns")
    version: str


class ReadyResponse(BaseModel):
    """Answer of ``GET /health/ready`` (Kubernetes readiness, issue 14)."""

    status: Literal["ready", "draining", "degraded"]
    store: Literal["ok", "error"]
    open_chat_sockets: int = Field(description="chat sockets this replica serves")


class LiveResponse(BaseModel):
    """Answer of ``GET /health/live`` (Kubernetes liveness: the process answers)."""

    status: Literal["live"]
    version: str


class ErrorDetail(BaseModel):
    """The ``error`` object of every error response and error frame."""

    code: str
    message: str
    retryable: bool
    details: list[dict[str, Any]] | None = None


class ErrorResponse(BaseModel):
    """Body of every non-2xx response: ``{"error": {...}}``."""

    error: ErrorDetail


# --- WebSocket frames (client → server) -------------------------------------


class MessageFrame(BaseModel):
    """``{"type": "message", "text": "..."}``: one customer utterance."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["message"]
    text: str = Field(max_length=MAX_TRANSPORT_TEXT)
    #: The client's id of this message: re-sent after a reconnect, it is not run twice.
    id: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class EndFrame(BaseModel):
    """``{"type": "end"}``: the customer closes the chat; the socket then closes."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["end"]
    status: ContactStatus = ContactStatus.RESOLVED


class PingFrame(BaseModel):
    """``{"type": "ping"}``: heartbeat (seed 4); the server answers ``{"type": "pong"}``."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["ping"]


ClientFrame = Annotated[MessageFrame | EndFrame | PingFrame, Field(discriminator="type")]

#: OpenAPI-visible error responses shared by the contact routes.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "no or bad bearer token"},
    403: {"model": ErrorResponse, "description": "this token may not use this route"},
    404: {"model": ErrorResponse, "description": "unknown contact"},
    409: {"model": ErrorResponse, "description": "conflicts with the contact's state"},
    413: {"model": ErrorResponse, "description": "request body too large"},
    422: {"model": ErrorResponse, "description": "malformed request or text"},
    429: {"model": ErrorResponse, "description": "rate limited; see Retry-After"},
    503: {"model": ErrorResponse, "description": "temporarily unavailable; retry"},
}
