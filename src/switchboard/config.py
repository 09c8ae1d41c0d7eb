"""Settings (pydantic-settings, env prefix ``SWITCHBOARD_``, nested with ``__``).

Nothing here is built at import time: call :func:`load_settings` (or construct
:class:`Settings`) where the app or CLI starts. Examples::

    SWITCHBOARD_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test
    SWITCHBOARD_LOCALE=en_US
    SWITCHBOARD_AGENT__MAX_TOOL_ROUNDS=4
    SWITCHBOARD_ROUTER__MODEL_DIR=/opt/switchboard/router
    SWITCHBOARD_BRAIN=bedrock SWITCHBOARD_BRAIN_FALLBACK=openai,local
    SWITCHBOARD_OPENAI__BASE_URL=http://127.0.0.1:11434/v1 SWITCHBOARD_OPENAI__MODEL=llama3.1
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from switchboard.config_voice import VoiceSettings
from switchboard.domain.types import Locale

#: Repository root when running from a checkout (src layout: src/switchboard/config.py).
_REPO_ROOT = Path(__file__).resolve().parents[2]


class AgentSettings(BaseModel):
    """Turn-loop limits (seed 2 "Lambda Function (Primary Orchestrator)")."""

    history_messages: int = Field(20, ge=2, le=200, description="messages loaded per turn")
    max_tool_rounds: int = Field(3, ge=1, le=10, description="brain↔tool rounds per turn")
    tool_timeout_s: float = Field(5.0, gt=0, description="timeout of one tool call, seconds")
    brain_timeout_s: float = Field(20.0, gt=0, description="timeout of one brain step, seconds")
    repeated_query_threshold: int = Field(3, ge=2, description="same intent N times → handover")
    tool_failure_threshold: int = Field(3, ge=1, description="N tool failures → handover")
    validation_enabled: bool = True


class RouterSettings(BaseModel):
    """The embedded router: a sentence encoder + classifier artifact per language.

    ``model_dir`` is the default artifact (English: all-MiniLM-L6-v2, trained on
    the English lines); ``locale_model_dirs`` names the artifact for other
    locales (fr_FR: USE multilingual v3, trained on the English and our French
    lines). A contact's locale picks its router.
    """

    model_dir: Path = Field(
        default=_REPO_ROOT / "data" / "router",
        description="directory holding the default (English) router artifact",
    )
    locale_model_dirs: dict[str, Path] = Field(
        default_factory=lambda: {"fr_FR": _REPO_ROOT / "data" / "router" / "multilingual"},
        description="locale → directory of the router artifact used for that locale",
    )
    training_dir: Path = Field(
        default=_REPO_ROOT / "data" / "training",
        description="directory holding the shipped training utterances",
    )
    shared_data_dir: Path = Field(
        default=_REPO_ROOT.parent / "shared" / "data",
        description="public datasets (BANKING77, CLINC150, NLU++) used to rebuild training data",
    )
    encoder_backend: Literal["auto", "onnx", "torch"] = Field(
        "auto",
        description=(
            "runtime of the MiniLM sentence encoder: onnx (ONNX Runtime, the graph exported "
            "offline from the installed weights), torch, or auto (onnx, else torch)"
        ),
    )
    encoder_precision: Literal["fp32", "int8"] = Field(
        "int8",
        description=(
            "MiniLM weights on ONNX Runtime: int8 (dynamically quantised, about half the CPU "
            "per text; answer and route figures unchanged on the blind splits, see "
            "docs/architecture.md) or fp32 (the exported graph; the router was fitted on it)"
        ),
    )
    onnx_dir: Path = Field(
        default=_REPO_ROOT / "var" / "models",
        description="where the exported ONNX encoder is kept (`switchboard encoder export`)",
    )
    second_opinion_locales: list[str] = Field(
        default_factory=lambda: ["fr_FR"],
        description=(
            "locales where the learned answer model may turn the rules' handover or decline "
            "into a catalog answer (brains/local/second_opinion.py; English is off by default: "
            "it answered BANKING77 lines the route map sends to a human)"
        ),
    )


class RoutingSettings(BaseModel):
    """Human-agent queues of the routing engine (``switchboard.routing``)."""

    hours: str = Field(
        "weekdays 09:00-17:00",
        description="'always' or 'weekdays HH:MM-HH:MM' (seed 2: Monday to Friday, 9 AM to 5 PM)",
    )
    time_zone: str = Field("Europe/London", description="IANA zone of the hours of operation")
    max_contacts: int = Field(100, ge=1, description="contacts a queue holds before it is full")
    acw_s: float = Field(0.0, ge=0, description="after-contact work per contact, seconds")


class BedrockSettings(BaseModel):
    """The ``bedrock`` brain (Converse API). Seed 2 defaults are configuration only.

    Seed 2 "Lambda Function" names ``BEDROCK_MODEL_ID`` (Claude 3.5 Sonnet v2) and
    ``AWS_REGION`` (eu-west-2); seed 2 "Error Handling" asks for throttling to be
    retried with exponential backoff, at most 3 retries.
    """

    model_id: str = Field(
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        description="Bedrock model id or inference-profile ARN (seed 2 default)",
    )
    region: str = Field("eu-west-2", description="AWS region of bedrock-runtime (seed 2)")
    endpoint_url: str | None = Field(None, description="VPC endpoint or test endpoint URL")
    guardrail_id: str | None = Field(None, description="guardrailIdentifier; None: no guardrail")
    guardrail_version: str = Field("DRAFT", description="guardrailVersion")
    guardrail_trace: bool = False
    max_tokens: int = Field(1024, ge=1, description="inferenceConfig.maxTokens")
    temperature: float = Field(0.2, ge=0.0, le=1.0, description="inferenceConfig.temperature")
    connect_timeout_s: float = Field(3.0, gt=0, description="botocore connect timeout, seconds")
    read_timeout_s: float = Field(15.0, gt=0, description="botocore read timeout, seconds")
    max_retries: int = Field(3, ge=0, le=10, description="retries of a throttled call (seed 2)")
    backoff_base_s: float = Field(0.5, ge=0, description="first backoff delay, seconds")
    backoff_max_s: float = Field(4.0, ge=0, description="longest backoff delay, seconds")
    grounding_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="ApplyGuardrail contextual-grounding threshold; None: stage off",
    )


class OpenAISettings(BaseModel):
    """The ``openai`` brain: any OpenAI-compatible chat-completions server.

    Ollama, vLLM, llama.cpp's server and hosted services all speak this wire
    format; the key may be any string for servers that do not check it.
    """

    base_url: str = Field("http://127.0.0.1:11434/v1", description="server URL up to /v1")
    model: str = Field("llama3.1", description="model name as the server knows it")
    api_key: SecretStr = Field(SecretStr("not-needed"), description="bearer key")
    timeout_s: float = Field(15.0, gt=0, description="read timeout of one request, seconds")
    connect_timeout_s: float = Field(3.0, gt=0, description="connect timeout, seconds")
    max_retries: int = Field(3, ge=0, le=10, description="retries on 429/5xx/connection errors")
    max_tokens: int = Field(1024, ge=1)
    temperature: float = Field(0.2, ge=0.0, le=2.0)


class SummarySettings(BaseModel):
    """Post-call summaries (seed 3 "Post-Call Path"): where they are exported."""

    directory: Path | None = Field(
        default=_REPO_ROOT / "var" / "summaries",
        description="JSON export directory; None turns the file export off",
    )
    s3_bucket: str | None = Field(None, description="also export to this S3 bucket (boto3)")
    s3_prefix: str = "summaries/"
    s3_kms_key_id: str | None = None
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible API root for the optional LLM summarizer"
    )
    llm_model: str | None = Field(None, description="model name; set it to use the LLM summarizer")
    llm_api_key: str | None = None
    idle_timeout_s: float = Field(
        600.0, gt=0, description="no customer activity this long → contact ended as abandoned"
    )
    idle_sweep_interval_s: float = Field(
        15.0, gt=0, description="how often idle contacts are looked for, seconds"
    )


class TelemetrySettings(BaseModel):
    """OpenTelemetry spans around the turn loop (off unless an exporter is named)."""

    otel_exporter: str = Field("none", description="none | console | otlp")
    otel_endpoint: str | None = Field(None, description="OTLP/HTTP traces endpoint")


class StreamSettings(BaseModel):
    """The transcript stream (seed 3 "Kinesis Data Stream"): in-process, Redis or Kinesis."""

    backend: str = Field("inprocess", description="inprocess | redis | kinesis")
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_key: str = "switchboard:segments"
    kinesis_stream: str = "LiveTranscriptStream"
    aws_region: str | None = None
    claim_idle_ms: int = Field(5_000, ge=0, description="re-claim entries pending this long")
    max_queue: int = Field(10_000, ge=1, description="segments queued before new ones drop")


class ClusterSettings(BaseModel):
    """Several replicas (issue 14): relay, turn locks and supervisor feed through Redis.

    ``backend=auto`` uses Redis when the transcript stream does
    (``SWITCHBOARD_STREAM__BACKEND=redis``, same ``redis_url``), else stays in process.
    """

    backend: str = Field("auto", description="auto | local | redis")
    redis_url: str | None = Field(None, description="default: stream.redis_url")
    key_prefix: str = Field("switchboard", description="prefix of every cluster key")
    replica_id: str | None = Field(None, description="default: host name + process id")
    lease_ms: int = Field(10_000, ge=500, description="turn-lock / message-claim lease")
    redis_max_connections: int = Field(
        256, ge=8, description="Redis connections per replica; a command waits (up to "
        "redis_pool_wait_s) for a free one instead of failing (redis-py's default pool "
        "raises 'Too many connections' past 100: lost turns at 250 sockets a replica)",
    )
    redis_pool_wait_s: float = Field(
        10.0, gt=0, description="longest wait for a free Redis connection, seconds"
    )
    frame_retention: int = Field(1000, ge=10, description="frames kept per socket for resume")
    frame_ttl_s: int = Field(3600, ge=60, description="frame logs expire after this idle time")
    drain_s: float = Field(
        20.0,
        ge=0,
        description=(
            "on SIGTERM: seconds to finish in-flight turns and flush their frames before "
            "chat sockets are told to reconnect (keep below Kubernetes' grace period)"
        ),
    )


class SentimentSettings(BaseModel):
    """Live sentiment and escalation (seed 3 "Real-Time Path")."""

    enabled: bool = True
    provider: str = Field("vader", description="vader | llm (OpenAI-compatible)")
    anger_model: bool = Field(True, description="MiniLM anger model; False = cues only")
    llm_base_url: str = Field("http://127.0.0.1:11434/v1", description="OpenAI-compatible API")
    llm_model: str = "llama3.2:1b"
    llm_api_key: str | None = None
    llm_timeout_s: float = Field(3.0, gt=0)
    turn_wait_ms: int = Field(
        50, ge=0, description="a turn waits at most this long for its own segment's score"
    )


class AuthSettings(BaseModel):
    """JWT bearer auth of the voice sockets (seed 4 "Security Architecture").

    Used by :mod:`switchboard.voice.transports.auth`. ``jwt_secret`` unset means a
    random development secret generated once into ``dev_secret_file``.
    """

    enabled: bool = Field(True, description="require a JWT on the voice sockets")
    jwt_secret: SecretStr | None = Field(
        None, description="HS256 secret; unset = a generated development secret"
    )
    dev_secret_file: Path = Field(
        default=_REPO_ROOT / "var" / "dev-jwt-secret",
        description="where the generated development secret is kept (mode 0600)",
    )
    audience: str = "switchboard-voice"
    algorithm: str = Field("HS256", pattern="^HS(256|384|512)$")
    leeway_s: int = Field(30, ge=0, description="clock skew allowed on exp/iat, seconds")
    dev_token_ttl_s: int = Field(12 * 3600, ge=60, description="lifetime of the printed dev token")
    jwks_url: str | None = Field(
        None, description="also accept RS256 voice tokens signed by a key of this JWKS URL"
    )
    issuer: str | None = Field(None, description="required 'iss' of RS256 voice tokens")


class IdentitySettings(BaseModel):
    """Who may use the human side and read contacts (issue 13; :mod:`switchboard.identity`).

    Staff (agent, supervisor, admin) sign in with a password and get a short-lived
    HS256 bearer token; customers get a per-contact token from ``POST /v1/contacts``.
    An OpenID Connect provider (Cognito or any IdP) can sign staff in instead: its
    RS256 tokens are checked against ``oidc_jwks_url`` (plus issuer and audience).
    """

    secret: SecretStr | None = Field(
        None, description="HS256 secret of staff and contact tokens; unset = generated dev secret"
    )
    dev_secret_file: Path = Field(
        default=_REPO_ROOT / "var" / "dev-identity-secret",
        description="where the generated development secret is kept (mode 0600)",
    )
    access_token_ttl_s: int = Field(900, ge=60, le=86_400, description="staff token lifetime")
    contact_token_ttl_s: int = Field(
        86_400, ge=300, description="lifetime of a customer's per-contact token, seconds"
    )
    leeway_s: int = Field(30, ge=0, description="clock skew allowed on exp/iat, seconds")
    oidc_jwks_url: str | None = Field(None, description="JWKS URL of an OIDC provider (RS256)")
    oidc_issuer: str | None = Field(None, description="required 'iss' of OIDC tokens")
    oidc_audience: str | None = Field(None, description="required 'aud' of OIDC tokens")
    oidc_role_claim: str = Field(
        "roles", description="claim listing the user's roles/groups (Cognito: cognito:groups)"
    )
    oidc_username_claim: str = Field(
        "preferred_username", description="claim naming the user (Cognito: cognito:username)"
    )
    metrics_token: SecretStr | None = Field(
        None, description="bearer token a Prometheus scraper sends to GET /metrics"
    )
    dev_admin: bool = Field(
        True, description="`switchboard serve` creates an 'admin' user when there is none"
    )


class LimitSettings(BaseModel):
    """Abuse limits (issue 13): rate limits in ``limits`` notation and size limits.

    Rates are ``N/second|minute|hour`` strings (moving window, per process).
    """

    enabled: bool = True
    rest_per_ip: str = Field("300/minute", description="REST requests per client IP")
    contacts_per_ip: str = Field("30/minute", description="POST /v1/contacts per client IP")
    login_per_ip: str = Field("10/minute", description="POST /v1/auth/login per client IP")
    per_contact: str = Field(
        "60/minute", description="customer messages per contact (REST + chat socket)"
    )
    sockets_per_ip: str = Field("60/minute", description="WebSocket connections per client IP")
    voice_frames_per_contact: str = Field(
        "100/second", description="voice socket frames per call (20 ms audio = 50/s)"
    )
    max_body_bytes: int = Field(65_536, ge=1024, description="largest REST request body")
    max_chat_frame_bytes: int = Field(16_384, ge=256, description="largest chat/desk frame")
    max_voice_frame_bytes: int = Field(
        1_048_576, ge=4096, description="largest voice socket frame (base64 audio)"
    )


class NovaSonicSettings(BaseModel):
    """The optional Nova Sonic speech-to-speech engine (seed 1 voice channel)."""

    model_id: str = Field("amazon.nova-2-sonic-v1:0", description="Bedrock model id")
    region: str = Field("us-east-1", description="AWS region of the Bedrock runtime")
    voice_id: str = Field("matthew", description="the model's voice")


class CryptoSettings(BaseModel):
    """Encryption at rest (``switchboard.crypto``): the key-encryption key (KEK).

    ``backend=local``: the KEKs come from ``keyring`` (a JSON document, e.g.
    from a secret manager) or else from ``keyring_file``, generated there with
    mode 0600 the first time (development). ``backend=kms``: data keys are made
    and unwrapped by the AWS KMS key ``kms_key_id`` (boto3, extra ``aws``).
    """

    enabled: bool = Field(True, description="seal message text, summaries, recordings, callbacks")
    backend: str = Field("local", pattern="^(local|kms)$", description="local | kms")
    keyring: SecretStr | None = Field(
        None, description='keyring JSON {"current": id, "keys": {id: base64}}; unset: the file'
    )
    keyring_file: Path = Field(
        default=_REPO_ROOT / "var" / "keyring.json",
        description="local keyring file (generated for development when missing)",
    )
    index_key: SecretStr | None = Field(
        None, description="HMAC key of customer references (base64, 32 bytes); unset: the file"
    )
    index_key_file: Path = Field(
        default=_REPO_ROOT / "var" / "index-key",
        description="customer-reference HMAC key file (generated for development when missing)",
    )
    anchor_key_file: Path = Field(
        default=_REPO_ROOT / "var" / "audit-anchor-key.pem",
        description="Ed25519 private key (PEM) signing audit chain-head anchors",
    )
    kms_key_id: str | None = Field(None, description="KMS key id/ARN/alias (backend=kms)")
    kms_region: str | None = Field(None, description="AWS region of the KMS key")
    kms_endpoint_url: str | None = Field(None, description="KMS VPC endpoint or test URL")


class RetentionSettings(BaseModel):
    """How long each kind of data is kept (``switchboard purge``).

    Source: seed 2 "Compliance and Retention" and its S3 lifecycle rules.

    Seed 2's figures are the defaults: call recordings and chat transcripts 7
    years (its S3 lifecycle: ``expiration days = 2555``), hallucination logs
    90 days. A contact's row, state (with its summary) and audit events go
    with its transcript. Ages count from a contact's end (its start when it
    never ended). 0 keeps that kind for ever.
    """

    transcripts_days: int = Field(2555, ge=0, description="contacts, messages, events (7 years)")
    summaries_days: int = Field(2555, ge=0, description="post-call summaries (files, S3)")
    recordings_days: int = Field(2555, ge=0, description="call recordings (7 years)")
    hallucination_logs_days: int = Field(90, ge=0, description="seed 2 Hallucination Log ttl")
    purge_interval_s: float = Field(
        3600.0, ge=0, description="the server's purge task period, seconds (0: off)"
    )
    recordings_dir: Path = Field(
        default=_REPO_ROOT / "var" / "recordings", description="where call recordings are kept"
    )
    anchor_file: Path = Field(
        default=_REPO_ROOT / "var" / "audit-anchors.jsonl",
        description="signed audit chain-head digests, outside the database",
    )
    anchor_interval_s: float = Field(
        300.0, ge=0, description="the server writes a chain-head anchor this often (0: off)"
    )


class TwilioSettings(BaseModel):
    """Twilio Programmable Voice: webhook signatures and the transfer of a handover.

    Twilio signs each webhook with ``X-Twilio-Signature`` (HMAC-SHA1 of the full
    URL and the sorted POST parameters, keyed by the account's auth token; Twilio
    docs "Webhooks security"); it is checked with the official ``twilio``
    package's ``RequestValidator``.
    """

    auth_token: SecretStr | None = Field(
        None, description="the account's auth token; unset, every Twilio webhook is refused"
    )
    public_url: str | None = Field(
        None,
        description="the https base URL Twilio calls (behind a proxy the request URL differs "
        "from the one Twilio signed), e.g. https://voice.example.com",
    )
    agent_client: str = Field(
        "agent-desk",
        pattern=r"^[A-Za-z0-9_\-]{1,121}$",
        description="Twilio Client identity of the agent desk, dialled on a handover",
    )
    agent_number: str | None = Field(
        None,
        pattern=r"^\+[1-9][0-9]{6,14}$",
        description="E.164 number dialled on a handover instead of the desk's client",
    )
    dial_timeout_s: int = Field(
        30, ge=5, le=600, description="ring time of the transfer before a callback is offered"
    )


class Settings(BaseSettings):
    """Top-level settings for every entry point (server, CLI, tests)."""

    model_config = SettingsConfigDict(
        env_prefix="SWITCHBOARD_", env_nested_delimiter="__", extra="ignore"
    )

    locale: Locale = Locale.EN_GB
    web_browser_locale: bool = Field(
        False,
        description="let the web chat's browser language preselect a supported locale "
        "(off: the page starts in `locale`, the others are offered in its menu)",
    )
    brain: str = Field("local", description="brain provider: local | bedrock | openai")
    brain_fallback: str = Field(
        "",
        description="comma-separated providers tried in order when the brain fails, "
        "e.g. 'openai,local'; when all fail the customer is handed over",
    )
    brain_step_timeout_s: float = Field(
        8.0, gt=0, description="time limit of one provider's step in a fallback chain, seconds"
    )
    brain_cooldown_s: float = Field(
        30.0, ge=0, description="a failed provider is skipped for this long, seconds"
    )
    bedrock: BedrockSettings = Field(default_factory=BedrockSettings)
    openai: OpenAISettings = Field(default_factory=OpenAISettings)
    database_url: str = Field(
        default=f"sqlite:///{_REPO_ROOT / 'var' / 'switchboard.db'}",
        description="SQLAlchemy URL; SQLite file by default, PostgreSQL supported",
    )
    log_level: str = "INFO"
    log_json: bool = True
    host: str = "127.0.0.1"
    port: int = 8000
    hallucination_ttl_days: int = Field(90, description="seed 2 Hallucination Log Model ttl")
    agent: AgentSettings = Field(default_factory=AgentSettings)
    router: RouterSettings = Field(default_factory=RouterSettings)
    routing: RoutingSettings = Field(default_factory=RoutingSettings)
    summaries: SummarySettings = Field(default_factory=SummarySettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    stream: StreamSettings = Field(default_factory=StreamSettings)
    sentiment: SentimentSettings = Field(default_factory=SentimentSettings)
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)
    database_migrate: bool = Field(
        False, description="run the Alembic migrations (upgrade head) when the server starts"
    )
    database_pool_size: int = Field(
        10, ge=1, description="PostgreSQL connections kept open per process: at least the "
        "worker threads that run store calls (cores + 4) plus the sentiment and audit "
        "writers, so a busy replica does not open and close an overflow connection per "
        "transaction (SQLAlchemy's default of 5 did: ~12 new PostgreSQL backends a second "
        "at 500 customers in bench/cluster_load.py)",
    )
    database_max_overflow: int = Field(
        10, ge=0, description="extra PostgreSQL connections opened at peaks, closed after use"
    )
    worker_threads: int | None = Field(
        None, ge=4, le=256, description="threads of the event loop's default executor, "
        "which runs every blocking store call; None keeps asyncio's (cores + 4, at most 32)",
    )
    gc_freeze: bool = Field(
        True, description="`switchboard serve`: once startup has built the service, move "
        "its objects out of the garbage collector's full walks and set the young "
        "threshold below (api/heap.py; 300-630 ms pauses under load without it)",
    )
    gc_young_threshold: int = Field(
        10_000, ge=100, description="with gc_freeze: allocations between two young "
        "collections (CPython's default 700 promotes a turn's short-lived objects)",
    )
    auth: AuthSettings = Field(default_factory=AuthSettings)
    voice_engine: str = Field(
        "pipeline",
        pattern="^(pipeline|nova_sonic)$",
        description="voice calls: local pipeline (VAD, STT, turn loop, TTS) or Nova Sonic",
    )
    nova_sonic: NovaSonicSettings = Field(default_factory=NovaSonicSettings)
    twilio: TwilioSettings = Field(default_factory=TwilioSettings)
    crypto: CryptoSettings = Field(default_factory=CryptoSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    identity: IdentitySettings = Field(default_factory=IdentitySettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    voice: VoiceSettings = Field(
        default_factory=VoiceSettings,
        description="voice pipeline turn-taking (SWITCHBOARD_VOICE__SILENCE_MS, ...)",
    )


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with keyword overrides on top.

    Raises:
        pydantic.ValidationError: when an environment value is malformed.
    """
    return Settings(**overrides)  # type: ignore[arg-type]  # pydantic validates kwargs
