"""Structured JSON logging: seed 2 fields, correlation id, no PII in any field."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from switchboard.audit import bind_contact, configure_logging
from switchboard.audit.logs import CORE_FIELDS
from switchboard.errors import ConfigError

PHONE = "+447700900123"
CARD = "4111 1111 1111 1111"


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """Configure JSON logging into a buffer; restore the root logger afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("DEBUG", json=True, stream=stream)
    yield stream
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_line_has_seed_fields_and_no_raw_pii(log_stream: io.StringIO) -> None:
    logging.getLogger("switchboard.test").info(
        "customer called from %s",
        PHONE,
        extra={
            "contact_id": "c-123",
            "event_type": "conversation_start",
            "data": {"customer_phone": PHONE, "note": f"card {CARD}", "postcode": "SW1A 1AA"},
            "queue": f"mail me at jane@example.com or {PHONE}",
        },
    )
    (line,) = _lines(log_stream)
    assert list(line)[: len(CORE_FIELDS)] == list(CORE_FIELDS)
    assert line["level"] == "INFO"
    assert line["logger"] == "switchboard.test"
    assert line["contact_id"] == "c-123"
    assert line["event_type"] == "conversation_start"
    assert line["message"] == "customer called from [PHONE]"
    assert line["data"] == {
        "customer_phone": "[PHONE]",
        "note": "card [CARD]",
        "postcode": "SW1A 1AA",
    }
    assert line["queue"] == "mail me at [EMAIL] or [PHONE]"
    assert str(line["timestamp"]).endswith("Z")
    raw = log_stream.getvalue()
    for secret in (PHONE, "7700900123", "4111", "jane@example.com"):
        assert secret not in raw


def test_missing_fields_are_null_and_contact_comes_from_context(log_stream: io.StringIO) -> None:
    log = logging.getLogger("switchboard.test")
    log.warning("plain line")
    with bind_contact("c-ctx"):
        log.info("inside")
        log.info("explicit wins", extra={"contact_id": "c-explicit"})
    log.info("after")
    plain, inside, explicit, after = _lines(log_stream)
    assert plain["contact_id"] is None and plain["event_type"] is None and plain["data"] is None
    assert plain["level"] == "WARNING"
    assert inside["contact_id"] == "c-ctx"
    assert explicit["contact_id"] == "c-explicit"
    assert after["contact_id"] is None


def test_exception_text_is_redacted(log_stream: io.StringIO) -> None:
    try:
        raise ValueError(f"bad card {CARD} for {PHONE}")
    except ValueError:
        logging.getLogger("switchboard.test").exception("tool failed")
    (line,) = _lines(log_stream)
    assert "ValueError: bad card [CARD] for [PHONE]" in str(line["exc_info"])
    assert "4111" not in log_stream.getvalue()


def test_objects_in_extra_are_serialised_and_redacted(log_stream: io.StringIO) -> None:
    from switchboard.domain.types import Contact

    contact = Contact(contact_id="c-9", customer_endpoint=PHONE)
    logging.getLogger("switchboard.test").info("contact", extra={"data": {"contact": contact}})
    (line,) = _lines(log_stream)
    data = line["data"]
    assert isinstance(data, dict)
    assert data["contact"]["contact_id"] == "c-9"
    assert data["contact"]["customer_endpoint"] == "[PHONE]"


def test_reconfiguring_replaces_our_handler_and_text_mode_redacts(
    log_stream: io.StringIO,
) -> None:
    root = logging.getLogger()
    ours_before = [h for h in root.handlers if getattr(h, "_switchboard_handler", False)]
    text_stream = io.StringIO()
    configure_logging("INFO", json=False, stream=text_stream)
    ours_after = [h for h in root.handlers if getattr(h, "_switchboard_handler", False)]
    assert len(ours_before) == len(ours_after) == 1
    assert root.handlers[0] is ours_after[0]
    logging.getLogger("switchboard.test").debug("hidden at INFO")
    logging.getLogger("switchboard.test").info(
        "call %s", PHONE, extra={"contact_id": "c-1", "event_type": "user_input"}
    )
    out = text_stream.getvalue()
    assert "hidden" not in out
    assert "INFO switchboard.test [c-1 user_input] call [PHONE]" in out
    assert log_stream.getvalue() == ""


def test_unknown_level_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        configure_logging("LOUD", stream=io.StringIO())
