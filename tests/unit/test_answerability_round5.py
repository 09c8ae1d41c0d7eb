"""Answerability, fifth round (English): readings of how en_GB / en_US customers ask.

Each test is one cause fixed in this round (``brains/local/english_readings.py`` and
its call sites), checked on wording of our own (not lines of the evaluation sets).
Loads the shipped router artifacts and the multilingual encoder once (module scope).
"""

from __future__ import annotations

import pytest

from switchboard.brains.local.answer_wording import own_card_product_question
from switchboard.brains.local.catalog_router import CatalogRouter
from switchboard.brains.local.english_readings import (
    abroad_use,
    bereavement,
    channel_quoted,
    implied_channel,
    info_request_vague,
    own_money_astray,
    quotes_catalog,
    respell,
    state_branch_city,
)
from switchboard.brains.local.field_cues import field_cues
from switchboard.domain.types import Locale, Route
from switchboard.testing.dialogue import decide_after as _after

GB = {"locale": "en_GB"}
US = {"locale": "en_US"}


# -- real-word slips ---------------------------------------------------------------


def test_real_word_slip_is_respelt_only_in_english() -> None:
    assert respell("is my debt card ok abroad", Locale.EN_GB) == "is my debit card ok abroad"
    assert respell("dept cards", "en_US") == "debit cards"
    assert respell("debt card", Locale.FR_FR) == "debt card"
    assert respell("I have a student debt", Locale.EN_GB) == "I have a student debt"


# -- bringing documents means a branch ----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "What should I bring along to open a business account?",
        "Which papers do I take with me for a savings account?",
    ],
)
def test_bring_documents_asks_the_branch(router: CatalogRouter, text: str) -> None:
    decision = router.classify_in_context(text, GB)
    assert decision.route is Route.ACCOUNT_OPENING
    assert decision.entities.get("channel") == "branch"
    assert decision.fields[:1] == ["documents_required"]


def test_online_wording_implies_no_branch() -> None:
    assert implied_channel("what do I bring", Locale.EN_GB) == "branch"
    assert implied_channel("what do I upload in the app, or bring?", Locale.EN_GB) is None
    assert implied_channel("que dois-je apporter", Locale.FR_FR) is None


# -- card use abroad asks the fee line ---------------------------------------------


def test_country_names_are_abroad_but_home_is_not() -> None:
    assert abroad_use("Can I pay with it in Portugal?", Locale.EN_GB)
    assert abroad_use("does it work in the Netherlands", Locale.EN_US)
    assert abroad_use("Will it work in America?", Locale.EN_GB)
    assert not abroad_use("Will it work in America?", Locale.EN_US)
    assert not abroad_use("Can I use it in the UK?", Locale.EN_GB)
    assert not abroad_use("how much is turkey in your shop", Locale.EN_GB)  # a word, lower case
    assert not abroad_use("in Spain", Locale.FR_FR)


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("Can I use my debit card in Portugal?", GB),
        ("Would my standard debit card work in Brazil?", US),
        ("Does the standard card work in Greece?", GB),
    ],
)
def test_card_use_in_a_country_answers_the_fee_line(
    router: CatalogRouter, text: str, locale: dict[str, str]
) -> None:
    decision = router.classify_in_context(text, locale)
    assert decision.route is Route.CARD_INFO
    assert decision.fields[:1] == ["fees"]


def test_will_my_card_work_is_asked_ahead() -> None:
    assert own_card_product_question("Will my premium debit card work in Kenya?")
    assert not own_card_product_question("My debit card didn't work in Kenya")


# -- replacement cards -------------------------------------------------------------


def test_replacement_is_its_own_field_not_delivery_or_fees() -> None:
    assert field_cues("How long does a replacement card take?", Route.CARD_INFO) == [
        "replacement_info"
    ]
    assert field_cues("what's the price of a replacement card", Route.CARD_INFO) == [
        "replacement_info"
    ]
    assert field_cues("How long does the premium card take?", Route.CARD_INFO) == [
        "delivery_time"
    ]


@pytest.mark.parametrize(
    "text", ["replacement card how long?", "How soon do you post out a replacement card?"]
)
def test_replacement_question_is_answered(router: CatalogRouter, text: str) -> None:
    decision = router.classify_in_context(text, GB)
    assert decision.route is Route.CARD_INFO
    assert decision.fields == ["replacement_info"]


