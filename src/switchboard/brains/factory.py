"""Build the brain named by the settings: ``SWITCHBOARD_BRAIN`` plus a fallback chain.

Examples::

    SWITCHBOARD_BRAIN=local                                  # embedded (default)
    SWITCHBOARD_BRAIN=bedrock SWITCHBOARD_BEDROCK__REGION=eu-west-2
    SWITCHBOARD_BRAIN=openai SWITCHBOARD_OPENAI__BASE_URL=http://127.0.0.1:11434/v1
    SWITCHBOARD_BRAIN=bedrock SWITCHBOARD_BRAIN_FALLBACK=openai,local

Provider modules are imported only when named, so ``boto3`` and ``openai`` are
needed only by deployments that use them.
"""

from __future__ import annotations

import logging

from switchboard.config import Settings
from switchboard.errors import ConfigError
from switchboard.ports import Brain, Validator

log = logging.getLogger("switchboard.brains")

#: Brain provider names ``SWITCHBOARD_BRAIN`` and ``SWITCHBOARD_BRAIN_FALLBACK`` accept.
PROVIDERS = ("local", "bedrock", "openai")


def chain_names(settings: Settings) -> list[str]:
    """Return the provider names of the chain, primary first, without repeats.

    Raises:
        ConfigError: for an unknown provider name.
    """
    names: list[str] = []
    for raw in [settings.brain, *settings.brain_fallback.split(",")]:
        name = raw.strip().lower()
        if not name or name in names:
            continue
        if name not in PROVIDERS:
            raise ConfigError(f"unknown brain {name!r}; known: {', '.join(PROVIDERS)}")
        names.append(name)
    if not names:
        raise ConfigError("no brain configured (SWITCHBOARD_BRAIN)")
    return names


def build_one(name: str, settings: Settings) -> Brain:
    """Build one provider's brain.

    Raises:
        ConfigError: for an unknown name or a provider whose library is missing.
    """
    if name == "local":
        from switchboard.brains.local.brain import LocalBrain

        return LocalBrain()
    if name == "bedrock":
        from switchboard.brains.bedrock import BedrockBrain

        return BedrockBrain(settings.bedrock)
    if name == "openai":
        try:
            from switchboard.brains.openai_compat import OpenAIBrain
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ConfigError(
                "the openai brain needs the openai client: pip install 'switchboard[llm]'"
            ) from exc
        return OpenAIBrain(settings.openai)
    raise ConfigError(f"unknown brain {name!r}; known: {', '.join(PROVIDERS)}")


def build_brain(settings: Settings) -> Brain:
    """Return the configured brain: one provider, or a :class:`FallbackBrain` over several.

    Each provider of a chain gets at most ``brain_step_timeout_s`` per step, and
    never more than its share of the turn loop's ``agent.brain_timeout_s``, so
    the last brain of the chain always has time to answer.

    Raises:
        ConfigError: for an unknown provider or a missing provider library.
    """
    names = chain_names(settings)
    brains = [build_one(n, settings) for n in names]
    if len(brains) == 1:
        return brains[0]
    from switchboard.brains.fallback import FallbackBrain

    share = settings.agent.brain_timeout_s / len(brains)
    step_timeout = min(settings.brain_step_timeout_s, share)
    if step_timeout < settings.brain_step_timeout_s:
        log.info("brain step timeout lowered to %.2f s to fit %d brains", step_timeout, len(brains))
    return FallbackBrain(brains, step_timeout_s=step_timeout, cooldown_s=settings.brain_cooldown_s)


def build_validator(settings: Settings) -> Validator:
    """Return the validation agent, with Bedrock contextual grounding when configured.

    ``SWITCHBOARD_BEDROCK__GROUNDING_THRESHOLD`` (with ``..._GUARDRAIL_ID``) adds
    the ApplyGuardrail stage (:mod:`switchboard.brains.bedrock.grounding`).

    Raises:
        ConfigError: grounding asked for without a guardrail id.
    """
    from switchboard.validation import ValidationAgent

    agent = ValidationAgent()
    if settings.bedrock.grounding_threshold is None:
        return agent
    from switchboard.brains.bedrock.grounding import GroundingValidator

    return GroundingValidator(agent, settings.bedrock)
