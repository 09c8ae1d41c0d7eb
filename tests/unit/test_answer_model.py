"""The learned second opinion (answerability round 8): the answer model and its guards.

Loads the shipped router artifacts, the multilingual encoder and the shipped answer
model once (module scope). Phrasings are our own, not lines of ``data/eval/``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from switchboard.brains.local.answer_model import (
    LABELS,
    AnswerModel,
    rows_digest,
    shipped_answer_model,
    training_rows,
)
from switchboard.brains.local.catalog_router import CatalogRouter
from switchboard.brains.local.second_opinion import MODEL_INTENT, model_answered
from switchboard.config import Settings
from switchboard.domain.types import TOOL_ROUTES, Action, Channel, Locale, Route
from switchboard.errors import RouterModelError

FR = {"locale": "fr_FR"}


class Sure:
    """A model that is certain every line is a catalog question (to test the guards)."""

    def proba(self, vector: object) -> dict[str, float]:
        return {"answer": 1.0, "clarify": 0.0, "decline": 0.0, "handover": 0.0, "smalltalk": 0.0}


@pytest.fixture(scope="module")
def rules_only(router: CatalogRouter) -> CatalogRouter:
    """The same router with no second opinion."""
    return CatalogRouter(router.inner, answer_model=None)


@pytest.fixture(scope="module")
def always(router: CatalogRouter) -> CatalogRouter:
    """The same router with a model that always says ``answer``, in both languages."""
    return CatalogRouter(
        router.inner,
        answer_model=Sure(),
        second_opinion_locales=frozenset({Locale.FR_FR, Locale.EN_GB}),
    )


def test_shipped_model_loads_and_matches_its_training_rows() -> None:
    model = shipped_answer_model()
    assert model is not None
    assert model.labels == LABELS
    assert model.coef.shape == (5, 512)
    # The artifact was fitted on exactly the rows the repository holds now: change the
    # tune split or the training utterances and this fails until the model is rebuilt
    # (python -m switchboard.brains.local.answer_model).
    assert model.metadata["rows_sha256"] == rows_digest(training_rows())


def test_probabilities_sum_to_one_and_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    model = AnswerModel(
        rng.normal(size=(5, 512)).astype(np.float32), rng.normal(size=5).astype(np.float32)
    )
    vector = rng.normal(size=512).astype(np.float32)
    p = model.proba(vector)
    assert set(p) == set(LABELS)
    assert sum(p.values()) == pytest.approx(1.0, abs=1e-5)
    model.save(tmp_path)
    again = AnswerModel.load(tmp_path)
    assert again.proba(vector) == pytest.approx(p)
    many = again.proba_many(np.vstack([vector, vector]))
    assert many.shape == (2, 5)
    assert many[0, 0] == pytest.approx(p["answer"], abs=1e-5)


def test_missing_or_malformed_artifact_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RouterModelError, match="answer model"):
        AnswerModel.load(tmp_path)
    with pytest.raises(RouterModelError, match="do not match"):
        AnswerModel(np.zeros((3, 512), np.float32), np.zeros(5, np.float32))


@pytest.mark.parametrize(
    ("text", "route"),
    [
        # Read by the French router as a card service request or a payment fee: the
        # catalog answers them (delivery after opening, proof of address, signing online).
        ("Une fois le compte ouvert en agence, la carte arrive en combien de jours ?",
         Route.CARD_INFO),
        ("Le justificatif de domicile doit avoir moins de combien de mois ?",
         Route.ACCOUNT_OPENING),
        ("Quand on ouvre en ligne, la signature du contrat se fait comment ?",
         Route.ACCOUNT_OPENING),
        ("Si j ouvre sur internet, vous controlez mon identite de quelle facon ?",
         Route.ACCOUNT_OPENING),
    ],
)
def test_french_catalog_questions_the_rules_handed_over_are_answered(
    router: CatalogRouter, rules_only: CatalogRouter, text: str, route: Route
) -> None:
    assert rules_only.classify_in_context(text, FR).route is Route.HANDOVER
    decision = router.classify_in_context(text, FR)
    assert model_answered(decision)
    assert decision.route is route


@pytest.mark.parametrize(
    "text",
    [
        "Il y a un débit inconnu sur la carte virtuelle, que faire ?",  # own money, unknown debit
        "Je veux parler à un conseiller pour la carte",  # a person
        "Les frais de ma Visa Classic ont été prélevés deux fois",  # own card, charged twice
        "Le bracelet sans contact ne marche plus",  # trouble
        "Comment avoir un nouveau code pour ma carte ?",  # own card's code
        "Je voudrais un rendez-vous en agence pour mon prêt",  # appointment
    ],
)
def test_french_guards_keep_the_handover_whatever_the_model_says(
    always: CatalogRouter, text: str
) -> None:
    decision = always.classify_in_context(text, FR)
    assert decision.route is Route.HANDOVER
    assert decision.intent != MODEL_INTENT


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("À quelle heure part le dernier bus pour Rennes ?", "fr_FR"),  # a place, no banking
        ("What time does the Boots in Camden shut?", "en_GB"),  # another business
    ],
)
def test_off_topic_lines_stay_declined(always: CatalogRouter, text: str, locale: str) -> None:
    decision = always.classify_in_context(text, {"locale": locale})
    assert decision.route not in TOOL_ROUTES


def test_english_is_left_to_the_rules_by_default(
    router: CatalogRouter, always: CatalogRouter
) -> None:
    # BANKING77 sends "what is the fee for a cash withdrawal" to a human (route map); a
    # model sure it is a catalog question answers it only where English is configured.
    text = "What do you charge me for a cash withdrawal?"
    by_default = CatalogRouter(router.inner, answer_model=Sure())
    assert by_default.classify_in_context(text, {}).route is Route.HANDOVER
    assert always.classify_in_context(text, {}).intent == MODEL_INTENT
    assert Settings().router.second_opinion_locales == ["fr_FR"]


async def test_french_line_answered_end_to_end(tmp_path: Path) -> None:
    from switchboard.compose import build_service

    url = f"sqlite:///{tmp_path / 'fr.db'}"
    service = await build_service(Settings(database_url=url))
    try:
        contact = await service.start_contact(channel=Channel.CHAT, locale=Locale.FR_FR)
        reply = await service.handle_turn(
            contact.contact_id,
            "Une fois le compte ouvert en agence, la carte arrive en combien de jours ?",
        )
    finally:
        await service.aclose()
    assert reply.action is Action.ANSWER
    assert "get_debit_card_info" in {r.name for r in reply.tools if r.ok}
    assert "jours ouvrés" in reply.text


@pytest.mark.parametrize(
    "text",
    [
        # Route safety (bench/answerability_routes.py): nothing of these is in the card
        # catalog, and the route map sends their BANKING77 intents to a human.
        "Is there a fee for topping up with a card?",
        "How do I earn rewards on the debit card?",
        "How long does it take to verify an ATM withdrawal?",
        "Do I have a PIN for the debit card?",
        "How do I get the card linked to the app?",
        "I can't get this stupid card to work",
        "Can I get a virtual card for one-time purchases?",
        "Can I get your debit card in EU?",
    ],
)
def test_beyond_the_card_catalog_stays_with_a_human(router: CatalogRouter, text: str) -> None:
    assert router.classify_in_context(text, {}).route not in TOOL_ROUTES
