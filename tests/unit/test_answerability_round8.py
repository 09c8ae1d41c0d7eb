"""Answerability, round 8 safety: complaints and limit changes in French, other documents.

Found on the blind ``holdout8`` (its handover and off-topic misses were read for safety;
its in-scope misses were not). Phrasings here are our own, not lines of ``data/eval/``.
Loads the shipped router artifacts and the multilingual encoder once (module scope).
"""

from __future__ import annotations

import pytest

from switchboard.brains.local.answerability import other_document
from switchboard.brains.local.catalog_router import CatalogRouter
from switchboard.brains.local.french_readings import needs_human_fr
from switchboard.domain.types import TOOL_ROUTES, Locale, Route
from switchboard.testing.dialogue import decide_after

FR = {"locale": "fr_FR"}


@pytest.mark.parametrize(
    "text",
    [
        "Je souhaite me plaindre de votre service",
        "Personne ne répond quand j'appelle l'agence",
        "Pouvez-vous relever le plafond de ma CB ?",
        "J'aimerais augmenter ma limite de retrait",
    ],
)
def test_french_complaints_and_own_limit_changes_go_to_a_human(
    router: CatalogRouter, text: str
) -> None:
    assert needs_human_fr(text, "fr_FR")
    assert router.classify_in_context(text, FR).route is Route.HANDOVER


def test_a_cards_limits_asked_plainly_stay_a_product_question(router: CatalogRouter) -> None:
    text = "Quel est le plafond de paiement de la Visa Premier ?"
    assert not needs_human_fr(text, "fr_FR")
    decision = router.classify_in_context(text, FR)
    assert decision.route is Route.CARD_INFO


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("how do I get a new passport", "en_US"),
        ("Where do I renew my state ID card?", "en_US"),
        ("Je dois refaire mon permis de conduire, comment faire ?", "fr_FR"),
        ("Ma carte vitale est périmée, je fais comment ?", "fr_FR"),
    ],
)
def test_other_documents_are_off_topic(router: CatalogRouter, text: str, locale: str) -> None:
    assert other_document(text)
    decision = router.classify_in_context(text, {"locale": locale})
    assert decision.route is Route.OUT_OF_SCOPE


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("Can I use my driving licence as ID to open an account?", "en_GB"),
        ("Un passeport suffit pour ouvrir un compte en ligne ?", "fr_FR"),
    ],
)
def test_a_document_for_our_account_is_still_ours(
    router: CatalogRouter, text: str, locale: str
) -> None:
    assert not other_document(text)
    assert router.classify_in_context(text, {"locale": locale}).route in TOOL_ROUTES


def test_a_document_as_a_follow_up_keeps_the_dialogue(router: CatalogRouter) -> None:
    decision = decide_after(
        router, "What documents do I need to open an account?", "can I use my passport?", "en_GB"
    )
    assert decision.route is Route.ACCOUNT_OPENING


def test_a_router_handover_the_french_rules_agree_with_is_never_overridden(
    router: CatalogRouter,
) -> None:
    # The router reads a limit increase (credit_limit_change); the catalog's card reading
    # ("plafond") must not turn it into a card feature answer.
    text = "Je souhaite augmenter le plafond de ma carte pour payer un voyage"
    assert router.classify_in_context(text, FR).route is Route.HANDOVER


def test_one_feature_asked_leads_and_the_cards_other_lines_follow_in_chat() -> None:
    from switchboard.brains.local.field_answers import card_answer

    features = ["Online payments at once", "No physical card", "New number in one tap"]
    output = {"card_details": {"name": "Virtual card", "features": features}}
    answer = card_answer(output, ["feature"], {"feature": "1"}, Locale.EN_GB)
    assert answer.text.startswith("The Virtual card offers: No physical card.")
    assert answer.text.index("It also comes with:") > answer.text.index("No physical card")
    assert "Online payments at once" in answer.text and "New number in one tap" in answer.text
    assert "Online payments" not in answer.spoken  # speech keeps the one line picked
