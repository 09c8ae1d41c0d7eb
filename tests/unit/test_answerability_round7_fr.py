"""Answerability, seventh round (French): regions and the bank's presence read as
places for branches, and product questions the router read as trouble.

Loads the shipped router artifacts and the multilingual encoder once (module scope).
Phrasings are our own, not lines of ``data/eval/``.
"""

from __future__ import annotations

import pytest

from switchboard.brains.local.catalog_router import CatalogRouter
from switchboard.brains.local.french_readings import place_fr
from switchboard.domain.types import Locale, Route

FR = {"locale": "fr_FR"}


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("Une agence en Normandie ?", "Rouen"),
        ("vous avez quelque chose dans le Pas-de-Calais", "Arras"),
        ("J'habite en région parisienne", "Paris"),
        ("Vous êtes implantés à Lille ?", "vous avez une agence"),
    ],
)
def test_place_fr(text: str, place: str) -> None:
    assert place in place_fr(text, Locale.FR_FR)
    assert place_fr(text, Locale.EN_GB) == text


@pytest.mark.parametrize(
    "text",
    [
        "Y a-t-il une de vos agences en Alsace ?",
        "Vous êtes présents sur la Côte d'Azur ?",
        "je suis dans le Rhône, une agence pas loin ?",
    ],
)
def test_regions_find_a_branch(router: CatalogRouter, text: str) -> None:
    assert router.classify_in_context(text, FR).route is Route.BRANCH


@pytest.mark.parametrize(
    ("text", "line"),
    [
        # The bracelet's feature lines: 1 "Fonctionne partout…", 2 "Sans batterie ni recharge".
        ("Le porte-clés, on peut l'utiliser dans tous les commerces ?", "1"),
        ("Il y a une pile à remplacer dans le bracelet ?", "2"),
    ],
)
def test_feature_questions_pick_their_line(router: CatalogRouter, text: str, line: str) -> None:
    decision = router.classify_in_context(text, FR)
    assert decision.route is Route.CARD_INFO
    assert "feature" in decision.fields
    assert decision.entities.get("feature") == line


@pytest.mark.parametrize(
    "text",
    [
        "Ma carte ne marche plus nulle part",
        "Le bracelet ne fonctionne pas avec le terminal du magasin",
    ],
)
def test_works_with_trouble_keeps_the_handover(router: CatalogRouter, text: str) -> None:
    assert router.classify_in_context(text, FR).route is Route.HANDOVER


@pytest.mark.parametrize(
    "text",
    [
        "Est-ce qu'on a droit à une carte avec le compte professionnel ?",
        "Le compte pro, il comprend une carte Visa ?",
    ],
)
def test_business_account_card_is_answered(router: CatalogRouter, text: str) -> None:
    decision = router.classify_in_context(text, FR)
    assert decision.route is Route.ACCOUNT_OPENING
    assert "benefits" in decision.fields


def test_business_card_in_both_channels() -> None:
    from switchboard.tools.catalog import load_catalog

    business = load_catalog(Locale.FR_FR).accounts.accounts["business"]
    assert "Visa Business" in business.branch.benefits
    assert "Visa Business" in business.digital.benefits


@pytest.mark.parametrize(
    ("text", "own"),
    [
        ("Le premier virement à l'ouverture, c'est combien au minimum ?", False),
        ("Mon virement de 300 euros a disparu", True),
    ],
)
def test_first_transfer_is_not_own_account(text: str, own: bool) -> None:
    from switchboard.brains.local.answer_wording import own_account_wording

    assert own_account_wording(text) is own


def test_region_names_are_spelt() -> None:
    from switchboard.brains.local.spelling import spell_fixer

    assert "bretagne" in spell_fixer(Locale.FR_FR).fix("une agence en bretagn").lower()


def test_charged_asks_the_battery_line(router: CatalogRouter) -> None:
    decision = router.classify_in_context("Faut-il que le porte-clés soit chargé ?", FR)
    assert decision.route is Route.CARD_INFO
    assert decision.entities.get("feature") == "2"  # "Sans batterie ni recharge"


def test_savings_withdrawal_as_second_part_asks_benefits(router: CatalogRouter) -> None:
    text = "Je voudrais un livret d'épargne. On peut reprendre son argent à tout moment ?"
    decision = router.classify_in_context(text, FR)
    assert decision.route is Route.ACCOUNT_OPENING
    fields = [f for p in decision.parts for f in p.fields] if decision.parts else decision.fields
    assert "benefits" in fields


def test_own_savings_withdrawal_keeps_the_handover(router: CatalogRouter) -> None:
    text = "Retirez tout l'argent de mon livret aujourd'hui s'il vous plaît"
    assert router.classify_in_context(text, FR).route is Route.HANDOVER
