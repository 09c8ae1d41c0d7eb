"""Answerability, fifth round (French): spelling that keeps real French words, a request
for a person with no person in it, elliptic parts of a multi-question message, "je
voudrais savoir…" as a question, and the slots behind them.

Loads the shipped router artifacts and the multilingual encoder once (module scope).
Phrasings are our own, not lines of ``data/eval/``.
"""

from __future__ import annotations

import pytest

from switchboard.brains.local.answerability_fr import (
    elliptic_part,
    person_reading_without_person,
    wants_to_know,
)
from switchboard.brains.local.catalog_router import CatalogRouter, question_parts
from switchboard.brains.local.spelling import spell_fixer
from switchboard.domain.types import Locale, Route
from switchboard.nlu.slots import extract_slots

FR = {"locale": "fr_FR"}


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        # Real French words are what the customer meant (they were "corrected" to
        # catalog words: "savoir" → "avoir", "haut" → "aux", "rendre" → "prendre").
        ("je voudrais savoir vos tarifs", "savoir"),
        ("une carte plutôt haut de gamme", "haut"),
        ("je dois me rendre en agence", "rendre"),
        ("un bon livre de cuisine", "livre"),
    ],
)
def test_french_words_are_kept(typed: str, kept: str) -> None:
    assert kept in spell_fixer(Locale.FR_FR).fix(typed).split()


@pytest.mark.parametrize(
    ("typed", "fixed"),
    [
        ("les horaires de l'agnece de Lyon", "l'agence"),  # the word after an elision
        ("kel prix pour le bracelet", "quel prix"),  # chat shorthand
        ("combien de tps pour la livraison", "combien de temps"),
        ("la Visa Premier c'est combien par moi ?", "par mois ?"),
        ("quel papier pour un conte courant", "compte"),  # sound-alike still fixed
    ],
)
def test_french_typos_are_fixed(typed: str, fixed: str) -> None:
    assert fixed in spell_fixer(Locale.FR_FR).fix(typed)


def test_french_slots() -> None:
    assert extract_slots("une carte virtuel pour payer en ligne", Locale.FR_FR).card_type == (
        "virtual"
    )
    assert extract_slots("Allô, vous êtes à Lyon ?", Locale.FR_FR).location == "Lyon"
    assert extract_slots("Allô ?", Locale.FR_FR).location is None


@pytest.mark.parametrize(
    ("text", "without_person"),
    [
        ("Parlez-moi de la carte virtuelle", True),
        ("Je peux les appeler à quel numéro ?", True),
        ("Je voudrais parler à mon conseiller", False),
        ("Rappelez-moi demain matin", False),
        ("Parlez-moi, ma carte est bloquée", False),
        ("Un rendez-vous en agence svp", False),
    ],
)
def test_person_reading_without_person(text: str, without_person: bool) -> None:
    assert person_reading_without_person(text) is without_person


def test_wants_to_know_and_ellipsis() -> None:
    assert wants_to_know("J'aimerais savoir le prix de la carte virtuelle")
    assert not wants_to_know("Je veux ouvrir un livret")
    assert elliptic_part("et la Premier ?")
    assert not elliptic_part("et ma carte ne marche pas")
    parts = question_parts(
        "J'aimerais savoir le prix de la carte virtuelle et où est l'agence de Nantes",
        Locale.FR_FR,
    )
    assert len(parts) == 2


@pytest.mark.parametrize(
    "text",
    [
        "Parle-moi du bracelet sans contact",
        "Je m'intéresse à la carte virtuelle",
    ],
)
def test_asking_about_a_product_is_answered(router: CatalogRouter, text: str) -> None:
    decision = router.classify_in_context(text, FR)
    assert decision.route is Route.CARD_INFO


