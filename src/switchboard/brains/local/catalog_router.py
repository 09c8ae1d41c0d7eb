"""``CatalogRouter``: the intent router, adjusted by answerability from the catalog.

Wraps any :class:`~switchboard.ports.IntentRouter` (the embedded router) and
implements both ``classify(text)`` and ``classify_in_context(text, context)``
(:class:`~switchboard.ports.ContextualRouter`). Per turn:

1. the text is spell-corrected (:mod:`spelling`) and the inner router classifies it;
2. a request for a human, frustration, and security/complaint intents (the
   handover policy's fine intent sets, ``agent/handover.py``) are kept as they are;
3. several questions in one message are split and read one by one (``parts``):
   each part the tools cover is answered, a part that needs a human is marked;
4. a vague opener becomes a clarifying question (intent ``sb_vague``), never a handover;
5. a follow-up ("and on Saturday?", "what about online?", "I'm 34 and live in the UK")
   takes its route and tool arguments from the dialogue state;
6. a product question the catalog answers (closest fact cosine over :data:`ANSWERABLE`, no
   own-account wording) goes to its tool route with the asked ``fields`` and ``entities``,
   even when the router read a BANKING77 intent that maps to handover (``sb_catalog_<field>``).

Everything else keeps the inner router's decision, so own-account questions
("why was I charged a fee") still go to a human.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from switchboard.agent.handover import EXPLICIT_INTENTS, FRUSTRATION_INTENTS, SENSITIVE_INTENTS
from switchboard.brains.local import english_readings as en
from switchboard.brains.local import french_readings as frr
from switchboard.brains.local.answer_model import shipped_answer_model
from switchboard.brains.local.answerability import (
    ANSWERABLE,
    ANSWERABLE_OFF_TOPIC,
    NAMED_SCORE,
    CatalogIndex,
    CatalogReader,
    Reading,
    announces_question,
    asks_branch_at_place,
    is_plain_product_part,
    is_product_question,
    other_document,
    topic_of,
)
from switchboard.brains.local.answerability_fr import (
    asks_about,
    elliptic_part,
    glue_statements,
    may_read_in_context,
    names_person_or_contact,
    person_reading_without_person,
)
from switchboard.brains.local.english_cues import (
    card_of_the_account,
    channel_switch,
    glue_statements_en,
    refresh_details,
    service_at_branch,
    weak_follow_up_en,
)
from switchboard.brains.local.field_cues import day_of, field_cues, fold, with_day_hours
from switchboard.brains.local.person_request import asks_for_a_person, reports_an_incident
from switchboard.brains.local.second_opinion import (
    SECOND_OPINION_LOCALES,
    catalog_decision,
    second_look,
)
from switchboard.brains.local.smalltalk_words import unworded_smalltalk
from switchboard.brains.local.spelling import spell_fixer
from switchboard.domain.types import TOOL_ROUTES, Locale, Route
from switchboard.ports import IntentRouter, RouteDecision

#: fr_FR: answerability bar for a question naming a product and asking a field by cue words.
ANSWERABLE_FR_NAMED = 0.45

#: Intents whose handover the catalog never overrides (seed 2 triggers 1, 3 and 4).
PROTECTED_INTENTS = EXPLICIT_INTENTS | FRUSTRATION_INTENTS | SENSITIVE_INTENTS

#: Where one message holds several questions.
_SPLIT = re.compile(
    r"(?<=[?!.;])\s+(?=\S)|\s+\+\s+|\s*;\s*|,?\s+and also\s+|,?\s+also,?\s+|"
    r",?\s+and\s+(?=(?:what|where|when|how|is|are|can|could|do|does|will|which|who|"
    r"it|its|the)\b)|,\s+(?=(?:what|where|when|how|is|are|can|do|does|will|which)\b)",
    re.IGNORECASE,
)
#: A follow-up leaning on the last answer (pronoun, "and ...", "what about ...", a day).
_FOLLOW_UP = re.compile(
    r"^\W*(and|what about|how about|also|ok(ay)?|so|then|et|et pour)\b|"
    r"\b(it|its|it's|that|this|they|their|there|them|the one|that one|an? \w+ one|same|ça|"
    r"cette)\b",
    re.IGNORECASE,
)
#: French follow-up words, on accent-folded text ("plutôt en agence", "elle ouvre le lundi ?").
_FOLLOW_UP_FR = re.compile(
    r"^\W*(et|et pour|et si|plutot|sinon|mais|alors|aussi)\b|"
    r"^\W*(plutot )?(en agence|en ligne|par internet|sur l'application|dans l'application)"
    r"( plutot| svp| s'il vous plait)?\W*$|"
    r"\b(elle|il|celle-ci|celui-ci|cette carte|cette agence|ce compte|la meme|le meme)\b"
)
#: A French line about a problem is never a follow-up ("elle ne marche plus").
_TROUBLE_FR = re.compile(
    r"\b(ne|pas|plus|jamais|bloque\w*|probleme|souci|erreur|debite\w*|preleve\w*|"
    r"(marche|fonctionne)(?! (partout|avec|comment|sans|dans tous|a l'etranger|hors))|"
    r"perdu\w*|vole\w*)\b|\bn'"
)
#: fr_FR: below this confidence a sensitive intent on a short follow-up ("Et le téléphone ?"
#: after a branch answer) is read in the dialogue's context instead.
WEAK_SENSITIVE_FR = 0.6
#: fr_FR: below this confidence frustration on a short line with no trouble word ("Ça
#: prend combien de temps ?" after an answer) is read in the dialogue's context instead.
WEAK_FRUSTRATION_FR = 0.4
#: fr_FR: below this confidence a request for a person with no word for a person in it
#: ("Parlez-moi de la carte…") is read as the product question it may be.
WEAK_EXPLICIT_FR = 0.5
#: A small statement of fact about the customer ("I'm 34 and live in the UK").
_STATEMENT = re.compile(
    r"\b(i'?m|i am) (\d+|a (uk|us|british|american|french) (resident|citizen)|"
    r"(a )?(uk|us) resident|over \d+|under \d+|a student|self[- ]employed)|"
    r"\bi live in\b|\byears old\b|\bj'ai \d+ ans\b|\bj'habite\b",
    re.IGNORECASE,
)
#: First-person wording anywhere in a message ("I", "my", "me", "we").
_FIRST_PERSON = re.compile(r"\b(i|i'\w+|my|me|mine|we|our)\b", re.IGNORECASE)
#: Joining words left at the start of a split part ("Also I want to...").
_LEAD = re.compile(r"^\s*(and|also|plus|then)\b[\s,]*", re.IGNORECASE)
#: French joins between two questions ("Combien coûte la Visa Premier et où est votre agence…").
_SPLIT_FR = re.compile(
    r",?\s+(?:et|puis|mais)\s+(?=(?:où|ou est|quel\w*|combien|comment|quand|est-ce|pourquoi|"
    r"puis-je|peut-on|y a-t-il|avez-vous|faut-il|pouvez-vous|pourriez-vous|vous pouvez|"
    r"vous pourriez|dites-moi|indiquez-moi|je peux|on peut|il y a|c'est)\b)|"
    r",\s+(?=(?:où|quel\w*|combien|comment|quand|est-ce|puis-je|avez-vous|y a-t-il)\b)",
    re.IGNORECASE,
)
_LEAD_FR = re.compile(r"^\s*(et|aussi|puis|sinon|autre question)\b[\s,:]*", re.IGNORECASE)
_SMALLTALK_INTENTS = frozenset({"greeting", "thank_you", "goodbye", "yes", "no", "cancel"})


def _document_off_topic(base: RouteDecision) -> RouteDecision:
    """A line about another document ("How do I renew my driver's license?"): declined."""
    return base.model_copy(
        update={
            "route": Route.OUT_OF_SCOPE,
            "intent": "sb_other_document",
            "fields": [],
            "entities": {},
            "out_of_scope": True,
        }
    )


def _weak_frustration_fr(base: RouteDecision, text: str) -> bool:
    """French frustration read with low confidence on a short line with no trouble word.

    The caller still needs a follow-up of the last answer with a field cue of its own
    ("Ça prend combien de temps ?" after an online account answer) before reading it
    in context; anything else keeps the handover.
    """
    return (
        base.intent in FRUSTRATION_INTENTS
        and base.confidence < WEAK_FRUSTRATION_FR
        and len(text.split()) <= 6
        and not _TROUBLE_FR.search(fold(text))
        and not reports_an_incident(text)
    )


class CatalogRouter:
    """An :class:`IntentRouter` that answers from the catalog what the catalog answers.

    Args:
        inner: the router to adjust (``EmbeddingRouter``; its ``embedder`` and
            other attributes stay reachable through this object).
        embedder: the multilingual sentence encoder for the fact index; None
            uses :func:`~switchboard.brains.local.multilingual.shared_use_embedder`.
        answer_model: the learned second opinion (:mod:`answer_model`); ``"shipped"``
            loads the repository's artifact, None lets the rules decide alone.
        second_opinion_locales: where the model's opinion is asked (``second_opinion``).
    """

    def __init__(
        self,
        inner: IntentRouter,
        embedder: Any = None,
        answer_model: Any = "shipped",
        second_opinion_locales: frozenset[Locale] = SECOND_OPINION_LOCALES,
    ) -> None:
        self.inner = inner
        self._second_locales = second_opinion_locales
        self._embedder = embedder
        self._answer_model = shipped_answer_model() if answer_model == "shipped" else answer_model
        self._readers: dict[Locale, CatalogReader] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        # Only called for attributes this wrapper lacks (``embedder``, ``meta``...).
        return getattr(self.__dict__["inner"], name)

    def reader(self, locale: Locale) -> CatalogReader:
        """The locale's catalog reader (index embedded on first use, ~0.3 s)."""
        with self._lock:
            if locale not in self._readers:
                embedder = self._embedder
                if embedder is None:
                    from switchboard.brains.local.multilingual import shared_use_embedder

                    embedder = shared_use_embedder()
                self._readers[locale] = CatalogReader(CatalogIndex(locale, embedder))
            return self._readers[locale]

    def warm(self, locale: Locale) -> None:
        """Build the locale's index and spelling dictionary now (not on the first turn)."""
        self.reader(locale)
        spell_fixer(locale)

    def inner_for(self, locale: Locale) -> IntentRouter:
        """The intent router for ``locale`` (a ``LocaleRouter`` picks one per locale)."""
        pick = getattr(self.inner, "for_locale", None)
        found = pick(locale) if callable(pick) else self.inner
        return found if found is not None else self.inner

    def classify(self, text: str) -> RouteDecision:
        """Classify with no dialogue context, for the default locale (en_GB)."""
        return self.classify_in_context(text, {})

    def classify_in_context(self, text: str, context: dict[str, Any]) -> RouteDecision:
        """Classify ``text`` in its contact's context (``locale``, ``dialogue``).

        Returns:
            The inner router's decision, or an adjusted one (module docstring).
        """
        locale = Locale(context.get("locale") or Locale.EN_GB.value)
        dialogue: dict[str, Any] = dict(context.get("dialogue") or {})
        fixed = spell_fixer(locale).fix(text) if text.strip() else text
        fixed = frr.respell_fr(en.respell(fixed, locale), locale)  # "debt card", "marseillaise"
        inner = self.inner_for(locale)
        base = inner.classify(fixed)
        if not fixed.strip():
            return base
        base = unworded_smalltalk(base, fixed)
        reader = self.reader(locale)
        decision = self._rules(fixed, base, reader, dialogue)
        return second_look(fixed, decision, base, reader, self._answer_model, self._second_locales)

    def _rules(
        self, fixed: str, base: RouteDecision, reader: CatalogReader, dialogue: dict[str, Any]
    ) -> RouteDecision:
        """The rules' decision for the spell-corrected line (module docstring, 2-6)."""
        locale = reader.locale
        parts = question_parts(fixed, locale)
        if len(parts) > 1 and any(topic_of(p) is not None for p in parts):
            multi = self._multi(parts, base, reader, dialogue)
            if multi is not None:
                return multi
        if base.intent in PROTECTED_INTENTS and en.faint_reading(base.confidence, fixed, locale):
            return self._one(fixed, base, reader, dialogue)  # "opening hours for Brixton" at 0.04
        if base.intent in PROTECTED_INTENTS:
            # fr_FR: a request for a person with no person in it ("Je peux les joindre à quel
            # numéro ?" after a branch answer) may be a follow-up too (answerability_fr).
            unworded = base.intent in EXPLICIT_INTENTS and may_read_in_context(fixed)
            if (
                locale is Locale.FR_FR
                and (
                    self._weak_sensitive(base, fixed)
                    or _weak_frustration_fr(base, fixed)
                    or unworded
                )
            ) or (locale is not Locale.FR_FR and weak_follow_up_en(base, fixed)):
                follow = self._follow_up(fixed, reader.read(fixed), dialogue)
                cued = follow is not None and field_cues(fixed, follow.route or Route.BRANCH)
                switch = frr.switches_channel(fixed, locale) or channel_switch(fixed, locale)
                if follow is not None and (cued or switch):
                    return self._decision(follow, base, "sb_follow_up")
            weak = self._weak_sensitive(base, fixed, any_length=True) or (
                # "Parlez-moi du bracelet sans contact" read as a request for a person at 0.4:
                # no word for a person in it (the backstop would have caught one).
                base.intent in EXPLICIT_INTENTS
                and base.confidence < WEAK_EXPLICIT_FR
                and not asks_for_a_person(fixed)
            ) or (base.intent in EXPLICIT_INTENTS and person_reading_without_person(fixed))
            weak = weak or frr.vague_opener_fr(fixed, locale)  # "J'appelle pour une carte" (0.89)
            weak = weak or frr.loss_reading_without_loss(base.intent, fixed, locale)
            if locale is Locale.FR_FR and weak and not _TROUBLE_FR.search(fold(fixed)):
                vague = reader.read(fixed)
                if vague.vague:
                    # "j'ai une question concernant vos agences" read as a weak complaint
                    # or request for a person (no person word): a vague opener, clarify.
                    return base.model_copy(
                        update={
                            "route": vague.topic or Route.SMALLTALK,
                            "intent": "sb_vague",
                            "fields": [],
                            "entities": {},
                            "answerability": vague.score,
                        }
                    )
            asks = (
                bool(_ASKS_INFO_FR.search(fold(fixed)))
                or fixed.rstrip().endswith("?")
                or asks_about(fixed)
                # "decouvert autorisé étudiant": a terse product query (topic and field, ≤ 6 words)
                or (len(fixed.split()) <= 6 and is_plain_product_part(fixed, reader.read(fixed)))
            )
            if locale is Locale.FR_FR and weak and asks and not _TROUBLE_FR.search(fold(fixed)):
                # The French router's weakest readings ("Le porte-clés a-t-il besoin d'être
                # rechargé ?" read as a lost phone at 0.5): a question naming a product and
                # a field, with no incident and no own-account wording, asks the catalog.
                one = self._one(fixed, base, reader, dialogue)
                if one.route in TOOL_ROUTES and one.intent.startswith("sb_catalog_"):
                    return one
            return base
        return self._one(fixed, base, reader, dialogue)

    @staticmethod
    def _weak_sensitive(base: RouteDecision, text: str, any_length: bool = False) -> bool:
        """A sensitive intent read with low confidence on a line with no incident words.

        Short lines only (six words or fewer: a follow-up), unless ``any_length``.
        """
        return (
            base.intent in SENSITIVE_INTENTS
            and base.confidence < WEAK_SENSITIVE_FR
            and (any_length or len(text.split()) <= 6)
            and not reports_an_incident(text)
        )

    # -- one question ---------------------------------------------------------------

    def _one(
        self,
        text: str,
        base: RouteDecision,
        reader: CatalogReader,
        dialogue: dict[str, Any],
        several: bool = False,
        elliptic: bool = False,
    ) -> RouteDecision:
        """One question's decision; ``several``: it is one part of a multi-question message.

        ``elliptic``: a short French part that leans on the part before it ("la Premier ?").
        """
        if reader.locale is Locale.FR_FR and _FR_OWN_EVENT.search(fold(text)):
            if base.route is not Route.HANDOVER:
                # "Le distributeur a gardé ma carte", "on m'a prélevé la cotisation alors que
                # je l'ai résiliée": something happened to the customer's own card or money.
                # The French router has too few such lines to know it; a human takes it.
                return base.model_copy(
                    update={"route": Route.HANDOVER, "intent": "sb_own_event_fr", "fields": []}
                )
            return base
        if en.needs_human(text, reader.locale) or frr.needs_human_fr(text, reader.locale):
            # "My paycheck hasn't posted yet"; a router handover is then never overridden.
            if base.route is Route.HANDOVER:
                return base
            return base.model_copy(
                update={"route": Route.HANDOVER, "intent": "sb_own_money_incident", "fields": []}
            )
        if other_document(text) and not dialogue.get("route"):
            return _document_off_topic(base)
        reading = reader.read(text)
        follow = self._follow_up(text, reading, dialogue, elliptic)
        if follow is not None:
            refresh_details(follow, text, reader.index, reader.locale)  # "can I freeze it?"
            return self._decision(
                follow, base, "sb_follow_up" if not _STATEMENT.search(text) else "sb_statement"
            )
        if base.route is Route.OUT_OF_SCOPE and (
            _MONEY_INCIDENT.search(fold(text)) or _OWN_RECORDS.search(fold(text))
        ):
            # "My direct deposit is missing": the router knows no intent for it (CLINC150's
            # direct_deposit is setting one up), but it is the customer's own money gone
            # astray, so a human takes it (seed 2 trigger 2: beyond the tools).
            return base.model_copy(
                update={"route": Route.HANDOVER, "intent": "sb_own_money_incident"}
            )
        if reading.own_account:
            return base
        if reading.vague and (
            base.intent not in _SMALLTALK_INTENTS or announces_question(text)
        ):
            return base.model_copy(
                update={
                    "route": reading.topic or Route.SMALLTALK,
                    "intent": "sb_vague",
                    "fields": [],
                    "entities": {},
                    "answerability": reading.score,
                }
            )
        if base.route in TOOL_ROUTES:
            if reading.route is base.route or reading.topic is None:
                # The router already chose this tool route: only explicit field cues
                # narrow the answer ("I want to open an account" keeps the full one).
                fields = field_cues(text, base.route)
                if base.route is Route.BRANCH and "day" in reading.entities:
                    fields = with_day_hours(fields)
                return base.model_copy(
                    update={
                        "fields": fields,
                        # Entities read from the spell-corrected text ("studnet acount").
                        "entities": reading.entities,
                        "answerability": reading.score,
                    }
                )
            if reading.score >= ANSWERABLE and is_product_question(text, reading):
                return self._decision(reading, base, None)
            return base
        return self._override(text, base, reader, reading, several)

    def _override(
        self,
        text: str,
        base: RouteDecision,
        reader: CatalogReader,
        reading: Reading,
        several: bool,
    ) -> RouteDecision:
        """The catalog's decision for a line the router sent to a human or declined."""
        if reading.topic is None or reading.route is None:
            return frr.off_topic_fr(base, text, reader.locale)
        bar = ANSWERABLE if base.route is Route.HANDOVER else ANSWERABLE_OFF_TOPIC
        if reader.locale is Locale.FR_FR and (
            "account_type" in reading.entities or "card_type" in reading.entities
        ):
            # French cosines to the fact phrasings run lower; a named product ("un livret
            # d'épargne") is enough for the handover bar, and with an explicit field cue
            # ("le prix du porte clé") for a lower one.
            bar = ANSWERABLE_FR_NAMED if field_cues(text, reading.route) else ANSWERABLE
        named_branch = (
            (
                reading.route is Route.BRANCH
                and bool(field_cues(text, Route.BRANCH))
                and reader.index.branch_named(text) is not None
            )
            or asks_branch_at_place(text, reading)
            or self._asks_city_branch(text, reading, reader)
        )
        # "What are the Chicago Loop hours on Friday?": a branch by its own name;
        # "closest location to 60603": a branch asked for at a place the gazetteer knows.
        if named_branch:
            reading.score = max(reading.score, NAMED_SCORE)
        named_fr = reader.locale is Locale.FR_FR and bool(
            {"card_type", "account_type"} & set(reading.entities)
        )  # "Il faut gagner combien pour la Premier ?": the product's own name, no topic word
        if (
            base.route is not Route.HANDOVER
            and topic_of(text) is None
            and not named_branch
            and not named_fr
        ):
            return base  # off-topic by the router and no product word ("college benefits")
        if reading.score >= bar and (
            is_product_question(text, reading) or (several and is_plain_product_part(text, reading))
        ):
            return self._decision(reading, base, None)
        return frr.off_topic_fr(base, text, reader.locale)

    @staticmethod
    def _asks_city_branch(text: str, reading: Reading, reader: CatalogReader) -> bool:
        """A branch field asked of a city we have a branch in ("What time does Leeds open?")."""
        place = reading.entities.get("location")
        return (
            reading.route is Route.BRANCH
            and place is not None
            and not reading.own_account
            and bool(_BRANCH_FIELD_WORDS.search(text) or _BRANCH_FIELD_WORDS.search(fold(text)))
            and reader.index.branch_city(str(place))
        )

    @staticmethod
    def _decision(reading: Reading, base: RouteDecision, intent: str | None) -> RouteDecision:
        return catalog_decision(reading, base, intent)

    def _follow_up(
        self, text: str, reading: Reading, dialogue: dict[str, Any], elliptic: bool = False
    ) -> Reading | None:
        """A reading completed from the dialogue state, when ``text`` leans on the last answer.

        ``elliptic``: ``text`` is a short part after another question (it leans on it).
        """
        last = dialogue.get("route")
        if last not in {r.value for r in TOOL_ROUTES} or reading.own_account:
            return None
        last_route = Route(last)
        words = text.split()
        statement = bool(_STATEMENT.search(text))
        folded = fold(text)
        switch = frr.switches_channel(text, Locale.FR_FR)  # fr: "merci, et pour la Classic ?"
        french = (bool(_FOLLOW_UP_FR.search(folded)) or switch) and not _TROUBLE_FR.search(folded)
        # "and when does the card show up?" after an account answer (a later turn only:
        # "…open checking? Also how long does the debit card take?" asks the card).
        account_card = not dialogue.get("part") and card_of_the_account(
            text, "card_type" in reading.entities, last_route
        )
        leaning = (
            elliptic
            or bool(_FOLLOW_UP.search(text))
            or french
            or (day_of(text) is not None and last_route is Route.BRANCH)
            or account_card
        )
        same = en.same_subject(text, reading.topic, reading.entities, last_route)
        own_cues = field_cues(text, last_route) if reading.topic is None or same else []
        if not (statement or ((leaning or own_cues) and len(words) <= 12)):
            return None
        topic = reading.topic
        if (
            last_route is Route.ACCOUNT_OPENING
            and "channel" in reading.entities
            and "location" not in reading.entities
            and "card_type" not in reading.entities
        ):
            topic = last_route  # "and in a branch?" after an online answer
        if account_card:
            topic = last_route  # "and when does the card show up?" after an account answer
        # "can I open an account there?" in a later turn (a part of the same message keeps
        # asking the account: "Where's the Leeds branch, and can I open savings there?")
        service_there = not dialogue.get("part") and service_at_branch(text, last_route)
        if service_there:
            topic = last_route
        if topic is not None and topic is not last_route and not statement:
            own = {k: v for k, v in reading.entities.items() if k in ("card_type", "location")}
            if own or topic_of(text) is not None:
                return None  # a new question on another topic ("and the Leeds branch?")
        route = last_route
        slots: dict[str, Any] = dict(dialogue.get("slots") or {})
        entities = {k: str(v) for k, v in slots.items() if v}
        entities.update(reading.entities if reading.route is route else {})
        entities.update(
            {k: v for k, v in reading.entities.items() if k in ("card_type", "channel")}
        )
        if route is Route.BRANCH and day_of(text):
            entities["day"] = str(day_of(text))
        if statement:
            fields = ["requirements"] if route is Route.ACCOUNT_OPENING else ["eligibility"]
            if route is Route.BRANCH:
                fields = list(dialogue.get("fields") or [])
        else:
            fields = field_cues(text, route) or list(dialogue.get("fields") or [])
            fields = ["services"] if service_there else fields
        if route is Route.BRANCH and "day" in entities and day_of(text):
            fields = with_day_hours(fields)
        if route is Route.ACCOUNT_OPENING and "channel" in reading.entities:
            entities["channel"] = reading.entities["channel"]
        return Reading(
            route=route, fields=fields, entities=entities, score=reading.score, topic=route
        )

    # -- several questions ----------------------------------------------------------

    def _weak_follow_up_part(
        self, text: str, base: RouteDecision, reader: CatalogReader, context: dict[str, Any]
    ) -> RouteDecision | None:
        """English: a weak protected reading of a later part, read in the part before's context.

        A part read as a weak sensitive intent or request for a person that leans on the
        part before it with a field cue of its own ("…and how do I waive it?") is
        answered in that part's context; None keeps the handover.
        """
        if reader.locale is Locale.FR_FR or not weak_follow_up_en(base, text):
            return None
        follow = self._follow_up(text, reader.read(text), context)
        if follow is None or not field_cues(text, follow.route or Route.BRANCH):
            return None
        return self._decision(follow, base, "sb_follow_up")

    def _multi(
        self,
        parts: list[str],
        base: RouteDecision,
        reader: CatalogReader,
        dialogue: dict[str, Any],
    ) -> RouteDecision | None:
        decisions: list[RouteDecision] = []
        context = dict(dialogue)
        inner = self.inner_for(reader.locale)
        many = getattr(inner, "classify_many", None)
        bases = many(parts) if callable(many) else [inner.classify(p) for p in parts]
        # Parts read as plain product questions only when nobody speaks of themselves
        # ("card fee abroad" next to "what ID", not "I was charged... card fee abroad").
        plain = not any(_FIRST_PERSON.search(p) for p in parts)
        for text, part_base in zip(parts, bases, strict=True):
            short = len(text.split()) < _MIN_HUMAN_PART_WORDS
            asks = topic_of(text) is not None or any(field_cues(text, r) for r in TOOL_ROUTES)
            if short and part_base.intent not in EXPLICIT_INTENTS and not asks:
                continue  # "actually," or "thanks": a filler, not a question ("what ID" is one)
            # fr_FR: "… et quel découvert ?" leans on the part before it (answerability_fr).
            elliptic = reader.locale is Locale.FR_FR and bool(decisions) and elliptic_part(text)
            protected = part_base.intent in PROTECTED_INTENTS
            if protected and not (elliptic and not names_person_or_contact(text)):
                # en: a weak protected part with a field cue leans on the part before.
                follow = self._weak_follow_up_part(text, part_base, reader, context)
                decisions.append((follow or part_base).model_copy(update={"text": text}))
                continue
            part = self._one(text, part_base, reader, context, plain, elliptic)
            if protected and part.intent != "sb_follow_up":
                decisions.append(part_base.model_copy(update={"text": text}))
                continue
            if (
                part.route is Route.ACCOUNT_OPENING
                and context.get("route") == Route.BRANCH.value
                and _THERE.search(text)
            ):
                # "Where is the Leeds branch? What do I need to open a savings account there?"
                part = part.model_copy(update={"entities": {**part.entities, "channel": "branch"}})
            if part.route is Route.BRANCH and not part.fields:
                part = part.model_copy(update={"fields": ["nearest"]})
            if part.route in TOOL_ROUTES and part.intent != "sb_vague":
                context = {
                    "route": part.route.value,
                    "slots": {**(context.get("slots") or {}), **part.entities},
                    "fields": part.fields,
                    "part": True,  # an earlier part of this message, not the last answer
                }
            decisions.append(part.model_copy(update={"text": text}))
        tools = [d for d in decisions if d.route in TOOL_ROUTES and d.intent != "sb_vague"]
        if not tools:
            return None
        merged = _merge_parts(decisions)
        if len(merged) == 1:
            return merged[0]
        first = tools[0]
        return first.model_copy(update={"intent": "sb_multi", "parts": merged, "text": ""})


