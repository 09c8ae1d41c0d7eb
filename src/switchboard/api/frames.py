"""WebSocket frame helpers: parse client frames, build error frames (pure, no I/O).

Frame shapes are documented in :mod:`switchboard.api.ws`; the models are in
:mod:`switchboard.api.schemas`.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter, ValidationError

from switchboard.api.errors import product_error_body
from switchboard.errors import InputError, SwitchboardError


def error_frame(code: str, message: str, *, retryable: bool = False) -> dict[str, Any]:
    """Return an ``error`` frame (same fields as the HTTP error body)."""
    return {"type": "error", "code": code, "message": message, "retryable": retryable}


def frame_for_error(exc: SwitchboardError) -> dict[str, Any]:
    """Return the ``error`` frame for a product error."""
    return {"type": "error", **product_error_body(exc)["error"]}


def parse_frame(raw: str, adapter: TypeAdapter[Any]) -> Any:
    """Parse one text frame into a client frame model.

    Raises:
        InputError: when ``raw`` is not JSON or does not match any frame type;
            the message names the problem (first pydantic error).

    """
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(f"frame is not valid JSON ({exc.msg})") from None
    except RecursionError:  # "[[[[..." nested past the interpreter's limit
        raise InputError("frame is nested too deeply") from None
    if not isinstance(data, dict) or "type" not in data:
        raise InputError('frame must be a JSON object with a "type" field')
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()) if not isinstance(p, int))
        raise InputError(f"{where or 'frame'}: {first.get('msg', 'invalid')}") from None
