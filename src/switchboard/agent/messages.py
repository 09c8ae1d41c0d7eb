"""Fixed customer-facing texts, per language.

Sources: seed 2 "Handover Messages", "Fallback Messages", "Hallucination
Response Strategy" and "Response Variation Techniques". The English handover
and fallback texts are the seed's; the French ones are our translations.
Bot disclosure follows ``seeds/README.md``: asked whether it is a bot, the
agent answers honestly and carries on helping.
"""

from __future__ import annotations

from switchboard.domain.types import HandoverReason, Locale


def language(locale: Locale) -> str:
    """Return the two-letter language of a locale (``en`` or ``fr``)."""
    return locale.value.split("_", 1)[0]


HANDOVER_MESSAGES: dict[str, dict[HandoverReason, str]] = {
    "en": {
        HandoverReason.EXPLICIT_REQUEST: (
            "I'd be happy to connect you with one of our specialists. One moment please."
        ),
        HandoverReason.CUSTOMER_FRUSTRATION: (
            "I want to make sure you get the best help possible. Let me connect you with a "
            "specialist who can assist you directly."
        ),
        HandoverReason.REPEATED_QUERY: (
            "I'd like to connect you with a specialist who can provide more detailed "
            "assistance. One moment please."
        ),
        HandoverReason.CAPABILITY_LIMITATION: (
            "I'd be happy to connect you with one of our specialists who can better assist "
            "you with this. One moment please."
        ),
        HandoverReason.TECHNICAL_ISSUES: (
            "I'm experiencing some technical difficulties. Let me connect you with a "
            "specialist who can help you right away."
        ),
        HandoverReason.COMPLEX_SCENARIO: (
            "This requires some specialized assistance. Let me connect you with one of our "
            "experts. One moment please."
        ),
        HandoverReason.SENSITIVE_TOPIC: (
            "I'd like to connect you with a specialist who can give this the attention it "
            "deserves. One moment please."
        ),
        HandoverReason.VALIDATION_FAILURE: (
            "I want to make sure you get accurate information. Let me transfer you to a "
            "specialist who can help."
        ),
    },
    "fr": {
        HandoverReason.EXPLICIT_REQUEST: (
            "Je vous mets volontiers en relation avec l'un de nos conseillers. Un instant, "
            "s'il vous plaît."
        ),
        HandoverReason.CUSTOMER_FRUSTRATION: (
            "Je veux m'assurer que vous obtenez la meilleure aide possible. Je vous mets en "
            "relation avec un conseiller qui pourra vous aider directement."
        ),
        HandoverReason.REPEATED_QUERY: (
            "Je vais vous mettre en relation avec un conseiller qui pourra vous apporter une "
            "aide plus détaillée. Un instant, s'il vous plaît."
        ),
        HandoverReason.CAPABILITY_LIMITATION: (
            "Je vous mets en relation avec l'un de nos conseillers, mieux placé pour vous "
            "aider sur ce point. Un instant, s'il vous plaît."
        ),
        HandoverReason.TECHNICAL_ISSUES: (
            "Je rencontre quelques difficultés techniques. Je vous mets en relation avec un "
            "conseiller qui pourra vous aider tout de suite."
        ),
        HandoverReason.COMPLEX_SCENARIO: (
            "Votre demande nécessite l'aide d'un spécialiste. Je vous mets en relation avec "
            "l'un de nos experts. Un instant, s'il vous plaît."
        ),
        HandoverReason.SENSITIVE_TOPIC: (
            "Je vais vous mettre en relation avec un conseiller qui pourra accorder à votre "
            "demande toute l'attention qu'elle mérite. Un instant, s'il vous plaît."
        ),
        HandoverReason.VALIDATION_FAILURE: (
            "Je veux m'assurer de vous donner des informations exactes. Je vous transfère à "
            "un conseiller qui pourra vous aider."
        ),
    },
}

FALLBACK_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "general": (
            "I apologize, but I'm having trouble processing your request. Could you please "
            "rephrase your question?"
        ),
        "technical": "I'm experiencing technical difficulties. Please try again in a moment.",
        "transfer": (
            "I want to make sure you get accurate information. Let me transfer you to a "
            "specialist who can help."
        ),
        "timeout": (
            "This is taking longer than expected. Let me transfer you to someone who can "
            "assist you directly."
        ),
    },
    "fr": {
        "general": (
            "Je suis désolé, j'ai du mal à traiter votre demande. Pourriez-vous la reformuler ?"
        ),
        "technical": (
            "Je rencontre des difficultés techniques. Merci de réessayer dans un instant."
        ),
        "transfer": (
            "Je veux m'assurer de vous donner des informations exactes. Je vous transfère à "
            "un conseiller qui pourra vous aider."
        ),
        "timeout": (
            "Cela prend plus de temps que prévu. Je vous transfère à quelqu'un qui pourra "
            "vous aider directement."
        ),
    },
}

#: Held while a human agent takes over (after a handover, before the queue issue lands).
#: The reply to a customer message relayed to the human agent who holds the contact.
RELAYED_TO_AGENT: dict[str, str] = {
    "en": "Your message has been passed to the specialist looking after you.",
    "fr": "Votre message a été transmis au conseiller qui s'occupe de vous.",
}

AFTER_HANDOVER: dict[str, str] = {
    "en": (
        "You're in the queue for one of our specialists, who will see our conversation so "
        "far. Thank you for your patience."
    ),
    "fr": (
        "Vous êtes en attente d'un conseiller, qui verra notre échange. Merci de votre patience."
    ),
}


def handover_message(reason: HandoverReason, locale: Locale) -> str:
    """Return the seed 2 handover message for ``reason`` in the locale's language."""
    return HANDOVER_MESSAGES[language(locale)][reason]


def fallback_message(kind: str, locale: Locale) -> str:
    """Return a seed 2 fallback message (``general``, ``technical``, ``transfer``, ``timeout``).

    Raises:
        KeyError: for an unknown ``kind``.
    """
    return FALLBACK_MESSAGES[language(locale)][kind]


#: The opening line of a new contact (the same words as the local renderer's
#: ``greeting`` phrase; every brain opens with it).
GREETING: dict[str, str] = {
    "en": (
        "Hello! I can help you open an account, answer questions about our debit cards, or "
        "find your nearest branch. What can I do for you today?"
    ),
    "fr": (
        "Bonjour ! Je peux vous aider à ouvrir un compte, répondre à vos questions sur nos "
        "cartes de débit ou trouver l'agence la plus proche. Que puis-je faire pour vous ?"
    ),
}

#: The reply to an input the guardrail blocked (instruction override, prompt
#: extraction, jailbreak): a decline that says what the agent can do.
DECLINE_GUARDRAIL: dict[str, str] = {
    "en": (
        "I can't help with that. I can help you open an account, answer questions about our "
        "debit cards, or find your nearest branch."
    ),
    "fr": (
        "Je ne peux pas faire cela. Je peux vous aider à ouvrir un compte, répondre à vos "
        "questions sur nos cartes ou trouver une agence."
    ),
}


def greeting(locale: Locale) -> str:
    """The opening line for a new contact in ``locale`` (English for an unknown language)."""
    return GREETING.get(language(locale), GREETING["en"])


def decline_guardrail(locale: Locale) -> str:
    """The decline for a blocked input in ``locale`` (English for an unknown language)."""
    return DECLINE_GUARDRAIL.get(language(locale), DECLINE_GUARDRAIL["en"])
