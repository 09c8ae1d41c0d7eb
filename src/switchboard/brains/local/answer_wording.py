"""Customer wording the answerability reader keys on (split out of :mod:`answerability`).

Regular expressions and small predicates over the customer's text: own-account and
transactional wording (a human), product questions asked about one's own card type
(the catalog), French capability and fee phrasings, and topic words per route.
:mod:`answerability` and :mod:`catalog_router` import them from here.
"""

from __future__ import annotations

import re

from switchboard.brains.local.field_cues import fold
from switchboard.domain.types import Route

#: Own-account, transactional or incident wording: the customer's own data, so a human.
OWN_ACCOUNT = re.compile(
    r"\b(why (was|were|did|has|have|is|am|are|do|does) (i|my|me|you|it|this|the|they|there)|"
    r"was i|were i|i was|i've been|i have been|i got charged|charged me|(was|were) charged|"
    r"my (balance|statement|transactions?|payments?|transfers?|salary|wages|money|funds|"
    r"refund|direct debits?|standing orders?|overdraft limit|account number|pin|"
    r"deposit|top[- ]?up|cheque|check|limit|loan|mortgage|details)\b|"
    r"hasn'?t|haven'?t|has not|have not|didn'?t|did not|still (not|waiting|hasn)|"
    r"not (arrived|received|working|showing|gone through)|declined|rejected|"
    r"pending|refund\w*|dispute|reverse|cancel (my|a|the)|close my|"
    r"yesterday|last (week|month|night|time)|this morning|ago|never|"
    r"(in|from|on|to|into|out of) my (\w+ )?account|how much (money )?(do i have|is in)|"
    r"(has|have|had|might have|may have|could have) been|cloned|skimmed|hacked|"
    r"compromised|stolen|stole|lost|fraud\w*|scam\w*|i ordered|i applied|i made|i sent|"
    r"send|sent|transfer\w*|move (money|\$|£|€|\d)|top[- ]?up\w*|add (money|funds|cash)|"
    r"exchange rates?|exchang\w+|disposable|troubleshoot\w*|not working|doesn'?t work|"
    r"(spending|card|daily|withdrawal|payment|transaction)? ?limits|"
    r"(money|funds|cash) (from|between) (one|my|an?|the|two|\w+ )?(\w+ )?accounts?|"
    r"won'?t work|topping up|cheques?|balance|did i|spen[dt]|non-?functional|broken|"
    r"already have|if i (do not |don't )?live|in (the )?eu|outside the (uk|us)|"
    r"(get|make) (it|this|that|the|my) (\w+ ){0,3}to work|"
    r"one.?time (transactions?|purchases?|payments?)|do i (already )?have (a|an|my|any)|"
    r"rewards?|"
    r"pourquoi (ai|a|j)|mon solde|mon virement|mes opérations|volée?s?|perdue?s?|fraude|"
    r"opposition|prélèvements?|(?<!premier )virements?|rembours\w+|débité\w*)\b",
    re.IGNORECASE,
)

#: Opening an account (wins over "branch" and "card" words: "open an account at a branch").
_OPENING = re.compile(
    r"\b(open(ing)?|apply for|applying for) (an? |my |the )?(\w+ )?(account|compte)\b|"
    r"\bouvr\w* (un |une |mon |le |ma )?(compte|livret)\b|\bouverture d'(un )?(compte|livret)\b",
    re.IGNORECASE,
)

#: Applying for or opening an account, with or without its type ("apply online").
_APPLYING = re.compile(
    r"\b(apply|applying|sign up|signing up|open(ing)? (an? |new )?(\w+ )?account)\b",
    re.IGNORECASE,
)
#: Opening a named account type without the word "account" ("open checking online").
_OPENING_TYPE = re.compile(
    r"\bopen(ing)? (an? |the |new )?(\w+ )?(checking|savings|current|student|business)\b",
    re.IGNORECASE,
)
#: Card use outside the home country, asked with a fee word: a fee question, not residency.
_FEE_WORD = re.compile(r"\b(fees?|costs?|charges?|free|how much|price)\b", re.IGNORECASE)
_OUTSIDE_HOME = re.compile(r"\boutside (of )?the (uk|us|usa|united states|united kingdom)\b", re.I)


def own_account_wording(text: str) -> bool:
    """True when ``text`` has own-account, transactional or incident wording (:data:`OWN_ACCOUNT`).

    "Is there a fee for using the card outside the US?" asks the fee for use abroad,
    not where the customer lives, so with a fee word "outside the US" reads as "abroad".
    """
    if _FEE_WORD.search(text):
        text = _OUTSIDE_HOME.sub("abroad", text)
    return bool(OWN_ACCOUNT.search(text))


