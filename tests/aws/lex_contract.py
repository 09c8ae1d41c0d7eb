"""Checks a Lex V2 code hook response against the documented response format.

The Lambda response (AWS docs "AWS Lambda response format for Lex V2") is a
``sessionState`` plus ``messages`` (and optional ``requestAttributes``):
the same shapes as the Lex V2 runtime API's PutSession request, so botocore's
``lexv2-runtime`` service model validates types, required members and enums;
maximum lengths (which botocore's validator leaves to the service) are
walked here from the same model.
"""

from __future__ import annotations

import json
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, Shape, StringShape, StructureShape
from botocore.validate import validate_parameters

from switchboard.aws.session import LEX_SESSION_ATTRIBUTES_MAX_BYTES

_MODEL = botocore.session.get_session().get_service_model("lexv2-runtime")
_PUT_SESSION = _MODEL.operation_model("PutSession").input_shape


def _max_lengths(value: Any, shape: Shape, path: str) -> None:
    meta = shape.metadata
    if isinstance(shape, StringShape):
        assert isinstance(value, str), path
        if "max" in meta:
            assert len(value) <= meta["max"], f"{path}: {len(value)} > {meta['max']}"
    elif isinstance(shape, StructureShape):
        for name, member in shape.members.items():
            if name in value:
                _max_lengths(value[name], member, f"{path}.{name}")
    elif isinstance(shape, ListShape):
        if "max" in meta:
            assert len(value) <= meta["max"], path
        for i, item in enumerate(value):
            _max_lengths(item, shape.member, f"{path}[{i}]")
    elif isinstance(shape, MapShape):
        for k, v in value.items():
            _max_lengths(k, shape.key, f"{path}.<key>")
            _max_lengths(v, shape.value, f"{path}.{k}")


def assert_valid_lex_response(response: dict[str, Any]) -> None:
    """Raise AssertionError / ParamValidationError when ``response`` breaks the format."""
    assert set(response) <= {"sessionState", "messages", "requestAttributes"}, set(response)
    assert "sessionState" in response  # "This field is always required."
    # Our responses always carry both (the AWS sample response validator,
    # aws-samples/amazon-lex-v2-lambda-integration-examples, requires them).
    assert {"dialogAction", "sessionAttributes"} <= set(response["sessionState"])
    params = {
        "botId": "SWBOT12345",
        "botAliasId": "SWALIAS123",
        "localeId": "en_GB",
        "sessionId": "session-1",
        **response,
    }
    validate_parameters(params, _PUT_SESSION)
    _max_lengths(params, _PUT_SESSION, "response")
    action = response["sessionState"]["dialogAction"]["type"]
    if action in ("ElicitIntent", "ConfirmIntent"):
        # "The messages field is required if dialogAction.type is ElicitIntent or ConfirmIntent."
        assert response.get("messages"), "messages required for " + action
    if action == "Close":
        assert response["sessionState"].get("intent", {}).get("state") in (
            "Fulfilled",
            "Failed",
            "InProgress",
        )
    attrs = response["sessionState"].get("sessionAttributes", {})
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in attrs.items())
    size = len(json.dumps(attrs, ensure_ascii=False, separators=(",", ":")).encode())
    assert size <= LEX_SESSION_ATTRIBUTES_MAX_BYTES, size
