"""One call through Nova Sonic (speech to speech), with our tools and our validation agent.

:class:`NovaSonicSession` speaks the bidirectional protocol of
:mod:`switchboard.voice.engines.nova_sonic.events` over any :class:`NovaStream`, and
emits the same events as the local voice pipeline
(:mod:`switchboard.voice.events`: ``Transcript``, ``ReplyText``, ``AudioOut``,
``Clear``, ``Error``, ``CallEnded``), so every transport can carry it.

What it adds to the raw model (seed 1 voice channel, seed 2 §3 validation):

* **Tools**: ``toolUse`` → :class:`~switchboard.ports.ToolHost` (our MCP banking
  tools) → ``toolResult``. A built-in ``transfer_to_agent`` tool lets the model
  hand the caller to a human ("talk to an agent", seed 1).
* **Validation stays on**: the model's speculative ASSISTANT text (sent before
  the audio of the same sentence) is checked against the tool results of the
  turn. Audio is held until the text before it has passed. A failing text gets
  seed 2's safe fallback ("…Let me transfer you to a specialist…"), spoken with
  the local TTS given as ``speak``, the model's audio for the rest of the turn
  is dropped, and the caller is handed over.
* **Barge-in**: ``contentEnd{stopReason: INTERRUPTED}`` (or the interrupted text
  marker) becomes a ``Clear`` carrying what the caller actually heard (the
  model's FINAL text of the cut reply).
* **Transcript and audit**: everything is written through the one
  :class:`~switchboard.agent.conversation.ConversationService`, as for every
  other channel: each caller transcript is redacted, stored, audited
  (``user_input``) and published as a ``TranscriptSegment`` (so live sentiment
  scores a Nova call); each spoken reply is stored and published; validation
  findings become hallucination-log rows; a handover carries the live
  ``RealTimeSentiment`` into its attributes and becomes a queue entry.
* **A dead provider** (send/receive fails) is a handover with the technical-issues
  message, never a dropped caller.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from switchboard.agent.conversation import ConversationService
from switchboard.agent.handover import build_summary
from switchboard.agent.messages import fallback_message, handover_message
from switchboard.agent.prompts import system_prompt as default_system_prompt
from switchboard.domain.attributes import handover_attributes
from switchboard.domain.segments import TranscriptSegment
from switchboard.domain.types import (
    EventType,
    Handover,
    HandoverReason,
    Locale,
    Message,
    Role,
    Source,
    ToolCall,
    ToolResult,
    ToolSpec,
    ValidationResult,
)
from switchboard.errors import InputError, SwitchboardError
from switchboard.ports import ToolHost, Validator
from switchboard.voice.engines.nova_sonic import events as ev
from switchboard.voice.engines.nova_sonic.stream import NovaStream
from switchboard.voice.events import (
    AudioFormat,
    AudioOut,
    CallEnded,
    Clear,
    Error,
    HandoverInfo,
    ReplyText,
    Transcript,
    VoiceEvent,
)

logger = logging.getLogger(__name__)

#: Built-in tool through which the model asks for a human (seed 1 "talk to agent").
TRANSFER_TOOL = ToolSpec(
    name="transfer_to_agent",
    description=(
        "Transfer the caller to a human agent. Use it when the caller asks for a person, "
        "is upset, or needs something the banking tools cannot answer."
    ),
    input_schema={
        "type": "object",
        "properties": {"reason": {"type": "string", "description": "why, in a few words"}},
        "required": [],
    },
)

#: Synthesises a fallback text locally: returns (PCM16 LE mono bytes, sample rate Hz).
Speaker = Callable[[str], Awaitable[tuple[bytes, int]]]


@dataclass
class _Turn:
    """What the session knows about the current caller turn."""

    user_text: str = ""
    tool_results: list[ToolResult] = field(default_factory=list)
    spoken: list[str] = field(default_factory=list)
    interrupted: bool = False
    blocked: bool = False
    validations: list[ValidationResult] = field(default_factory=list)


class NovaSonicSession:
    """One caller's conversation with Nova Sonic.

    Args:
        stream: an open :class:`NovaStream`.
        tools: runs the banking tools (``list_tools`` offered to the model).
        validator: the validation agent; None disables validation (not advised).
        locale: the contact's locale (tools, prompts, fixed messages).
        contact_id: the contact whose transcript this call writes.
        conversation: the one writer (messages, events, segments, sentiment,
            hallucination logs, the handover queue); None keeps the call in memory.
        speak: local TTS for the fallback/handover text when the model's own
            audio cannot be used; without it the text is sent as ``ReplyText`` only.
        system_prompt: overrides the agent's system prompt for ``locale``.
        history: earlier messages of the contact, sent once after the system prompt.
        voice_id: the model's voice.
        new_id: id factory (prompt and content names); uuid4 by default.
        hallucination_ttl_days: ttl of hallucination-log rows (seed 2: 90 days).
    """

    def __init__(
        self,
        stream: NovaStream,
        *,
        tools: ToolHost,
        validator: Validator | None,
        locale: Locale,
        contact_id: str,
        conversation: ConversationService | None = None,
        speak: Speaker | None = None,
        system_prompt: str | None = None,
        history: Sequence[Message] = (),
        voice_id: str = "matthew",
        new_id: Callable[[], str] | None = None,
        hallucination_ttl_days: int = 90,
    ) -> None:
        self.stream = stream
        self.tools = tools
        self.validator = validator
        self.locale = locale
        self.contact_id = contact_id
        self.conversation = conversation
        self.ttl_days = hallucination_ttl_days
        self._last_segment: TranscriptSegment | None = None
        self.speak = speak
        self.system_prompt = system_prompt or default_system_prompt(locale)
        self.history = list(history)
        self.voice_id = voice_id
        self._new_id = new_id or (lambda: str(uuid.uuid4()))
        self.prompt_name = self._new_id()
        self.audio_content = self._new_id()
        self._out: asyncio.Queue[VoiceEvent] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None
        self._turn = _Turn()
        self._reply_id = 0
        self._turn_index = 0
        self._input_bytes = 0
        self._role = ""
        self._stage: str | None = None
        self._content_type = ""
        self._gate_open = False
        self._held_audio: list[bytes] = []
        self._pending_tool: ev.OutputEvent | None = None
        self._transcript: list[Message] = list(history)
        self._ended = False
        self._open = False

    # --- input -----------------------------------------------------------------

    async def start(self) -> None:
        """Send the opening events and start reading the model's output.

        Raises:
            BrainError: the stream failed while opening (the caller should hand over).
        """
        specs = [*await self.tools.list_tools(self.locale), TRANSFER_TOOL]
        await self.stream.send(ev.session_start())
        await self.stream.send(ev.prompt_start(self.prompt_name, specs, voice_id=self.voice_id))
        await self._send_text("SYSTEM", self.system_prompt)
        for message in self.history:
            role = "USER" if message.role is Role.USER else "ASSISTANT"
            await self._send_text(role, message.content)
        await self.stream.send(ev.audio_content_start(self.prompt_name, self.audio_content))
        self._open = True
        self._reader = asyncio.create_task(self._read(), name=f"nova-sonic-{self.contact_id}")

    async def _send_text(self, role: str, text: str) -> None:
        name = self._new_id()
        await self.stream.send(ev.text_content_start(self.prompt_name, name, role))
        await self.stream.send(ev.text_input(self.prompt_name, name, text))
        await self.stream.send(ev.content_end(self.prompt_name, name))

    async def send_audio(self, pcm16_16k: bytes) -> None:
        """Stream caller audio (PCM16 LE mono, 16 kHz) to the model.

        Raises:
            InputError: an odd byte count (not whole samples).
        """
        if not self._open or self._ended:
            return
        event = ev.audio_input(self.prompt_name, self.audio_content, pcm16_16k)
        self._input_bytes += len(pcm16_16k)
        try:
            await self.stream.send(event)
        except SwitchboardError as exc:
            await self._provider_failed(exc)

    @property
    def input_ms(self) -> float:
        """Caller audio sent so far, milliseconds (16 kHz PCM16: 32 bytes per ms)."""
        return self._input_bytes / 32.0

    async def close(self) -> None:
        """End the call: close the audio content, the prompt and the session (in that order)."""
        if self._open:
            self._open = False
            for event in (
                ev.content_end(self.prompt_name, self.audio_content),
                ev.prompt_end(self.prompt_name),
                ev.session_end(),
            ):
                try:
                    await self.stream.send(event)
                except SwitchboardError:
                    logger.warning("Nova Sonic: closing event not sent", exc_info=True)
                    break
            await self.stream.close()
        if self._reader is not None:
            try:
                await asyncio.wait_for(self._reader, timeout=5.0)
            except TimeoutError:
                self._reader.cancel()
        await self._finish_turn()
        self._end("hangup")

    async def events(self) -> AsyncIterator[VoiceEvent]:
        """Yield the session's events until (and including) ``CallEnded``."""
        while True:
            event = await self._out.get()
            yield event
            if isinstance(event, CallEnded):
                return

    def notify(self, event: VoiceEvent) -> None:
        """Put an event of the adapter's own (e.g. an ``Error``) into the event stream."""
        self._put(event)

    @property
    def transcript(self) -> list[Message]:
        """The conversation so far (history, then this call's turns), oldest first."""
        return list(self._transcript)

    # --- output ----------------------------------------------------------------

    async def _read(self) -> None:
        while not self._ended:
            try:
                payload = await self.stream.receive()
            except SwitchboardError as exc:
                await self._provider_failed(exc)
                return
            if payload is None:
                break
            try:
                await self._handle(ev.decode(payload))
            except InputError as exc:
                logger.warning("Nova Sonic: bad output event: %s", exc.message)
                self._put(Error("provider_protocol", exc.message))
        await self._finish_turn()

    async def _handle(self, event: ev.OutputEvent) -> None:
        name = event.name
        if event.is_interruption:
            self._interrupted()
            if name == "textOutput":
                return
        if name == "contentStart":
            self._role = event.field("role")
            self._content_type = event.field("type")
            self._stage = event.generation_stage
            if self._role == "ASSISTANT" and self._content_type == "TEXT":
                if self._stage == "SPECULATIVE":
                    self._gate_open = False  # hold the next audio until this text passes
        elif name == "textOutput":
            await self._text(event.field("content"))
        elif name == "audioOutput":
            self._audio(event.audio())
        elif name == "toolUse":
            self._pending_tool = event
        elif name == "contentEnd":
            if event.field("type") == "TOOL" or event.field("stopReason") == "TOOL_USE":
                await self._run_pending_tool()
        elif name == "completionEnd":
            await self._finish_turn()
        elif name not in ev.OUTPUT_EVENTS:
            logger.info("Nova Sonic: unknown output event %s skipped", name)

    async def _text(self, text: str) -> None:
        if self._role == "USER":
            await self._new_turn(text)
        elif self._role == "ASSISTANT" and self._stage == "SPECULATIVE":
            await self._check_reply(text)
        elif self._role == "ASSISTANT" and not self._turn.blocked:
            self._turn.spoken.append(text)  # FINAL: what was actually said

    async def _new_turn(self, text: str) -> None:
        await self._finish_turn()
        self._turn = _Turn(user_text=text)
        self._turn_index += 1
        self._reply_id += 1
        self._gate_open = False
        self._held_audio.clear()
        self._put(Transcript(text=text, final=True, end_ms=self.input_ms))
        self._transcript.append(Message(role=Role.USER, content=text))
        if self.conversation is not None:  # redacted, stored, audited, published
            self._last_segment = await self.conversation.customer_utterance(
                self.contact_id, self.locale, text, turn=self._turn_index, channel="voice"
            )

    async def _check_reply(self, text: str) -> None:
        if self._turn.blocked:
            return
        result: ValidationResult | None = None
        if self.validator is not None:
            result = self.validator.validate(
                self._turn.user_text, self._turn.tool_results, text, self.locale
            )
            self._turn.validations.append(result)
            await self._emit(
                EventType.VALIDATION_CHECK,
                Source.AI_AGENT,
                validation_passed=result.passed,
                hallucination_detected=result.hallucination_detected,
                confidence_score=result.confidence_score,
                severity=result.severity,
                findings=[f.model_dump(mode="json") for f in result.findings],
                checks_performed=result.checks_performed,
                brain="nova_sonic",
            )
            if self.conversation is not None:
                await self.conversation.record_validation(
                    self.contact_id,
                    result,
                    user_query=self._turn.user_text,
                    tool_results=self._turn.tool_results,
                    model_response=text,
                    ttl_days=self.ttl_days,
                )
        if result is not None and not result.passed:
            self._turn.blocked = True
            self._held_audio.clear()
            await self._handover(
                HandoverReason.VALIDATION_FAILURE, fallback_message("transfer", self.locale)
            )
            return
        self._put(ReplyText(text=text, reply_id=self._reply_id, turn_index=self._turn_index))
        self._gate_open = True
        for chunk in self._held_audio:
            self._put_audio(chunk)
        self._held_audio.clear()

    def _audio(self, pcm: bytes) -> None:
        if self._turn.blocked or self._ended:
            return
        if self._gate_open:
            self._put_audio(pcm)
        else:
            self._held_audio.append(pcm)

    def _put_audio(self, pcm: bytes) -> None:
        self._put(AudioOut(pcm, ev.OUTPUT_SAMPLE_RATE, AudioFormat.PCM16, self._reply_id))

    def _interrupted(self) -> None:
        if self._turn.interrupted:
            return
        self._turn.interrupted = True
        self._held_audio.clear()
        heard = " ".join(self._turn.spoken)
        self._put(
            Clear(
                reply_id=self._reply_id,
                heard_text=heard,
                speech_start_ms=self.input_ms,
                at_ms=self.input_ms,
            )
        )

    async def _run_pending_tool(self) -> None:
        use, self._pending_tool = self._pending_tool, None
        if use is None:
            return
        tool_use_id = use.field("toolUseId") or self._new_id()
        name = use.field("toolName")
        try:
            arguments = use.tool_arguments()
        except InputError as exc:
            arguments, bad = {}, exc.message
        else:
            bad = ""
        if name == TRANSFER_TOOL.name:
            await self._handover(
                HandoverReason.EXPLICIT_REQUEST,
                handover_message(HandoverReason.EXPLICIT_REQUEST, self.locale),
            )
            return
        if bad:
            output: dict[str, Any] = {"error": {"code": "invalid_argument", "message": bad}}
        else:
            call = ToolCall(id=tool_use_id, name=name, arguments=arguments)
            result = await self.tools.call(call, self.locale)
            self._turn.tool_results.append(result)
            await self._emit(
                EventType.TOOL_INVOCATION,
                Source.AI_AGENT,
                tool_name=name,
                tool_input=arguments,
                tool_output=result.output,
                error=result.error.model_dump(mode="json") if result.error else None,
                latency_ms=result.latency_ms,
                brain="nova_sonic",
            )
            output = (
                result.output
                if result.ok and result.output is not None
                else {"error": result.error.model_dump(mode="json") if result.error else {}}
            )
        content = self._new_id()
        try:
            await self.stream.send(ev.tool_content_start(self.prompt_name, content, tool_use_id))
            await self.stream.send(ev.tool_result(self.prompt_name, content, output))
            await self.stream.send(ev.content_end(self.prompt_name, content))
        except SwitchboardError as exc:
            await self._provider_failed(exc)

    async def _finish_turn(self) -> None:
        """Store what the agent said on this turn (once), marking an interruption."""
        turn = self._turn
        if not turn.spoken or turn.blocked:
            return
        text = " ".join(turn.spoken)
        turn.spoken = []
        self._transcript.append(Message(role=Role.ASSISTANT, content=text))
        if self.conversation is not None:  # stored, audited (agent_reply), published
            await self.conversation.ai_agent_message(
                self.contact_id,
                self.locale,
                text,
                turn=self._turn_index,
                interrupted=turn.interrupted,
                tools=[r.name for r in turn.tool_results],
                brain="nova_sonic",
            )

    async def _handover(self, reason: HandoverReason, message: str) -> None:
        """Speak ``message`` locally, record the handover, queue the contact, end the call."""
        summary = build_summary(
            self._transcript, self._turn.user_text, reason=reason, information={}
        )
        handover = Handover(reason=reason, message=message, summary=summary)
        sentiment: str | None = None
        if self.conversation is not None:
            try:  # a NEGATIVE live sentiment raises the routing priority (queue_for)
                sentiment = await self.conversation.live_sentiment(
                    self.contact_id, self._last_segment
                )
            except Exception:  # the handover must happen whatever sentiment does
                logger.exception("Nova Sonic: no live sentiment for the handover")
        attributes = handover_attributes(handover, sentiment=sentiment)
        info = HandoverInfo(
            reason=reason.value, queue=attributes.get("target_queue", ""), attributes=attributes
        )
        await self._emit(
            EventType.HANDOVER_DECISION,
            Source.AI_AGENT,
            handover_triggered=True,
            reason=reason,
            conversation_summary=summary.model_dump(mode="json"),
            tools_used=sorted({r.name for r in self._turn.tool_results}),
            brain="nova_sonic",
        )
        self._put(
            ReplyText(
                text=message,
                reply_id=self._reply_id,
                turn_index=self._turn_index,
                handover=info,
            )
        )
        if self.speak is not None:
            try:
                pcm, rate = await self.speak(message)
                self._put(AudioOut(pcm, rate, AudioFormat.PCM16, self._reply_id))
            except Exception:  # the text was sent; a dead TTS must not lose the handover
                logger.exception("Nova Sonic: local TTS of the handover message failed")
        self._transcript.append(Message(role=Role.ASSISTANT, content=message))
        if self.conversation is not None:
            await self.conversation.ai_agent_message(
                self.contact_id,
                self.locale,
                message,
                turn=self._turn_index,
                handover_reason=reason,
                brain="nova_sonic",
            )
            # Transferred with its attributes, then queued for a human agent.
            await self.conversation.transfer(self.contact_id, handover, attributes)
        self._end("handover", info)

    async def _provider_failed(self, exc: SwitchboardError) -> None:
        if self._ended:
            return
        logger.error("Nova Sonic provider failed; handing over: %s", exc.message)
        await self._emit(EventType.ERROR, Source.SYSTEM, stage="nova_sonic", error=exc.message)
        self._turn.blocked = True
        await self._handover(
            HandoverReason.TECHNICAL_ISSUES,
            handover_message(HandoverReason.TECHNICAL_ISSUES, self.locale),
        )

    # --- plumbing --------------------------------------------------------------

    def _put(self, event: VoiceEvent) -> None:
        if not self._ended:
            self._out.put_nowait(event)

    def _end(self, reason: str, info: HandoverInfo | None = None) -> None:
        if not self._ended:
            self._put(CallEnded(reason=reason, contact_id=self.contact_id, handover=info))
            self._ended = True

    async def _emit(self, kind: EventType, source: Source, **data: Any) -> None:
        if self.conversation is not None:
            await self.conversation.record(self.contact_id, kind, source, **data)