#: Branch fields only a branch has (a city asked for these means our branch there).
_BRANCH_FIELD_WORDS = re.compile(
    r"\b(open|opens|opening|close|closes|closing|hours|phone|phone number|address|"
    r"ouvert\w*|ouvre|ferme\w*|horaires?|adresse|telephone)\b",
    re.IGNORECASE,
)
#: French, accent-folded: an event that happened to the customer's own card, account or
#: money (not a question about a product): "on m'a prélevé", "a gardé ma carte", "elle est
#: bloquée", "toujours pas reçu", "je l'ai résiliée".
_FR_OWN_EVENT = re.compile(
    r"\bon m'?a\b|\bm'(a|ont) (ete )?(preleve|debite|facture|vole|pris|bloque|refuse)\w*|"
    r"\b(a|ont|m'a) (garde|avale|mange|retenu|confisque|capture)\w* (ma|mon|la|le)\b|"
    r"\b(ma|mon|la|le|elle|il) (\w+ )?(carte |compte |livret )?(est|a ete|s'est|a|ont) "
    r"(bloque|refuse|pirate|vide|suspendu|gele|avale|desactive|perdu|vole|casse|abime|"
    r"endommage|disparu|expire|annule)\w*|"
    # trouble with a product or a request: "un souci avec la Visa Premier", "ne fonctionne
    # pas à l'étranger", "l'ouverture a échoué", "où en est ma demande"
    r"\b(probleme|souci|soucis|panne|bug|erreur|urgence|urgent)\b|"
    r"\bne (marche|fonctionne|passe|s'affiche|lit)\w* (pas|plus)\b|\bn'arrive (pas|plus)\b|"
    r"\b(echoue|echec|impossible de)\b|\bou en est\b|\b(ma|mon) (demande|dossier)\b|"
    r"\b(fermer|cloturer|resilier|annuler) (mon|ma|le|la) (compte|carte|livret)\b|"
    r"\bnouveau code\b|\bcode (confidentiel )?(oublie|perdu|bloque|errone)\w*|"
    r"\bje l'?ai (resilie|perdu|annule)\w*|\b(resilie|resiliee)s? (mais|et|alors)|alors que je|"
    r"\b(toujours pas|jamais) (recu|arrive)\w*|\bpas (encore )?recu\b|"
    r"\bpreleve\w* (deux|2|plusieurs) fois|\bdebite\w* (deux|2|plusieurs) fois|"
    r"\b(arnaqu|escroqu|usurp|inconnu|suspect|contest|frauduleu)\w*|\btout seul\w*|"
    r"\bsans (mon accord|mon autorisation|autorisation)|\ba mon insu\b|\bpar erreur\b|"
    r"\b(apres|suite a|en cas de) (un |une |le |la |mon |ma |d'un |d'une )?(vol|perte)\b|"
    r"\b(signaler|declarer|reclamation|plainte|opposition)\b|\b(vol|perte) (de|du|d')"
)
#: French, accent-folded: a line that asks for information (a question word first, or
#: "parlez-moi de…"), not a statement ("je veux signaler…").
_ASKS_INFO_FR = re.compile(
    r"^\W*(en )?(combien|comment|quand|quel\w*|ou|est-ce|a partir|puis-je|peut-on|faut-il|"
    r"y a-t-il|dois-je|avez-vous|proposez-vous|parlez-moi|dites-moi|expliquez-moi|"
    r"presentez-moi|c'est quoi|qu'est-ce)\b"
)
#: A part that points back at the branch of the part before it.
_THERE = re.compile(
    r"\b(there|at that branch|at it|sur place|la-bas|là-bas|dans cette agence)\b", re.I
)
#: The customer's own bank records ("a copy of my statements", "mon relevé de compte"):
#: only a human with access to the account can help, whatever the router read.
_OWN_RECORDS = re.compile(
    r"\bmy (bank )?(statements?|balance|transactions?|direct debits?|standing orders?|"
    r"account (number|details|history)|sort code|pin( number)?|overdraft)\b|"
    r"\b(mon|mes) (releves?|solde|operations|prelevements?|rib|code (secret|confidentiel))\b"
)
#: The customer's own money or banking thing gone missing or wrong (accent-folded text).
_MONEY_INCIDENT = re.compile(
    r"\bmy (\w+ )?(deposits?|pay ?checks?|paychecks?|salary|wages|payments?|transfers?|money|"
    r"funds|refunds?|cards?|account|statements?|balance|savings|pension|benefits)\b"
    r"[\w' ]{0,20}\b(missing|gone|disappeared|vanished|never (came|arrived|showed)|"
    r"not (there|showing|arrived|received)|wrong|incorrect|stuck|frozen|blocked|locked)\b|"
    r"\b(mon|ma|mes) (\w+ )?(virements?|salaire|depots?|argent|paiements?|carte|compte|"
    r"remboursements?|solde)\b[\w' ]{0,25}\b(manque\w*|disparu\w*|introuvable|"
    r"(n'est|ne sont|n'a) (pas|jamais) (arrive|apparu|passe|ete verse)\w*|bloque\w*|gele\w*)\b"
)
#: A part shorter than this is never handed over on its own (a filler like "actually").
_MIN_HUMAN_PART_WORDS = 3
_SPLIT_WORDS = frozenset(
    "and also what where how is are can do does when which who will could it its the".split()
)


