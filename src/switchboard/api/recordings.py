"""Call recordings for authorised staff (issue 12 item 6): list a contact's legs, play one.

Routes (supervisors and admins only, :data:`~switchboard.api.guards.SUPERVISOR_ONLY`)::

    GET /v1/contacts/{contact_id}/recordings         → [{"leg", "url"}]
    GET /v1/contacts/{contact_id}/recordings/{leg}   → audio/wav (caller | bot | agent)

The sealed files (:mod:`switchboard.voice.recording`) are opened with the
deployment's envelope only here, in memory, for the response; the response
is marked ``Cache-Control: no-store``. A recording deleted by retention or
erasure is 404, like one never made.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, Field

from switchboard.agent.service import AgentService
from switchboard.api.deps import ServiceDep, SettingsDep
from switchboard.api.guards import SUPERVISOR_ONLY, guard
from switchboard.api.schemas import ERROR_RESPONSES
from switchboard.config import Settings
from switchboard.voice.recording import RecordingStore

__all__ = ["RecordingOut", "build_recordings_router"]


class RecordingOut(BaseModel):
    """One stored leg of a call recording."""

    leg: Literal["caller", "bot", "agent"] = Field(description="whose audio")
    url: str = Field(description="where to play it (audio/wav)")


def _store(service: AgentService, settings: Settings) -> RecordingStore:
    """The deployment's recordings (404 when there is no envelope: nothing can be stored)."""
    envelope = getattr(getattr(service.store, "sealer", None), "envelope", None)
    if envelope is None:
        raise HTTPException(404, "call recording is not available (encryption at rest is off)")
    return RecordingStore(Path(settings.retention.recordings_dir), envelope)


def build_recordings_router() -> APIRouter:
    """The recordings routes (each guarded: supervisors and admins)."""
    router = APIRouter(responses=ERROR_RESPONSES)

    @router.get(
        "/v1/contacts/{contact_id}/recordings",
        response_model=list[RecordingOut],
        tags=["contacts"],
        summary="The recorded legs of a call",
        dependencies=[guard(SUPERVISOR_ONLY)],
    )
    async def recordings(
        contact_id: str, service: ServiceDep, settings: SettingsDep
    ) -> list[RecordingOut]:
        """List the stored legs of the contact's call (404 for an unknown contact)."""
        await service.conversation.contact(contact_id)
        store = _store(service, settings)
        legs = await asyncio.to_thread(store.legs, contact_id)
        return [
            RecordingOut(leg=leg, url=f"/v1/contacts/{contact_id}/recordings/{leg}")
            for leg in legs
        ]

    @router.get(
        "/v1/contacts/{contact_id}/recordings/{leg}",
        response_class=Response,
        tags=["contacts"],
        summary="Play one leg of a call recording (audio/wav)",
        responses={200: {"content": {"audio/wav": {}}}},
        dependencies=[guard(SUPERVISOR_ONLY)],
    )
    async def recording(
        contact_id: str,
        leg: Literal["caller", "bot", "agent"],
        service: ServiceDep,
        settings: SettingsDep,
    ) -> Response:
        """The leg's audio, opened from its sealed file (404 when there is none)."""
        store = _store(service, settings)
        try:
            wav = await asyncio.to_thread(store.load, contact_id, leg)
        except FileNotFoundError:
            raise HTTPException(404, f"no {leg} recording for this contact") from None
        return Response(wav, media_type="audio/wav", headers={"Cache-Control": "no-store"})

    return router
