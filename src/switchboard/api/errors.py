"""Errors become HTTP responses (and WebSocket error frames) here, and only here.

Every product error derives from :class:`switchboard.errors.SwitchboardError`
and carries ``code`` and ``retryable``. The mapping (habit 4 in DESIGN.md):

=============================  ======  ==========================================
error                          status  note
=============================  ======  ==========================================
``UnknownContactError``        404     checked before ``InputError`` (subclass)
``UnknownAgentError``,         404     routing: no such human agent / queue
``UnknownQueueError``
``UnknownUserError``           404     identity: no such user
``UserExistsError``            409     identity: the user name is taken
``AuthenticationError``        401     identity: no or bad credential
``PermissionDeniedError``      403     identity: the credential may not do this
``InputError``                 422     malformed request, empty/oversized text
``RoutingError``               409     routing state conflict (queue closed/full...)
``SummaryNotReadyError``       409     the contact has not ended: no summary yet
any other, ``retryable``       503     with ``Retry-After: 1``
any other, not retryable       500
request body validation        422     code ``invalid_input`` plus ``details``
Starlette ``HTTPException``    as is   code ``not_found``, ``method_not_allowed``...
anything unexpected            500     code ``internal_error``; message hidden
=============================  ======  ==========================================

Body shape for all of them::

    {"error": {"code": "unknown_contact", "message": "...", "retryable": false}}
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from switchboard.errors import (
    InputError,
    RoutingError,
    StoreError,
    StreamError,
    SummaryNotReadyError,
    SwitchboardError,
    UnknownAgentError,
    UnknownContactError,
    UnknownQueueError,
)

logger = logging.getLogger(__name__)

#: Message shown for unexpected failures (details stay in the server log).
INTERNAL_MESSAGE = "The service hit an unexpected error. Please try again later."


def status_for(exc: SwitchboardError) -> int:
    """Return the HTTP status code for a product error (see the module table)."""
    from switchboard.identity.errors import (
        AuthenticationError,
        PermissionDeniedError,
        UnknownUserError,
        UserExistsError,
    )

    if isinstance(exc, UnknownUserError):
        return HTTPStatus.NOT_FOUND
    if isinstance(exc, UserExistsError):
        return HTTPStatus.CONFLICT
    if isinstance(exc, AuthenticationError):
        return HTTPStatus.UNAUTHORIZED
    if isinstance(exc, PermissionDeniedError):
        return HTTPStatus.FORBIDDEN
    if isinstance(exc, UnknownContactError | UnknownAgentError | UnknownQueueError):
        return HTTPStatus.NOT_FOUND
    if isinstance(exc, RoutingError | SummaryNotReadyError):
        return HTTPStatus.CONFLICT
    if isinstance(exc, InputError):
        return HTTPStatus.UNPROCESSABLE_ENTITY
    if exc.retryable:
        return HTTPStatus.SERVICE_UNAVAILABLE
    return HTTPStatus.INTERNAL_SERVER_ERROR


def error_body(
    code: str, message: str, *, retryable: bool = False, details: Any = None
) -> dict[str, Any]:
    """Build the ``{"error": {...}}`` body shared by HTTP responses and WebSocket frames.

    Args:
        code: short machine-readable code (``SwitchboardError.code`` or an HTTP reason).
        message: human-readable text; never contains stack traces.
        retryable: True when the same request may succeed later.
        details: optional JSON-serialisable extra (e.g. field errors).

    """
    error: dict[str, Any] = {"code": code, "message": message, "retryable": retryable}
    if details is not None:
        error["details"] = details
    return {"error": error}


#: What a client is told when the database or the stream backend failed: the driver's
#: message (host, port, SQL) stays in the log, never reaches a customer.
INFRASTRUCTURE_MESSAGE = "Our systems are briefly unavailable. Please try again in a moment."


def product_error_body(exc: SwitchboardError) -> dict[str, Any]:
    """Return the error body for a :class:`SwitchboardError`.

    ``StoreError``/``StreamError`` get :data:`INFRASTRUCTURE_MESSAGE` instead of their
    own text (it names the database server); the code and ``retryable`` are kept.
    """
    message = INFRASTRUCTURE_MESSAGE if isinstance(exc, StoreError | StreamError) else exc.message
    return error_body(exc.code, message, retryable=exc.retryable)


def validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Summarise pydantic field errors as ``[{"loc": [...], "msg": str, "type": str}]``."""
    details: list[dict[str, Any]] = []
    for err in exc.errors():
        details.append(
            {
                "loc": [str(part) for part in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
        )
    return details


async def _handle_product_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SwitchboardError)  # registered for SwitchboardError only
    status = status_for(exc)
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        logger.warning(
            "request failed",
            extra={"path": request.url.path, "code": exc.code, "retryable": exc.retryable},
        )
    headers = {"Retry-After": "1"} if status == HTTPStatus.SERVICE_UNAVAILABLE else None
    return JSONResponse(product_error_body(exc), status_code=status, headers=headers)


async def _handle_request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # registered for that type only
    details = validation_details(exc)
    first = details[0] if details else {"loc": [], "msg": "invalid request"}
    where = ".".join(p for p in first["loc"] if p != "body") or "request"
    message = f"{where}: {first['msg']}"
    body = error_body(InputError.code, message, details=jsonable_encoder(details))
    return JSONResponse(body, status_code=HTTPStatus.UNPROCESSABLE_ENTITY)


async def _handle_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # registered for that type only
    try:
        phrase = HTTPStatus(exc.status_code).phrase
    except ValueError:
        phrase = "HTTP error"
    code = phrase.lower().replace(" ", "_").replace("-", "_")
    message = exc.detail if isinstance(exc.detail, str) else phrase
    return JSONResponse(
        error_body(code, message),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", extra={"path": request.url.path})
    return JSONResponse(
        error_body("internal_error", INTERNAL_MESSAGE),
        status_code=HTTPStatus.INTERNAL_SERVER_ERROR,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register every exception handler of the API on ``app``."""
    app.add_exception_handler(SwitchboardError, _handle_product_error)
    app.add_exception_handler(RequestValidationError, _handle_request_validation)
    app.add_exception_handler(StarletteHTTPException, _handle_http_exception)
    app.add_exception_handler(Exception, _handle_unexpected)
