"""Answerability, fourth round: French sound-alike spelling, general vague openers,
unworded small talk, hypothetical "if I open", follow-ups read through a weak
sensitive/frustration intent, and handovers kept.

Loads the shipped router artifacts and the multilingual encoder once (module scope).
"""

from __future__ import annotations

import pytest

from switchboard.brains.local.answerability import is_vague
from switchboard.brains.local.catalog_router import CatalogRouter
from switchboard.brains.local.field_cues import field_cues
from switchboard.brains.local.spelling import phonetic_fr, spell_fixer
from switchboard.domain.types import Locale, Route

GB = {"locale": "en_GB"}
US = {"locale": "en_US"}
FR = {"locale": "fr_FR"}


@pytest.mark.parametrize(
    ("typo", "fixed"),
    [
        ("quel papier pour ouvrir un conte courant", "compte"),
        ("decouver compte etudian", "découvert compte étudiant"),
        ("coment comandé une carte virtuele", "commander"),
    ],
)
def test_french_sound_alike_spelling(typo: str, fixed: str) -> None:
    assert fixed in spell_fixer(Locale.FR_FR).fix(typo)


@pytest.mark.parametrize(
    "text",
    ["Comment activer ma nouvelle carte", "livré en combien de jours", "Je veux fermer mon compte"],
)
def test_french_forms_and_accented_words_are_kept(text: str) -> None:
    assert spell_fixer(Locale.FR_FR).fix(text) == text


def test_phonetic_key() -> None:
    assert phonetic_fr("conte") == phonetic_fr("compte")
    assert phonetic_fr("papié") == phonetic_fr("papiers")
    assert phonetic_fr("carte") != phonetic_fr("compte")


@pytest.mark.parametrize(
    ("text", "vague"),
    [
        ("got a question for you", True),
        ("card stuff", True),
        ("question about checking", True),
        ("hey I need some info", True),
        ("à propos des cartes", True),
        ("Tell me something funny", False),
        ("can you give me info on miami weather", False),
        ("I need to change my contact information", False),
        ("a question about a charge on my card", False),
        ("I need some info on checking accounts", False),
    ],
)
def test_general_vague_openers(text: str, vague: bool) -> None:
    assert is_vague(text) is vague


def test_field_cues_round4() -> None:
    assert field_cues("Who qualifies for the premium card?", Route.CARD_INFO)[0] == "eligibility"
    assert "min_deposit" in field_cues(
        "How much money do I need to open a business account?", Route.ACCOUNT_OPENING
    )
    assert "requirements" in field_cues(
        "Can a 17 year old open a student account?", Route.ACCOUNT_OPENING
    )
    assert field_cues("renseignement sur les livrets", Route.CARD_INFO) == []


@pytest.mark.parametrize(
    ("text", "context", "route", "intent"),
    [
        # Off-topic read as a thank-you by the router: no thank-you word.
        ("Write me a poem about autumn", GB, Route.OUT_OF_SCOPE, None),
        ("thanks a lot!", GB, Route.SMALLTALK, "thank_you"),
        # Product questions the router sent to a human.
        (
            "When will my debit card come if I open an account online?",
            GB,
            Route.ACCOUNT_OPENING,
            None,
        ),
        ("Do I need to be a UK resident to apply online?", GB, Route.ACCOUNT_OPENING, None),
        ("Can I get a card that works with Samsung Pay?", US, Route.CARD_INFO, None),
        ("Puis-je retirer gratuitement dans la zone euro ?", FR, Route.CARD_INFO, None),
        ("Je suis étudiant, je peux avoir un découvert ?", FR, Route.ACCOUNT_OPENING, None),
        # A city of our branch list in lower case.
        ("opening hours glasgow", GB, Route.BRANCH, None),
        # Still a human: own records, incidents, events.
        ("I need a copy of my statements", GB, Route.HANDOVER, None),
        ("I opened an account and my card hasn't come", GB, Route.HANDOVER, None),
        ("je suis client et on m'a volé ma carte", FR, Route.HANDOVER, None),
        ("I need to change my contact information.", US, Route.HANDOVER, None),
    ],
)
def test_round4_routes(
    router: CatalogRouter, text: str, context: dict[str, str], route: Route, intent: str | None
) -> None:
    decision = router.classify_in_context(text, context)
    assert decision.route is route
    if intent is not None:
        assert decision.intent == intent
    if route is Route.BRANCH:
        assert decision.entities.get("location") == "Glasgow"


def test_follow_ups_through_weak_intents(router: CatalogRouter) -> None:
    online = {
        "locale": "fr_FR",
        "dialogue": {"route": "account_opening", "slots": {"account_type": "checking"}},
    }
    decision = router.classify_in_context("Ça prend combien de temps ?", online)
    assert decision.route is Route.ACCOUNT_OPENING
    assert decision.fields == ["processing_time"]
    card = {
        "locale": "en_US",
        "dialogue": {"route": "card_info", "slots": {"card_type": "standard"}},
    }
    assert router.classify_in_context("can I lock it in the app?", card).route is Route.CARD_INFO
    # An incident stays with a human, follow-up or not.
    assert router.classify_in_context("it was stolen, can I lock it?", card).route is Route.HANDOVER
    branch = {"locale": "en_US", "dialogue": {"route": "branch", "slots": {"location": "New York"}}}
    saturday = router.classify_in_context("and on Saturday?", branch)
    assert saturday.entities.get("day") == "sat"
    assert "hours" in saturday.fields
