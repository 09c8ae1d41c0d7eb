"""Nova Sonic bidirectional-stream events: building the input, reading the output.

The wire format is the one of Bedrock ``InvokeModelWithBidirectionalStream``
for ``amazon.nova-2-sonic-v1:0`` (Amazon Nova 2 user guide, "Handling input
events with the bidirectional API" and "Handling output events with the
bidirectional API"). Every event is one JSON object ``{"event": {NAME: {...}}}``
sent as the bytes of one ``BidirectionalInputPayloadPart`` (or received in one
``BidirectionalOutputPayloadPart``).

Input, in order (one prompt and one interactive audio content stay open for the
whole call, as the reference clients do; ``seeds/README.md``)::

    sessionStart{inferenceConfiguration, turnDetectionConfiguration?}
    promptStart{promptName, textOutputConfiguration, audioOutputConfiguration,
                toolUseOutputConfiguration, toolConfiguration{tools[].toolSpec}}
    contentStart{type TEXT, role SYSTEM} · textInput · contentEnd        system prompt
    contentStart{type TEXT, role USER|ASSISTANT} · textInput · contentEnd history (optional)
    contentStart{type AUDIO, role USER, interactive, audioInputConfiguration}
    audioInput{content: base64 LPCM 16 kHz}…
    contentStart{type TOOL, role TOOL, toolResultInputConfiguration{toolUseId}}
    toolResult{content: JSON string} · contentEnd                         per tool use
    contentEnd(audio) · promptEnd · sessionEnd                            closing order

Output: ``completionStart``, ``contentStart`` (``role``, ``type``,
``additionalModelFields`` with ``generationStage`` ``SPECULATIVE``/``FINAL``),
``textOutput``, ``audioOutput`` (base64 LPCM 24 kHz), ``toolUse``
(``toolName``, ``toolUseId``, ``content`` = arguments as a JSON string),
``contentEnd`` (``stopReason`` ``PARTIAL_TURN`` | ``END_TURN`` |
``INTERRUPTED`` | ``TOOL_USE``; ``type``), ``usageEvent``, ``completionEnd``.
A barge-in shows as ``contentEnd{stopReason: INTERRUPTED}`` and, in the text
channel, a ``textOutput`` whose content is ``{ "interrupted" : true }``.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from switchboard.domain.types import ToolSpec
from switchboard.errors import InputError

#: The current Nova Sonic model id (``amazon.nova-sonic-v1:0`` is the legacy one).
DEFAULT_MODEL_ID = "amazon.nova-2-sonic-v1:0"
#: Audio the model takes: 16-bit LPCM, mono, 16 kHz (input events guide).
INPUT_SAMPLE_RATE = 16000
#: Audio the model speaks: 16-bit LPCM, mono, 24 kHz (configurable; 24 kHz is the usual).
OUTPUT_SAMPLE_RATE = 24000
#: Text the model sends on a barge-in, in the content of a ``textOutput``.
INTERRUPTED_MARKER = '{ "interrupted" : true }'

#: Output event names this module understands.
OUTPUT_EVENTS = frozenset(
    {
        "completionStart",
        "contentStart",
        "textOutput",
        "audioOutput",
        "toolUse",
        "contentEnd",
        "usageEvent",
        "completionEnd",
    }
)


def _wrap(name: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"event": {name: body}}


def session_start(
    *,
    max_tokens: int = 1024,
    top_p: float = 0.9,
    temperature: float = 0.7,
    endpointing_sensitivity: str | None = "MEDIUM",
) -> dict[str, Any]:
    """Build ``sessionStart``.

    Args:
        max_tokens: largest number of tokens of one response.
        top_p: nucleus sampling, 0.0-1.0.
        temperature: randomness, 0.0-1.0.
        endpointing_sensitivity: Nova 2 turn detection, ``HIGH`` | ``MEDIUM`` |
            ``LOW`` (how soon after the caller stops the model answers); None omits it.

    Raises:
        InputError: a value outside its range.
    """
    if not 0.0 <= top_p <= 1.0 or not 0.0 <= temperature <= 1.0 or max_tokens < 1:
        raise InputError("sessionStart: top_p and temperature in 0-1, max_tokens >= 1")
    body: dict[str, Any] = {
        "inferenceConfiguration": {
            "maxTokens": max_tokens,
            "topP": top_p,
            "temperature": temperature,
        }
    }
    if endpointing_sensitivity is not None:
        if endpointing_sensitivity not in {"HIGH", "MEDIUM", "LOW"}:
            raise InputError(f"unknown endpointingSensitivity {endpointing_sensitivity!r}")
        body["turnDetectionConfiguration"] = {"endpointingSensitivity": endpointing_sensitivity}
    return _wrap("sessionStart", body)


def tool_spec(spec: ToolSpec) -> dict[str, Any]:
    """Map one of our tool specs to a Nova ``toolSpec`` (the schema travels as a JSON string)."""
    return {
        "toolSpec": {
            "name": spec.name,
            "description": spec.description,
            "inputSchema": {"json": json.dumps(spec.input_schema, sort_keys=True)},
        }
    }


def prompt_start(
    prompt_name: str,
    tools: list[ToolSpec],
    *,
    voice_id: str = "matthew",
    output_sample_rate: int = OUTPUT_SAMPLE_RATE,
) -> dict[str, Any]:
    """Build ``promptStart`` with the output formats and our MCP tools.

    Args:
        prompt_name: the prompt's unique id, repeated in every later event.
        tools: the tool specs offered to the model (from ``ToolHost.list_tools``).
        voice_id: the model's voice (``matthew``, ``tiffany``, ``amy`` …).
        output_sample_rate: Hz of ``audioOutput`` (8000, 16000 or 24000).
    """
    body: dict[str, Any] = {
        "promptName": prompt_name,
        "textOutputConfiguration": {"mediaType": "text/plain"},
        "audioOutputConfiguration": {
            "mediaType": "audio/lpcm",
            "sampleRateHertz": output_sample_rate,
            "sampleSizeBits": 16,
            "channelCount": 1,
            "voiceId": voice_id,
            "encoding": "base64",
            "audioType": "SPEECH",
        },
        "toolUseOutputConfiguration": {"mediaType": "application/json"},
    }
    if tools:
        body["toolConfiguration"] = {"tools": [tool_spec(t) for t in tools]}
    return _wrap("promptStart", body)


def text_content_start(prompt_name: str, content_name: str, role: str) -> dict[str, Any]:
    """Build ``contentStart`` for a text block (``role`` SYSTEM, USER or ASSISTANT)."""
    if role not in {"SYSTEM", "USER", "ASSISTANT"}:
        raise InputError(f"text content role must be SYSTEM, USER or ASSISTANT, not {role!r}")
    return _wrap(
        "contentStart",
        {
            "promptName": prompt_name,
            "contentName": content_name,
            "type": "TEXT",
            "interactive": False,
            "role": role,
            "textInputConfiguration": {"mediaType": "text/plain"},
        },
    )


def text_input(prompt_name: str, content_name: str, text: str) -> dict[str, Any]:
    """Build ``textInput`` (the text of an open TEXT content)."""
    return _wrap(
        "textInput", {"promptName": prompt_name, "contentName": content_name, "content": text}
    )


def audio_content_start(
    prompt_name: str, content_name: str, *, sample_rate: int = INPUT_SAMPLE_RATE
) -> dict[str, Any]:
    """Build the interactive ``contentStart`` of the caller's audio (LPCM16 mono, base64)."""
    return _wrap(
        "contentStart",
        {
            "promptName": prompt_name,
            "contentName": content_name,
            "type": "AUDIO",
            "interactive": True,
            "role": "USER",
            "audioInputConfiguration": {
                "mediaType": "audio/lpcm",
                "sampleRateHertz": sample_rate,
                "sampleSizeBits": 16,
                "channelCount": 1,
                "audioType": "SPEECH",
                "encoding": "base64",
            },
        },
    )


