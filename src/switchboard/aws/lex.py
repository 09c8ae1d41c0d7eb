"""The Lex V2 code hook: Lex is a pass-through into our turn loop (seed 2 "Lex Bot Configuration").

One Lambda handles every utterance the bot's ``FallbackIntent`` (and the
``TransferToAgent`` intent) receives:

1. read ``sessionId``, ``inputTranscript``, ``bot.localeId``, ``inputMode``
   and ``sessionState.sessionAttributes`` (AWS docs "AWS Lambda input event
   format for Lex V2"; unknown fields are ignored, as the docs ask);
2. load the contact from the session attributes (:mod:`switchboard.aws.session`)
   into the container's :class:`~switchboard.aws.session.SessionStore`;
3. run one turn of :class:`~switchboard.agent.service.AgentService`
   (built once per container, lazily, with the configured brain: ``local``
   by default), bounded by the Lambda's remaining time;
4. answer (AWS docs "AWS Lambda response format for Lex V2"):

   * the conversation goes on → ``dialogAction.type = ElicitIntent`` with the
     reply in ``messages`` (required for ElicitIntent);
   * handover → ``dialogAction.type = Close``, intent ``TransferToAgent``
     with state ``Fulfilled``, and the session attributes of
     :func:`switchboard.domain.attributes.handover_attributes`
     (``handover``, ``handover_reason``, ``conversation_summary``,
     ``target_queue``, ``routing_priority``) that the contact flow compares
     after the Lex block (``$.Lex.SessionAttributes.handover``).

Any internal failure — a malformed event, a turn that raises or runs out of
time, a service that cannot be built — becomes a handover reply with
reason ``technical_issues`` and the conversation so far in the summary;
Lex never receives an error (seed 2 "Error Handling Philosophy").
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from switchboard.agent.handover import build_summary
from switchboard.agent.messages import fallback_message, handover_message
from switchboard.audit.records import EventRecord
from switchboard.audit.redact import redact
from switchboard.aws.session import (
    SessionSnapshot,
    SessionStore,
    check_session_id,
    decode_session,
    encode_session,
)
from switchboard.aws.settings import AwsSettings, configure_lambda_logging
from switchboard.domain.attributes import (
    ATTR_CONVERSATION_SUMMARY,
    ATTR_HANDOVER,
    ATTR_HANDOVER_REASON,
    ATTR_PRIORITY,
    ATTR_SENTIMENT,
    ATTR_TARGET_QUEUE,
    TRANSFER_INTENT,
    handover_attributes,
    queue_for,
)
from switchboard.domain.types import (
    AgentReply,
    Channel,
    Contact,
    Handover,
    HandoverReason,
    Locale,
    Message,
    Role,
)
from switchboard.errors import InputError

log = logging.getLogger("switchboard.aws.lex")

_HANDOVER_KEYS = frozenset(
    {ATTR_HANDOVER_REASON, ATTR_CONVERSATION_SUMMARY, ATTR_TARGET_QUEUE, ATTR_PRIORITY}
)
LEX_MESSAGE_MAX_CHARS = 1024
"""Longest ``Message.content`` (shape ``Text``: 1..1024) in the Lex V2 runtime service model."""
MAX_MESSAGES = 5
"""Messages per response we send; longer replies are cut (Lex shows them in order)."""


@dataclass(frozen=True)
class LexRequest:
    """The fields of a Lex V2 code hook event the agent uses.

    Attributes:
        session_id: ``sessionId`` (becomes the contact id).
        text: ``inputTranscript`` (may be empty).
        locale: ``bot.localeId`` mapped to :class:`Locale`.
        channel: ``voice`` for ``inputMode`` Speech/DTMF, else ``chat``.
        attributes: ``sessionState.sessionAttributes`` (string values only).
        invocation_source: ``DialogCodeHook`` | ``FulfillmentCodeHook``.
        sentiment: ``RealTimeSentiment`` set by the flow (seed 3), else Lex's own
            ``interpretations[0].sentimentResponse.sentiment`` when the alias detects it.
        problems: why parts of the event were replaced by defaults.
    """

    session_id: str
    text: str
    locale: Locale
    channel: Channel
    attributes: dict[str, str]
    invocation_source: str
    sentiment: str | None = None
    problems: tuple[str, ...] = ()


def parse_event(event: Any, default_locale: Locale) -> LexRequest:
    """Read a Lex V2 code hook event (AWS docs "AWS Lambda input event format for Lex V2").

    Args:
        event: the decoded JSON event.
        default_locale: used when ``bot.localeId`` is missing or not one of ours.

    Returns:
        The request; a missing transcript is ``""``; non-string attribute
        values are dropped (Lex attributes are ``str → str``).

    Raises:
        InputError: the event is not an object or has no usable ``sessionId``.
    """
    if not isinstance(event, Mapping):
        raise InputError("Lex event must be a JSON object")
    session_id = check_session_id(event.get("sessionId"))
    problems: list[str] = []
    text = event.get("inputTranscript")
    if not isinstance(text, str):
        if text is not None:
            problems.append("inputTranscript is not a string")
        text = ""
    bot = event.get("bot")
    locale_id = bot.get("localeId") if isinstance(bot, Mapping) else None
    try:
        locale = Locale(str(locale_id))
    except ValueError:
        problems.append(f"unsupported localeId {locale_id!r}; using {default_locale.value}")
        locale = default_locale
    mode = event.get("inputMode")
    channel = Channel.VOICE if mode in ("Speech", "DTMF") else Channel.CHAT
    state = event.get("sessionState")
    raw_attrs = (state.get("sessionAttributes") if isinstance(state, Mapping) else None) or {}
    if not isinstance(raw_attrs, Mapping):
        problems.append("sessionAttributes is not an object")
        raw_attrs = {}
    attrs = {str(k): v for k, v in raw_attrs.items() if isinstance(v, str)}
    if len(attrs) != len(raw_attrs):
        problems.append("dropped non-string session attributes")
    source = event.get("invocationSource")
    sentiment = attrs.get(ATTR_SENTIMENT) or _lex_sentiment(event.get("interpretations"))
    return LexRequest(
        session_id=session_id,
        text=text.strip(),
        locale=locale,
        channel=channel,
        attributes=attrs,
        invocation_source=source if isinstance(source, str) else "FulfillmentCodeHook",
        sentiment=sentiment,
        problems=tuple(problems),
    )


def _lex_sentiment(interpretations: Any) -> str | None:
    """Lex's sentiment of the top interpretation (POSITIVE | NEGATIVE | NEUTRAL), if any."""
    if not isinstance(interpretations, list) or not interpretations:
        return None
    top = interpretations[0]
    response = top.get("sentimentResponse") if isinstance(top, Mapping) else None
    value = response.get("sentiment") if isinstance(response, Mapping) else None
    return value if value in ("POSITIVE", "NEGATIVE", "NEUTRAL") else None  # MIXED: unknown


