"""Round 7 (English): product questions asked plainly, whatever intent the router saw.

The router maps whole BANKING77 intents to a human (``cash_withdrawal_charge``,
``change_pin``, ``get_physical_card``, ``apple_pay_or_google_pay``...), so a general
card question that resembles one of them ("How much is the fee at a non-network ATM?",
"How do I set a PIN on a new debit card?") was handed over although the card catalog
answers it. The catalog's override needed a product *named* ("the premium card") or the
bank addressed ("your debit card"); a plain question about cards in general did not
qualify. :func:`plain_card_question` lets such a line through when nothing in it is
about the customer's own card or money and nothing has gone wrong.
"""

from __future__ import annotations

import re
from typing import Any

from switchboard.brains.local.field_cues import field_cues
from switchboard.brains.local.personal_wording import _asks_plainly
from switchboard.domain.types import Route

#: Something wrong or an event on a card or payment: the router's reading stands.
_INCIDENT = re.compile(
    r"\b(lost|lose|losing|stolen|steal\w*|stole|nicked|fraud\w*|scam\w*|hack\w*|"
    r"compromis\w*|declin\w*|block\w*|stuck|swallow\w*|ate|eaten|kept|retain\w*|"
    r"charged|dispute\w*|refund\w*|reimburs\w*|cancel\w*|wrong|problem\w*|issue\w*|"
    r"error|broken|damaged|expired|expir\w*|locked|unauthori[sz]ed|recogni[sz]e|"
    r"suspicious|pending|missing|still|yet|again|twice|damn\w*|bloody|stupid|useless|"
    r"not|n't|cannot|never|why)\b|"
    # the customer's own state or a card that will not work ("Do I have a card PIN?",
    # "how do I get this virtual card to work?")
    r"\bdo i (already )?have (a|an|my|any)\b|\bto work\b",
    re.IGNORECASE,
)
#: Not about our card catalog: where an ATM is, which countries, topping up with another
#: bank's card, a card only deictically named ("this card") or another issuer's brand;
#: rewards, verifying a withdrawal, linking a card, disposable cards (none is in the
#: catalog: the BANKING77 lines that ask them go to a human by the route map).
_ELSEWHERE = re.compile(
    r"\b(where|international|foreign card|eu|european|europe|country|countries|"
    r"top.?up\w*|topp?ing|adding (funds|money)|add (funds|money)|this card|that card|freedom|"
    r"mastercard|amex|american express|discover|sapphire|other card|rewards?|"
    r"verif\w*|linked|link (it|the|my|a|your)|disposable|single.?use|"
    r"one.?time (transaction|purchase|payment|use))\b",
    re.IGNORECASE,
)
#: Asking whether the bank offers something ("do you refund ATM fees"): not an event.
_BANK_OFFERS = re.compile(
    r"\b(do|does|will) (you|the bank|any card|it) (refund|reimburse)\b", re.IGNORECASE
)


def plain_card_question(text: str, reading: Any) -> bool:
    """True for a card question asked plainly of the bank, with an explicit card field.

    The reading and its topic are the card catalog, a card field is cued (fee, delivery,
    feature...), the line is a question with no first-person wording beyond "how do I" /
    "can I", no incident or trouble word, and nothing pointing beyond our card catalog
    (where an ATM is, other countries, top-ups, another issuer's card).
    "How do I set a PIN on a new debit card?" qualifies; "How do I report my card
    stolen?" and "Can I get a refund on that fee?" do not.
    """
    if reading.route is not Route.CARD_INFO or reading.topic is not Route.CARD_INFO:
        return False
    if not field_cues(text, Route.CARD_INFO) or not _asks_plainly(text):
        return False
    if _ELSEWHERE.search(text):
        return False
    return not _INCIDENT.search(_BANK_OFFERS.sub(" ", text))