def audio_input(prompt_name: str, content_name: str, pcm16: bytes) -> dict[str, Any]:
    """Build ``audioInput`` from raw PCM16 bytes (~32 ms frames are the guide's cadence).

    Raises:
        InputError: an odd number of bytes (not whole 16-bit samples).
    """
    if len(pcm16) % 2:
        raise InputError("audioInput needs whole 16-bit samples (even byte count)")
    return _wrap(
        "audioInput",
        {
            "promptName": prompt_name,
            "contentName": content_name,
            "content": base64.b64encode(pcm16).decode("ascii"),
        },
    )


def tool_content_start(prompt_name: str, content_name: str, tool_use_id: str) -> dict[str, Any]:
    """Build the ``contentStart`` (type TOOL, role TOOL) that carries one tool result."""
    return _wrap(
        "contentStart",
        {
            "promptName": prompt_name,
            "contentName": content_name,
            "interactive": False,
            "type": "TOOL",
            "role": "TOOL",
            "toolResultInputConfiguration": {
                "toolUseId": tool_use_id,
                "type": "TEXT",
                "textInputConfiguration": {"mediaType": "text/plain"},
            },
        },
    )


def tool_result(prompt_name: str, content_name: str, result: dict[str, Any]) -> dict[str, Any]:
    """Build ``toolResult``: the tool's output as a JSON string."""
    return _wrap(
        "toolResult",
        {
            "promptName": prompt_name,
            "contentName": content_name,
            "content": json.dumps(result, ensure_ascii=False, sort_keys=True),
        },
    )


