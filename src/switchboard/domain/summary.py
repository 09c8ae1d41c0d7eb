"""The post-call summary model (seed 3 "Post-call summary": bullets + structured notes).

Built by :mod:`switchboard.analytics.summary` and stored at
``Contact.state.summary`` (:mod:`switchboard.domain.state`), so it lives here,
below both. ``switchboard.analytics.summary`` re-exports every name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from switchboard.domain.types import utcnow


class Note(BaseModel):
    """One statement of a summary and where it comes from.

    Attributes:
        text: the sentence as shown to a reader.
        sources: ``message:<index>`` (0-based, in the stored transcript) or
            ``event:<event_id>`` references it was built from.
    """

    text: str
    sources: list[str] = Field(default_factory=list)


class ToolNote(Note):
    """A tool the agent called, with its arguments and what it returned."""

    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    ok: bool = True


class HandoverNote(Note):
    """Why and where the contact was handed to a human (seed 2 "Handover Execution")."""

    reason: str
    queue: str | None = None
    detail: str | None = None


class SentimentPoint(BaseModel):
    """One scored customer segment: ``score`` in [-1, 1], ``label`` POSITIVE/NEUTRAL/NEGATIVE."""

    score: float
    label: str
    source: str


class SentimentTrajectory(BaseModel):
    """The customer's sentiment over the contact.

    Attributes:
        points: the scored segments in order.
        trend: ``improving`` | ``declining`` | ``steady`` (last third vs first third,
            difference over 0.2 counts).
        final_label: the contact's ``RealTimeSentiment`` attribute when set,
            else the last point's label.
    """

    points: list[SentimentPoint] = Field(default_factory=list)
    trend: str = "steady"
    final_label: str | None = None


class DroppedNote(BaseModel):
    """A statement the grounding check removed, and why (the text is not kept)."""

    field: str
    reason: str


class SummaryCheck(BaseModel):
    """The verdict of the grounding check (see :mod:`switchboard.analytics.summary_check`)."""

    checked: int = 0
    dropped: list[DroppedNote] = Field(default_factory=list)
    validator: str = "rules"

    @property
    def clean(self) -> bool:
        """True when nothing had to be dropped."""
        return not self.dropped


class CallSummary(BaseModel):
    """A contact's post-call summary (seed 3 bullets + structured call notes)."""

    contact_id: str
    channel: str
    locale: str
    status: str
    started_at: datetime
    ended_at: datetime | None = None
    duration_seconds: float | None = None
    turns: int = 0
    bullets: list[str] = Field(default_factory=list)
    reason: Note | None = None
    customer_asked: list[Note] = Field(default_factory=list)
    tools: list[ToolNote] = Field(default_factory=list)
    outcome: Note
    handover: HandoverNote | None = None
    sentiment: SentimentTrajectory | None = None
    follow_ups: list[Note] = Field(default_factory=list)
    check: SummaryCheck = Field(default_factory=SummaryCheck)
    summarizer: str = "extractive"
    created_at: datetime = Field(default_factory=utcnow)