def lex_messages(text: str) -> list[dict[str, str]]:
    """Split ``text`` into Lex ``PlainText`` messages of at most 1024 characters.

    Cuts at the last paragraph, sentence or word break before the limit;
    at most :data:`MAX_MESSAGES` messages. Empty text gives no message.
    """
    chunks: list[str] = []
    rest = text.strip()
    while rest and len(chunks) < MAX_MESSAGES:
        if len(rest) <= LEX_MESSAGE_MAX_CHARS:
            chunks.append(rest)
            break
        window = rest[:LEX_MESSAGE_MAX_CHARS]
        cut = max(window.rfind("\n"), window.rfind(". ") + 1, 0)
        if cut < LEX_MESSAGE_MAX_CHARS // 2:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = LEX_MESSAGE_MAX_CHARS
        chunks.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    return [{"contentType": "PlainText", "content": c} for c in chunks if c]


def elicit_response(text: str, attributes: dict[str, str]) -> dict[str, Any]:
    """Build the response that keeps the conversation open (``ElicitIntent``)."""
    return {
        "sessionState": {
            "dialogAction": {"type": "ElicitIntent"},
            "sessionAttributes": attributes,
        },
        "messages": lex_messages(text),
    }


def close_response(text: str, attributes: dict[str, str]) -> dict[str, Any]:
    """Build the handover response: ``Close`` with intent ``TransferToAgent`` ``Fulfilled``."""
    return {
        "sessionState": {
            "dialogAction": {"type": "Close"},
            "intent": {"name": TRANSFER_INTENT, "state": "Fulfilled", "confirmationState": "None"},
            "sessionAttributes": attributes,
        },
        "messages": lex_messages(text),
    }