@pytest.mark.parametrize(
    "text",
    [
        "My replacement card hasn't arrived",
        "I lost my card and need a replacement",
        "my card was stolen, send a replacement",
    ],
)
def test_own_replacement_still_goes_to_a_human(router: CatalogRouter, text: str) -> None:
    assert router.classify_in_context(text, GB).route is Route.HANDOVER


# -- the catalog's own words are not the customer's affairs --------------------------


def test_catalog_words_are_forgiven_only_as_the_catalog_uses_them() -> None:
    assert quotes_catalog("Are ATM fees refunded with the premium card?", Locale.EN_US)
    assert quotes_catalog("is there a minimum balance on student checking", Locale.EN_US)
    assert not quotes_catalog("Why was my refund refused?", Locale.EN_US)
    assert not quotes_catalog("is a refund possible for that", Locale.EN_US)
    assert not quotes_catalog("Are ATM fees refunded?", Locale.FR_FR)


def test_refunded_feature_is_a_product_question(router: CatalogRouter) -> None:
    decision = router.classify_in_context("Does the Visa Signature card refund ATM fees?", US)
    assert decision.route is Route.CARD_INFO


def test_channel_whose_text_is_quoted() -> None:
    assert channel_quoted("minimum balance on student checking?", "en_US", "student") == "branch"
    assert channel_quoted("what documents for savings", "en_US", "savings") is None


# -- places --------------------------------------------------------------------------


def test_us_state_names_our_branch_city(router: CatalogRouter) -> None:
    assert state_branch_city("anything in Massachusetts?", Locale.EN_US) == "Boston"
    assert state_branch_city("anything in Ohio?", Locale.EN_US) is None
    decision = router.classify_in_context("Is there a location in Illinois?", US)
    assert decision.route is Route.BRANCH
    assert decision.entities.get("location") == "Chicago"


# -- lines that need a human -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("My paycheck still hasn't posted", US),
        ("my wages haven't come through this month", GB),
        ("My grandad passed away last month, what happens to his savings?", GB),
        ("I'm the executor of my aunt's estate", US),
    ],
)
def test_own_money_and_bereavement_go_to_a_human(
    router: CatalogRouter, text: str, locale: dict[str, str]
) -> None:
    assert router.classify_in_context(text, locale).route is Route.HANDOVER


def test_money_and_death_readings_are_english_only() -> None:
    assert own_money_astray("my deposit isn't showing", Locale.EN_US)
    assert not own_money_astray("how long does a deposit take", Locale.EN_US)
    assert bereavement("my husband died", Locale.EN_GB)
    assert not bereavement("my husband died", Locale.FR_FR)


# -- follow-ups --------------------------------------------------------------------------


def test_weak_person_reading_of_a_later_part_is_a_follow_up(router: CatalogRouter) -> None:
    decision = router.classify_in_context(
        "What's the monthly fee on the premium card and how can I get it waived?", US
    )
    parts = decision.parts or [decision]
    assert all(p.route is Route.CARD_INFO for p in parts)


def test_same_topic_question_after_a_card_is_about_that_card(router: CatalogRouter) -> None:
    decision = _after(router, "Tell me about the premium card", "what are the ATM fees?", "en_US")
    assert decision.route is Route.CARD_INFO
    assert decision.entities.get("card_type") == "premium"


def test_first_person_same_topic_line_is_not_a_follow_up(router: CatalogRouter) -> None:
    decision = _after(
        router, "Tell me about the premium card", "why was I charged an ATM fee?", "en_US"
    )
    assert decision.route is Route.HANDOVER


# -- vague and features ------------------------------------------------------------------


def test_info_on_a_whole_topic_is_vague(router: CatalogRouter) -> None:
    assert info_request_vague("I'd like some info about your cards please", Locale.EN_GB)
    assert not info_request_vague("info on the premium card fee", Locale.EN_GB)
    decision = router.classify_in_context("I want some information on accounts", US)
    assert decision.intent == "sb_vague"


def test_short_feature_word_picks_its_line(router: CatalogRouter) -> None:
    decision = router.classify_in_context("Does the standard card have chip and PIN?", GB)
    assert decision.route is Route.CARD_INFO
    assert decision.entities.get("feature") == "1"  # "Chip and PIN in shops…"


# -- requests for help and customers-to-be (third batch) ---------------------------------


@pytest.mark.parametrize(
    "text", ["Afternoon, hoping someone can help", "need a bit of advice please", "hi i need help"]
)
def test_bare_request_for_help_clarifies(router: CatalogRouter, text: str) -> None:
    decision = router.classify_in_context(text, GB)
    assert decision.intent == "sb_vague"
    assert decision.route is not Route.HANDOVER