#: Vague openers: a wish to ask, with no question in them yet (the whole line).
_VAGUE = re.compile(
    r"^\W*((hi|hello|hey|bonjour)\W+)?"
    r"(i( have|'ve got| got| need) (a |some |one )?(quick )?"
    r"(question|query|help|information|info|enquiry|inquiry)|"
    r"(can|could) you help( me)?|i('d| would) like (some )?(help|information|info)|"
    r"i want to ask|quick question|a question|question|help( me)?|something|"
    r"j'ai une question|une question|"
    r"(c'est pour|je voudrais|j'aimerais|je souhaite|j'ai besoin de|je cherche) "
    r"(un |une |des |quelques )?(renseignements?|informations?|infos?|aide|question)|"
    r"j'ai besoin d'(aide|informations?|infos?)|"
    r"(un |des )?renseignements?|(vous pouvez|pouvez-vous|tu peux) m'aider)"
    r"(\s+(about|with|regarding|on|for|concerning|sur))?"
    r"(\s+(something about|a question about))?"
    r"(\s+(a|an|my|your|the|some|opening an?|opening|mon|ma|une?|les|la|le|vos|votre|des))?"
    r"(\s+(debit|bank|savings|current|new))?"
    r"(\s+(cards?|accounts?|branch(es)?|banking|checking|savings|cartes?|comptes?|agences?))?"
    r"(\s+(thing|question|query|something))?(\s+please|\s+svp|\s+s'il vous pla[iî]t)?\W*$",
    re.IGNORECASE,
)

#: The customer's own things and events ("my card", "you sent me", "won't work"): a
#: product question never looks like this, so the catalog does not override a handover.
_PERSONAL = re.compile(
    r"\b(my|mine|i've|i'd|i had|i paid|i received|i got|i used|i tried|sent me|"
    r"you sent|not|cannot|mon|ma|mes)\b|n't\b",
    re.IGNORECASE,
)
#: "Can I freeze my card in the app?": a capability of the product, asked about one's own.
_CAPABILITY = re.compile(
    r"^\W*(can|could) (i|you) (freeze|unfreeze|lock|unlock|use|add|pay with|get)\b",
    re.IGNORECASE,
)
#: French "how do I <do X> with my card": a product question despite "ma"/"mon"
#: (matched on folded text; the asked field must be one the catalog answers for
#: everyone: activation, ordering, a feature). A negation keeps it personal.
_CAPABILITY_FR = re.compile(
    r"^\W*(comment|puis-je|peut-on|est-ce que (je peux|on peut)|je peux|on peut|"
    r"je voudrais|je souhaite|j'aimerais|combien de temps|en combien de temps|quel delai|"
    r"que (dois-je |doit-on |faut-il )?faire|qu'est-ce que je dois faire|quoi faire)\b"
    r".*\b(activer|commander|bloquer|debloquer|utiliser|ajouter|payer|obtenir|avoir|recevoir)\b"
)
_NEGATION_FR = re.compile(r"\b(ne|n'|pas|plus|jamais|aucun\w*)\b|\bn'")
_CAPABILITY_FR_FIELDS = frozenset({"activation", "ordering_process", "feature", "delivery_time"})

#: French: the bank's products named as such ("quelle carte", "vos comptes", "avez-vous").
_PRODUCT_REFERENCE_FR = re.compile(
    r"\b(quel(le)?s? (carte|compte|livret|agence)s?|vos (cartes|comptes|agences)|"
    r"votre (carte|compte|agence)|proposez-vous|vous proposez|avez-vous|vous avez|"
    r"offrez-vous|vous faites)\b"
)

#: A fee or capability question asked before the fact, not about an event that happened.
_ASKS_AHEAD = re.compile(
    r"^\W*((when|while|if) [^,?]{3,40},\s*)?"
    r"(what does it cost|how much (does it cost|is it|will it cost|will i pay|do you charge)|"
    r"what('s| is| are) the (\w+ ){0,2}(fees?|charges?|costs?)|what fees?|"
    r"do i (pay|get charged|have to pay)|does (my|the|your) [\w ]{0,25}card (have|charge|cost)|"
    r"is there an? (\w+ ){0,3}(fee|charge|cost)|are there (any )?(\w+ ){0,3}(fees|charges)|"
    r"do you charge|will i (be charged|pay)|is it free|"
    r"can i|could i|am i able to|does it cost|would i (be charged|pay)|"
    r"(will|would|does) (my|the|your) [\w ]{0,25}card (work|be accepted))\b",
    re.IGNORECASE,
)
#: "my debit card", "my premium card": one's own card *type*, which the catalog describes.
_MY_CARD_TYPE = re.compile(
    r"\bmy (visa )?(debit|standard|premium|classic|contactless) (visa )?(debit )?card\b",
    re.IGNORECASE,
)
#: Where the card is used, in the catalog's own terms (abroad, at home, cash machines).
_CARD_USE = re.compile(
    r"\b(abroad|overseas|foreign|internationally|outside the country|on holiday|"
    r"in the (uk|us|usa|united states|united kingdom)|in (britain|america)|at home|"
    r"withdraw\w*|cash machines?|atms?|online|contactless|apple pay|google pay|samsung pay|"
    r"freeze|unfreeze|lock|unlock|in the app|travel\w*|trips?|vacation|holidays?)\b",
    re.IGNORECASE,
)
#: A named place the card is used in ("in Mexico", "in Spain"): capitalised, so case-sensitive.
_IN_PLACE = re.compile(r"\b(in|to|visiting) [A-Z][a-z]{2,}")
#: A cash withdrawal at home ("Can I withdraw cash for free in the UK?"): the fee line answers.
_DOMESTIC_CASH = re.compile(
    r"\b(withdraw\w*|take out|get) (cash|money)\b.*\b(in the (uk|us|usa|united states|"
    r"united kingdom)|in (britain|america)|domestically)\b",
    re.IGNORECASE,
)


