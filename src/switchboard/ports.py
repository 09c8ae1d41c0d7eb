"""Ports: the Protocols the core depends on. Adapters implement them.

The core (``agent/``) imports only these and ``domain``; vendors live in
adapters behind them (habit 2 in DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from switchboard.domain.segments import TranscriptSegment
from switchboard.domain.types import (
    Action,
    Contact,
    Event,
    HallucinationLog,
    Handover,
    HandoverReason,
    Locale,
    Message,
    Route,
    ToolCall,
    ToolResult,
    ToolSpec,
    ValidationResult,
)

T = TypeVar("T")


class RouteDecision(BaseModel):
    """The router's reading of one utterance.

    ``intent`` is the fine-grained intent (a BANKING77/CLINC150/NLU++/own label);
    ``route_scores`` sums intent probabilities per route (DESIGN.md router note);
    ``out_of_scope`` is True when calibrated rejection fired.
    """

    route: Route
    intent: str
    confidence: float
    route_scores: dict[str, float] = Field(default_factory=dict)
    top_intents: list[tuple[str, float]] = Field(default_factory=list)
    out_of_scope: bool = False
    #: Catalog fields the question asks for ("fees", "hours_day", "documents_required"...;
    #: see ``brains.local.catalog_facts``); empty when unknown (answer the overview).
    fields: list[str] = Field(default_factory=list)
    #: Tool arguments and details read from the question or the dialogue
    #: (``card_type``, ``account_type``, ``channel``, ``location``, ``day``, ``feature``).
    entities: dict[str, str] = Field(default_factory=dict)
    #: One decision per question of a multi-question message, in order (else empty).
    parts: list[RouteDecision] = Field(default_factory=list)
    #: The words of this part (set on ``parts`` items only).
    text: str = ""
    #: Cosine of the closest catalog fact (0.0 when answerability was not computed).
    answerability: float = 0.0


class BrainTurn(BaseModel):
    """Everything a brain sees for one step of one turn.

    ``tool_results`` holds the results of earlier rounds of this same turn
    (empty on the first round). ``strict`` is set when the turn loop asks for a
    regeneration after a medium-severity validation finding (seed 2
    "Hallucination Response Strategy"); ``validation_feedback`` then says what
    was wrong.
    """

    contact: Contact
    user_text: str
    history: list[Message] = Field(default_factory=list)
    system_prompt: str = ""
    tools: list[ToolSpec] = Field(default_factory=list)
    tool_results: list[ToolResult] = Field(default_factory=list)
    round: int = 0
    strict: bool = False
    validation_feedback: list[str] = Field(default_factory=list)
    #: The router's reading of ``user_text`` (the turn loop classifies once per turn).
    nlu: RouteDecision | None = None


class BrainStep(BaseModel):
    """A brain's answer to one step: tool calls to run, or the reply text.

    ``stop_reason`` mirrors Bedrock Converse: ``tool_use`` when ``tool_calls``
    is non-empty, else ``end_turn``. ``state`` replaces the contact's dialogue
    state when not None. ``handover_reason`` set means the brain wants a human.
    """

    text: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    route: Route | None = None
    action: Action | None = None
    intent: str | None = None
    confidence: float | None = None
    handover_reason: HandoverReason | None = None
    state: dict[str, Any] | None = None
    stop_reason: str = "end_turn"
    #: The reply for voice channels (at most two sentences, lists summarised);
    #: None means speak ``text``.
    spoken_text: str | None = None


@runtime_checkable
class Brain(Protocol):
    """Decides tool calls and writes the reply (local, Bedrock, OpenAI-compatible...)."""

    name: str

    async def step(self, turn: BrainTurn) -> BrainStep:
        """Return the next step for ``turn``.

        Raises:
            switchboard.errors.BrainError: when no step can be produced.
        """
        ...


@runtime_checkable
class ToolHost(Protocol):
    """Runs banking tools (the MCP client side)."""

    async def list_tools(self, locale: Locale) -> list[ToolSpec]:
        """Return the tool specs offered for ``locale``."""
        ...

    async def call(self, call: ToolCall, locale: Locale) -> ToolResult:
        """Run one tool call; failures come back as ``ToolResult.error``, never raised."""
        ...

    async def aclose(self) -> None:
        """Release clients and sessions."""
        ...


@runtime_checkable
class IntentRouter(Protocol):
    """Classifies an utterance into an intent and a route."""

    def classify(self, text: str) -> RouteDecision:
        """Classify one utterance (any length; empty text is out of scope)."""
        ...


@runtime_checkable
class ContextualRouter(Protocol):
    """A router that also reads the contact's context (locale, dialogue state).

    ``context`` keys: ``locale`` (a :class:`Locale` value) and ``dialogue`` (the
    brain's ``Contact.state["dialogue"]`` dict, possibly empty). The turn loop
    calls this instead of ``classify`` when the router has it.
    """

    def classify_in_context(self, text: str, context: dict[str, Any]) -> RouteDecision:
        """Classify one utterance in its contact's context."""
        ...


@runtime_checkable
class Validator(Protocol):
    """Judges a reply against the tool results of its turn (seed 2 §3)."""

    def validate(
        self,
        user_query: str,
        tool_results: Sequence[ToolResult],
        reply_text: str,
        locale: Locale,
    ) -> ValidationResult:
        """Return findings for every claim not supported by ``tool_results``."""
        ...


# -- the conversation service's ports (composition root wires them; agent/ depends on these) --


@runtime_checkable
class SegmentPublisher(Protocol):
    """Where the conversation service publishes every final transcript segment.

    ``switchboard.analytics.stream.SegmentBus`` implements it (in-process,
    Redis Streams or Kinesis behind it).
    """

    def publish_nowait(self, segment: TranscriptSegment) -> bool:
        """Queue ``segment``; never blocks or raises. False when it was dropped."""
        ...

    async def aclose(self) -> None:
        """Deliver what is queued and stop."""
        ...


@runtime_checkable
class SentimentTracker(Protocol):
    """Live customer sentiment (seed 3 real-time path) as the conversation service sees it.

    ``switchboard.analytics.sentiment_live.LiveSentiment`` implements it.
    """

    def start(self, **options: Any) -> None:
        """Start consuming the transcript stream (needs a running loop; idempotent)."""
        ...

    async def label_for_turn(self, contact: Contact, segment: TranscriptSegment) -> str | None:
        """The contact's ``RealTimeSentiment`` after ``segment`` (bounded wait)."""
        ...

    async def score_turn(self, contact: Contact, segment: TranscriptSegment) -> str | None:
        """Score a turn's own customer ``segment`` in process, before it is published.

        The reading is written into ``contact.state`` and its ``sentiment`` event is
        buffered, so the turn's own transaction stores both; the stream's sentiment
        consumer skips the segment. Returns the contact's ``RealTimeSentiment``.
        """
        ...

    def forget(self, contact_id: str) -> None:
        """Drop the per-contact rolling state of an ended contact."""
        ...

    async def persisted(self, contact_id: str, timeout_s: float = 2.0) -> None:
        """Wait (bounded) until the contact's latest reading is stored; never raises."""
        ...

    async def settle(self, timeout_s: float = 5.0) -> None:
        """Wait until the published segments are scored (bounded by ``timeout_s``)."""
        ...

    async def aclose(self) -> None:
        """Stop consuming."""
        ...


@runtime_checkable
class HandoverQueue(Protocol):
    """Turns a handover decision into a queue entry for human agents.

    ``switchboard.routing.desk.Desk`` implements it; the composition root
    injects it into the conversation service, so ``agent/`` never imports
    ``routing/``. Without one (the Lex hook: Amazon Connect queues the
    contact itself) a handover only sets the contact attributes.
    """

    async def enqueue_handover(self, contact_id: str, handover: Handover) -> dict[str, Any]:
        """Queue the contact; return the customer-facing frame.

        Returns:
            ``{"type": "queue", queue, position, ewt_seconds, ewt_minutes,
            offer_callback}`` or, when the queue is closed or full,
            ``{"type": "queue_closed", queue, reason, next_open}`` (the
            contact stays transferred, waiting for a callback booking).
        """
        ...


@runtime_checkable
class AsyncStore(Protocol):
    """The store as the event loop uses it: every call awaits, none blocks the loop.

    ``switchboard.store.aio.ThreadedStore`` implements it over any :class:`Store`
    (each call in a worker thread); the conversation service, the turn loop and
    the desk use it the same way.
    """

    async def create_contact(self, contact: Contact) -> Contact:
        """Insert a new contact and return it."""
        ...

    async def get_contact(self, contact_id: str) -> Contact:
        """Return a contact. Raises UnknownContactError when absent."""
        ...

    async def update_contact(self, contact: Contact) -> None:
        """Persist status, state and end time of an existing contact."""
        ...

    async def add_message(self, contact_id: str, message: Message) -> None:
        """Append one message to the contact's transcript."""
        ...

    async def recent_messages(self, contact_id: str, limit: int) -> list[Message]:
        """Return the last ``limit`` messages, oldest first."""
        ...

    async def events(self, contact_id: str) -> list[Event]:
        """Return the contact's events in order."""
        ...

    async def add_hallucination_log(self, log: HallucinationLog) -> None:
        """Store one hallucination-log row."""
        ...

    async def transaction(self, work: Callable[[], T]) -> T:
        """Run ``work`` (synchronous store calls) as one unit of work, off the event loop."""
        ...


@runtime_checkable
class Store(Protocol):
    """Persistence of contacts, messages, events and hallucination logs."""

    def create_contact(self, contact: Contact) -> Contact:
        """Insert a new contact and return it."""
        ...

    def get_contact(self, contact_id: str) -> Contact:
        """Return a contact. Raises UnknownContactError when absent."""
        ...

    def update_contact(self, contact: Contact) -> None:
        """Persist status, state and end time of an existing contact."""
        ...

    def add_message(self, contact_id: str, message: Message) -> None:
        """Append one message to the contact's transcript."""
        ...

    def recent_messages(self, contact_id: str, limit: int) -> list[Message]:
        """Return the last ``limit`` messages, oldest first."""
        ...

    def add_event(self, event: Event) -> None:
        """Store one event."""
        ...

    def events(self, contact_id: str) -> list[Event]:
        """Return the contact's events in order."""
        ...

    def add_hallucination_log(self, log: HallucinationLog) -> None:
        """Store one hallucination-log row."""
        ...

    def hallucination_logs(self, session_id: str | None = None) -> list[HallucinationLog]:
        """Return hallucination-log rows, optionally for one contact."""
        ...


@runtime_checkable
class EventSink(Protocol):
    """Receives every event of every contact (audit log, store, metrics)."""

    def emit(self, event: Event) -> None:
        """Record one event; must not raise on the conversation path."""
        ...


# ----------------------------------------------------------------- speech (voice calls)
#
# The voice pipeline (``switchboard.voice``) hears and speaks through three
# ports. Audio crosses them as mono float32 samples in [-1, 1] (PCM16 / 32768)
# at a sample rate stated in Hz; frames are counted in samples. Shipped
# adapters (``switchboard.speech``): Silero VAD on onnxruntime, faster-whisper
# tiny.en, Piper and espeak-ng. Fakes: ``switchboard.testing.speech``.

#: Mono float32 audio samples in [-1, 1] (signed PCM16 divided by 32768).
Samples = npt.NDArray[np.float32]


@dataclass(frozen=True)
class SttResult:
    """One transcription of one caller utterance.

    Attributes:
        text: the transcript ("" when the audio held no speech).
        audio_ms: length of the transcribed audio, ms.
        elapsed_ms: wall-clock time the engine spent, ms.
        no_speech_prob: the engine's probability that the audio held no speech (0..1;
            0 when the engine gives none).
        word_probs: the probability of each word of ``text``, in order (0..1; empty
            when the engine gives none). faster-whisper: the mean probability of the
            word's tokens from its alignment pass, as its ``Word.probability``.
    """

    text: str
    audio_ms: float
    elapsed_ms: float
    no_speech_prob: float = 0.0
    word_probs: tuple[float, ...] = ()

    @property
    def confidence(self) -> float | None:
        """Mean word probability (0..1), None when the engine gave no word probabilities."""
        if not self.word_probs:
            return None
        return sum(self.word_probs) / len(self.word_probs)

    @property
    def rtf(self) -> float:
        """Real-time factor: processing time / audio time (0 for empty audio)."""
        return self.elapsed_ms / self.audio_ms if self.audio_ms else 0.0


@dataclass(frozen=True)
class Speech:
    """Synthesised audio of one text chunk (a sentence or clause).

    Attributes:
        samples: mono float32 samples in [-1, 1].
        sample_rate: Hz, the engine's own (Piper 22050, espeak-ng 22050, Polly PCM
            8000 or 16000); the voice pipeline resamples to the call's output spec.
        elapsed_ms: wall-clock synthesis time, ms.
    """

    samples: Samples
    sample_rate: int
    elapsed_ms: float

    @property
    def audio_ms(self) -> float:
        """Duration, ms."""
        return 1000.0 * len(self.samples) / self.sample_rate if self.sample_rate else 0.0


@runtime_checkable
class VADStream(Protocol):
    """One call's voice-activity state (the model's recurrent state and partial frame)."""

    def process(self, samples: Samples) -> list[float]:
        """Append audio at the VAD's ``sample_rate``; return a speech probability per frame.

        One probability (0..1) per frame completed by ``samples``, in order
        (``frame_samples`` each; a partial frame is kept for the next call). Any
        length, including 0; non-finite samples count as 0.
        """
        ...


@runtime_checkable
class VAD(Protocol):
    """Streaming voice-activity detection: a speech probability per fixed frame.

    The endpointing of ``switchboard.voice`` is written against 32 ms frames of
    16 kHz audio (Silero's 512 samples): ``frame_ms`` must be 32.0 and
    ``sample_rate`` 16000 for the shipped turn-taking settings to mean what they say.

    Attributes:
        sample_rate: input rate, Hz (16000 for Silero).
        frame_samples: samples per frame at ``sample_rate`` (512 for Silero).
        frame_ms: frame duration, ms (``1000 * frame_samples / sample_rate``).
    """

    sample_rate: int
    frame_samples: int
    frame_ms: float

    def stream(self) -> VADStream:
        """A fresh per-call state (cheap; the model itself is shared and thread-safe)."""
        ...


@runtime_checkable
class STT(Protocol):
    """Speech-to-text of one closed (or speculatively closed) utterance.

    Blocking: the voice pipeline calls it from a worker thread, several calls at
    once, so implementations must be thread-safe. Local engines (faster-whisper)
    decode the whole utterance; a streaming service (Amazon Transcribe streaming:
    PCM16 ``AudioEvent`` chunks at ``MediaSampleRateHertz`` 8000–48000, partial
    results until ``IsPartial`` is false) implements it by streaming the
    utterance and returning the final, non-partial transcript of its segments.

    Attributes:
        name: engine name, for logs and benches.
        sample_rate: rate of the audio ``transcribe`` expects, Hz (16000 here; the
            pipeline resamples the caller's audio to it).
    """

    name: str
    sample_rate: int

    def transcribe(self, audio: Samples) -> SttResult:
        """Transcribe ``audio`` (mono float32 at ``sample_rate``, any length; empty → "").

        Raises:
            switchboard.errors.SwitchboardError: the engine failed (the caller's turn is
                then answered with a "sorry, I didn't catch that" prompt).
        """
        ...


@runtime_checkable
class TTS(Protocol):
    """Text-to-speech of one chunk of a reply.

    The pipeline splits replies into sentences, the first one cut at a clause,
    so audio starts before the rest is synthesised.

    Blocking and thread-safe, like :class:`STT`. Amazon Polly fits as an adapter:
    ``SynthesizeSpeech`` with ``OutputFormat=pcm`` returns signed 16-bit mono
    little-endian audio at ``SampleRate`` 8000 or 16000 Hz, decoded to float32.

    Attributes:
        name: engine name (``"piper"``, ``"espeak-ng"``), for logs and benches.
    """

    name: str

    def synthesize(self, text: str, locale: Locale) -> Speech:
        """Synthesise one text chunk in ``locale``'s voice (any rate; see :class:`Speech`).

        Raises:
            switchboard.errors.TtsError: the engine failed on this chunk (the caller
                still gets the reply text; the next chunk is tried).
        """
        ...
