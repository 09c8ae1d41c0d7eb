"""Settings (pydantic-settings, env prefix ``SWITCHBOARD_``, nested with ``__``).

Nothing here is built at import time: call :func:`load_settings` (or construct
:class:`Settings`) where the app or CLI starts. Examples::

    SWITCHBOARD_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test
    SWITCHBOARD_LOCALE=en_US
    SWITCHBOARD_AGENT__MAX_TOOL_ROUNDS=4
    SWITCHBOARD_ROUTER__MODEL_DIR=/opt/switchboard/router
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from switchboard.domain.types import Locale
from switchboard.voice.settings import VoiceSettings

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
    """The embedded router (MiniLM embeddings + classifier)."""

    model_dir: Path = Field(
        default=_REPO_ROOT / "data" / "router",
        description="directory holding the trained router artifact",
    )
    training_dir: Path = Field(
        default=_REPO_ROOT / "data" / "training",
        description="directory holding the shipped training utterances",
    )
    shared_data_dir: Path = Field(
        default=_REPO_ROOT.parent / "shared" / "data",
        description="public datasets (BANKING77, CLINC150, NLU++) used to rebuild training data",
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


class NovaSonicSettings(BaseModel):
    """The optional Nova Sonic speech-to-speech engine (seed 1 voice channel)."""

    model_id: str = Field("amazon.nova-2-sonic-v1:0", description="Bedrock model id")
    region: str = Field("us-east-1", description="AWS region of the Bedrock runtime")
    voice_id: str = Field("matthew", description="the model's voice")


class Settings(BaseSettings):
    """Top-level settings for every entry point (server, CLI, tests)."""

    model_config = SettingsConfigDict(
        env_prefix="SWITCHBOARD_", env_nested_delimiter="__", extra="ignore"
    )

    locale: Locale = Locale.EN_GB
    brain: str = Field("local", description="brain provider name; 'local' is embedded")
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
    auth: AuthSettings = Field(default_factory=AuthSettings)
    voice_engine: str = Field(
        "pipeline",
        pattern="^(pipeline|nova_sonic)$",
        description="voice calls: local pipeline (VAD, STT, turn loop, TTS) or Nova Sonic",
    )
    nova_sonic: NovaSonicSettings = Field(default_factory=NovaSonicSettings)
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