AuditWriter = Callable[[str, list[EventRecord]], object]
"""Receives a contact id and the turn's chained audit records (e.g. the S3 sink)."""
TranscriptWriter = Callable[[str, list[Message]], object]
"""Receives a contact id and its conversation when the bot hands over (e.g. the S3 sink)."""


class LexCodeHook:
    """Runs Lex V2 code hook invocations through an :class:`AgentService`.

    Args:
        service: the agent, built with ``store`` as its store.
        store: the container's session store.
        aws: bounds for the session attributes and the deadline margin.
        audit: receives each turn's audit records; failures are logged, not raised.
        transcripts: receives the conversation (the history the session carries:
            the last ``history_messages`` messages) when the bot hands over.
    """

    def __init__(
        self,
        service: Any,
        store: SessionStore,
        aws: AwsSettings | None = None,
        audit: AuditWriter | None = None,
        transcripts: TranscriptWriter | None = None,
    ) -> None:
        self.service = service
        self.store = store
        self.aws = aws or AwsSettings()
        self.audit = audit
        self.transcripts = transcripts

    async def handle(self, event: Any, remaining_ms: int | None = None) -> dict[str, Any]:
        """Answer one invocation; never raises.

        Args:
            event: the Lex V2 event.
            remaining_ms: the Lambda's remaining time; the turn gets this minus
                ``turn_margin_ms`` (no bound when None).

        Returns:
            A Lex V2 response (``ElicitIntent`` or ``Close``).
        """
        started = time.perf_counter()
        request: LexRequest | None = None
        snapshot: SessionSnapshot | None = None
        try:
            request = parse_event(event, self.service.settings.locale)
            snapshot = decode_session(
                request.attributes,
                session_id=request.session_id,
                locale=request.locale,
                channel=request.channel,
            )
            problems = [*request.problems, *snapshot.problems]
            if problems:
                log.warning(
                    "lex event partly malformed",
                    extra={"contact_id": request.session_id, "data": {"problems": problems}},
                )
            response = await self._turn(request, snapshot, remaining_ms)
        except Exception as exc:  # every failure becomes a handover, never an error to Lex
            log.error(
                "lex turn failed; handing over",
                extra={
                    "contact_id": request.session_id if request else None,
                    "data": {
                        "error": type(exc).__name__,
                        "retryable": getattr(exc, "retryable", False),
                    },
                },
            )
            response = self._failure_response(request, snapshot, exc)
        log.info(
            "lex response",
            extra={
                "contact_id": request.session_id if request else None,
                "data": {
                    "dialog_action": response["sessionState"]["dialogAction"]["type"],
                    "latency_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            },
        )
        return response

    async def _turn(
        self, request: LexRequest, snapshot: SessionSnapshot, remaining_ms: int | None
    ) -> dict[str, Any]:
        svc, cid = self.service, request.session_id
        if not request.text:
            # Nothing was heard or typed: ask again, keep everything as it is.
            return elicit_response(
                fallback_message("general", request.locale),
                self._encode(snapshot, request, {}),
            )
        if snapshot.contact.state.is_empty() and not snapshot.history:
            await svc.start_contact(channel=request.channel, locale=request.locale, contact_id=cid)
            snapshot = self.store.snapshot(cid)
        else:
            self.store.load(snapshot)
            forget = getattr(svc.conversation.events, "forget", None)
            if callable(forget):  # the chain head comes from the session, not this container
                forget(cid)
        timeout = None
        if remaining_ms is not None:
            timeout = max(0.5, (remaining_ms - self.aws.turn_margin_ms) / 1000)
        reply: AgentReply = await asyncio.wait_for(svc.handle_turn(cid, request.text), timeout)
        after = self.store.snapshot(cid)
        self._ship_audit(cid)
        extra = handover_attributes(reply.handover, sentiment=request.sentiment)
        if reply.handover is None:  # no stale reason/queue from an earlier handover
            kept = {k: v for k, v in request.attributes.items() if k not in _HANDOVER_KEYS}
            request = dataclasses.replace(request, attributes=kept)
        attrs = self._encode(after, request, extra)
        if reply.handover is not None:
            self._ship(
                self.transcripts, "transcript", cid, after.history[-self.aws.history_messages :]
            )
            return close_response(reply.text, attrs)
        return elicit_response(reply.text, attrs)

    def _encode(
        self, snapshot: SessionSnapshot, request: LexRequest, extra: dict[str, str]
    ) -> dict[str, str]:
        return encode_for(snapshot, request, extra, self.aws)

    def _ship_audit(self, contact_id: str) -> None:
        flush = getattr(self.service.conversation.events, "flush", None)
        if callable(flush):
            flush()
        records = self.store.drain_events(contact_id)
        if records:
            self._ship(self.audit, "audit", contact_id, records)

    @staticmethod
    def _ship(writer: Callable[[str, Any], object] | None, what: str, cid: str, data: Any) -> None:
        """Hand ``data`` to ``writer``; storage failures are logged and never reach the customer."""
        if writer is None:
            return
        try:
            writer(cid, data)
        except Exception as exc:
            log.error(
                "%s upload failed",
                what,
                extra={"contact_id": cid, "data": {"error": type(exc).__name__}},
            )

    def _failure_response(
        self, request: LexRequest | None, snapshot: SessionSnapshot | None, exc: BaseException
    ) -> dict[str, Any]:
        return failure_response(
            request, snapshot, exc, default_locale=self.service.settings.locale, aws=self.aws
        )


def encode_for(
    snapshot: SessionSnapshot, request: LexRequest, extra: dict[str, str], aws: AwsSettings
) -> dict[str, str]:
    """Session attributes for the response: the received ones, ``extra``, the bounded state."""
    return encode_session(
        snapshot,
        base=request.attributes,
        extra=extra,
        history_messages=aws.history_messages,
        message_chars=aws.message_chars,
        budget_bytes=aws.session_budget_bytes,
    )


def failure_response(
    request: LexRequest | None,
    snapshot: SessionSnapshot | None,
    exc: BaseException,
    *,
    default_locale: Locale,
    aws: AwsSettings,
) -> dict[str, Any]:
    """Hand the customer over (``technical_issues``) with the conversation so far; never raises.

    The customer's utterance is added to the history (PII-redacted), the
    summary is built from the history and the collected slots; when even the
    event is unusable, the flow still gets ``handover`` and its queue.
    """
    reason = HandoverReason.TECHNICAL_ISSUES
    locale = request.locale if request else default_locale
    message = handover_message(reason, locale)
    try:
        if request is None:
            raise InputError("no usable request") from exc
        snap = snapshot or SessionSnapshot(
            contact=Contact(contact_id=request.session_id, locale=locale, channel=request.channel)
        )
        history = list(snap.history)
        if request.text:
            history.append(Message(role=Role.USER, content=redact(request.text)))
        history.append(Message(role=Role.ASSISTANT, content=message))
        slots = snap.contact.state.dialogue.get("slots") or {}
        summary = build_summary(
            history,
            request.text,
            reason=reason,
            information={str(k): str(v) for k, v in slots.items() if v},
        )
        handover = Handover(reason=reason, message=message, summary=summary)
        extra = handover_attributes(handover, sentiment=request.sentiment)
        kept = SessionSnapshot(contact=snap.contact, history=history, audit_head=snap.audit_head)
        return close_response(message, encode_for(kept, request, extra, aws))
    except Exception:  # the event itself is unusable: hand over with what we know
        attrs = dict(request.attributes) if request else {}
        queue, priority = queue_for(reason)
        attrs.update(
            {
                ATTR_HANDOVER: "true",
                ATTR_HANDOVER_REASON: reason.value,
                ATTR_TARGET_QUEUE: queue,
                ATTR_PRIORITY: str(priority),
            }
        )
        return close_response(message, attrs)


# -- the Lambda entry point -----------------------------------------------------------


@dataclass
class _Container:
    """What one Lambda container keeps between invocations."""

    loop: asyncio.AbstractEventLoop
    hook: LexCodeHook


_container: _Container | None = None


async def build_hook(
    settings: Any = None, aws: AwsSettings | None = None, **service_kwargs: Any
) -> LexCodeHook:
    """Build the agent and its adapters for one container.

    The store is a :class:`SessionStore` whose hallucination-log rows go to
    DynamoDB and whose audit records go to S3 when
    ``SWITCHBOARD_AWS_HALLUCINATION_TABLE`` / ``SWITCHBOARD_AWS_AUDIT_BUCKET``
    are set.

    Args:
        settings: :class:`switchboard.config.Settings` (from the environment by default).
        aws: AWS settings (from the environment by default).
        **service_kwargs: passed to :func:`switchboard.compose.build_service` (brain,
            router, tool_host...).

    Raises:
        switchboard.errors.SwitchboardError: the agent cannot be built.
    """
    from switchboard.compose import build_service
    from switchboard.config import load_settings

    settings = settings or load_settings()
    aws = aws or AwsSettings()
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        configure_lambda_logging(settings.log_level)
    on_log = None
    audit: AuditWriter | None = None
    transcripts: TranscriptWriter | None = None
    if aws.hallucination_table:
        from switchboard.aws.dynamo import HallucinationLogTable, client

        on_log = HallucinationLogTable(client("dynamodb", aws), aws.hallucination_table).put_safely
    if aws.audit_bucket:
        from switchboard.aws.dynamo import client
        from switchboard.aws.s3 import S3AuditSink

        sink = S3AuditSink(client("s3", aws), aws)
        audit, transcripts = sink.write_records, sink.write_transcript

    store = SessionStore(on_hallucination_log=on_log)
    # No handover queue here: Amazon Connect queues the contact from the attributes
    # the turn sets (target_queue, routing_priority).
    service = await build_service(settings, store=store, **service_kwargs)
    return LexCodeHook(service, store, aws, audit=audit, transcripts=transcripts)


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    """AWS Lambda entry point of the Lex V2 code hook: ``switchboard.aws.lex.lambda_handler``.

    Builds the agent on the first invocation of a container (the ``local``
    brain by default; ``SWITCHBOARD_BRAIN`` chooses another) and reuses it;
    a build failure is retried on the next invocation and answered with a
    handover now.
    """
    global _container
    if _container is None:
        loop = asyncio.new_event_loop()
        try:
            hook = loop.run_until_complete(build_hook())
        except Exception as exc:
            log.error("agent could not be built", extra={"data": {"error": type(exc).__name__}})
            loop.close()
            return _unbuilt_response(event, exc)
        _container = _Container(loop=loop, hook=hook)
    remaining = None
    get_remaining = getattr(context, "get_remaining_time_in_millis", None)
    if callable(get_remaining):
        remaining = int(get_remaining())
    try:
        return _container.loop.run_until_complete(_container.hook.handle(event, remaining))
    except Exception as exc:  # handle() never raises; this guards the loop machinery itself
        log.error(
            "lex invocation failed outside the turn", extra={"data": {"error": type(exc).__name__}}
        )
        return _unbuilt_response(event, exc)


def _unbuilt_response(event: Any, exc: BaseException) -> dict[str, Any]:
    """The handover reply when no agent exists in this container yet; never raises."""
    try:
        aws = AwsSettings()
    except Exception:  # a malformed SWITCHBOARD_AWS_* variable: bounds from the defaults
        aws = AwsSettings.model_construct()
    try:
        from switchboard.config import load_settings

        default_locale = load_settings().locale
    except Exception:  # a malformed SWITCHBOARD_* variable
        default_locale = Locale.EN_GB
    request: LexRequest | None = None
    snapshot: SessionSnapshot | None = None
    try:
        request = parse_event(event, default_locale)
        snapshot = decode_session(
            request.attributes,
            session_id=request.session_id,
            locale=request.locale,
            channel=request.channel,
        )
    except Exception:  # an unusable event: failure_response hands over with what it has
        pass
    return failure_response(request, snapshot, exc, default_locale=default_locale, aws=aws)
