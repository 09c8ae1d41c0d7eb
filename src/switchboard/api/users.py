"""Sign-in, users and settings (issue 13).

==========================================  ==========  =====================================
route                                       who         what
==========================================  ==========  =====================================
``POST /v1/auth/login``  {username, password}  anyone   a 15-minute staff bearer token
``GET  /v1/auth/me``                        staff       who the token belongs to
``GET  /v1/users``                          admin       every user (never a hash)
``POST /v1/users``  {username, role, password}  admin   add a user
``POST /v1/users/{username}/disable``       admin       disable a user (tokens stop at once)
``POST /v1/users/{username}/enable``        admin       enable a user again
``GET  /v1/settings``                       admin       the running settings, secrets masked
==========================================  ==========  =====================================

A wrong user name or password gets one 401 answer (no hint which) and an
``access_denied`` audit event; sign-ins are rate-limited per client address.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from switchboard.api.guards import (
    ADMIN_ONLY,
    PUBLIC,
    STAFF_ONLY,
    guard,
    identity_of,
    record_refusal,
)
from switchboard.api.schemas import ERROR_RESPONSES
from switchboard.identity import AuthenticationError, Principal, User, UserDirectory


class LoginRequest(BaseModel):
    """``POST /v1/auth/login`` body."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class LoginResponse(BaseModel):
    """A staff session: send ``Authorization: Bearer <access_token>``."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds")
    username: str
    role: str


class Me(BaseModel):
    """The caller of ``GET /v1/auth/me``."""

    username: str
    role: str
    issuer: str


class NewUser(BaseModel):
    """``POST /v1/users`` body."""

    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
    role: Literal["agent", "supervisor", "admin"]
    password: str = Field(min_length=8, max_length=256)


def _users(request: Request) -> UserDirectory:
    users = identity_of(request).users
    if users is None:
        raise HTTPException(HTTPStatus.SERVICE_UNAVAILABLE, detail="no user store (not SQL)")
    return users


UsersDep = Annotated[UserDirectory, Depends(_users)]
StaffDep = Annotated[Principal | None, guard(STAFF_ONLY)]


def build_users_router() -> APIRouter:
    """Return the router of the module table."""
    router = APIRouter(tags=["identity"], responses=ERROR_RESPONSES)

    @router.post("/v1/auth/login", response_model=LoginResponse, dependencies=[guard(PUBLIC)])
    async def login(body: LoginRequest, request: Request, users: UsersDep) -> LoginResponse:
        """Check a user's password and return a short-lived bearer token."""
        user = await asyncio.to_thread(users.authenticate, body.username, body.password)
        if user is None:
            refusal = AuthenticationError("wrong user name or password")
            record_refusal(request, refusal, None)
            raise HTTPException(
                HTTPStatus.UNAUTHORIZED,
                detail=refusal.message,
                headers={"WWW-Authenticate": "Bearer"},
            )
        token, ttl = identity_of(request).tokens.issue_staff(user.username, user.role)
        return LoginResponse(
            access_token=token, expires_in=ttl, username=user.username, role=user.role.value
        )

    @router.get("/v1/auth/me", response_model=Me)
    async def me(principal: StaffDep) -> Me:
        """Who the bearer token belongs to."""
        assert principal is not None  # STAFF_ONLY is not public
        return Me(
            username=principal.username or principal.subject,
            role=principal.role.value,
            issuer=principal.issuer,
        )

    @router.get("/v1/users", response_model=list[User], dependencies=[guard(ADMIN_ONLY)])
    async def list_users(users: UsersDep) -> list[User]:
        """Every user, by name."""
        return await asyncio.to_thread(users.list)

    @router.post(
        "/v1/users",
        response_model=User,
        status_code=HTTPStatus.CREATED,
        dependencies=[guard(ADMIN_ONLY)],
    )
    async def add_user(body: NewUser, users: UsersDep) -> User:
        """Add a user (422 when the name is taken)."""
        return await asyncio.to_thread(users.add, body.username, body.role, body.password)

    @router.post(
        "/v1/users/{username}/disable", response_model=User, dependencies=[guard(ADMIN_ONLY)]
    )
    async def disable_user(username: str, users: UsersDep) -> User:
        """Disable a user: their tokens stop working at once."""
        return await asyncio.to_thread(users.set_disabled, username, True)

    @router.post(
        "/v1/users/{username}/enable", response_model=User, dependencies=[guard(ADMIN_ONLY)]
    )
    async def enable_user(username: str, users: UsersDep) -> User:
        """Enable a disabled user again."""
        return await asyncio.to_thread(users.set_disabled, username, False)

    @router.get("/v1/settings", dependencies=[guard(ADMIN_ONLY)])
    async def settings(request: Request) -> dict[str, Any]:
        """The running settings (secrets shown as ``**********``)."""
        dumped: dict[str, Any] = request.app.state.settings.model_dump(mode="json")
        return dumped

    return router