def test_follow_up_read_as_a_request_for_a_person(router: CatalogRouter) -> None:
    branch = {
        "locale": "fr_FR",
        "dialogue": {"route": "branch", "slots": {"location": "Lyon"}, "fields": ["nearest"]},
    }
    decision = router.classify_in_context("Comment les joindre par téléphone ?", branch)
    assert decision.route is Route.BRANCH
    assert decision.fields == ["phone"]
    # A person named keeps the handover, follow-up or not.
    person = router.classify_in_context("Je peux parler à un conseiller ?", branch)
    assert person.route is Route.HANDOVER


def test_elliptic_parts_lean_on_the_part_before(router: CatalogRouter) -> None:
    decision = router.classify_in_context(
        "Le porte-clés coûte combien ? Et la carte Premier ?", FR
    )
    assert [p.route for p in decision.parts] == [Route.CARD_INFO, Route.CARD_INFO]
    assert decision.parts[1].entities.get("card_type") == "premium"
    assert decision.parts[1].fields == ["fees"]
    # A part that needs a human keeps its handover.
    safe = router.classify_in_context(
        "Le porte-clés coûte combien ? Et on m'a volé ma carte hier", FR
    )
    assert any(p.route is Route.HANDOVER for p in safe.parts) or safe.route is Route.HANDOVER


def test_vague_opener_read_as_a_request_for_a_person(router: CatalogRouter) -> None:
    decision = router.classify_in_context("Allô, je voudrais un renseignement", FR)
    assert decision.intent == "sb_vague"


@pytest.mark.parametrize(
    ("text", "route", "field"),
    [
        # Opening wording in any form of "ouvrir" ("si j'ouvre un compte…").
        (
            "Quand j'ouvre un compte en ligne, la carte arrive en combien de jours ?",
            Route.ACCOUNT_OPENING,
            "processing_time",
        ),
        # A terse query ("âge minimum" asks the eligibility).
        ("age minimum porte-cles", Route.CARD_INFO, "eligibility"),
        # A relative's age given to be answered for it.
        ("Ma fille a 17 ans, elle peut avoir le porte-clés ?", Route.CARD_INFO, "eligibility"),
        # Sent with tracking: the delivery field.
        ("La carte Premier est expédiée en lettre suivie ?", Route.CARD_INFO, "delivery_time"),
    ],
)
def test_round5_product_questions(
    router: CatalogRouter, text: str, route: Route, field: str
) -> None:
    decision = router.classify_in_context(text, FR)
    assert decision.route is route
    assert field in decision.fields


@pytest.mark.parametrize(
    "text",
    [
        "Je souhaite me renseigner sur vos offres",
        "C'est concernant les livrets",
        # A card named with no field: the account benefits cue must not take it.
        "Bonjour, une question sur la carte",
    ],
)
def test_round5_vague_openers(router: CatalogRouter, text: str) -> None:
    assert router.classify_in_context(text, FR).intent == "sb_vague"


def test_not_in_a_branch_is_online() -> None:
    slots = extract_slots("un compte courant sans me rendre en agence, possible ?", Locale.FR_FR)
    assert slots.channel == "digital"
    assert extract_slots("un livret ouvert en agence", Locale.FR_FR).channel == "branch"


@pytest.mark.parametrize(
    ("text", "route", "field"),
    [
        ("Le livret est-il fourni avec une carte ?", Route.ACCOUNT_OPENING, "benefits"),
        ("On peut y déposer des espèces ?", Route.ACCOUNT_OPENING, "benefits"),
        ("Vous vérifiez l'identité comment en ligne ?", Route.ACCOUNT_OPENING, "process_steps"),
        ("Une assistance est prévue pour partir à l'étranger ?", Route.CARD_INFO, "feature"),
        ("Il faut une carte pour le porte-clés ?", Route.CARD_INFO, "eligibility"),
        ("Le code postal de votre agence Bastille ?", Route.BRANCH, "address"),
        ("Un compte depuis l'étranger, c'est faisable ?", Route.ACCOUNT_OPENING, "requirements"),
    ],
)
def test_round5_french_field_cues(text: str, route: Route, field: str) -> None:
    from switchboard.brains.local.field_cues import field_cues

    assert field in field_cues(text, route)
