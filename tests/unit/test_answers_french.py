"""French answers from the catalog (issue 10, round 2): cues, spelling, slots, backstop, router.

The router tests load the shipped fr_FR router artifact and the multilingual
encoder (module-scoped, a few seconds). Phrasings here are our own, not lines of
``data/eval/``.
"""

from __future__ import annotations

import pytest

from switchboard.brains.local.answerability import topic_of
from switchboard.brains.local.catalog_router import CatalogRouter
from switchboard.brains.local.field_cues import field_cues
from switchboard.brains.local.person_request import (
    INCIDENT_INTENT,
    reports_an_incident,
    with_backstop,
)
from switchboard.brains.local.spelling import spell_fixer
from switchboard.domain.types import Locale, Route
from switchboard.nlu.slots import extract_slots
from switchboard.ports import RouteDecision

FR = {"locale": "fr_FR"}


@pytest.mark.parametrize(
    ("text", "route", "fields"),
    [
        ("La carte classique coûte combien par an ?", Route.CARD_INFO, ["fees"]),
        ("Combien faut-il gagner pour la carte premier ?", Route.CARD_INFO, ["eligibility"]),
        ("Sous quel délai la carte est-elle livrée ?", Route.CARD_INFO, ["delivery_time"]),
        ("Et hors de la zone euro ?", Route.CARD_INFO, ["fees"]),
        ("Combien de temps prend l'ouverture ?", Route.ACCOUNT_OPENING, ["processing_time"]),
        ("Un découvert est-il possible ?", Route.ACCOUNT_OPENING, ["overdraft"]),
        ("Quel est le numéro de l'agence ?", Route.BRANCH, ["phone"]),
    ],
)
def test_french_field_cues(text: str, route: Route, fields: list[str]) -> None:
    assert field_cues(text, route) == fields


def test_french_cues_leave_english_alone() -> None:
    assert field_cues("How much is the premium card?", Route.CARD_INFO) == ["fees"]
    assert field_cues("How long does delivery take?", Route.CARD_INFO) == ["delivery_time"]
    assert topic_of("Do I need a visa to travel?") is None
    assert topic_of("Ouvrir un livret") is Route.ACCOUNT_OPENING


def test_french_spelling_fixes_typos_and_keeps_french_words() -> None:
    fix = spell_fixer(Locale.FR_FR).fix
    assert fix("conbien coute la carte") == "combien coute la carte"
    assert fix("une agense a tulouse") == "une agence a toulouse"
    # Accents dropped, infinitives and adjectives are French words, not typos.
    assert fix("comment activer la carte virtuel gratuit") == (
        "comment activer la carte virtuel gratuit"
    )


def test_french_slots() -> None:
    assert extract_slots("un compte pro", Locale.FR_FR).account_type == "business"
    assert extract_slots("le porte cle", Locale.FR_FR).card_type == "contactless"
    near = extract_slots("l'agence la plus proche de bordeaux", Locale.FR_FR)
    assert near.location == "Bordeaux"


@pytest.mark.parametrize(
    "text",
    [
        "on m a vole mon portefeuille avec ma carte",
        "ma cb a été volée hier",
        "j'ai égaré ma carte bancaire",
        "quelqu'un m'a piraté mon compte",
    ],
)
def test_french_incidents_are_handed_over(text: str) -> None:
    assert reports_an_incident(text)
    decision = RouteDecision(route=Route.OUT_OF_SCOPE, intent="oos", confidence=0.6)
    forced = with_backstop(text, decision)
    assert forced.route is Route.HANDOVER and forced.intent == INCIDENT_INTENT


@pytest.mark.parametrize(
    "text",
    ["Combien coûte la carte premier ?", "My card was stolen", "Aucuns frais à l'étranger ?"],
)
def test_incident_backstop_leaves_other_lines(text: str) -> None:
    assert not reports_an_incident(text)


@pytest.fixture(scope="module")
def router() -> CatalogRouter:
    from switchboard.brains.local.locale_router import LocaleRouter
    from switchboard.config import RouterSettings

    catalog = CatalogRouter(LocaleRouter.load(RouterSettings()))
    catalog.warm(Locale.FR_FR)
    return catalog


@pytest.mark.parametrize(
    ("text", "route", "field"),
    [
        ("La carte virtuelle, elle coûte combien ?", Route.CARD_INFO, "fees"),
        ("Comment activer la carte que je viens de recevoir ?", Route.CARD_INFO, "activation"),
        ("Quel est le dépôt minimum d'un livret d'épargne ?", Route.ACCOUNT_OPENING, "min_deposit"),
        ("L'agence de la Défense ouvre à quelle heure ?", Route.BRANCH, "hours"),
    ],
)
def test_french_product_questions_go_to_their_field(
    router: CatalogRouter, text: str, route: Route, field: str
) -> None:
    decision = router.classify_in_context(text, FR)
    assert decision.route is route
    assert field in decision.fields


def test_french_branch_named_after_another_city(router: CatalogRouter) -> None:
    decision = router.classify_in_context("Horaires de l'agence la Défense", FR)
    assert decision.route is Route.BRANCH
    assert decision.entities["location"] in ("92800", "La Defense")


def test_french_multi_question_splits_on_et(router: CatalogRouter) -> None:
    decision = router.classify_in_context(
        "Combien coûte la carte virtuelle et quels sont les horaires de l'agence de Lille ?", FR
    )
    assert decision.intent == "sb_multi"
    assert [p.route for p in decision.parts] == [Route.CARD_INFO, Route.BRANCH]


def test_french_statement_then_question_is_one_question(router: CatalogRouter) -> None:
    decision = router.classify_in_context("J'habite à Lille, où est votre agence ?", FR)
    assert decision.intent != "sb_multi"
    assert decision.route is Route.BRANCH


def test_french_stolen_card_typo_is_handed_over(router: CatalogRouter) -> None:
    decision = router.classify_in_context("on ma vole ma cb", FR)
    assert decision.route is Route.HANDOVER


def test_french_follow_ups_read_the_dialogue(router: CatalogRouter) -> None:
    branch = {"route": "branch", "slots": {"location": "Lille"}, "fields": ["nearest"]}
    phone = router.classify_in_context("Et son téléphone ?", {**FR, "dialogue": branch})
    assert phone.route is Route.BRANCH and phone.fields == ["phone"]
    opening = {
        "route": "account_opening",
        "slots": {"account_type": "student", "channel": "digital"},
        "fields": ["process_steps"],
    }
    moved = router.classify_in_context("plutôt en agence", {**FR, "dialogue": opening})
    assert moved.route is Route.ACCOUNT_OPENING and moved.entities["channel"] == "branch"


def test_french_trouble_after_an_answer_is_not_a_follow_up(router: CatalogRouter) -> None:
    card = {"route": "card_info", "slots": {"card_type": "premium"}, "fields": ["fees"]}
    context = {**FR, "dialogue": card}
    decision = router.classify_in_context("Elle ne fonctionne plus du tout", context)
    assert decision.route is Route.HANDOVER
