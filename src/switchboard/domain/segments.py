"""``TranscriptSegment``: one final (or partial) line of a contact's transcript.

It is the unit the conversation service publishes for every party and the
transcript stream (``switchboard.analytics.stream``) carries; it lives in
the domain so that the agent core can publish it without importing the
stream adapters. Payload shapes follow seed 3 ("Phase 3": Kinesis
``contactId``/``transcript``/``isPartial``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from switchboard.domain.types import Locale, Source, new_id, utcnow
from switchboard.errors import InputError


class TranscriptSegment(BaseModel):
    """One transcript segment of a contact.

    Attributes:
        contact_id: the contact the segment belongs to (seed 3 ``contactId``).
        segment_id: unique id of the segment; consumers de-duplicate on it.
        speaker: who said it: ``CUSTOMER``, ``AI_AGENT`` or ``HUMAN_AGENT``.
        text: the words (seed 3 ``transcript``); PII is the publisher's concern.
        is_partial: True for an interim voice transcript (seed 3 ``isPartial``);
            consumers that score sentiment only read final segments.
        start_time: when the speaker started (UTC).
        end_time: when the segment ended (UTC); equal to ``start_time`` for chat.
        locale: the contact's locale.
        turn: the turn index of the contact the segment belongs to, when known.
    """

    model_config = ConfigDict(frozen=True)

    contact_id: str = Field(min_length=1)
    segment_id: str = Field(default_factory=new_id, min_length=1)
    speaker: Source
    text: str
    is_partial: bool = False
    start_time: datetime = Field(default_factory=utcnow)
    end_time: datetime = Field(default_factory=utcnow)
    locale: Locale = Locale.EN_GB
    turn: int | None = None

    def to_kinesis(self) -> dict[str, Any]:
        """The seed 3 Kinesis record payload, with our extra fields after it.

        Returns:
            ``{"contactId", "transcript", "isPartial"}`` (seed 3 "Phase 3"; a
            consumer written for the seed reads only these) plus ``segmentId``,
            ``speaker``, ``startTime``/``endTime`` (ISO 8601), ``locale`` and
            ``turn``.
        """
        return {
            "contactId": self.contact_id,
            "transcript": self.text,
            "isPartial": self.is_partial,
            "segmentId": self.segment_id,
            "speaker": self.speaker.value,
            "startTime": self.start_time.isoformat(),
            "endTime": self.end_time.isoformat(),
            "locale": self.locale.value,
            "turn": self.turn,
        }

    @classmethod
    def from_kinesis(
        cls, payload: dict[str, Any], *, fallback_id: str | None = None
    ) -> TranscriptSegment:
        """Parse a Kinesis payload (ours, or the seed's three-key form).

        Args:
            payload: the decoded JSON record data.
            fallback_id: segment id to use when the payload has none (the
                Kinesis sequence number, so redelivery keeps the same id).

        Raises:
            InputError: when ``contactId`` or ``transcript`` is missing or malformed.
        """
        try:
            contact_id = str(payload["contactId"])
            text = str(payload["transcript"])
        except (KeyError, TypeError) as exc:
            raise InputError(f"not a transcript segment payload: missing {exc}") from exc
        data: dict[str, Any] = {
            "contact_id": contact_id,
            "text": text,
            "is_partial": bool(payload.get("isPartial", False)),
            # A seed-3 producer (Connect + Transcribe) streams the customer's side.
            "speaker": payload.get("speaker") or Source.CUSTOMER.value,
        }
        segment_id = payload.get("segmentId") or fallback_id
        if segment_id:
            data["segment_id"] = str(segment_id)
        for src, dst in (("startTime", "start_time"), ("endTime", "end_time")):
            if payload.get(src):
                data[dst] = payload[src]
        if payload.get("locale"):
            data["locale"] = payload["locale"]
        if payload.get("turn") is not None:
            data["turn"] = payload["turn"]
        try:
            return cls.model_validate(data)
        except ValueError as exc:
            raise InputError(f"malformed transcript segment: {exc}") from exc

    def to_json(self) -> str:
        """Serialise for a byte-oriented stream (Redis field, file)."""
        return self.model_dump_json()

    @classmethod
    def from_json(cls, raw: str | bytes) -> TranscriptSegment:
        """Parse :meth:`to_json` output.

        Raises:
            InputError: when ``raw`` is not a valid segment.
        """
        try:
            return cls.model_validate_json(raw)
        except ValueError as exc:
            raise InputError(f"malformed transcript segment: {exc}") from exc
