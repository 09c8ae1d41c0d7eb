"""schemathesis against the live app's OpenAPI (issue 13 item 7): no 5xx, no schema violation.

Every operation of ``/openapi.json`` gets generated requests (valid and
invalid bodies, odd path values), bounded in number so the run stays within
a couple of minutes on a loaded machine. Calls are made with real
credentials: on a contact's routes, a fresh contact and its own token (so the
generated data reaches the handlers, not only the guard); everywhere else, an
admin's token. All of schemathesis' checks run on every response
(server errors, status codes and content types the schema documents,
response bodies and headers against their schemas).
"""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from .conftest import World

#: Generated cases per operation (bounded time: ~20 operations).
MAX_EXAMPLES = 12
#: Operations whose valid-looking input the server may still refuse with 422, and why.
#: ``callback``: whether a number is dialable is libphonenumber's call (the schema
#: can only say "digits, +, spaces, brackets, dashes"); everything else is still checked.
#: ``erasure``: "exactly one of customer or contact_id" is a model rule that the
#: OpenAPI schema of two optional fields does not state.
SEMANTIC_422 = {"POST /v1/contacts/{contact_id}/callback", "POST /v1/admin/erasure"}
#: Twilio webhooks: only Twilio can sign a request (``X-Twilio-Signature``, an HMAC of the
#: URL and body keyed by the account's auth token), so every generated call is refused
#: with a documented 401; the signed calls are in tests/voice/test_human_twilio.py.
SIGNED_BY_TWILIO = {
    f"POST /v1/twilio/{hook}" for hook in ("voice", "handover", "dial", "callback", "whisper")
}

pytestmark = pytest.mark.e2e


def call(case: schemathesis.Case, world: World) -> None:
    """Send one generated case with real credentials and run every check on the answer."""
    headers = world.headers("admin")
    if case.path_parameters and "contact_id" in case.path_parameters:
        started = httpx.post(f"{world.http_url}/v1/contacts", json={}, timeout=60).json()
        case.path_parameters["contact_id"] = started["contact_id"]
        headers = {"Authorization": f"Bearer {started['contact_token']}"}
        if case.path.endswith("/summary") or case.method.upper() == "GET":
            headers = world.headers("supervisor")
    label = f"{case.method.upper()} {case.path}"
    refused = label in SEMANTIC_422 or label in SIGNED_BY_TWILIO
    excluded = [positive_data_acceptance] if refused else None
    case.call_and_validate(base_url=world.http_url, headers=headers, excluded_checks=excluded)


def test_api_has_no_server_errors_and_keeps_its_schema(world: World) -> None:
    schema = schemathesis.openapi.from_url(f"{world.http_url}/openapi.json")
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: schemathesis.Case) -> None:
            call(case, world)

        try:
            run()
        except (
            Exception,
            BaseExceptionGroup,
        ) as exc:  # collect every operation's failure, then report them all
            failures[operation.label] = f"{type(exc).__name__}: {str(exc)[:2000]}"
    print(
        f"schemathesis: {operations} operations x up to {MAX_EXAMPLES} cases, "
        f"{len(failures)} failing"
    )
    assert operations >= 19
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
