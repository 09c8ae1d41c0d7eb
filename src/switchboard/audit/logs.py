"""Structured JSON logging with PII redaction (seed 2 "Structured Logging Format").

:func:`configure_logging` installs one handler on the root logger. Each line
is one JSON object with at least::

    {"timestamp": "2025-10-12T14:30:45.123Z", "level": "INFO",
     "logger": "switchboard.audit", "message": "...",
     "contact_id": "...", "event_type": "...", "data": {...}}

(``contact_id``/``event_type``/``data`` are null when a line has none; the
contact id comes from the ``extra`` of the call or from :func:`bind_contact`.)
Any other ``extra`` field is added as its own key.

:class:`RedactionFilter` runs on that handler before formatting: it redacts
the formatted message, every extra field, exception text and stack text with
:mod:`switchboard.audit.redact`, so PII never leaves the process through the
logs (DESIGN.md habit 9). If redaction itself fails the line is replaced by a
fixed message rather than written unredacted.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from pydantic_core import to_jsonable_python
from pythonjsonlogger.json import JsonFormatter

from switchboard.audit.redact import redact, redact_data
from switchboard.errors import ConfigError

#: Fields every JSON line carries (null when absent), in output order.
CORE_FIELDS = ("timestamp", "level", "logger", "message", "contact_id", "event_type", "data")

_contact_id: ContextVar[str | None] = ContextVar("switchboard_log_contact_id", default=None)

# Attributes every LogRecord has; anything else on a record came from ``extra``.
_RECORD_ATTRS = frozenset(
    logging.LogRecord("", logging.INFO, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "taskName"}
)
_HANDLER_MARK = "_switchboard_handler"
_REDACTION_FAILED = "[log line withheld: redaction failed]"


@contextmanager
def bind_contact(contact_id: str | None) -> Iterator[None]:
    """Attach ``contact_id`` to every log line written inside the block.

    Uses a context variable, so concurrent asyncio tasks each keep their own
    contact. An explicit ``extra={"contact_id": ...}`` still wins.
    """
    token = _contact_id.set(contact_id)
    try:
        yield
    finally:
        _contact_id.reset(token)


def _clean(value: Any) -> Any:
    """Return ``value`` as JSON-compatible data with PII redacted."""
    if not isinstance(value, str | int | float | bool | type(None)):
        # Objects nested anywhere (models, dataclasses, datetimes) become JSON
        # values first, so that their text is redacted too.
        value = to_jsonable_python(value, serialize_unknown=True, inf_nan_mode="strings")
    return redact_data(value)


class RedactionFilter(logging.Filter):
    """Redact PII in a record's message, extra fields, exception and stack text.

    Mutates the record in place (so every handler after this one also sees
    the redacted record) and never drops it. Also fills ``contact_id`` from
    :func:`bind_contact` when the call gave none.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record``; always returns True (the line is kept)."""
        try:
            record.msg = redact(record.getMessage())
            record.args = None
            for key, value in list(record.__dict__.items()):
                if key not in _RECORD_ATTRS:
                    record.__dict__[key] = _clean(value)
            if record.exc_info:
                text = "".join(traceback.format_exception(*record.exc_info))
                record.exc_text = redact(text)
                record.exc_info = None
            elif record.exc_text:
                record.exc_text = redact(record.exc_text)
            if record.stack_info:
                record.stack_info = redact(record.stack_info)
            if getattr(record, "contact_id", None) is None:
                record.contact_id = _contact_id.get()
        except Exception:  # never let a redaction bug leak PII or break logging
            record.msg = _REDACTION_FAILED
            record.args = None
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
            for key in [k for k in record.__dict__ if k not in _RECORD_ATTRS]:
                record.__dict__[key] = None
        return True


class SwitchboardJsonFormatter(JsonFormatter):
    """python-json-logger formatter with the seed 2 field names and order.

    ``timestamp`` is the record time in UTC, ISO 8601 with milliseconds and
    a ``Z`` suffix; ``level`` and ``logger`` rename ``levelname`` and ``name``.
    """

    def __init__(self) -> None:
        super().__init__(
            "%(message)s %(levelname)s %(name)s",
            rename_fields={"levelname": "level", "name": "logger"},
            defaults={"contact_id": None, "event_type": None, "data": None},
        )

    def add_fields(
        self,
        log_data: dict[str, Any],
        record: logging.LogRecord,
        message_dict: dict[str, Any],
    ) -> None:
        """Add the standard fields, then put the core fields first in seed 2 order."""
        super().add_fields(log_data, record, message_dict)
        stamp = datetime.fromtimestamp(record.created, tz=UTC)
        log_data["timestamp"] = stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        ordered = {key: log_data.pop(key, None) for key in CORE_FIELDS}
        rest = dict(log_data)
        log_data.clear()
        log_data.update(ordered)
        log_data.update(rest)


class _TextFormatter(logging.Formatter):
    """Plain-text lines for humans: time, level, logger, [contact/event], message."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s [%(contact_id)s %(event_type)s] %(message)s",
            defaults={"contact_id": "-", "event_type": "-"},
        )


def configure_logging(
    level: int | str = "INFO",
    json: bool = True,
    *,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send every log line through the redaction filter to ``stream`` (stderr by default).

    Installs one handler, first in the root logger's list, and sets the root
    level. Being first, its filter redacts each record before any other root
    handler (installed earlier by a framework or a test) formats it. Calling
    it again replaces the handler it installed before (idempotent); handlers
    installed by others are left in place.

    Args:
        level: a logging level name or number (``"INFO"``, ``logging.DEBUG``).
        json: True for one JSON object per line (seed 2 format), False for
            plain text.
        stream: where lines go; ``sys.stderr`` when None.

    Returns:
        The installed handler (tests read its stream).

    Raises:
        switchboard.errors.ConfigError: ``level`` is not a logging level.

    """
    if isinstance(level, str):
        resolved = logging.getLevelNamesMapping().get(level.upper())
        if resolved is None:
            raise ConfigError(f"unknown log level {level!r}")
        level = resolved
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
        old.close()
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.addFilter(RedactionFilter())
    handler.setFormatter(SwitchboardJsonFormatter() if json else _TextFormatter())
    root.handlers.insert(0, handler)
    root.setLevel(level)
    return handler
