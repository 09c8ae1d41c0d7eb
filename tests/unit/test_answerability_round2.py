"""Answerability, second round: named products, feature cards, city branches, French events.

Loads the shipped router artifacts and the multilingual encoder once (module scope).
"""

from __future__ import annotations

import pytest

from switchboard.brains.local.catalog_router import CatalogRouter
from switchboard.brains.local.field_answers import branch_answer
from switchboard.brains.local.field_cues import day_of
from switchboard.brains.local.spelling import spell_fixer
from switchboard.domain.types import Locale, Route
from switchboard.nlu.slots import extract_slots

GB = {"locale": "en_GB"}
US = {"locale": "en_US"}
FR = {"locale": "fr_FR"}


@pytest.mark.parametrize(
    ("text", "context", "route", "field", "entity"),
    [
        # A product named by its type and a field asked by its cue words.
        ("What's the one-off charge for a payment sticker?", GB, Route.CARD_INFO, "fees", None),
        (
            "How do I avoid the business checking fee?",
            US,
            Route.ACCOUNT_OPENING,
            "monthly_fee",
            None,
        ),
        # A feature question finds the card whose feature lines answer it.
        (
            "Do you get airport lounge access with any of your cards?",
            GB,
            Route.CARD_INFO,
            "feature",
            ("card_type", "premium"),
        ),
        # A city's branch asked for its hours; a branch called "your Boston location".
        ("What time does Leeds open on Thursday?", GB, Route.BRANCH, "hours_day", ("day", "thu")),
        ("Where's your Boston location?", US, Route.BRANCH, "nearest", None),
        # French: a product question the router read as a sensitive or person intent.
        (
            "Le porte-clés sans contact a-t-il besoin d'être rechargé ?",
            FR,
            Route.CARD_INFO,
            "feature",
            ("feature", "2"),
        ),
        ("Parlez-moi du bracelet sans contact", FR, Route.CARD_INFO, "features", None),
        ("Il faut gagner combien pour la Premier ?", FR, Route.CARD_INFO, "eligibility", None),
    ],
)
def test_catalog_answers_what_it_answers(
    router: CatalogRouter,
    text: str,
    context: dict[str, str],
    route: Route,
    field: str,
    entity: tuple[str, str] | None,
) -> None:
    decision = router.classify_in_context(text, context)
    assert decision.route is route, decision
    assert field in decision.fields, decision
    if entity is not None:
        assert decision.entities.get(entity[0]) == entity[1], decision


@pytest.mark.parametrize(
    ("text", "context"),
    [
        # Own money and accounts stay with a human, even when a product is named.
        ("take $20000 from savings and put it in checking", US),
        ("do you know how much i have in checking", US),
        ("My direct deposit is missing", US),
        ("Where is the closest ATM to me?", GB),
        ("Le distributeur a gardé ma carte Classic", FR),
        ("On m'a prélevé la cotisation de la Visa Premier alors que je l'ai résiliée", FR),
        ("Je veux parler à un conseiller", FR),
        ("Comment obtenir une nouvelle carte après un vol ?", FR),
        ("Une transaction inconnue sur la carte Classic", FR),
        ("La carte Premier ne fonctionne pas à l'étranger", FR),
        ("L'ouverture de compte en ligne a échoué", FR),
        ("Je veux porter réclamation concernant la Visa Premier", FR),
        ("Je veux signaler la perte du bracelet", FR),
    ],
)
def test_own_affairs_still_go_to_a_human(
    router: CatalogRouter, text: str, context: dict[str, str]
) -> None:
    assert router.classify_in_context(text, context).route is Route.HANDOVER


def test_off_topic_time_question_is_not_a_branch(router: CatalogRouter) -> None:
    assert router.classify_in_context("What time is it in London?", GB).route is not Route.BRANCH


def test_business_days_are_not_a_business_account() -> None:
    assert extract_slots("How many business days for a card?", Locale.EN_US).account_type is None
    assert extract_slots("open a business account", Locale.EN_US).account_type == "business"
    assert extract_slots("sur mon téléphone", Locale.FR_FR).channel == "digital"
    assert extract_slots("horaire agence lille", Locale.FR_FR).location == "Lille"


def test_french_four_letter_typos_are_a_dropped_letter_only() -> None:
    fix = spell_fixer(Locale.FR_FR).fix
    assert fix("quel delai pour recevoir la cart") == "quel delai pour recevoir la carte"
    assert fix("faire un tour") == "faire un tour"  # not "tours" (a plural or a city)


def test_weekend_hours_say_both_days() -> None:
    assert day_of("Is Salford Quays open at the weekend?") == "weekend"
    output = {
        "branches": [
            {"name": "Salford Quays", "hours": "Mon–Fri 09:00–17:00", "distance": "0.0 miles"}
        ]
    }
    answer = branch_answer(output, ["hours_day"], {"day": "weekend"}, Locale.EN_GB)
    assert "closed on Saturday" in answer.text
    assert "closed on Sunday" in answer.text
