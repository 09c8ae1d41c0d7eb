"""Answerability, sixth round (French): vague openers in their registers, SMS style,
sound-alike typos one ending away, and small field and slot readings.

Loads the shipped router artifacts and the multilingual encoder once (module scope).
Phrasings are our own, not lines of ``data/eval/``.
"""

from __future__ import annotations

import pytest

from switchboard.brains.local.catalog_router import CatalogRouter
from switchboard.brains.local.field_cues import field_cues
from switchboard.brains.local.french_readings import vague_opener_fr
from switchboard.brains.local.spelling import spell_fixer
from switchboard.domain.types import Locale, Route
from switchboard.nlu.slots import extract_slots

FR = {"locale": "fr_FR"}


@pytest.fixture(scope="module")
def router() -> CatalogRouter:
    from switchboard.brains.local.locale_router import LocaleRouter
    from switchboard.config import RouterSettings

    return CatalogRouter(LocaleRouter.load(RouterSettings()))


@pytest.mark.parametrize(
    ("text", "vague"),
    [
        ("Je vous écris au sujet d'une carte", True),
        ("Bonsoir, j'aurais besoin de quelques renseignements svp", True),
        ("Pourriez-vous me renseigner ?", True),
        ("Je me renseigne concernant un compte", True),
        ("c'est pour une histoire de livret", True),
        # The customer's own card, trouble or a real request: not an opener.
        ("Je vous écris au sujet de ma carte", False),
        ("Je vous appelle pour une carte volée", False),
        ("Je voudrais ouvrir un compte", False),
        ("Je veux parler à un conseiller", False),
    ],
)
def test_vague_opener_fr(text: str, vague: bool) -> None:
    assert vague_opener_fr(text, Locale.FR_FR) is vague
    assert not vague_opener_fr(text, Locale.EN_GB)


@pytest.mark.parametrize(
    "text",
    [
        "Je vous contacte pour une carte",  # read as a lost card, strongly
        "Je me renseigne au sujet d'un compte",
        "slt jai une question",  # SMS style
    ],
)
def test_vague_openers_clarify(router: CatalogRouter, text: str) -> None:
    assert router.classify_in_context(text, FR).intent == "sb_vague"


@pytest.mark.parametrize(
    "text",
    [
        "Je vous appelle pour ma carte, on me l'a volée",
        "Je vous contacte pour une fraude sur ma carte",
        "Je vous écris pour faire une réclamation",
    ],
)
def test_openers_with_trouble_keep_the_handover(router: CatalogRouter, text: str) -> None:
    assert router.classify_in_context(text, FR).route is Route.HANDOVER


@pytest.mark.parametrize(
    ("typed", "fixed"),
    [
        ("bsr g une question", "bonsoir j'ai une question"),
        ("cest combien", "c'est combien"),
        ("horaires agence toulous", "toulouse"),  # a city one ending away
        ("agence de nante", "nantes"),
        ("quels frai pour la carte", "frais"),  # a rare word one ending from a catalog word
    ],
)
def test_sms_style_and_endings(typed: str, fixed: str) -> None:
    assert fixed in spell_fixer(Locale.FR_FR).fix(typed)


def test_real_word_forms_are_kept() -> None:
    fixer = spell_fixer(Locale.FR_FR)
    assert "gratuite" in fixer.fix("elle est gratuite ?").split()
    assert "activez" in fixer.fix("vous activez comment").split()


def test_carte_premiere_is_the_premier_card() -> None:
    assert extract_slots("la carte première à l'étranger", Locale.FR_FR).card_type == "premium"
    # "la première année" names no card.
    assert extract_slots("le compte pro, la première année", Locale.FR_FR).card_type is None


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Il y a une limite d'âge pour le porte-clés ?", "eligibility"),
        ("Faut-il être majeur pour la Premier ?", "eligibility"),
        ("On me donne une carte en plastique avec la virtuelle ?", "feature"),
    ],
)
def test_card_field_cues(text: str, field: str) -> None:
    assert field_cues(text, Route.CARD_INFO)[0] == field


@pytest.mark.parametrize(
    ("text", "route", "field"),
    [
        ("Une limite d'âge pour avoir le bracelet ?", Route.CARD_INFO, "eligibility"),
        (
            "En combien de jours pour que mon compte pro soit ouvert en agence ?",
            Route.ACCOUNT_OPENING,
            "processing_time",
        ),
        ("carte premiere frai etranger", Route.CARD_INFO, "fees"),
    ],
)
def test_round6_product_questions(
    router: CatalogRouter, text: str, route: Route, field: str
) -> None:
    decision = router.classify_in_context(text, FR)
    assert decision.route is route
    assert field in decision.fields


def test_branch_named_over_a_place(router: CatalogRouter) -> None:
    decision = router.classify_in_context("Une agence près de la gare de Part-Dieu ?", FR)
    assert decision.route is Route.BRANCH
    assert decision.entities.get("location") == "69003"
