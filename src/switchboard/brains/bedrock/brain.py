"""``BedrockBrain``: the Amazon Bedrock Converse API behind the :class:`Brain` port.

One :meth:`BedrockBrain.step` is one ``Converse`` call (bedrock-runtime):

* request: ``system`` (the locale prompt, plus the stricter instruction on a
  regeneration), ``messages`` (history, the utterance, then this turn's
  ``toolUse``/``toolResult`` blocks), ``toolConfig`` with one ``toolSpec`` per
  MCP tool (``inputSchema.json`` is the tool's JSON schema),
  ``inferenceConfig`` and, when configured, ``guardrailConfig``;
* response: ``stopReason`` ``tool_use`` → the ``toolUse`` blocks become
  :class:`ToolCall` (``toolUseId`` kept as the call id, so the result goes back
  under the same id with ``status`` ``error`` for a failed tool); ``end_turn``
  (or ``max_tokens``, ``stop_sequence``) → the text blocks are the reply;
  ``guardrail_intervened`` / ``content_filtered`` → the guardrail's message,
  marked as a decline.

Errors (Bedrock API reference, "Converse — Errors"): ``ThrottlingException``,
``ServiceUnavailableException``, ``ModelNotReadyException`` and
``InternalServerException`` are retried with exponential backoff and jitter,
at most ``max_retries`` (3) times (seed 2 "Error Handling"); botocore's own
retries are off so the budget is not multiplied. Everything else (validation,
access, model not found, timeouts) raises :class:`BrainError` at once so a
fallback chain can move on. Connect and read timeouts are botocore's.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from switchboard.brains.chat import dialogue, reply_step, result_payload, system_text, tool_step
from switchboard.config import BedrockSettings
from switchboard.domain.types import Action, ToolCall, ToolResult, ToolSpec
from switchboard.errors import BrainError
from switchboard.ports import BrainStep, BrainTurn

log = logging.getLogger("switchboard.brains.bedrock")

#: Converse error codes worth retrying (throttling and transient service faults).
RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "ServiceUnavailableException",
        "ModelNotReadyException",
        "InternalServerException",
    }
)

#: stopReason values that carry the guardrail's or filter's message, not the model's.
_BLOCKED = frozenset({"guardrail_intervened", "content_filtered"})


def make_client(settings: BedrockSettings, **client_kwargs: Any) -> Any:
    """Build a ``bedrock-runtime`` boto3 client with bounded timeouts and no botocore retries.

    Args:
        settings: region, endpoint and timeouts.
        **client_kwargs: passed to ``boto3.client`` (e.g. explicit credentials in tests).

    Raises:
        switchboard.errors.ConfigError: when boto3 is not installed (extra ``aws``).
    """
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:  # pragma: no cover - depends on the install
        from switchboard.errors import ConfigError

        raise ConfigError("the bedrock brain needs boto3: pip install 'switchboard[aws]'") from exc
    config = Config(
        connect_timeout=settings.connect_timeout_s,
        read_timeout=settings.read_timeout_s,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )
    return boto3.client(
        "bedrock-runtime",
        region_name=settings.region,
        endpoint_url=settings.endpoint_url,
        config=config,
        **client_kwargs,
    )


def error_code(exc: BaseException) -> str | None:
    """Return the AWS error code of a botocore ``ClientError`` (None for anything else)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def tool_config(specs: list[ToolSpec]) -> dict[str, Any]:
    """Return the Converse ``toolConfig`` for the MCP tool ``specs``."""
    return {
        "tools": [
            {
                "toolSpec": {
                    "name": s.name,
                    "description": s.description or s.name,
                    "inputSchema": {"json": s.input_schema},
                }
            }
            for s in specs
        ]
    }


def converse_messages(turn: BrainTurn) -> list[dict[str, Any]]:
    """Return the Converse ``messages`` for ``turn`` (dialogue, then the tool exchange)."""
    messages: list[dict[str, Any]] = [
        {"role": m.role, "content": [{"text": m.text}]} for m in dialogue(turn)
    ]
    if turn.tool_results:
        messages.append({"role": "assistant", "content": [_tool_use(r) for r in turn.tool_results]})
        messages.append({"role": "user", "content": [_tool_result(r) for r in turn.tool_results]})
    return messages


