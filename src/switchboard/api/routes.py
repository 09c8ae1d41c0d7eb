"""HTTP routes: contacts, turns, transcript and health.

Routes stay thin: they call :class:`switchboard.agent.service.AgentService`
and let product errors propagate to the handlers in
:mod:`switchboard.api.errors` (the one place errors become responses).
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from switchboard import __version__
from switchboard.agent.messages import AFTER_HANDOVER, RELAYED_TO_AGENT, language
from switchboard.agent.service import AgentService, ContactView
from switchboard.api.deps import ServiceDep, SettingsDep
from switchboard.api.drain import drain_of
from switchboard.api.guards import (
    ContactEndDep,
    ContactReadDep,
    CustomerDep,
    PublicDep,
    identity_of,
)
from switchboard.api.limits import limiter_of
from switchboard.api.schemas import (
    ERROR_RESPONSES,
    EndContactRequest,
    HealthResponse,
    LiveResponse,
    MessageRequest,
    ReadyResponse,
    StartContactRequest,
    StartContactResponse,
)
from switchboard.domain.types import Action, AgentReply, Contact, Route, new_id
from switchboard.errors import SwitchboardError, UnknownContactError

logger = logging.getLogger(__name__)


def build_router() -> APIRouter:
    """Return the router holding every HTTP route of the API (no WebSocket)."""
    router = APIRouter()

    @router.post(
        "/v1/contacts",
        status_code=HTTPStatus.CREATED,
        response_model=StartContactResponse,
        responses=ERROR_RESPONSES,
        tags=["contacts"],
        summary="Start a contact",
    )
    async def start_contact(
        service: ServiceDep, settings: SettingsDep, request: Request, _: PublicDep,
        body: StartContactRequest | None = None,
    ) -> StartContactResponse:
        """Open a new contact; return its id, greeting and the customer's contact token."""
        body = body or StartContactRequest()
        contact = await service.start_contact(
            channel=body.channel,
            locale=body.locale or settings.locale,
            customer_endpoint=body.customer_endpoint,
        )
        return StartContactResponse(
            contact_id=contact.contact_id,
            greeting=service.greeting(contact.locale),
            locale=contact.locale,
            channel=contact.channel,
            status=contact.status,
            contact_token=identity_of(request).tokens.issue_contact(contact.contact_id),
        )

    @router.post(
        "/v1/contacts/{contact_id}/messages",
        response_model=AgentReply,
        responses=ERROR_RESPONSES,
        tags=["contacts"],
        summary="Send one customer message and get the agent's reply",
    )
    async def send_message(
        contact_id: str, body: MessageRequest, service: ServiceDep, request: Request, _: CustomerDep
    ) -> AgentReply:
        """Run one turn. Brain or tool failures come back as a handover, not an error.

        Once the contact is with the humans (queued or assigned), the message goes
        to the desk like a chat-socket message: stored, audited, published and
        relayed to the agent who holds the contact; the reply says where it went.
        """
        per_contact_limit(request, contact_id)
        relayed = await relay_to_humans(request, service, contact_id, body.text)
        return relayed or await service.handle_turn(contact_id, body.text)

    @router.post(
        "/v1/contacts/{contact_id}/end",
        response_model=Contact,
        responses=ERROR_RESPONSES,
        tags=["contacts"],
        summary="End a contact",
    )
    async def end_contact(
        contact_id: str, service: ServiceDep, _: ContactEndDep,
        body: EndContactRequest | None = None,
    ) -> Contact:
        """Close the contact with a final status (``resolved`` unless told otherwise)."""
        status = (body or EndContactRequest()).status
        return await service.end_contact(contact_id, status)

    @router.get(
        "/v1/contacts/{contact_id}",
        response_model=ContactView,
        responses=ERROR_RESPONSES,
        tags=["contacts"],
        summary="A contact with its transcript and events",
    )
    async def get_contact(contact_id: str, service: ServiceDep, _: ContactReadDep) -> ContactView:
        """Return the contact, its messages (oldest first) and its typed events."""
        return await service.conversation.view(contact_id)

    _add_health(router)
    return router


