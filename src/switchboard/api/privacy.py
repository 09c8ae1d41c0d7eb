"""Admin privacy routes: erasure of one customer's data (GDPR Art. 17) and audit verification.

Routes::

    POST /v1/admin/erasure       {"customer": "+447700900123"} or {"contact_id": ...}
    GET  /v1/admin/audit/verify  [?contact_id=...]  → VerifyReport

The router's lifespan (merged into the app's by ``include_router``, nested
inside it) starts :class:`~switchboard.privacy.PrivacyRuntime` over the
running service's store: the periodic retention purge and the signed chain
anchors; at shutdown it stops and writes a last anchor.

Access control is the identity room's: these routes take the privacy
service through :data:`PrivacyDep` like every route takes its dependencies,
so an admin guard is one more dependency on :func:`build_privacy_router`'s
router (``dependencies=[...]``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.requests import HTTPConnection
from pydantic import BaseModel, ConfigDict, Field, model_validator

from switchboard.errors import ConfigError
from switchboard.privacy import ErasureReport, PrivacyService, VerifyReport
from switchboard.privacy.runtime import build_privacy


def get_privacy(conn: HTTPConnection) -> PrivacyService:
    """The app's privacy service (built by the lifespan).

    Raises:
        ConfigError: the app is not running or its store is not SQL.
    """
    runtime = getattr(conn.app.state, "privacy", None)
    if runtime is None:
        raise ConfigError("the privacy service is not running (no lifespan, or no SQL store)")
    service: PrivacyService = runtime.service
    return service


PrivacyDep = Annotated[PrivacyService, Depends(get_privacy)]


class ErasureRequest(BaseModel):
    """Body of ``POST /v1/admin/erasure``: exactly one of the two fields."""

    model_config = ConfigDict(extra="forbid")

    customer: str | None = Field(
        None, max_length=256, description="the customer's phone number or address"
    )
    contact_id: str | None = Field(None, max_length=64, description="one contact id")

    @model_validator(mode="after")
    def _exactly_one(self) -> ErasureRequest:
        """Refuse a body with neither or both fields (HTTP 422)."""
        if (self.customer is None) == (self.contact_id is None):
            raise ValueError("give exactly one of customer or contact_id")
        return self


@asynccontextmanager
async def privacy_lifespan(app: Any) -> AsyncIterator[None]:
    """Run the privacy task while the app runs (after the app's lifespan built the service)."""
    service = getattr(app.state, "service", None)
    settings = getattr(app.state, "settings", None)
    store = getattr(getattr(service, "conversation", None), "store", None)
    runtime = build_privacy(settings, store) if settings is not None else None
    app.state.privacy = runtime
    if runtime is not None:
        runtime.start()
    try:
        yield
    finally:
        app.state.privacy = None
        if runtime is not None:
            await runtime.aclose()


def build_privacy_router() -> APIRouter:
    """The admin privacy routes (see the module docstring), with :func:`privacy_lifespan`."""
    router = APIRouter(tags=["admin"], lifespan=privacy_lifespan)

    @router.post("/v1/admin/erasure", response_model=ErasureReport)
    async def erasure(body: ErasureRequest, privacy: PrivacyDep) -> ErasureReport:
        """Erase one customer's (or one contact's) data everywhere; the audit chain still verifies.

        Active contacts are skipped and listed in ``skipped_active``. 422 when
        neither or both fields are given.
        """
        return await asyncio.to_thread(
            privacy.erase, customer=body.customer, contact_id=body.contact_id
        )

    @router.get("/v1/admin/audit/verify", response_model=VerifyReport)
    async def verify(privacy: PrivacyDep, contact_id: str | None = None) -> VerifyReport:
        """Check the hash chains (all, or one contact) and the signed anchors."""
        return await asyncio.to_thread(privacy.verify, contact_id)

    return router
