"""Reply rendering for the embedded brain: every fact comes from a tool output.

The glue text (acknowledgements, transitions, clarifying questions, closings)
follows seed 2 "Response Variation Techniques" and Example 1; the facts
(documents, steps, timings, fees, addresses, phones, hours) are copied from the
tool output dicts whose shapes seed 2 §"FastMCP 2.0 Tools" defines. Phrasing
varies by a per-contact counter so a customer does not hear the same opener
twice in a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from switchboard.domain.types import Locale

_EN: dict[str, list[str]] = {
    "ack": ["Great choice!", "Got it.", "Absolutely.", "That makes sense.", "Perfect."],
    "transition": [
        "Here's what I can tell you.",
        "Let me get you that information.",
        "Here's what you need to know.",
        "I'd be happy to explain.",
    ],
    "closing": [
        "Is there anything else I can help you with?",
        "Would you like me to walk you through any specific part of the process?",
        "Let me know if you have any other questions.",
        "Was there anything else you needed today?",
    ],
    "ask_account_type": [
        "I'd be happy to help you with that! We have a few different account types "
        "available. Are you looking for a {checking} for everyday banking, a savings "
        "account, or perhaps a business or student account?",
        "Happy to help with that. Could you tell me a bit more about which account you have "
        "in mind: a {checking}, a savings, a business or a student account?",
    ],
    "ask_channel": [
        "{ack} You can open a {account} either by visiting one of our branches or online "
        "through our website or mobile app. Which would be more convenient for you?",
        "{ack} Would you prefer to open your {account} at a branch, or online?",
    ],
    "ask_location": [
        "I can find the nearest branch for you. Which town, city or postcode should I search near?",
        "Sure. Could you tell me your town or postcode so I can look up the closest branches?",
    ],
    "ask_location_again": [
        'I couldn\'t find a place called "{location}". Could you give me a town, city or postcode?',
    ],
    "ask_card_type": [
        "Which of our cards would you like to know more about: {names}?",
    ],
    "account_intro_branch": [
        "To open a {account} at one of our branches, you'll need:",
        "Here's what you'll need to bring to a branch to open a {account}:",
    ],
    "account_intro_digital": [
        "Opening a {account} online is straightforward. Here's what you'll need:",
        "To open a {account} online, you'll need:",
    ],
    "steps": ["The steps are:", "Here's how it works:"],
    "processing": ["Timing: {value}", "How long it takes: {value}"],
    "requirements": ["You'll also need: {value}"],
    "benefits": ["Good to know: {value}"],
    "card_intro": ["Here are the details of our {name}.", "Our {name}:"],
    "card_default_note": [
        "I've answered for our standard debit card; we also offer {others} cards if you'd "
        "like details on those.",
    ],
    "card_list_intro": ["We offer these debit cards:"],
    "card_features": ["Features: {value}"],
    "card_fees": ["Fees: {value}"],
    "card_eligibility": ["Eligibility: {value}"],
    "card_delivery": ["Delivery: {value}"],
    "card_activation": ["Activation: {value}"],
    "card_replacement": ["Replacement: {value}"],
    "card_ordering": ["To order it:"],
    "branch_intro": [
        "The nearest branch to {location} is {name}, {distance} away.",
        "Your closest branch to {location} is {name} ({distance}).",
    ],
    "branch_details": ["Address: {address}\nPhone: {phone}\nOpening hours: {hours}"],
    "branch_more": ["Other branches nearby: {items}."],
    "branch_none": [
        "I couldn't find a branch offering that service near {location}. I can search for "
        "any branch near you instead, or for another town.",
    ],
    "tool_failed": [
        "I'm sorry, I couldn't retrieve that information just now. Could you please ask "
        "again in a moment?",
    ],
    "greeting": [
        "Hello! I can help you open an account, answer questions about our debit cards, or "
        "find your nearest branch. What can I do for you today?",
        "Hi there! How can I help you today? I can help with opening an account, our debit "
        "cards and finding a branch.",
    ],
    "thanks": ["You're welcome! {closing}", "Happy to help. {closing}"],
    "goodbye": ["Thank you for contacting us. Have a great day!", "Goodbye, and take care!"],
    "bot": [
        "Yes, I'm an automated assistant. I can help you open an account, answer questions "
        "about our debit cards and find your nearest branch, and I can connect you with one "
        "of our specialists at any time. How can I help?",
    ],
    "capabilities": [
        "I can help you open an account (checking, savings, business or student, at a "
        "branch or online), answer questions about our debit cards, and find your nearest "
        "branch. I can also connect you with a specialist. What would you like to do?",
    ],
    "name": [
        "I'm the bank's virtual assistant. I can help with opening an account, our debit "
        "cards and finding a branch. What can I do for you?",
    ],
    "yes": ["Great. What would you like to know more about?"],
    "no": ["No problem. Is there anything else I can help you with?"],
    "cancel": ["No problem, I've stopped that. What else can I help you with?"],
    "decline": [
        "I'm sorry, I can't help with that here. I can help you open an account, answer "
        "questions about our debit cards, or find your nearest branch.",
        "That's outside what I can help with, I'm afraid. I can help with opening an "
        "account, our debit cards, and finding a branch near you.",
    ],
    "decline_guardrail": [
        "I can't help with that. I can help you open an account, answer questions about our "
        "debit cards, or find your nearest branch.",
    ],
    "unclear": [
        "Just to make sure I understand: are you asking about opening an account, our debit "
        "cards, or finding a branch?",
    ],
}

_FR: dict[str, list[str]] = {
    "ack": ["Très bien !", "Entendu.", "Parfait.", "Je comprends."],
    "transition": ["Voici ce que je peux vous dire.", "Voici les informations."],
    "closing": [
        "Puis-je vous aider pour autre chose ?",
        "Souhaitez-vous que je détaille une étape en particulier ?",
        "N'hésitez pas si vous avez d'autres questions.",
    ],
    "ask_account_type": [
        "Avec plaisir ! Quel type de compte souhaitez-vous ouvrir : un {checking}, un "
        "compte épargne, un compte professionnel ou un compte étudiant ?",
    ],
    "ask_channel": [
        "{ack} Vous pouvez ouvrir votre {account} en agence ou en ligne, sur notre site ou "
        "notre application. Que préférez-vous ?",
    ],
    "ask_location": [
        "Je peux trouver l'agence la plus proche. Dans quelle ville ou quel code postal "
        "dois-je chercher ?",
    ],
    "ask_location_again": [
        "Je n'ai pas trouvé « {location} ». Pourriez-vous m'indiquer une ville ou un code postal ?",
    ],
    "ask_card_type": ["Quelle carte vous intéresse : {names} ?"],
    "account_intro_branch": ["Pour ouvrir un {account} en agence, vous aurez besoin de :"],
    "account_intro_digital": ["Pour ouvrir un {account} en ligne, vous aurez besoin de :"],
    "steps": ["Les étapes :"],
    "processing": ["Délai : {value}"],
    "requirements": ["Il vous faudra aussi : {value}"],
    "benefits": ["Bon à savoir : {value}"],
    "card_intro": ["Voici les détails de notre {name}."],
    "card_default_note": [
        "J'ai répondu pour notre carte standard ; nous proposons aussi {others}.",
    ],
    "card_list_intro": ["Nous proposons ces cartes de débit :"],
    "card_features": ["Avantages : {value}"],
    "card_fees": ["Frais : {value}"],
    "card_eligibility": ["Conditions : {value}"],
    "card_delivery": ["Livraison : {value}"],
    "card_activation": ["Activation : {value}"],
    "card_replacement": ["Remplacement : {value}"],
    "card_ordering": ["Pour la commander :"],
    "branch_intro": ["L'agence la plus proche de {location} est {name}, à {distance}."],
    "branch_details": ["Adresse : {address}\nTéléphone : {phone}\nHoraires : {hours}"],
    "branch_more": ["Autres agences proches : {items}."],
    "branch_none": [
        "Je n'ai pas trouvé d'agence proposant ce service près de {location}.",
    ],
    "tool_failed": [
        "Désolé, je n'ai pas pu obtenir cette information pour le moment. Pourriez-vous "
        "réessayer dans un instant ?",
    ],
    "greeting": [
        "Bonjour ! Je peux vous aider à ouvrir un compte, répondre à vos questions sur nos "
        "cartes de débit ou trouver l'agence la plus proche. Que puis-je faire pour vous ?",
    ],
    "thanks": ["Avec plaisir ! {closing}"],
    "goodbye": ["Merci de nous avoir contactés. Bonne journée !"],
    "bot": [
        "Oui, je suis un assistant automatisé. Je peux vous aider à ouvrir un compte, "
        "répondre à vos questions sur nos cartes et trouver une agence, et vous mettre en "
        "relation avec un conseiller à tout moment. Comment puis-je vous aider ?",
    ],
    "capabilities": [
        "Je peux vous aider à ouvrir un compte (courant, épargne, professionnel ou étudiant, "
        "en agence ou en ligne), répondre à vos questions sur nos cartes de débit et trouver "
        "l'agence la plus proche. Que souhaitez-vous faire ?",
    ],
    "name": ["Je suis l'assistant virtuel de la banque. Que puis-je faire pour vous ?"],
    "yes": ["Très bien. Sur quoi souhaitez-vous en savoir plus ?"],
    "no": ["Pas de problème. Puis-je vous aider pour autre chose ?"],
    "cancel": ["Entendu, j'arrête. Puis-je vous aider pour autre chose ?"],
    "decline": [
        "Désolé, je ne peux pas vous aider sur ce sujet. Je peux vous aider à ouvrir un "
        "compte, répondre à vos questions sur nos cartes de débit ou trouver une agence.",
    ],
    "decline_guardrail": [
        "Je ne peux pas faire cela. Je peux vous aider à ouvrir un compte, répondre à vos "
        "questions sur nos cartes ou trouver une agence.",
    ],
    "unclear": [
        "Pour être sûr de bien comprendre : votre question concerne-t-elle l'ouverture d'un "
        "compte, nos cartes de débit ou la recherche d'une agence ?",
    ],
}

_ACCOUNT_NAMES: dict[Locale, dict[str, str]] = {
    Locale.EN_GB: {
        "checking": "current account",
        "savings": "savings account",
        "business": "business account",
        "student": "student account",
    },
    Locale.EN_US: {
        "checking": "checking account",
        "savings": "savings account",
        "business": "business account",
        "student": "student account",
    },
    Locale.FR_FR: {
        "checking": "compte courant",
        "savings": "livret d'épargne",
        "business": "compte professionnel",
        "student": "compte étudiant",
    },
}

CARD_TYPES = ("standard", "premium", "contactless", "virtual")


#: Card types as a French reply names them (the enum values are English words).
_CARD_SHORT: dict[Locale, dict[str, str]] = {
    Locale.FR_FR: {
        "standard": "la Visa Classic",
        "premium": "la Visa Premier",
        "contactless": "le bracelet et le porte-clés sans contact",
        "virtual": "la carte virtuelle",
    },
}


class Renderer:
    """Renders replies in one locale, varying phrasing with a counter.

    Args:
        locale: decides the language of the glue text and account-type names.
        variant: a per-contact counter; the same counter gives the same wording.
    """

    def card_short(self, card_type: str) -> str:
        """The short name of a card type in the reply's language ("la Visa Premier")."""
        return _CARD_SHORT.get(self.locale, {}).get(card_type, card_type)

    def __init__(self, locale: Locale, variant: int = 0) -> None:
        self.locale = locale
        self.variant = variant
        self._table = _FR if locale is Locale.FR_FR else _EN

    def pick(self, key: str, **values: str) -> str:
        """Return a variant of template ``key`` filled with ``values``.

        Raises:
            KeyError: for an unknown template key or a missing placeholder value.
        """
        options = self._table[key]
        text = options[self.variant % len(options)]
        return text.format(**values) if values else text

    def account_name(self, account_type: str) -> str:
        """Return the locale's name for an account type enum value (``checking``...)."""
        return _ACCOUNT_NAMES[self.locale].get(account_type, f"{account_type} account")

    def ask_account_type(self) -> str:
        """Return the clarifying question for the account type (seed 2 Example 1)."""
        return self.pick("ask_account_type", checking=self.account_name("checking"))

    def ask_channel(self, account_type: str) -> str:
        """Return the clarifying question branch-or-online for ``account_type``."""
        return self.pick(
            "ask_channel", ack=self.pick("ack"), account=self.account_name(account_type)
        )

    def account_info(self, output: dict[str, Any]) -> str:
        """Render ``get_branch/digital_account_opening_info`` output (seed 2 Tools 1 and 2)."""
        account = self.account_name(str(output.get("account_type", "")))
        intro_key = (
            "account_intro_digital"
            if output.get("channel") == "digital"
            else "account_intro_branch"
        )
        parts = [self.pick(intro_key, account=account), bullets(output.get("documents_required"))]
        if output.get("requirements"):
            parts.append(self.pick("requirements", value=str(output["requirements"])))
        steps = output.get("process_steps")
        if steps:
            parts.append(self.pick("steps") + "\n" + bullets(steps))
        if output.get("processing_time"):
            parts.append(self.pick("processing", value=str(output["processing_time"])))
        if output.get("benefits"):
            parts.append(self.pick("benefits", value=str(output["benefits"])))
        parts.append(self.pick("closing"))
        return "\n\n".join(p for p in parts if p)

    def card_info(self, output: dict[str, Any], aspects: Sequence[str], *, defaulted: bool) -> str:
        """Render ``get_debit_card_info`` output, leading with the asked ``aspects``.

        Args:
            output: the tool output (seed 2 Tool 3 shape).
            aspects: what the customer asked about (activation, delivery, fees,
                ordering, replacement, eligibility, features); empty → overview.
            defaulted: True when the customer named no card and the standard card
                was looked up; the reply says so.
        """
        details = output.get("card_details") or {}
        name = str(details.get("name") or output.get("card_type", ""))
        parts = [self.pick("card_intro", name=name)]
        shown = list(aspects) or ["features", "fees", "delivery"]
        for aspect in shown:
            if aspect == "features" and details.get("features"):
                parts.append(self.pick("card_features", value="; ".join(details["features"])))
            elif aspect == "fees" and details.get("fees"):
                parts.append(self.pick("card_fees", value=str(details["fees"])))
            elif aspect == "eligibility" and details.get("eligibility"):
                parts.append(self.pick("card_eligibility", value=str(details["eligibility"])))
            elif aspect == "delivery" and details.get("delivery_time"):
                parts.append(self.pick("card_delivery", value=str(details["delivery_time"])))
            elif aspect == "activation" and output.get("activation"):
                parts.append(self.pick("card_activation", value=str(output["activation"])))
            elif aspect == "replacement" and output.get("replacement_info"):
                parts.append(self.pick("card_replacement", value=str(output["replacement_info"])))
            elif aspect == "ordering" and output.get("ordering_process"):
                parts.append(
                    self.pick("card_ordering") + "\n" + bullets(output["ordering_process"])
                )
        if defaulted:
            others = [self.card_short(c) for c in CARD_TYPES if c != output.get("card_type")]
            parts.append(self.pick("card_default_note", others=", ".join(others)))
        parts.append(self.pick("closing"))
        return "\n\n".join(parts)

    def card_list(self, outputs: Sequence[dict[str, Any]]) -> str:
        """Render several ``get_debit_card_info`` outputs as a short comparison list."""
        lines = []
        for out in outputs:
            details = out.get("card_details") or {}
            name = str(details.get("name") or out.get("card_type", ""))
            fees = details.get("fees")
            lines.append(f"- {name}: {fees}" if fees else f"- {name}")
        names = ", ".join(self.card_short(str(o.get("card_type", ""))) for o in outputs)
        return "\n".join(
            [self.pick("card_list_intro"), *lines, "", self.pick("ask_card_type", names=names)]
        )

    def branches(self, output: dict[str, Any]) -> str:
        """Render ``find_nearest_branch`` output (seed 2 Tool 4): nearest first, then others."""
        branches = output.get("branches") or []
        location = str(output.get("search_location", ""))
        if not branches:
            return self.pick("branch_none", location=location)
        first = branches[0]
        parts = [
            self.pick(
                "branch_intro",
                location=location,
                name=str(first.get("name", "")),
                distance=str(first.get("distance", "")),
            ),
            self.pick(
                "branch_details",
                address=str(first.get("address", "")),
                phone=str(first.get("phone", "")),
                hours=str(first.get("hours", "")),
            ),
        ]
        more = [f"{b.get('name', '')} ({b.get('distance', '')})" for b in branches[1:3]]
        if more:
            parts.append(self.pick("branch_more", items="; ".join(more)))
        parts.append(self.pick("closing"))
        return "\n\n".join(parts)


def bullets(items: Any) -> str:
    """Render a list of strings as "- item" lines (empty string for no items)."""
    if not items:
        return ""
    if isinstance(items, str):
        return items
    return "\n".join(f"- {item}" for item in items)