def own_card_product_question(text: str) -> bool:
    """True for a fee or capability question about one's own card *type*, asked ahead.

    "What does it cost to use my debit card overseas?", "Can I use my premium card
    with Apple Pay?", "Can I withdraw cash for free in the UK?": the card's catalog
    line answers them. Only "my <card type> card" may be personal (a bare "my card",
    as in CLINC150's "will I be charged if I use my card in Japan", stays with the
    router's reading), the question must be asked ahead of the fact (no event, no
    negation, no own-account wording) and name where or how the card is used.
    """
    if own_account_wording(text) or re.search(r"n't\b|\bnot\b", text, re.I):
        return False
    if not _ASKS_AHEAD.search(text):
        return False
    rest = _MY_CARD_TYPE.sub("the card", text)
    if _PERSONAL.search(rest):
        return False
    if _MY_CARD_TYPE.search(text):
        return bool(_CARD_USE.search(text) or _IN_PLACE.search(text))
    return bool(_DOMESTIC_CASH.search(text))


#: French: asked ahead ("Puis-je retirer gratuitement dans la zone euro ?"), accent-folded.
_ASKS_AHEAD_FR = re.compile(
    r"^\W*(puis-je|peut-on|est-ce que (je peux|l'on peut|on peut)|je peux|on peut|"
    r"est-il possible de|y a-t-il des frais|faut-il payer|combien (ca )?coute)\b"
)
#: French: paying or withdrawing, and where or at what cost (the card's fee line answers).
_CARD_USE_FR = re.compile(
    r"\b(retirer|retraits?|payer|paiements?)\b.*\b(gratuit\w*|sans frais|frais|"
    r"a l'etranger|hors (de la )?zone euro|zone euro|en europe|dans le monde|partout)\b"
)


def own_card_product_question_fr(text: str) -> bool:
    """French: a fee question about paying or withdrawing with the card, asked ahead.

    "Puis-je retirer gratuitement dans la zone euro ?" is answered by the card's
    fee line; a statement, a negation ("je ne peux pas retirer") or own-account
    wording keeps the router's reading.
    """
    folded = fold(text)
    if own_account_wording(text) or _NEGATION_FR.search(folded):
        return False
    return bool(_ASKS_AHEAD_FR.search(folded) and _CARD_USE_FR.search(folded))


#: The bank's products named as such ("your debit card", "do you offer...").
_PRODUCT_REFERENCE = re.compile(
    r"\b(your (debit )?(cards?|accounts?|branch(es)?)|the debit cards?|"
    r"(a|any) (debit )?cards? (that|which|with|(i|we) can)|(get|have|order) an? debit card|"
    r"do you (have|offer|do|charge|provide)|"
    r"does the bank|vos cartes|votre carte|proposez-vous)\b",
    re.IGNORECASE,
)

_TOPICS: tuple[tuple[Route, re.Pattern[str]], ...] = (
    (
        Route.CARD_INFO,
        re.compile(
            r"\b(cards?|debit|fob|wearables?|wristband|sticker|apple pay|google pay|"
            r"samsung pay|contactless|cartes?|withdraw\w*|cash machines?|atms?)\b",
            re.IGNORECASE,
        ),
    ),
    (
        Route.BRANCH,
        re.compile(
            r"\b(branch\w*|agence\w*|office|in person|where can i go|(a|any|your) locations?)\b",
            re.IGNORECASE,
        ),
    ),
    (
        Route.ACCOUNT_OPENING,
        re.compile(
            r"\b(accounts?|checking|apply|application|documents?|docs|compte|"
            r"proof of (address|identity|id)|photo id)\b",
            re.IGNORECASE,
        ),
    ),
)

#: French topic words per route, matched on accent-folded text (:func:`topic_of`).
_TOPICS_FR: dict[Route, re.Pattern[str]] = {
    Route.CARD_INFO: re.compile(
        r"\b(porte[- ]?cles?|bracelets?|distributeurs?|retraits?|retirer|cb|carte bleue|apple pay|"
        r"google pay|payer (avec|par) (mon |le |votre )?(telephone|portable|mobile|montre))\b"
    ),
    Route.BRANCH: re.compile(
        r"\b(agences?|agense|agance|guichets?|succursales?|"
        r"(heures?|horaires?|jours?) d'(ouverture|fermeture))\b"
    ),
    Route.ACCOUNT_OPENING: re.compile(
        r"\b(comptes?|livrets?|epargne|ouvrir|ouverture|papiers|justificatifs?|rib)\b"
    ),
}
