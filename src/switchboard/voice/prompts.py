"""What the call itself says (not the agent): silence, unintelligible audio, failures, recording."""

from __future__ import annotations

from switchboard.domain.types import Locale

_EN = {
    "no_input": "Sorry, I didn't hear anything. How can I help you today?",
    "no_input_repeat": "Sorry, I didn't hear anything. {question}",
    "not_understood": "Sorry, I didn't catch that. Could you say it again?",
    "goodbye_no_input": (
        "I still can't hear you, so I'll end the call now. Please call back any time. Goodbye."
    ),
    "agent_failed": "Sorry, something went wrong on my side. Could you say that again?",
    "recording_notice": "This call may be recorded for quality and training.",
    "resumed": "Sorry, we were cut off for a moment. I'm back. What would you like to know?",
}
_FR = {
    "no_input": "Excusez-moi, je n'entends rien. Comment puis-je vous aider ?",
    "no_input_repeat": "Excusez-moi, je n'entends rien. {question}",
    "not_understood": "Pardon, je n'ai pas compris. Pouvez-vous répéter ?",
    "goodbye_no_input": (
        "Je ne vous entends toujours pas, je vais raccrocher. "
        "Rappelez-nous quand vous voulez. Au revoir."
    ),
    "agent_failed": "Désolé, un problème est survenu de mon côté. Pouvez-vous répéter ?",
    "recording_notice": "Cet appel peut être enregistré pour la qualité et la formation.",
    "resumed": (
        "Désolé, la ligne a été coupée un instant. Je suis de retour. Que puis-je pour vous ?"
    ),
}


def prompt(key: str, locale: Locale) -> str:
    """The call prompt ``key`` in ``locale`` (French for fr_FR, else English).

    Raises:
        KeyError: unknown key.
    """
    return (_FR if locale is Locale.FR_FR else _EN)[key]


def no_input(locale: Locale, question: str | None) -> str:
    """The "still there?" prompt in ``locale``.

    It repeats ``question`` (the last one the agent asked) when there is one,
    else asks how it can help (issue 12 item 7).
    """
    if question:
        return prompt("no_input_repeat", locale).format(question=question)
    return prompt("no_input", locale)
