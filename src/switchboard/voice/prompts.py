"""What the call itself says (not the agent): silence, unintelligible audio, failures, recording."""

from __future__ import annotations

from switchboard.domain.types import Locale

_EN = {
    "no_input": "Sorry, I didn't hear anything. How can I help you today?",
    "not_understood": "Sorry, I didn't catch that. Could you say it again?",
    "goodbye_no_input": (
        "I still can't hear you, so I'll end the call now. Please call back any time. Goodbye."
    ),
    "agent_failed": "Sorry, something went wrong on my side. Could you say that again?",
    "recording_notice": "This call may be recorded for quality and training.",
}
_FR = {
    "no_input": "Excusez-moi, je n'entends rien. Comment puis-je vous aider ?",
    "not_understood": "Pardon, je n'ai pas compris. Pouvez-vous répéter ?",
    "goodbye_no_input": (
        "Je ne vous entends toujours pas, je vais raccrocher. "
        "Rappelez-nous quand vous voulez. Au revoir."
    ),
    "agent_failed": "Désolé, un problème est survenu de mon côté. Pouvez-vous répéter ?",
    "recording_notice": "Cet appel peut être enregistré pour la qualité et la formation.",
}


def prompt(key: str, locale: Locale) -> str:
    """The call prompt ``key`` in ``locale`` (French for fr_FR, else English).

    Raises:
        KeyError: unknown key.
    """
    return (_FR if locale is Locale.FR_FR else _EN)[key]
