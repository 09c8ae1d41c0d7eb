"""HTTP routes: contacts, turns, transcript and health.

Routes stay thin: they call :class:`switchboard.agent.service.AgentService`
and let product errors propagate to the handlers in
:mod:`switchboard.api.errors` (the one place errors become responses).
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from switchboard import __version__
from switchboard.agent.messages import AFTER_HANDOVER, RELAYED_TO_AGENT, language
from switchboard.agent.service import AgentService, ContactView
from switchboard.api.deps import ServiceDep, SettingsDep
from switchboard.api.schemas import (
    ERROR_RESPONSES,
    EndContactRequest,
    HealthResponse,
    MessageRequest,
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
        service: ServiceDep, settings: SettingsDep, body: StartContactRequest | None = None
    ) -> StartContactResponse:
        """Open a new contact and return its id and the channel's greeting."""
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
        )

    @router.post(
        "/v1/contacts/{contact_id}/messages",
        response_model=AgentReply,
        responses=ERROR_RESPONSES,
        tags=["contacts"],
        summary="Send one customer message and get the agent's reply",
    )
    async def send_message(
        contact_id: str, body: MessageRequest, service: ServiceDep, request: Request
    ) -> AgentReply:
        """Run one turn. Brain or tool failures come back as a handover, not an error.

        Once the contact is with the humans (queued or assigned), the message goes
        to the desk like a chat-socket message: stored, audited, published and
        relayed to the agent who holds the contact; the reply says where it went.
        """
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
        contact_id: str, service: ServiceDep, body: EndContactRequest | None = None
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
    async def get_contact(contact_id: str, service: ServiceDep) -> ContactView:
        """Return the contact, its messages (oldest first) and its typed events."""
        return await service.conversation.view(contact_id)

    _add_health(router)
    # Admin privacy routes (erasure, audit verify) and their purge/anchor task (lifespan).
    from switchboard.api.privacy import build_privacy_router

    router.include_router(build_privacy_router())
    return router


def _add_health(router: APIRouter) -> None:
    """Add ``GET /health`` (liveness and store check) to ``router``."""

    @router.get(
        "/health",
        response_model=HealthResponse,
        responses={503: {"model": HealthResponse, "description": "store unreachable"}},
        tags=["ops"],
        summary="Liveness and store check",
    )
    async def health(service: ServiceDep) -> JSONResponse:
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
