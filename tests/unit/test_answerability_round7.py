"""Answerability, seventh round (English): systemic causes found on the en_GB / en_US tune set.

Each test is one cause fixed in this round, checked on wording of our own (not lines
of the evaluation sets). Loads the shipped router artifacts and the multilingual
encoder once (module scope).
"""

from __future__ import annotations

import pytest

from switchboard.brains.local.catalog_router import CatalogRouter
from switchboard.domain.types import Locale, Route
from switchboard.nlu.slots import extract_slots

GB = {"locale": "en_GB"}
US = {"locale": "en_US"}


# -- a plain card question is answered whatever BANKING77 intent it resembles ------------


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("What do you charge for taking cash out at another bank's ATM?", US),
        ("How do I choose a PIN for a brand new debit card?", GB),
    ],
)
def test_a_plain_card_question_is_answered(router: CatalogRouter, text: str, context: dict) -> None:
    assert router.classify_in_context(text, context).route is Route.CARD_INFO


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("How do I report my card stolen?", GB),
        ("Can I get a refund on the ATM fee?", US),
        ("Why was the card declined at the cash machine?", GB),
        ("The card doesn't work at the ATM, what's the fee?", US),
        ("My PIN is blocked, how do I unblock it?", GB),
    ],
)
def test_card_trouble_still_goes_to_a_human(
    router: CatalogRouter, text: str, context: dict
) -> None:
    assert router.classify_in_context(text, context).route is Route.HANDOVER


# -- the online channel's account text says the debit card comes with it -----------------


@pytest.mark.parametrize("locale", ["en_GB", "en_US"])
@pytest.mark.parametrize("account", ["checking", "student"])
def test_online_account_text_names_the_debit_card(locale: str, account: str) -> None:
    """The dialogue defaults to the online channel: its text must carry the card fact."""
    from switchboard.tools.catalog import load_catalog

    product = load_catalog(locale).accounts.accounts[account]
    assert "debit card" in product.digital.benefits


# -- interest in a whole topic is clarified -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("We're keen on your business accounts", GB),
        ("I'm really interested in a savings account", US),
    ],
)
def test_interest_in_a_topic_is_clarified(router: CatalogRouter, text: str, context: dict) -> None:
    assert router.classify_in_context(text, context).intent == "sb_vague"


def test_interest_in_a_named_card_is_not_an_opener() -> None:
    from switchboard.brains.local.english_cues import browsing_opener

    assert not browsing_opener("I'm interested in the premium card's fee", "en_GB")


# -- asking whether a branch visit is needed asks for the online channel -------------------


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("Is it necessary to visit a branch to open a savings account?", GB),
        ("Do we really need to come into the bank to sign up for checking?", US),
    ],
)
def test_asking_if_a_visit_is_needed_reads_online(
    router: CatalogRouter, text: str, context: dict
) -> None:
    decision = router.classify_in_context(text, context)
    assert decision.route is Route.ACCOUNT_OPENING
    assert decision.entities.get("channel") == "digital"
    # The brain reads the slots of the raw text first: they must say online too.
    assert extract_slots(text.lower(), Locale(context["locale"])).channel == "digital"


def test_a_visit_to_report_a_theft_still_goes_to_a_human(router: CatalogRouter) -> None:
    text = "Do I have to go into a branch to report my card stolen?"
    assert router.classify_in_context(text, GB).route is Route.HANDOVER


# -- safety: late wages worded as a due date; another business's opening hours -----------


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("My salary was meant to land on Friday and there's still nothing in there", GB),
        ("my pension payment was supposed to come through yesterday", GB),
        ("My direct deposit was expected this morning and I'm still waiting", US),
    ],
)
def test_own_money_expected_and_not_there_is_handed_over(
    router: CatalogRouter, text: str, context: dict
) -> None:
    assert router.classify_in_context(text, context).route is Route.HANDOVER


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("When does the chemist in Manchester shut on Saturday?", GB),
        ("What are the hours of the Walgreens on Michigan Avenue in Chicago?", US),
        ("Is the gym near Leeds station open on Sundays?", GB),
    ],
)
def test_another_business_hours_are_not_our_branch(
    router: CatalogRouter, text: str, context: dict
) -> None:
    decision = router.classify_in_context(text, context)
    assert decision.route is not Route.BRANCH, decision


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("What time does the Manchester branch close on Saturday?", GB),
        ("Is the Leeds one open on Sunday?", GB),
        ("What are the hours of your Chicago Loop location?", US),
        ("Which branch is closest to the train station in Leeds?", GB),
    ],
)
def test_our_branches_hours_still_answered(router: CatalogRouter, text: str, context: dict) -> None:
    assert router.classify_in_context(text, context).route is Route.BRANCH