def content_end(prompt_name: str, content_name: str) -> dict[str, Any]:
    """Build ``contentEnd`` for one input content."""
    return _wrap("contentEnd", {"promptName": prompt_name, "contentName": content_name})


def prompt_end(prompt_name: str) -> dict[str, Any]:
    """Build ``promptEnd``."""
    return _wrap("promptEnd", {"promptName": prompt_name})


def session_end() -> dict[str, Any]:
    """Build ``sessionEnd``."""
    return _wrap("sessionEnd", {})


def encode(event: dict[str, Any]) -> bytes:
    """Serialise an input event to the UTF-8 JSON bytes of one payload part."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- output ------------------------------------------------------------------


@dataclass(frozen=True)
class OutputEvent:
    """One decoded output event.

    Attributes:
        name: the event name (``textOutput``, ``contentEnd`` …).
        body: the event's fields as sent.
    """

    name: str
    body: dict[str, Any]

    def field(self, key: str, default: str = "") -> str:
        """Return a string field of the body (``default`` when absent or not a string)."""
        value = self.body.get(key, default)
        return value if isinstance(value, str) else default

    @property
    def generation_stage(self) -> str | None:
        """``SPECULATIVE`` / ``FINAL`` from a ``contentStart``'s ``additionalModelFields``."""
        raw = self.body.get("additionalModelFields")
        if isinstance(raw, str):
            try:
                fields = json.loads(raw)
            except json.JSONDecodeError:
                return None
        elif isinstance(raw, dict):
            fields = raw
        else:
            return None
        stage = fields.get("generationStage") if isinstance(fields, dict) else None
        return stage if isinstance(stage, str) else None

    @property
    def is_interruption(self) -> bool:
        """True for a barge-in: ``contentEnd`` INTERRUPTED or the interrupted text marker."""
        if self.name == "contentEnd":
            return self.field("stopReason") == "INTERRUPTED"
        if self.name == "textOutput":
            return self.field("content").replace(" ", "") == INTERRUPTED_MARKER.replace(" ", "")
        return False

    def audio(self) -> bytes:
        """Decode an ``audioOutput``'s base64 LPCM16 content.

        Raises:
            InputError: not an ``audioOutput``, or the content is not valid base64
                of whole 16-bit samples.
        """
        if self.name != "audioOutput":
            raise InputError(f"{self.name} carries no audio")
        try:
            pcm = base64.b64decode(self.field("content"), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InputError(f"audioOutput content is not valid base64: {exc}") from exc
        if len(pcm) % 2:
            raise InputError("audioOutput content is not whole 16-bit samples")
        return pcm

    def tool_arguments(self) -> dict[str, Any]:
        """Parse a ``toolUse``'s ``content`` (the arguments as a JSON object string).

        Raises:
            InputError: not a ``toolUse``, or the content is not a JSON object.
        """
        if self.name != "toolUse":
            raise InputError(f"{self.name} carries no tool arguments")
        raw = self.body.get("content", "{}")
        try:
            value = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError as exc:
            raise InputError(f"toolUse content is not JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise InputError("toolUse content must be a JSON object")
        return value


def decode(payload: bytes | str | dict[str, Any]) -> OutputEvent:
    """Decode one output payload (bytes of a payload part, its text, or parsed JSON).

    Returns:
        The :class:`OutputEvent`; unknown event names are kept (name as sent) so the
        caller can log and skip them.

    Raises:
        InputError: not JSON, or not shaped ``{"event": {NAME: {...}}}`` with one name.
    """
    if isinstance(payload, dict):
        data: Any = payload
    else:
        try:
            data = json.loads(payload)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"Nova Sonic output is not JSON: {exc}") from exc
    event = data.get("event") if isinstance(data, dict) else None
    if not isinstance(event, dict) or len(event) != 1:
        raise InputError("Nova Sonic output must be {'event': {NAME: {...}}} with one name")
    ((name, body),) = event.items()
    if not isinstance(body, dict):
        raise InputError(f"Nova Sonic event {name!r} has no object body")
    return OutputEvent(name=str(name), body=body)
