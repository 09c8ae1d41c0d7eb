"""The learned second opinion applied to the rules' decision (answerability round 8).

:func:`second_look` runs after :class:`~catalog_router.CatalogRouter`'s rules. When the
rules handed a line over or declined it, the answer model (:mod:`answer_model`) may say
it is a catalog question; the line is then answered from the catalog reading — but only
when every guard below holds, because a missed handover costs far more than a needless
one (seed 2 "Agent Handover Design"; issue 10 keeps handover recall at 100 %):

* the probability of ``answer`` is at least :data:`~answer_model.ANSWER_BAR`;
* the decision is one question (no ``parts``) and not a request for a person,
  frustration, or an own-money / own-event reading of the rules
  (``sb_own_money_incident``, ``sb_own_event_fr``);
* the router's own intent is not one the handover policy protects (explicit request,
  frustration, complaints, lost/stolen, fraud, disputes);
* no rule reads the customer's own money astray or a bereavement
  (``english_readings.needs_human``, ``french_readings.needs_human_fr``);
* the line names no person, reports no incident (:mod:`person_request`), asks about no
  other business ("when does the Tesco in Camden close?") and has no own-account
  wording (:class:`~answerability.Reading` ``own_account``);
* a line the rules declined as off-topic names our banking (a product, a card, account
  or branch topic word, or a branch by name), not just a place;
* the catalog reading has a tool route and asks something of it (a field cue or a
  named product, branch or place).

Everything else keeps the rules' decision.
"""

from __future__ import annotations

import re

from switchboard.agent.handover import EXPLICIT_INTENTS, FRUSTRATION_INTENTS, SENSITIVE_INTENTS
from switchboard.brains.local.answer_model import (
    ANSWER_BAR,
    ANSWER_BAR_FR,
    DECLINE_BAR,
    AnswerModel,
)
from switchboard.brains.local.answerability import CatalogReader, Reading, topic_of
from switchboard.brains.local.answerability_fr import TROUBLE_FR
from switchboard.brains.local.english_cues import other_establishment
from switchboard.brains.local.english_readings import needs_human
from switchboard.brains.local.field_cues import field_cues, fold
from switchboard.brains.local.french_readings import needs_human_fr
from switchboard.brains.local.person_request import asks_for_a_person, reports_an_incident
from switchboard.domain.types import Locale, Route
from switchboard.ports import RouteDecision

#: Rule intents that read a line as the customer's own money or card event: never overturned.
RULE_HANDOVERS = frozenset({"sb_own_money_incident", "sb_own_event_fr"})
#: Intents the model may never overturn (the handover policy's protected sets).
_PROTECTED = EXPLICIT_INTENTS | FRUSTRATION_INTENTS | SENSITIVE_INTENTS | RULE_HANDOVERS
#: fr_FR: the customer's own card, account, code or money, an unknown debit, a balance or an
#: appointment (accent-folded): what the French router's few own-affairs lines cannot teach
#: the model ("Il y a un débit inconnu de la carte virtuelle", "un nouveau code pour ma
#: carte", "fixer un rendez-vous"); out-of-fold, these were the handover lines it answered.
_OWN_AFFAIRS_FR = re.compile(
    r"\b(mon|ma|mes)\s+(nouvel(le)?\s+|propre\s+|ancien(ne)?\s+)?(carte|cb|compte|code|pin|"
    r"argent|solde|virement|prelevement|livret|epargne|salaire|paiement|achat|retrait)\b|"
    r"\b(inconnu\w*|code|solde|il me reste|j'ai sur|rendez-vous|rdv|deux fois|opposition)\b"
)
#: Locales where the model's opinion is asked by default. English is left to the rules:
#: there the model answered product-like BANKING77/CLINC150 lines that the route map sends
#: to a human ("What is the fee for a cash withdrawal?", "Do you accept Mastercard?"),
#: raising tool answers to lines needing a human from 0.03 % to 0.85 % (issue 10 bar
#: ≤ 0.3 %) for five more English eval lines answered over seven blind splits.
SECOND_OPINION_LOCALES = frozenset({Locale.FR_FR})
#: Decision intent of a line the model answered.
MODEL_INTENT = "sb_catalog_model"
#: Decision intent of a handover the model read as off-topic (declined).
OFF_TOPIC_INTENT = "sb_model_off_topic"