def _tool_use(result: ToolResult) -> dict[str, Any]:
    return {"toolUse": {"toolUseId": result.call_id, "name": result.name,
                        "input": result.arguments}}


def _tool_result(result: ToolResult) -> dict[str, Any]:
    return {
        "toolResult": {
            "toolUseId": result.call_id,
            "content": [{"json": result_payload(result)}],
            "status": "success" if result.ok else "error",
        }
    }


class BedrockBrain:
    """A :class:`~switchboard.ports.Brain` over the Bedrock Converse API.

    Args:
        settings: model id, region, guardrail, inference and retry settings.
        client: a ``bedrock-runtime`` client (tests pass one with a Stubber);
            built with :func:`make_client` when None.
        name: the brain name reported in events.
    """

    def __init__(
        self, settings: BedrockSettings, *, client: Any | None = None, name: str = "bedrock"
    ) -> None:
        self.settings = settings
        self.client = client if client is not None else make_client(settings)
        self.name = name

    def request(self, turn: BrainTurn) -> dict[str, Any]:
        """Return the keyword arguments of the ``converse`` call for ``turn``."""
        s = self.settings
        req: dict[str, Any] = {
            "modelId": s.model_id,
            "messages": converse_messages(turn),
            "inferenceConfig": {"maxTokens": s.max_tokens, "temperature": s.temperature},
        }
        system = system_text(turn)
        if system:
            req["system"] = [{"text": system}]
        if turn.tools:
            req["toolConfig"] = tool_config(turn.tools)
        if s.guardrail_id:
            req["guardrailConfig"] = {
                "guardrailIdentifier": s.guardrail_id,
                "guardrailVersion": s.guardrail_version,
                "trace": "enabled" if s.guardrail_trace else "disabled",
            }
        return req

    async def step(self, turn: BrainTurn) -> BrainStep:
        """Run one Converse call and map its answer to a step.

        Raises:
            BrainError: the call failed (after retries for throttling), or the
                model answered nothing usable.
        """
        response = await self._converse(self.request(turn))
        return self.read(turn, response)

    def read(self, turn: BrainTurn, response: dict[str, Any]) -> BrainStep:
        """Map a Converse response to a :class:`BrainStep`.

        Raises:
            BrainError: for a response with neither text nor tool use.
        """
        stop = str(response.get("stopReason", ""))
        blocks = (response.get("output") or {}).get("message", {}).get("content") or []
        text = "".join(str(b["text"]) for b in blocks if "text" in b).strip()
        calls = [
            ToolCall(
                id=str(b["toolUse"]["toolUseId"]),
                name=str(b["toolUse"]["name"]),
                arguments=dict(b["toolUse"].get("input") or {}),
            )
            for b in blocks
            if "toolUse" in b
        ]
        if stop in _BLOCKED:
            log.info("bedrock %s; replying with the guardrail's message", stop)
            step = reply_step(turn, text)
            return step.model_copy(update={"action": Action.DECLINE, "handover_reason": None})
        if calls:
            return tool_step(calls)
        if not text:
            raise BrainError(f"bedrock returned no text (stopReason {stop or 'missing'})")
        if stop == "max_tokens":
            log.warning("bedrock reply cut at maxTokens=%d", self.settings.max_tokens)
        return reply_step(turn, text)

    async def _converse(self, request: dict[str, Any]) -> dict[str, Any]:
        s = self.settings
        retrying = AsyncRetrying(
            stop=stop_after_attempt(s.max_retries + 1),
            wait=wait_exponential_jitter(
                initial=s.backoff_base_s, max=s.backoff_max_s, jitter=s.backoff_base_s
            ),
            retry=retry_if_exception(lambda e: error_code(e) in RETRYABLE_CODES),
            before_sleep=lambda rs: log.warning(
                "bedrock throttled or unavailable; retry %d of %d", rs.attempt_number, s.max_retries
            ),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    result: dict[str, Any] = await asyncio.to_thread(
                        self.client.converse, **request
                    )
                    return result
        except Exception as exc:
            code = error_code(exc) or type(exc).__name__
            raise BrainError(
                f"bedrock converse failed: {code}", retryable=code in RETRYABLE_CODES
            ) from exc
        raise BrainError("bedrock converse made no attempt")  # pragma: no cover