#: A part that asks something by its form: a question or request word first.
_ASKS = re.compile(
    r"^\W*(what|whats|what's|where|wheres|where's|when|how|hows|how's|is|are|can|could|do|"
    r"does|will|would|which|who|whos|who's|should|may|tell me|find|show|give me|any)\b",
    re.IGNORECASE,
)
#: French question words on accent-folded text ("où" → "ou").
_ASKS_FR = re.compile(
    r"^\W*(ou|quel\w*|combien|comment|quand|est-ce|puis-je|peut-on|y a-t-il|avez-vous|"
    r"faut-il|je peux|on peut|vous avez|il y a|je (re)?cherche|agences?)\b"
)
#: A join that puts a new question next to the last one ("+", ";", "and", "also", "et").
_EXPLICIT_JOIN = re.compile(r"\+|;|\b(and|also|plus|et|aussi|puis|mais)\b", re.IGNORECASE)
_SPLIT_KEEP = re.compile(f"({_SPLIT.pattern})", re.IGNORECASE)
_SPLIT_FR_KEEP = re.compile(f"({_SPLIT_FR.pattern})", re.IGNORECASE)


def _pieces(text: str, splitter: re.Pattern[str], lead: re.Pattern[str]) -> list[tuple[str, bool]]:
    """``(part, joined)`` pieces of ``text``; ``joined``: an explicit join came before it."""
    out: list[tuple[str, bool]] = []
    joined = False
    for i, chunk in enumerate(splitter.split(text)):
        if i % 2:  # a delimiter (the pattern has one capturing group)
            joined = joined or bool(_EXPLICIT_JOIN.search(chunk))
            continue
        part = chunk.strip(" ,.") if chunk else ""
        if lead.match(part):
            joined, part = True, lead.sub("", part).strip(" ,.")
        if part and part.strip("?") and part.lower() not in _SPLIT_WORDS:
            out.append((part, joined))
        joined = False
    return out