def catalog_decision(reading: Reading, base: RouteDecision, intent: str | None) -> RouteDecision:
    """``base`` turned into an answer from ``reading`` (its route, fields and entities).

    ``intent`` None names it ``sb_catalog_<first field>`` (``overview`` when no field).
    """
    assert reading.route is not None
    first = reading.fields[0] if reading.fields else "overview"
    return base.model_copy(
        update={
            "route": reading.route,
            "intent": intent or f"sb_catalog_{first}",
            "confidence": max(base.confidence, reading.score),
            "fields": list(reading.fields),
            "entities": dict(reading.entities),
            "answerability": reading.score,
            "out_of_scope": False,
        }
    )


def _asks_something(text: str, reading: Reading) -> bool:
    """The reading names what is asked: a field cue, a product, a branch or a place."""
    assert reading.route is not None
    return bool(
        reading.fields
        or field_cues(text, reading.route)
        or {"card_type", "account_type", "location"} & set(reading.entities)
    )


def _names_banking(text: str, reader: CatalogReader) -> bool:
    """The line names one of our products, a card/account/branch topic, or a branch by name."""
    return (
        topic_of(text) is not None
        or reader.index.card_named(text) is not None
        or reader.index.branch_named(text) is not None
    )


def second_look(
    text: str,
    decision: RouteDecision,
    base: RouteDecision,
    reader: CatalogReader,
    model: AnswerModel | None,
    locales: frozenset[Locale] = SECOND_OPINION_LOCALES,
) -> RouteDecision:
    """The rules' ``decision``, or an answer from the catalog when the model and guards agree.

    Args:
        text: the spell-corrected line.
        decision: what the rules decided.
        base: the inner router's reading (its intent is checked against the protected sets).
        reader: the locale's catalog reader (its index's encoder gives the line's vector).
        model: the answer model, or None (rules alone).
        locales: where the model may overturn the rules (:data:`SECOND_OPINION_LOCALES`).

    Returns:
        ``decision`` unchanged; a tool-route decision with intent :data:`MODEL_INTENT`; or,
        for a handover the model reads as off-topic (``decline`` ≥ :data:`DECLINE_BAR`)
        that names none of our banking, a decline with intent :data:`OFF_TOPIC_INTENT`.
    """
    if model is None or reader.locale not in locales or _guarded(text, decision, base, reader):
        return decision
    p = model.proba(reader.index.embedder.embed_one(text))
    banking = _names_banking(text, reader)
    if decision.route is Route.HANDOVER and p["decline"] >= DECLINE_BAR and not banking:
        # "Tu me fais une blague sur les chats ?" read as frustration at 0.3: off-topic.
        return decision.model_copy(
            update={
                "route": Route.OUT_OF_SCOPE,
                "intent": OFF_TOPIC_INTENT,
                "fields": [],
                "entities": {},
                "out_of_scope": True,
            }
        )
    if decision.route is Route.OUT_OF_SCOPE and not banking:
        return decision  # "À quelle heure part le dernier train pour Rennes ?": a place only
    bar = ANSWER_BAR_FR if reader.locale is Locale.FR_FR else ANSWER_BAR
    if p["answer"] < bar:
        return decision
    reading = reader.read(text)
    if reading.route is None or reading.own_account or reading.vague:
        return decision
    if not _asks_something(text, reading):
        return decision
    return catalog_decision(reading, base, MODEL_INTENT)


def _guarded(
    text: str, decision: RouteDecision, base: RouteDecision, reader: CatalogReader
) -> bool:
    """True when the rules' decision stands whatever the model says (module docstring)."""
    if decision.route not in (Route.HANDOVER, Route.OUT_OF_SCOPE):
        return True
    if decision.parts or decision.intent in _PROTECTED or base.intent in _PROTECTED:
        return True
    if asks_for_a_person(text) or reports_an_incident(text) or other_establishment(text):
        return True
    if needs_human(text, reader.locale) or needs_human_fr(text, reader.locale):
        return True  # own money astray, a bereavement ("nous a quittés")
    folded = fold(text)
    return reader.locale is Locale.FR_FR and bool(
        TROUBLE_FR.search(folded) or _OWN_AFFAIRS_FR.search(folded)
    )


def model_answered(decision: RouteDecision) -> bool:
    """True when :func:`second_look` turned the rules' decision into an answer."""
    return decision.intent == MODEL_INTENT


__all__ = [
    "MODEL_INTENT",
    "OFF_TOPIC_INTENT",
    "catalog_decision",
    "model_answered",
    "second_look",
]
