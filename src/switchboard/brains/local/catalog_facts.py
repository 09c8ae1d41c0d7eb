"""The catalog facts the four banking tools can answer, with our own question phrasings.

One :class:`Fact` per answerable field of the catalog (``tools/data/*_<locale>.yaml``
as the tools expose it, seed 2 §2): account opening per account type × channel
(documents, steps, timing, requirements, benefits, minimum deposit, monthly fee,
overdraft), each card × fees, eligibility, delivery, activation, ordering,
features (one fact per feature line, in the catalog's own words), and branches ×
nearest, hours, a day's hours, phone, address, services.

The phrasings are short questions of our own, in English (the multilingual
encoder maps French questions next to them), plus a smaller French set for
fr_FR (French questions score higher against French phrasings); they are NOT
taken from the evaluation set (``data/eval/``). Feature facts also carry the catalog's feature
line itself, so "do you do a key fob?" lands on the card whose features say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import lru_cache

from switchboard.domain.types import Locale, Route

#: Tool that answers each route (accounts: the channel decides between two tools).
CARD_TOOL = "get_debit_card_info"
BRANCH_TOOL = "find_nearest_branch"
BRANCH_OPENING_TOOL = "get_branch_account_opening_info"
DIGITAL_OPENING_TOOL = "get_digital_account_opening_info"


@dataclass(frozen=True)
class Fact:
    """One answerable field and one way of asking for it.

    ``route`` and ``field`` name what answers it (``field`` is a key of the tool
    output, or a derived one: ``min_deposit``, ``monthly_fee``, ``overdraft``,
    ``hours_day``, ``feature``); ``entities`` are tool arguments the fact implies
    (``card_type``, ``account_type``, ``channel``) and, for feature facts, the
    feature's index in ``card_details.features``.
    """

    route: Route
    field: str
    text: str
    entities: dict[str, str] = dc_field(default_factory=dict)


#: Our own phrasings per (route, field). "{card}"/"{account}" make entity-specific copies.
_CARD_FIELDS: dict[str, tuple[str, ...]] = {
    "fees": (
        "are there any fees on the debit card",
        "how much does the card cost",
        "is there a monthly fee for the card",
        "what does it cost to use the card abroad",
        "do you charge for using the card overseas",
        "are cash withdrawals free",
        "what are the ATM fees",
        "is the card free",
        "foreign transaction fees on the card",
        "what is the price of the {card}",
        "how much is the {card} a month",
        "is the {card} free",
    ),
    "eligibility": (
        "who can get the card",
        "am I eligible for the card",
        "what do I need to earn to get the card",
        "what are the requirements to get the {card}",
        "how old do I need to be for the {card}",
        "can I get the {card}",
        "do I qualify for the {card}",
    ),
    "delivery_time": (
        "how long does the card take to arrive",
        "when will I receive the card",
        "how long is delivery of the {card}",
        "how quickly will I get the {card}",
    ),
    "activation": (
        "how do I activate the card",
        "how do I start using my new card",
        "how do I activate the {card}",
    ),
    "ordering_process": (
        "how do I order the card",
        "how do I apply for the {card}",
        "how can I get a {card}",
    ),
    "features": (
        "what are the features of the card",
        "what does the {card} offer",
        "tell me about the {card}",
        "what are the benefits of the {card}",
        "do you offer a {card}",
    ),
    "overview": (
        "which debit cards do you offer",
        "what cards do you have",
        "what is the difference between your debit cards",
        "compare your debit cards",
    ),
}

_FEATURE_QUESTIONS: tuple[str, ...] = (
    "can I use Apple Pay with the card",
    "does the card work with Google Pay",
    "can I freeze the card in the app",
    "can I lock my card in the app",
    "is the card contactless",
    "can I pay with my phone",
    "can I pay with a wristband or key fob",
    "does it come with travel insurance",
    "do I get airport lounge access",
    "is the card made of metal",
    "does it need charging",
    "can I use the card abroad",
)

_ACCOUNT_FIELDS: dict[str, tuple[str, ...]] = {
    "documents_required": (
        "what documents do I need to open an account",
        "what ID do I need to open an account",
        "what do I need to bring to open a {account}",
        "which documents are needed for a {account}",
        "do I need proof of address",
    ),
    "process_steps": (
        "how do I open an account",
        "what are the steps to open a {account}",
        "how does the application process work",
        "walk me through opening a {account}",
    ),
    "processing_time": (
        "how long does it take to open an account",
        "how quickly can I open a {account}",
        "how long is the application",
        "when can I use my new account",
    ),
    "requirements": (
        "how old do I have to be to open an account",
        "what are the requirements to apply online",
        "can I open an account if I live abroad",
        "do I need a smartphone to apply",
        "who can open a {account}",
    ),
    "benefits": (
        "what are the benefits of the {account}",
        "tell me about the {account}",
        "do you have a {account}",
        "do you offer a {account}",
    ),
    "min_deposit": (
        "what is the minimum deposit for a {account}",
        "how much do I need to open a {account}",
        "what is the smallest amount to open a {account} with",
    ),
    "monthly_fee": (
        "is there a monthly fee on the {account}",
        "how much does the {account} cost",
        "is the {account} free",
    ),
    "overdraft": ("is there an overdraft on the {account}", "how much overdraft can I get"),
}

_BRANCH_FIELDS: dict[str, tuple[str, ...]] = {
    "nearest": (
        "where is the nearest branch",
        "find a branch near me",
        "is there a branch in my town",
        "where can I go in person",
        "which branch is closest to my postcode",
    ),
    "hours": (
        "what are the branch opening hours",
        "when is the branch open",
        "what time does the branch open",
        "what time does the branch close",
    ),
    "hours_day": (
        "is the branch open on Saturday",
        "is the branch open on Sunday",
        "what time does the branch close on Thursday",
    ),
    "phone": ("what is the branch phone number", "how can I call the branch"),
    "address": ("what is the address of the branch", "where exactly is the branch"),
    "services": (
        "which branch can help with business banking",
        "what services does the branch offer",
    ),
}

#: Display words used to make entity-specific phrasings (English; the encoder is multilingual).
_CARD_WORDS = {
    "standard": "standard debit card",
    "premium": "premium card",
    "contactless": "contactless wearable",
    "virtual": "virtual card",
}
_ACCOUNT_WORDS = {
    "checking": "current account",
    "savings": "savings account",
    "business": "business account",
    "student": "student account",
}


#: French phrasings of our own for fr_FR, next to the English ones: French questions sit
#: closer to them than to the English ones in the multilingual space (round 2 of issue 10).
_CARD_FIELDS_FR: dict[str, tuple[str, ...]] = {
    "fees": (
        "combien coûte la carte",
        "y a-t-il des frais sur la carte",
        "quels sont les frais à l'étranger",
        "les retraits sont-ils gratuits",
        "combien coûte la {card}",
        "la {card} est-elle gratuite",
        "quels frais avec la {card} hors zone euro",
    ),
    "eligibility": (
        "qui peut avoir la carte",
        "quelles conditions pour obtenir la {card}",
        "quels revenus faut-il pour la {card}",
    ),
    "delivery_time": (
        "en combien de temps vais-je recevoir la carte",
        "quel est le délai de livraison de la {card}",
    ),
    "activation": ("comment activer la carte", "comment activer la {card}"),
    "ordering_process": ("comment commander la carte", "comment obtenir la {card}"),
    "features": ("que propose la {card}", "parlez-moi de la {card}"),
    "overview": ("quelles cartes proposez-vous", "quelle différence entre vos cartes"),
}
_ACCOUNT_FIELDS_FR: dict[str, tuple[str, ...]] = {
    "documents_required": (
        "quels documents faut-il pour ouvrir un compte",
        "quels justificatifs pour ouvrir un {account}",
    ),
    "process_steps": (
        "comment ouvrir un compte",
        "quelles sont les étapes pour ouvrir un {account}",
    ),
    "processing_time": (
        "combien de temps faut-il pour ouvrir un compte",
        "en combien de temps est ouvert un {account}",
    ),
    "requirements": (
        "quel âge faut-il avoir pour ouvrir un compte",
        "quelles conditions pour ouvrir un {account}",
    ),
    "benefits": ("quels sont les avantages du {account}", "avez-vous un {account}"),
    "min_deposit": ("quel est le versement minimum pour un {account}",),
    "monthly_fee": ("combien coûte le {account}", "y a-t-il des frais sur le {account}"),
    "overdraft": ("y a-t-il un découvert autorisé sur le {account}",),
}
_BRANCH_FIELDS_FR: dict[str, tuple[str, ...]] = {
    "nearest": ("où est l'agence la plus proche", "avez-vous une agence dans ma ville"),
    "hours": ("quels sont les horaires de l'agence", "à quelle heure ferme l'agence"),
    "hours_day": ("l'agence est-elle ouverte le samedi",),
    "phone": ("quel est le numéro de téléphone de l'agence",),
    "address": ("quelle est l'adresse de l'agence",),
    "services": ("quels services propose l'agence",),
}
_CARD_WORDS_FR = {
    "standard": "Visa Classic",
    "premium": "Visa Premier",
    "contactless": "bracelet sans contact",
    "virtual": "carte virtuelle",
}
_ACCOUNT_WORDS_FR = {
    "checking": "compte courant",
    "savings": "livret d'épargne",
    "business": "compte professionnel",
    "student": "compte étudiant",
}


def _expand(
    route: Route,
    table: dict[str, tuple[str, ...]],
    slot: str,
    words: dict[str, str] | None = None,
) -> list[Fact]:
    if words is None:
        words = _CARD_WORDS if slot == "card_type" else _ACCOUNT_WORDS
    placeholder = "{card}" if slot == "card_type" else "{account}"
    facts: list[Fact] = []
    for name, phrasings in table.items():
        for text in phrasings:
            if placeholder not in text:
                facts.append(Fact(route, name, text))
                continue
            for value, word in words.items():
                filled = text.replace(placeholder, word)
                facts.append(Fact(route, name, filled, {slot: value}))
    return facts


@lru_cache(maxsize=4)
def catalog_facts(locale: Locale) -> tuple[Fact, ...]:
    """Every fact of ``locale``'s catalog with its phrasings (cached per locale).

    Card feature lines are read from the locale's card catalog, so a catalog
    edit changes what the agent recognises without code changes.

    Raises:
        switchboard.errors.ConfigError: the catalog file fails its schema check.
    """
    from switchboard.tools.catalog import load_catalog

    facts = _expand(Route.CARD_INFO, _CARD_FIELDS, "card_type")
    facts += [Fact(Route.CARD_INFO, "feature", q) for q in _FEATURE_QUESTIONS]
    for card_type, card in load_catalog(locale).cards.cards.items():
        for index, line in enumerate(card.features):
            facts.append(
                Fact(
                    Route.CARD_INFO,
                    "feature",
                    line,
                    {"card_type": card_type, "feature": str(index)},
                )
            )
        facts.append(Fact(Route.CARD_INFO, "features", card.name, {"card_type": card_type}))
    facts += _expand(Route.ACCOUNT_OPENING, _ACCOUNT_FIELDS, "account_type")
    facts += [Fact(Route.BRANCH, name, q) for name, qs in _BRANCH_FIELDS.items() for q in qs]
    if locale is Locale.FR_FR:
        facts += _expand(Route.CARD_INFO, _CARD_FIELDS_FR, "card_type", _CARD_WORDS_FR)
        facts += _expand(
            Route.ACCOUNT_OPENING, _ACCOUNT_FIELDS_FR, "account_type", _ACCOUNT_WORDS_FR
        )
        facts += [Fact(Route.BRANCH, name, q) for name, qs in _BRANCH_FIELDS_FR.items() for q in qs]
    return tuple(facts)
