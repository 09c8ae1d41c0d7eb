"""Answerability from the catalog: can the tools answer this question, and with which field?

The router (BANKING77/CLINC150 intents) says which known intent an utterance resembles,
mostly about the customer's *own* account; this module asks: is the answer in our catalog?

Per question (:func:`CatalogReader.read`):

1. **Own-account and transactional wording** ("why was I charged", "my
   transfer", "hasn't arrived") keeps the router's reading: those go to a human.
2. **Topic and entities** come from the slot extractor (card type, account type,
   channel, location) and from topic words; **fields** from field cues (fee,
   eligibility, delivery, hours and a day, phone, address, documents...).
3. **Retrieval**: the closest catalog fact phrasing (:mod:`catalog_facts`) by multilingual
   embedding gives the answerability score (its cosine) and fills what the cues left open
   (a feature question finds the card whose feature line matches).

The result is a :class:`Reading`; :mod:`catalog_router` turns readings into the
``RouteDecision`` the turn loop and the local brain read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from switchboard.brains.local.answer_wording import (
    _APPLYING,
    _CAPABILITY,
    _CAPABILITY_FR,
    _CAPABILITY_FR_FIELDS,
    _NEGATION_FR,
    _OPENING,
    _OPENING_TYPE,
    _PERSONAL,
    _PRODUCT_REFERENCE,
    _PRODUCT_REFERENCE_FR,
    _TOPICS,
    _TOPICS_FR,
    _VAGUE,
    OWN_ACCOUNT,
    own_account_wording,
    own_card_product_question,
    own_card_product_question_fr,
)
from switchboard.brains.local.catalog_facts import Fact, catalog_facts
from switchboard.brains.local.english_cues import (
    asks_which_branch,
    branch_service_asked,
    other_establishment,
)
from switchboard.brains.local.english_readings import (
    adjust_reading,
    asks_for_help,
    names_card_service,
    quotes_catalog,
    vague_in_english,
)
from switchboard.brains.local.field_cues import (
    FIELD_CUES,
    day_of,
    field_cues,
    fold,
    with_day_hours,
)
from switchboard.brains.local.french_readings import FEATURE_SYNONYMS_FR, vague_opener_fr
from switchboard.brains.local.personal_wording import (
    _HYPOTHETICAL,
    _asks_plainly,
    _personal,
)
from switchboard.brains.local.plain_questions import plain_card_question
from switchboard.domain.types import Locale, Route
from switchboard.nlu.slots import extract_slots

FloatArray = npt.NDArray[np.float32]

#: Cosine to the closest catalog fact above which a product question is answerable.
ANSWERABLE = 0.55
#: Answerability given to a question that names a word only one card's catalog entry uses.
NAMED_SCORE = 0.65
#: English words more frequent than this (symspellpy's list) are too common to name a product.
COMMON_WORD_COUNT = 5_000_000
#: How far one card's closest feature line must beat the others' to answer for it alone.
FEATURE_MARGIN = 0.08
#: Higher bar when the router called the line off-topic (not banking at all).
ANSWERABLE_OFF_TOPIC = 0.62


@dataclass
class Reading:
    """What one question asks of the catalog.

    ``route`` is None when no tool route fits; ``fields`` lists the asked fields
    (tool output keys or derived: ``min_deposit``, ``monthly_fee``, ``overdraft``,
    ``feature``, ``hours_day``, ``nearest``); ``entities`` holds tool arguments
    (``card_type``, ``account_type``, ``channel``, ``location``, ``service_type``)
    and details (``day``, ``feature``); ``score`` is the closest fact's cosine.
    """

    route: Route | None
    fields: list[str] = field(default_factory=list)
    entities: dict[str, str] = field(default_factory=dict)
    score: float = 0.0
    own_account: bool = False
    vague: bool = False
    topic: Route | None = None
    inferred_card: bool = False


class CatalogIndex:
    """The catalog facts of one locale, embedded once, searched per question.

    Args:
        locale: whose catalog (facts and feature lines) to index.
        embedder: anything with ``embed(texts) -> (n, d)`` unit rows and
            ``embed_one(text) -> (d,)`` (the multilingual USE encoder).
    """

    def __init__(self, locale: Locale, embedder: Any) -> None:
        self.locale = locale
        self.embedder = embedder
        self.facts: tuple[Fact, ...] = catalog_facts(locale)
        self.matrix: FloatArray = np.asarray(
            embedder.embed([f.text for f in self.facts]), dtype=np.float32
        )

        self.card_words = _distinctive_card_words(locale)
        self.feature_words = _feature_words(locale)
        self.branch_places = _branch_places(locale)
        self.branch_cities = _branch_cities(locale)

    def city_in(self, text: str) -> str | None:
        """A city where we have a branch written in ``text`` in any case ("hours glasgow").

        The slot extractor takes a lower-case city only after a cue word; a city of our
        own branch list is taken anywhere (names of 4+ letters, one or two words).
        """
        words = re.findall(r"[a-zà-ÿ'-]+", fold(text))
        for size in (2, 1):
            for i in range(len(words) - size + 1):
                name = " ".join(words[i : i + size])
                if len(name) >= 4 and name in self.branch_cities:
                    return self.branch_cities[name]
        return None

    def branch_named(self, text: str) -> str | None:
        """The postcode of the branch whose own name ``text`` uses ("Canary Wharf", "Wall St")."""
        folded = f" {fold(text)} "
        for name, postcode in self.branch_places:
            if f" {name} " in folded or f" {name}," in folded or f" {name}?" in folded:
                return postcode
        return None

    def branch_city(self, place: str) -> bool:
        """True when ``place`` is a city (or a branch's own name) where we have a branch."""
        place = fold(place).strip()
        return any(place == name or name.startswith(f"{place} ") for name, _ in self.branch_places)

    def branch_in(self, postcode: str, city: str) -> bool:
        """True when the branch at ``postcode`` has ``city`` in its name ("Marseille Prado")."""
        city = fold(city)
        return any(city in name for name, code in self.branch_places if code == postcode)

    def card_named(self, text: str) -> str | None:
        """The card whose catalog name or features alone use a word of ``text`` ("fob")."""
        words = set(re.findall(r"[a-zà-ÿ]+", fold(text)))
        for card, own in self.card_words.items():
            if words & own:
                return card
        return None

    def search(self, text: str, k: int = 5) -> list[tuple[Fact, float]]:
        """Return the ``k`` closest facts to ``text`` with their cosines, best first."""
        vec = np.asarray(self.embedder.embed_one(text), dtype=np.float32)
        scores = self.matrix @ vec
        top = np.argsort(-scores)[:k]
        return [(self.facts[i], float(scores[i])) for i in top]

    def feature_by_words(self, text: str, card_type: str) -> str | None:
        """Index of the ``card_type`` feature line sharing most content words with ``text``.

        "besoin d'être rechargé" → "Sans batterie ni recharge"; None on a tie or no overlap
        (the card's own name words do not count: they name the card, not a feature).
        """
        words = {
            w for w in re.findall(r"[a-zà-ÿ]+", fold(text)) if len(w) >= 4 or w in _SHORT_WORDS
        } - _COMMON
        words |= {FEATURE_SYNONYMS_FR[w] for w in words if w in FEATURE_SYNONYMS_FR}  # "pile"
        for fact in self.facts:  # the card's own name names the card, not a feature
            if fact.field == "features" and fact.entities.get("card_type") == card_type:
                words -= set(re.findall(r"[a-zà-ÿ]+", fold(fact.text)))
        counts: dict[str, int] = {}
        for fact in self.facts:
            if fact.field == "feature" and fact.entities.get("card_type") == card_type:
                own = set(re.findall(r"[a-zà-ÿ]+", fold(fact.text)))
                key = fact.entities.get("feature")
                if key is not None:
                    counts[key] = max(counts.get(key, 0), len(words & own))
        top = max(counts.values(), default=0)
        if not top or sum(1 for n in counts.values() if n == top) != 1:
            return None
        return max(counts, key=lambda k: counts[k])

    def best_feature(self, text: str, card_type: str) -> tuple[str | None, float]:
        """Index of ``card_type``'s feature line closest to ``text`` and its cosine."""
        vec = np.asarray(self.embedder.embed_one(text), dtype=np.float32)
        best: tuple[str | None, float] = (None, -1.0)
        for i, fact in enumerate(self.facts):
            if fact.field == "feature" and fact.entities.get("card_type") == card_type:
                score = float(self.matrix[i] @ vec)
                if score > best[1]:
                    best = (fact.entities.get("feature"), score)
        return best


#: Short words that still name one feature line ("Chip and PIN", "ATM fees refunded").
_SHORT_WORDS = frozenset({"pin", "atm", "atms"})

_COMMON = frozenset(
    "the and with your for card cards debit visa you can are not per any one our app from "
    "when who each all into more been have will that this card's pay payments account "
    "carte cartes avec votre pour des les une sur dans vous".split()
)


def _distinctive_card_words(locale: Locale) -> dict[str, set[str]]:
    """Per card type, words of its name and feature lines that no other card uses."""
    from switchboard.tools.catalog import load_catalog

    cards = load_catalog(locale).cards.cards
    words = {
        card: {
            w
            for w in re.findall(r"[a-zà-ÿ]+", fold(" ".join([c.name, *c.features])))
            if len(w) >= 3 and w not in _COMMON
        }
        for card, c in cards.items()
    }
    from switchboard.brains.local.spelling import spell_fixer

    fixer = spell_fixer(locale)

    names: dict[str, set[str]] = {
        card: set(re.findall(r"[a-zà-ÿ]+", fold(c.name))) for card, c in cards.items()
    }

    def product_word(word: str, card: str) -> bool:
        # A word that names a product thing, not a question or an account event.
        # Feature cue words are product things ("wristband", "sticker"): they may name one.
        cues = (p for _, f, p in FIELD_CUES if f != "feature")
        if OWN_ACCOUNT.search(word) or any(p.search(word) for p in cues):
            return False
        if fixer.english:
            # A word of the card's own name ("Visa Signature") names it however common.
            return (word in names[card] and len(word) >= 5) or (
                fixer.frequency(word) < COMMON_WORD_COUNT
            )
        return False  # no French frequency list: rely on retrieval alone

    return {
        card: {
            w
            for w in own - set().union(*(o for name, o in words.items() if name != card))
            if product_word(w, card)
        }
        for card, own in words.items()
    }


def _feature_words(locale: Locale) -> dict[str, set[str]]:
    """Per card type, the content words (4+ letters) of its feature lines, accent-folded."""
    from switchboard.tools.catalog import load_catalog

    return {
        card: {
            w
            for w in re.findall(r"[a-zà-ÿ]+", fold(" ".join(c.features)))
            if len(w) >= 4 and w not in _COMMON
        }
        for card, c in load_catalog(locale).cards.cards.items()
    }


#: Branch name parts that are ordinary words, not places ("Brooklyn Downtown" ≠ "downtown LA").
_GENERIC_PLACE_WORDS = frozenset({"downtown", "city centre", "centre", "high street", "central"})


def _branch_places(locale: Locale) -> list[tuple[str, str]]:
    """(folded place name, postcode) per branch, longest name first.

    Each branch gives its full name and its name without the city ("wall street",
    "canary wharf", "didsbury").
    """
    from switchboard.tools.catalog import load_catalog

    places: list[tuple[str, str]] = []
    branches = load_catalog(locale).branches.branches
    cities = {fold(b.city) for b in branches}
    for branch in branches:
        name = fold(branch.name)
        places.append((name, branch.postcode))
        # The city a name starts with may be another branch's ("Paris La Défense", in Puteaux);
        # ordinary words left over ("downtown") name no branch.
        for city in sorted(cities | {fold(branch.city)}, key=len, reverse=True):
            rest = name.removeprefix(city).strip()
            if rest and rest != name and len(rest) >= 5:
                if rest not in _GENERIC_PLACE_WORDS:
                    places.append((rest, branch.postcode))
                break
    return sorted(places, key=lambda p: -len(p[0]))


def _branch_cities(locale: Locale) -> dict[str, str]:
    """Folded city name → its name as the catalog writes it, for every branch city."""
    from switchboard.tools.catalog import load_catalog

    return {fold(b.city): b.city for b in load_catalog(locale).branches.branches}


def topic_of(text: str) -> Route | None:
    """The tool route the words of ``text`` point to (cards, branches, accounts), or None."""
    folded = fold(text)
    for route, pattern in _TOPICS:
        if pattern.search(text) or _TOPICS_FR[route].search(folded):
            return route
    return None


#: An identity or official document of the customer's own that we do not issue
#: (accent-folded; English and French): renewing a driver's licence or an identity card
#: is not a question about our cards.
_OTHER_DOCUMENT = re.compile(
    r"\b(driver'?s'? licen[cs]e|driving licen[cs]e|licen[cs]e plate|passport|"
    r"(state |national )?id card|identity card|green card|social security card|"
    r"birth certificate|visa application|"
    r"carte d'identite|carte nationale d'identite|cni|permis( de conduire)?|passeport|"
    r"carte vitale|carte grise|titre de sejour|carte de sejour|acte de naissance)\b"
)


def other_document(text: str) -> bool:
    """True when a line is about an official document we do not issue, and nothing of ours.

    "How do I renew my driver's license in Texas?" and "Comment renouveler ma carte
    d'identité ?" name a document and, once it is taken out, no card, account or branch
    (:func:`topic_of`): off-topic. "Can I use my passport to open an account?" keeps its
    account.
    """
    folded = fold(text)
    if not _OTHER_DOCUMENT.search(folded):
        return False
    return topic_of(_OTHER_DOCUMENT.sub(" ", folded)) is None


#: A branch asked for by kind of place ("closest location to 60603", "nearest branch").
_BRANCH_PLACE = re.compile(
    r"\b(branch(es)?|(your|closest|nearest|a|any) ([\w'-]+ ){0,2}(locations?|offices?)|"
    r"agences?)\b",
    re.IGNORECASE,
)


def asks_branch_at_place(text: str, reading: Reading) -> bool:
    """A branch question naming a place the gazetteer knows ("closest location to 60603")."""
    return (
        reading.route is Route.BRANCH
        and "location" in reading.entities
        and bool(_BRANCH_PLACE.search(text))
        and not reading.own_account
    )


def is_vague(text: str) -> bool:
    """True for an opener that announces a question without asking it.

    The listed openers (:data:`_VAGUE`), or a short line (at most
    :data:`VAGUE_MAX_WORDS` words) that only names a topic or announces a question
    ("card stuff", "got a question for you", "question about checking",
    "à propos des cartes"): no question word, no trouble, no own-account wording.
    The caller still checks that no field is asked.
    """
    stripped = text.strip()
    if _VAGUE.match(stripped):
        return True
    folded = fold(stripped)
    words = folded.split()
    if not words or len(words) > VAGUE_MAX_WORDS:
        return False
    topic = topic_of(stripped) is not None
    announces = (
        bool(_ANNOUNCES.search(folded))
        or (topic and bool(_THING.search(folded) or _ABOUT_LEAD.match(folded)))
        or (not topic and bool(_INFO.search(folded)) and not _PERSONAL.search(stripped))
    )
    if not announces:
        return False
    if _ASK_WORD.search(folded) or _TROUBLE.search(folded) or own_account_wording(stripped):
        return False
    return announces or not _PERSONAL.search(stripped)


def announces_question(text: str) -> bool:
    """True when ``text`` announces a question ("a query", "a question", "quick one").

    An English request for help that says nothing else ("I need a hand with
    something") announces one too (:func:`english_readings.asks_for_help`).
    """
    return bool(_ANNOUNCES.search(fold(text))) or asks_for_help(text)


#: Longest line read as a vague opener by :func:`is_vague`'s general rule.
VAGUE_MAX_WORDS = 8
#: Words that announce a question without asking it (accent-folded).
_ANNOUNCES = re.compile(
    r"\b(questions?|query|queries|enquiry|inquiry|enquiries|inquiries|quick one)\b"
)
#: "card stuff", "something about my card": vague only with a topic word.
_THING = re.compile(r"\b(stuff|things?|something|truc)\b")
#: "I need some info": vague only with no topic ("info on checking accounts" asks for it).
#: Nothing may follow but politeness ("info on miami weather" asks about something else).
_INFO = re.compile(
    r"\b(info|infos|information|informations|renseignements?|me renseigner"
    r"( sur (vos|les|des) (produits|offres|services))?)"
    r"(\s+(please|pls|svp|stp|s'il vous plait))?\W*$"
)
#: A line that starts by naming its subject ("about debit cards", "à propos des cartes").
_ABOUT_LEAD = re.compile(
    r"^\W*(c'est )?(about|regarding|re|concerning|a propos|au sujet|concernant)\b"
)
#: A question word: the line asks something, it is not vague.
_ASK_WORD = re.compile(
    r"\b(what|whats|how|where|when|which|why|who|combien|comment|ou|quand|quel\w*|pourquoi)\b"
)
#: Trouble or an event: never a vague opener (the router's reading stands).
_TROUBLE = re.compile(
    r"\b(problem\w*|issue\w*|wrong|lost|stolen|fraud\w*|complain\w*|dispute\w*|"
    r"blocked|declined|stuck|probleme\w*|souci\w*|vol\w*|perdu\w*|fraude\w*|bloque\w*|"
    r"reclamation\w*|plainte\w*|urgent\w*|broken|work\w*|marche\w*|fonctionne\w*|"
    r"charged|charges? on|payments? on|transactions?|debite\w*|preleve\w*|refund\w*|"
    r"rembours\w*|chang\w*|updat\w*|modif\w*|"
    r"cancel\w*|clos\w*|ferm\w*|clotur\w*|annul\w*)\b"
)


def _names_product(slots: Any, route: Route, text: str) -> bool:
    """Whether ``text`` names a product of ``route`` by its type (a card or account type).

    An account type counts with an account word ("business checking", "student
    account"), not alone ("what business will take this card").
    """
    if route is Route.CARD_INFO:
        return bool(slots.card_type)
    return (
        route is Route.ACCOUNT_OPENING
        and bool(slots.account_type)
        and bool(_ACCOUNT_WORD.search(fold(text)))
    )



_ACCOUNT_WORD = re.compile(r"\b(accounts?|checking|savings?|saver|comptes?|livrets?|epargne)\b")


def is_product_question(text: str, reading: Reading) -> bool:
    """True when ``text`` asks about the bank's products, not the customer's own affairs.

    Needed before the catalog overrides the router's handover: the question names a
    product (a card or account type, a place, a word only one card has) or the
    bank's products ("your debit card", "do you offer"), and it has no personal
    wording, except a capability asked about one's own card ("can I freeze my card").
    """
    if reading.own_account or other_establishment(text):
        return False  # the customer's affairs, or another business ("the Tesco in Camden")
    folded = fold(text)
    if (
        _CAPABILITY_FR.search(folded)
        and _CAPABILITY_FR_FIELDS & set(reading.fields)
        and not _NEGATION_FR.search(folded)
    ):
        return True  # "comment activer ma nouvelle carte": any card, the same answer
    if reading.route is Route.CARD_INFO and (
        own_card_product_question(text) or own_card_product_question_fr(text)
    ):
        return bool({"fees", "feature"} & set(reading.fields))
    if _personal(text):
        feature = "feature" in reading.fields
        if not (feature and _CAPABILITY.search(text)) or re.search(r"n't\b|\bnot\b", text):
            return False
    card: tuple[str, ...] = () if reading.inferred_card else ("card_type",)
    named = any(k in reading.entities for k in (*card, "account_type", "location")) or (
        reading.route is Route.ACCOUNT_OPENING
        and reading.entities.get("service_type") == "account_opening"
        and bool(_APPLYING.search(text))
    )
    if (
        reading.route is Route.ACCOUNT_OPENING
        and "documents_required" in reading.fields
        and _DOCUMENTS_ASKED.search(folded)
    ):
        return True  # "What proof of address do you accept?": the bank's own list
    return (
        named
        or bool(_PRODUCT_REFERENCE.search(text) or _PRODUCT_REFERENCE_FR.search(folded))
        or bool(_HYPOTHETICAL.search(folded))
        or names_card_service(text)  # "how long does a replacement card take"
        or plain_card_question(text, reading)  # "How do I set a PIN on a new debit card?"
    )


#: Asking which documents the bank takes (an account-opening documents question only).
_DOCUMENTS_ASKED = re.compile(r"\bdo you (accept|take|require|need|ask for)\b|\bjustificatifs? d")


def is_plain_product_part(text: str, reading: Reading) -> bool:
    """True for one part of a multi-question message that asks a product field plainly.

    The caller passes only parts of messages with no first-person wording at all.

    "open an account online + what ID + Leeds branch + card fee abroad": "card fee
    abroad" names a topic and a field with no personal or own-account wording; next
    to other product questions it asks the catalog, not about the customer's affairs.
    """
    if reading.own_account or _PERSONAL.search(text) or reading.topic is None:
        return False
    return bool(field_cues(text, reading.topic)) and reading.route is reading.topic


def _topic(text: str, slots: Any) -> Route | None:
    """The tool route a question is about, from its slots first, then its topic words.

    A named card wins (unless opening an account); a branch named with a place and no
    account field stays a branch question ("Which Birmingham branch has business
    banking?"); an account type or opening wording is account opening; a place alone is
    a branch; a channel alone is account opening.
    """
    topic = topic_of(text)
    opening = bool(_OPENING.search(text))
    if slots.card_type and not opening:
        return Route.CARD_INFO
    if (
        topic is Route.BRANCH
        and slots.location
        and (not opening or asks_which_branch(text))  # "Which branch in Leeds opens accounts?"
        and not set(field_cues(text, Route.ACCOUNT_OPENING)) - {"benefits"}
    ):
        return Route.BRANCH
    if slots.account_type or opening:
        return Route.ACCOUNT_OPENING
    if slots.location and topic is not Route.CARD_INFO:
        return Route.BRANCH
    if slots.channel and topic is None:
        return Route.ACCOUNT_OPENING
    return topic


def _applying(text: str, locale: Locale) -> bool:
    """Applying for or opening an account; French in any form of "ouvrir" ("si j'ouvre…")."""
    if _APPLYING.search(text):
        return True
    return locale is Locale.FR_FR and bool(_OPENING.search(fold(text)))


class CatalogReader:
    """Reads one question against one locale's catalog (see the module docstring)."""

    def __init__(self, index: CatalogIndex) -> None:
        self.index = index
        self.locale = index.locale

    def read(self, text: str) -> Reading:
        """Return the :class:`Reading` of one question (no dialogue context)."""
        own = own_account_wording(text) and not quotes_catalog(text, self.locale)  # "refunded"
        slots = extract_slots(text, self.locale)
        entities = slots.as_dict()
        topic = _topic(text, slots)
        hits = self.index.search(text)
        best, score = hits[0]
        place = self.index.branch_named(text)
        if place is not None and (
            not slots.location or self.index.branch_in(place, str(slots.location))
            # fr_FR: "près de la gare Part-Dieu" names the branch, not a place "Gare"
            or (self.locale is Locale.FR_FR and not self.index.branch_city(str(slots.location)))
        ):
            # A branch named by its own name ("the Wall Street branch", "Canary Wharf").
            entities["location"] = place
            if topic in (None, Route.BRANCH) or branch_service_asked(text, self.locale):
                topic = Route.BRANCH
        if not slots.location and place is None and (topic or best.route) is Route.BRANCH:
            city = self.index.city_in(text)
            if city is not None:
                entities["location"], topic = city, Route.BRANCH  # "opening hours glasgow"
        named = self.index.card_named(text)
        if named is not None and topic in (None, Route.CARD_INFO):
            # The question names something only this card has ("key fob", "lounge").
            topic = Route.CARD_INFO
            entities.setdefault("card_type", named)
            score = max(score, NAMED_SCORE)
        route = topic or best.route
        if route is Route.CARD_INFO and (
            own_card_product_question(text) or own_card_product_question_fr(text)
        ):
            score = max(score, NAMED_SCORE)  # "Can I withdraw cash for free in the UK?"
        if (
            route is Route.ACCOUNT_OPENING
            and slots.account_type
            and _OPENING_TYPE.search(text)
            and not _personal(text)
        ):
            score = max(score, NAMED_SCORE)  # "open checking online"
        if (
            route is Route.ACCOUNT_OPENING
            and _applying(text, self.locale)
            and field_cues(text, route)
            and not own
            and _asks_plainly(text)
        ):
            # "Do I need to be a UK resident to apply online?": opening an account, a field
            # asked by its cue words, plainly: the catalog's requirements answer it.
            score = max(score, NAMED_SCORE)
            entities.setdefault("service_type", "account_opening")
        fields = field_cues(text, route)
        if fields and not own and _names_product(slots, route, text) and _asks_plainly(text):
            # "What's the one-off charge for a payment sticker?", "How do I avoid the business
            # checking fee?": a product named by its type and a field asked by its cue words
            # is a catalog question even when the wording sits far from our phrasings.
            score = max(score, NAMED_SCORE)
        if not fields:
            same = next((f for f, _ in hits if f.route is route), None)
            if same is not None:
                fields = [same.field]
        adjust_reading(text, self.locale, route, fields, entities, field_cues(text, route))
        inferred = False
        if route is Route.CARD_INFO and "feature" in fields:
            inferred = self._feature_entities(text, fields, hits, entities)
        if route is Route.BRANCH:
            day = day_of(text)
            if day:
                entities["day"] = day
                fields = with_day_hours(fields)
        reading = Reading(
            route=route, fields=fields, entities=entities, score=score, own_account=own,
            topic=topic, inferred_card=inferred,
        )
        opener = vague_opener_fr(text, self.locale) and not (slots.location or slots.card_type)
        vague = is_vague(text) or vague_in_english(text, self.locale)
        reading.vague = opener or (vague and not self._has_question(text, slots))
        return reading

    def _feature_entities(
        self,
        text: str,
        fields: list[str],
        hits: list[tuple[Fact, float]],
        entities: dict[str, str],
    ) -> bool:
        """Fill ``entities`` with the card and feature line a feature question asks about.

        Returns:
            True when the card was inferred from the feature (not named in the question).
        """
        inferred = False
        card = entities.get("card_type")
        feature_fact = next((f for f, _ in hits if f.field == "feature" and f.entities), None)
        if card is None and fields[0] == "feature":
            # "Do any of your cards come with lounge access?": the card whose own feature
            # line is closest answers, not the standard card by default.
            if feature_fact is not None:
                card = feature_fact.entities["card_type"]
            else:
                # Inferred, not named: it picks the card to answer for, but does not
                # make the line a product question (see is_product_question).
                card = self._card_with_feature(text)
                inferred = card is not None
            if card is not None:
                entities["card_type"] = card
        if card is not None:
            index = self.index.feature_by_words(text, card)
            if index is None:
                index, _ = self.index.best_feature(text, card)
            if index is not None:
                entities["feature"] = index
        return inferred

    def _card_with_feature(self, text: str) -> str | None:
        """The one card whose feature lines answer ``text``, or None when no card stands out.

        First by words: the card whose feature lines share the most content words with
        the question ("lounge", "insurance"), when only one card has the most; else by
        meaning: the card whose closest feature line beats every other card's by
        :data:`FEATURE_MARGIN`.
        """
        words = {w for w in re.findall(r"[a-zà-ÿ]+", fold(text)) if len(w) >= 4} - _COMMON
        overlap = {card: len(words & own) for card, own in self.index.feature_words.items()}
        top = max(overlap.values(), default=0)
        if top and sum(1 for n in overlap.values() if n == top) == 1:
            return max(overlap, key=lambda c: overlap[c])
        scored = sorted(
            ((self.index.best_feature(text, card)[1], card) for card in self.index.feature_words),
            reverse=True,
        )
        if len(scored) >= 2 and scored[0][0] - scored[1][0] >= FEATURE_MARGIN:
            return scored[0][1]
        return None

    @staticmethod
    def _has_question(text: str, slots: Any) -> bool:
        """True when a vague-looking opener still names a field ("a question about fees")."""
        for route in (Route.CARD_INFO, Route.ACCOUNT_OPENING, Route.BRANCH):
            cues = [f for f in field_cues(text, route) if f not in ("hours", "process_steps")]
            if cues:
                return True
        return bool(slots.location or slots.card_type)