def test_help_with_a_subject_is_not_a_bare_request() -> None:
    from switchboard.brains.local.english_readings import asks_for_help

    assert not asks_for_help("help, my card was stolen")
    assert not asks_for_help("Can I get support?")  # support desk: the router's reading
    assert asks_for_help("I need a hand with something", Locale.EN_US)
    assert not asks_for_help("I need a hand with something", Locale.FR_FR)


@pytest.mark.parametrize(
    "text", ["We're thinking of switching banks", "I'd like to learn about your accounts"]
)
def test_customer_to_be_with_no_product_clarifies(router: CatalogRouter, text: str) -> None:
    assert router.classify_in_context(text, US).intent == "sb_vague"


def test_a_car_battery_dying_is_not_a_bereavement() -> None:
    assert not bereavement("my car battery died this morning", Locale.EN_GB)
    assert not bereavement("the deadline has passed", Locale.EN_US)
    assert bereavement("my nan passed on Sunday", Locale.EN_GB)


def test_delivery_cue_for_turning_up() -> None:
    assert field_cues("how many days for the card to turn up", Route.CARD_INFO)[:1] == [
        "delivery_time"
    ]


def test_product_words_quote_no_channel() -> None:
    # "checking account" is in both channels' texts in spirit: it must not pick one.
    assert channel_quoted("Is the checking account free?", "en_US", "checking") is None


# -- whom a product is for, and the branch as a channel (fourth batch) -------------------


def test_a_child_the_product_is_for_is_not_personal_wording(router: CatalogRouter) -> None:
    decision = router.classify_in_context("Could my 15 year old have a key fob?", GB)
    assert decision.route is Route.CARD_INFO
    assert decision.fields[:1] == ["eligibility"]
    assert router.classify_in_context("my son lost his debit card", GB).route is Route.HANDOVER


def test_branch_named_as_a_channel_follows_an_account_answer(router: CatalogRouter) -> None:
    first = "Tell me about the savings account"
    decision = _after(router, first, "what paperwork would I need in branch?", "en_GB")
    assert decision.route is Route.ACCOUNT_OPENING
    assert decision.entities.get("channel") == "branch"
    assert decision.entities.get("account_type") == "savings"


def test_own_records_a_few_words_after_my_go_to_a_human(router: CatalogRouter) -> None:
    text = "Could you email me my last two statements?"
    assert router.classify_in_context(text, US).route is Route.HANDOVER


# -- products by their own nouns, and "a … one" (fifth batch) ----------------------------


@pytest.mark.parametrize(
    ("text", "locale"), [("Tell me about the wristband", US), ("the sticker?", GB)]
)
def test_a_product_noun_of_one_card_names_it(
    router: CatalogRouter, text: str, locale: dict[str, str]
) -> None:
    decision = router.classify_in_context(text, locale)
    assert decision.route is Route.CARD_INFO
    assert decision.entities.get("card_type") == "contactless"


def test_what_is_an_account_asks_its_benefits(router: CatalogRouter) -> None:
    decision = router.classify_in_context("What's student checking?", US)
    assert decision.route is Route.ACCOUNT_OPENING
    assert decision.fields == ["benefits"]


def test_a_plastic_one_is_a_follow_up_of_the_card(router: CatalogRouter) -> None:
    first = "Tell me about the virtual card"
    decision = _after(router, first, "will I get a plastic one?", "en_GB")
    assert decision.route is Route.CARD_INFO
    assert decision.entities.get("card_type") == "virtual"


def test_a_product_word_next_to_a_plain_one_still_quotes_a_channel() -> None:
    assert channel_quoted("I'm an international student", "en_GB", "student") == "branch"


def test_a_faint_protected_reading_is_read_against_the_catalog() -> None:
    from switchboard.brains.local.english_readings import faint_reading

    assert faint_reading(0.04, "Could you tell me the hours for Camden?", Locale.EN_GB)
    assert not faint_reading(0.6, "Could you tell me the hours for Camden?", Locale.EN_GB)
    assert not faint_reading(0.04, "my card was stolen", Locale.EN_GB)
    assert not faint_reading(0.04, "I want to speak to a person", Locale.EN_US)
    assert not faint_reading(0.04, "hours for Camden?", Locale.FR_FR)


def test_getting_a_debit_card_the_same_day_asks_delivery(router: CatalogRouter) -> None:
    decision = router.classify_in_context("Is there any way to get a debit card same day?", GB)
    assert decision.route is Route.CARD_INFO
    assert decision.fields[:1] == ["delivery_time"]
