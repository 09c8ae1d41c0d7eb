"""The person-request backstop (brains/local/person_request.py), no model loaded."""

from __future__ import annotations

import pytest

from switchboard.brains.local import training as T
from switchboard.brains.local.person_request import asks_for_a_person, fold, with_backstop
from switchboard.config import RouterSettings
from switchboard.domain.types import Route
from switchboard.ports import RouteDecision

REQUESTS = [
    "Je voudrais parler à un conseiller s'il vous plaît",
    "je voudrais parler a un conseiller s'il vous plait",
    "tu peux me passer un conseiller",
    "Passez-moi quelqu'un, s'il vous plaît",
    "un humain svp",
    "Un humain, pas un robot !",
    "une vraie personne svp",
    "Un agent, maintenant",
    "Mettez-moi plutôt en contact avec quelqu'un",
    "Je veux pas parler à un bot",
    "je veu parlé a un conseilé",
    "conseiler svp",
    "J'aimerais qu'une conseillère me rappelle",
]

NOT_REQUESTS = [
    "un conseiller peut-il m'ouvrir un compte en agence ?",
    "mon conseiller m'a dit que les frais sont offerts",
    "t'es pas un robot ?",
    "agent de change",
    "une personne de 16 ans peut ouvrir un compte ?",
    "conseille-moi une carte",
    "je voudrais parler de ma carte",
    "personal account",
    "I'd like to speak to someone",  # English is the classifier's job
]


def test_fold() -> None:
    assert fold("  Passez-MOI   l’Agent ÉCLAIRÉ ") == "passez-moi l'agent eclaire"


@pytest.mark.parametrize("text", REQUESTS)
def test_requests(text: str) -> None:
    assert asks_for_a_person(text)


@pytest.mark.parametrize("text", NOT_REQUESTS)
def test_mentions_are_not_requests(text: str) -> None:
    assert not asks_for_a_person(text)


def test_no_training_line_of_another_intent_matches() -> None:
    """31k training lines (English and French) of every other intent: no false trigger."""
    rows = T.load_training_set(RouterSettings().training_dir)
    hits = [
        (r.intent, r.text)
        for r in rows
        if r.intent != "human_request" and asks_for_a_person(r.text)
    ]
    assert hits == []


def test_with_backstop_forces_an_explicit_handover() -> None:
    decision = RouteDecision(
        route=Route.SMALLTALK,
        intent="greeting",
        confidence=0.7,
        route_scores={"smalltalk": 0.7, "handover": 0.3},
        top_intents=[("greeting", 0.7)],
    )
    forced = with_backstop("passe-moi un humain", decision)
    assert (forced.route, forced.intent, forced.confidence) == (
        Route.HANDOVER,
        "human_request",
        1.0,
    )
    assert forced.route_scores == decision.route_scores and not forced.out_of_scope
    assert with_backstop("bonjour", decision) is decision