def _add_health(router: APIRouter) -> None:
    """Add ``GET /health`` (store check), ``/health/live`` and ``/health/ready`` to ``router``."""

    @router.get(
        "/health",
        response_model=HealthResponse,
        responses={503: {"model": HealthResponse, "description": "store unreachable"}},
        tags=["ops"],
        summary="Liveness and store check",
    )
    async def health(service: ServiceDep, _: PublicDep) -> JSONResponse:
        """Report ``ok`` when the store answers; 503 ``degraded`` otherwise (seed 4)."""
        store_ok = await probe_store(service)
        report = HealthResponse(
            status="ok" if store_ok else "degraded",
            store="ok" if store_ok else "error",
            brain=service.brain.name,
            version=__version__,
        )
        status = HTTPStatus.OK if store_ok else HTTPStatus.SERVICE_UNAVAILABLE
        return JSONResponse(report.model_dump(mode="json"), status_code=status)

    @router.get(
        "/health/live",
        response_model=LiveResponse,
        tags=["ops"],
        summary="Liveness: the process answers",
    )
    async def live(_: PublicDep) -> LiveResponse:
        """Answer 200 while the event loop runs.

        No dependency is checked: a database outage must not make Kubernetes
        restart every replica.
        """
        return LiveResponse(status="live", version=__version__)

    @router.get(
        "/health/ready",
        response_model=ReadyResponse,
        responses={503: {"model": ReadyResponse, "description": "draining or store unreachable"}},
        tags=["ops"],
        summary="Readiness: send traffic here",
    )
    async def ready(request: Request, service: ServiceDep, _: PublicDep) -> JSONResponse:
        """200 ``ready`` when the store answers and the replica is not draining; else 503.

        ``draining`` from the first SIGTERM on (``api/drain.py``), so the load
        balancer stops sending new sockets while turns in flight finish.
        """
        drain = drain_of(request.app)
        store_ok = await probe_store(service)
        state = "draining" if drain.draining else ("ready" if store_ok else "degraded")
        report = ReadyResponse(
            status=state,
            store="ok" if store_ok else "error",
            open_chat_sockets=drain.open_sockets,
        )
        code = HTTPStatus.OK if state == "ready" else HTTPStatus.SERVICE_UNAVAILABLE
        return JSONResponse(report.model_dump(mode="json"), status_code=code)


def per_contact_limit(request: Request, contact_id: str) -> None:
    """Count one customer message on ``contact_id``.

    Raises:
        HTTPException: 429 with ``Retry-After`` past ``limits.per_contact``.
    """
    limiter = limiter_of(request.app)
    if not limiter.hit("per_contact", contact_id):
        raise HTTPException(
            HTTPStatus.TOO_MANY_REQUESTS,
            detail="too many messages on this contact; slow down",
            headers={"Retry-After": str(limiter.retry_after("per_contact"))},
        )


async def relay_to_humans(
    request: Request, service: AgentService, contact_id: str, text: str
) -> AgentReply | None:
    """Give a customer message to the desk when the contact is with the humans.

    Returns:
        None when the contact is still with the AI agent (no desk, or not queued
        or assigned); else the reply saying where the message went (the agent
        holding the contact, or the queue), after the desk stored, audited,
        published and relayed it.

    Raises:
        InputError: empty or oversized text (from the desk).
    """
    desk = getattr(request.app.state, "desk", None)
    if desk is None or not await desk.with_humans(contact_id):
        return None
    delivered = await desk.customer_message(contact_id, text)
    contact = await service.conversation.contact(contact_id)
    to_agent = delivered.get("to") == "agent"
    said = (RELAYED_TO_AGENT if to_agent else AFTER_HANDOVER)[language(contact.locale)]
    return AgentReply(
        contact_id=contact_id, text=said, route=Route.HANDOVER, action=Action.HANDOVER
    )


async def probe_store(service: AgentService) -> bool:
    """Return True when the store answers a read.

    Looks up a random contact id: ``UnknownContactError`` proves the store
    answered; any other error means it did not.
    """
    try:
        await service.conversation.contact(f"health-probe-{new_id()}")
    except UnknownContactError:
        return True
    except SwitchboardError as exc:
        logger.warning("health probe: store failed", extra={"code": exc.code})
        return False
    except Exception:  # any driver error means "not healthy", never a crash of /health
        logger.exception("health probe: store failed")
        return False
    return True