def _asks(part: str, joined: bool) -> bool:
    """Whether a part asks something.

    It does when joined explicitly, ending with "?", opening like a question, or a
    terse product question ("premium card fee", "nearest branch to Leeds": a topic
    and a field or place word, no first-person wording).
    """
    if joined or part.rstrip().endswith("?") or _ASKS.match(part) or _ASKS_FR.match(fold(part)):
        return True
    topic = topic_of(part)
    if topic is None or _FIRST_PERSON.search(part):
        return False
    return bool(field_cues(part, topic) or _TERSE_ASK.search(part))


#: Words that make a terse part with a topic a question ("nearest branch to Leeds").
_TERSE_ASK = re.compile(r"\b(nearest|closest|near|hours|price|cost|fees?|documents?|docs)\b", re.I)


def question_parts(text: str, locale: Locale) -> list[str]:
    """The questions of a message, in order; ``[text]`` when it holds only one.

    A message is read as several questions only at real question boundaries:
    at least two of its parts must ask something (a "?" at the end, a question
    word first, or an explicit join: "+", ";", "and"/"also", French "et"/"aussi").
    A statement followed by a question ("I found my card, how can I use it
    again?") stays one question, read whole (and classified once).
    """
    pieces = _pieces(text, _SPLIT_KEEP, _LEAD)
    if locale is Locale.FR_FR:
        french: list[tuple[str, bool]] = []
        for part, joined in pieces:
            for k, (sub, sub_joined) in enumerate(_pieces(part, _SPLIT_FR_KEEP, _LEAD_FR)):
                french.append((sub, sub_joined or (joined and k == 0)))
        glued = glue_statements([p for p, _ in french])
        joins = {p: j for p, j in french}
        pieces = [(p, joins.get(p, False)) for p in glued]
    else:
        pieces = glue_statements_en(pieces)  # "I'm a student at Leeds uni, can I get…"
    if len(pieces) < 2 or sum(_asks(p, j) for p, j in pieces) < 2:
        return [text]
    return [p for p, _ in pieces]


def _merge_parts(parts: list[RouteDecision]) -> list[RouteDecision]:
    """Merge consecutive parts that ask the same tool with the same arguments."""
    merged: list[RouteDecision] = []
    for part in parts:
        if merged:
            prev = merged[-1]
            same_args = all(
                prev.entities.get(k) == part.entities.get(k)
                for k in ("card_type", "account_type", "channel", "location")
                if part.entities.get(k)
            )
            if prev.route is part.route and part.route in TOOL_ROUTES and same_args:
                fields = prev.fields + [f for f in part.fields if f not in prev.fields]
                entities = {**prev.entities, **part.entities}
                if prev.entities.get("feature") and part.entities.get("feature"):  # each line
                    both = f"{prev.entities['feature']},{part.entities['feature']}".split(",")
                    entities["feature"] = ",".join(dict.fromkeys(both))
                merged[-1] = prev.model_copy(
                    update={
                        "fields": fields,
                        "entities": entities,
                        "text": f"{prev.text}; {part.text}",
                    }
                )
                continue
        merged.append(part)
    return merged
