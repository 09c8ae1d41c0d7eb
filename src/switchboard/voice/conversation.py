"""The conversation port a voice call talks to, and its adapter over the agent service.

:class:`ServiceConversation` wraps any object shaped like
``switchboard.agent.service.AgentService`` (duck-typed through
:class:`ServiceLike`, so ``voice`` imports nothing from ``agent``) into the
:class:`~switchboard.voice.stages.turn.Conversation` the turn stage uses. It
is the one place in ``voice/`` that knows where a contact's locale and
handover attributes are kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from switchboard.domain.attributes import queue_for
from switchboard.domain.types import (
    AgentReply,
    Channel,
    Contact,
    ContactStatus,
    Event,
    HandoverReason,
    Locale,
)
from switchboard.voice.events import HandoverInfo
from switchboard.voice.recording import RecordingStore
from switchboard.voice.settings import VoiceSettings
from switchboard.voice.spoken import FollowUpOffer
from switchboard.voice.stages.turn import Conversation


class _ContactReader(Protocol):
    def get_contact(self, contact_id: str) -> Contact: ...


class _EventWriter(Protocol):
    def emit(self, event: Event) -> None: ...


class ServiceLike(Protocol):
    """The parts of the agent service a voice call uses."""

    @property
    def settings(self) -> Any:
        """Service settings (``locale``; ``voice`` when set)."""
        ...

    @property
    def store(self) -> _ContactReader:
        """Contact store (read only here)."""
        ...

    @property
    def events(self) -> _EventWriter:
        """The event sink."""
        ...

    def greeting(self, locale: Locale) -> str:
        """Opening line."""
        ...

    async def start_contact(
        self, *, channel: Channel, locale: Locale | None, customer_endpoint: str | None
    ) -> Contact:
        """Create a contact."""
        ...

    async def handle_turn(self, contact_id: str, text: str) -> AgentReply:
        """Run one customer turn."""
        ...

    async def end_contact(self, contact_id: str, status: ContactStatus) -> Contact:
        """End a contact."""
        ...

    async def answer_offer(
        self, contact_id: str, customer_text: str, reply_text: str,
        follow_up: dict[str, str] | None,
    ) -> None:
        """Store the caller's answer to an offer, the reply, and the accepted follow-up."""
        ...


class ServiceConversation:
    """:class:`~switchboard.voice.stages.turn.Conversation` over the agent service.

    Args:
        service: the running agent service.
    """

    def __init__(self, service: ServiceLike) -> None:
        self.service = service

    @property
    def locale(self) -> Locale:
        """The service's default locale."""
        locale: Locale = self.service.settings.locale
        return locale

    def recording_store(self) -> RecordingStore | None:
        """Where this deployment's call recordings go (None: no envelope to seal them with).

        ``retention.recordings_dir`` of the service's settings, sealed with the
        envelope of the service's store (``store.sealer.envelope``).
        """
        envelope = getattr(getattr(self.service.store, "sealer", None), "envelope", None)
        retention = getattr(self.service.settings, "retention", None)
        if envelope is None or retention is None:
            return None
        return RecordingStore(Path(retention.recordings_dir), envelope)

    def voice_settings(self) -> VoiceSettings:
        """The service's ``settings.voice`` when present, else defaults."""
        found = getattr(self.service.settings, "voice", None)
        return found if isinstance(found, VoiceSettings) else VoiceSettings()

    def greeting(self, locale: Locale) -> str:
        """The opening line for a new contact in ``locale``."""
        return self.service.greeting(locale)

    async def start_contact(self, *, locale: Locale, customer_endpoint: str | None) -> str:
        """Create a voice contact; return its id."""
        contact = await self.service.start_contact(
            channel=Channel.VOICE, locale=locale, customer_endpoint=customer_endpoint
        )
        return contact.contact_id

    async def contact_locale(self, contact_id: str) -> Locale:
        """The locale of an existing contact (UnknownContactError when absent)."""
        return self.service.store.get_contact(contact_id).locale

    async def handle_turn(self, contact_id: str, text: str) -> AgentReply:
        """Run one customer turn through the service."""
        return await self.service.handle_turn(contact_id, text)

    async def handover_info(self, contact_id: str, reason: str) -> HandoverInfo:
        """Queue and attributes of the handover, from the contact's ``attributes`` state.

        The queue is ``target_queue`` when the turn set one, else the reason's queue (seed 2).
        """
        contact = self.service.store.get_contact(contact_id)
        raw = contact.state.get("attributes") or {}
        attributes = {str(k): str(v) for k, v in raw.items()}
        queue = attributes.get("target_queue") or queue_for(HandoverReason(reason))[0]
        return HandoverInfo(reason=reason, queue=queue, attributes=attributes)

    async def end_contact(self, contact_id: str, status: ContactStatus) -> None:
        """End the contact."""
        await self.service.end_contact(contact_id, status)

    def record(self, event: Event) -> None:
        """Add an event to the contact's audit trail."""
        self.service.events.emit(event)

    async def answer_offer(
        self, contact_id: str, customer_text: str, reply_text: str, offer: FollowUpOffer | None
    ) -> None:
        """The caller said yes (``offer`` set) or no to a spoken offer; stored by the service."""
        follow_up = (
            {"topic": offer.topic, "channel": offer.channel, "details": offer.details}
            if offer is not None else None
        )
        await self.service.answer_offer(contact_id, customer_text, reply_text, follow_up)


def as_conversation(service: Conversation | ServiceLike) -> Conversation:
    """``service`` itself when it already is a Conversation, else wrapped."""
    if isinstance(service, Conversation):
        return service
    return ServiceConversation(service)
