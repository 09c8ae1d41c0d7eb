"""Answerability, sixth round (English): causes found on fresh en_GB / en_US tune lines.

Each test is one cause fixed in this round (``brains/local/english_cues.py`` and its
call sites), checked on wording of our own (not lines of the evaluation sets).
Loads the shipped router artifacts and the multilingual encoder once (module scope).
"""

from __future__ import annotations

import pytest

from switchboard.brains.local.catalog_router import CatalogRouter
from switchboard.brains.local.english_cues import (
    browsing_opener,
    card_of_the_account,
    info_opener,
    mask_prospective,
    opener_only,
    rephrase,
)
from switchboard.brains.local.field_cues import field_cues
from switchboard.brains.local.spelling import spell_fixer
from switchboard.domain.types import Locale, Route
from switchboard.nlu.slots import extract_slots
from switchboard.testing.dialogue import decide_after as _after

GB = {"locale": "en_GB"}
US = {"locale": "en_US"}


# -- a visit declined is the online channel ---------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I'd rather not go to a branch, can I open a savings account?",
        "I don't really want to pop into a branch to sign up",
        "can I do it instead of going into the bank",
    ],
)
def test_a_visit_declined_names_the_online_channel(text: str) -> None:
    assert "without going to a branch" in rephrase(text, Locale.EN_GB)
    assert extract_slots(text.lower(), Locale.EN_GB).channel == "digital"


def test_rephrase_is_english_only_and_keeps_plain_lines() -> None:
    line = "I'd rather not go to a branch"
    assert rephrase(line, Locale.FR_FR) == line
    assert rephrase("Where is the branch in Leeds?", "en_GB") == "Where is the branch in Leeds?"
    assert rephrase("can I apply from my couch", "en_US") == "can I apply from home"
    assert rephrase("how much is the wrist band", "en_US") == "how much is the wristband"


def test_visit_declined_line_answers_online(router: CatalogRouter) -> None:
    d = router.classify_in_context(
        "I'd prefer not to go into a branch, can I open a savings account from my laptop?", US
    )
    assert d.route is Route.ACCOUNT_OPENING
    assert d.entities.get("channel") == "digital"


# -- a customer-to-be's own clauses -----------------------------------------------------


def test_prospective_clauses_are_masked() -> None:
    masked = mask_prospective("Once I've applied, how soon do I get told if I'm approved?")
    assert "I've applied" not in masked and "how soon do I" not in masked
    assert mask_prospective("why was I charged") == "why was I charged"


def test_processing_time_cues_for_a_decision() -> None:
    assert "processing_time" in field_cues("when do I hear back", Route.ACCOUNT_OPENING)
    assert "processing_time" in field_cues("how fast is the decision", Route.ACCOUNT_OPENING)


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        ("Once we have applied for a savings account, how fast is the decision?", GB),
        ("If I apply for business checking online, how soon would I get approved?", US),
    ],
)
def test_prospective_question_asks_the_timing(router: CatalogRouter, text: str, ctx: dict) -> None:
    d = router.classify_in_context(text, ctx)
    assert d.route is Route.ACCOUNT_OPENING
    assert "processing_time" in d.fields


# -- openers that ask nothing yet -------------------------------------------------------


def test_opener_patterns() -> None:
    assert browsing_opener("I've been reading about your savings accounts", "en_GB")
    assert not browsing_opener("I've been looking at your cards, which is cheapest?", "en_GB")
    assert info_opener("Hi, just after some info please", "en_US")
    assert not info_opener("info on the premium card", "en_US")
    assert opener_only("A quick question please", "en_GB")
    assert not opener_only("A quick question about my refund", "en_GB")
    assert not opener_only("I've been reading about your savings accounts", "fr_FR")


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        ("Been browsing your accounts", GB),
        ("hey, I've been checking out your cards", US),
        ("Good morning, I'm looking for some information", GB),
        ("Just a quick query", US),
    ],
)
def test_openers_clarify(router: CatalogRouter, text: str, ctx: dict) -> None:
    d = router.classify_in_context(text, ctx)
    assert d.intent == "sb_vague"


@pytest.mark.parametrize(
    "text",
    [
        "I've been looking at my account and there's a payment I don't know",
        "I want to speak to a person",
        "I have a complaint",
    ],
)
def test_openers_never_take_a_handover_line(router: CatalogRouter, text: str) -> None:
    assert router.classify_in_context(text, GB).route is Route.HANDOVER


# -- the card that comes with an account ------------------------------------------------


def test_card_of_the_account_words() -> None:
    last = Route.ACCOUNT_OPENING
    assert card_of_the_account("so when will the card get here?", False, last)
    assert not card_of_the_account("so when will the card get here?", True, last)
    assert not card_of_the_account("how much is the card abroad?", False, last)
    assert not card_of_the_account("when will the card get here?", False, Route.CARD_INFO)


def test_card_after_an_account_answer_is_its_timing(router: CatalogRouter) -> None:
    first = "How do I open a student account online?"
    d = _after(router, first, "great, when does the card arrive?", "en_GB")
    assert d.route is Route.ACCOUNT_OPENING
    assert d.fields == ["processing_time"]


# -- card fields ------------------------------------------------------------------------


def test_activation_and_ordering_cues() -> None:
    assert "activation" in field_cues("how do I switch it on?", Route.CARD_INFO)
    assert "activation" in field_cues("how do I set it up when it comes", Route.CARD_INFO)
    ordering = field_cues("can I order a virtual card in the app", Route.CARD_INFO)
    assert "ordering_process" in ordering
    assert "services" in field_cues("can they open accounts at Brixton", Route.BRANCH)


# -- spelling ---------------------------------------------------------------------------


def test_spelling_prefers_our_branch_city_and_spells_out_shorthand() -> None:
    assert spell_fixer(Locale.EN_US).fix("brooklin branch hours") == "brooklyn branch hours"
    assert spell_fixer(Locale.EN_GB).fix("wot age for the sticker") == "what age for the sticker"


# -- validation: a clock's minutes are not a house number --------------------------------


def test_clock_minutes_are_not_a_house_number() -> None:
    from switchboard.validation.places import extract_addresses
    from switchboard.validation.quantities import Consumed

    text = "On Saturday, Houston Main Street is open 9:00 AM–12:00 PM. It is closed on Sunday."
    assert extract_addresses(text, Consumed(len(text))) == []


# -- batch t24 --------------------------------------------------------------------------


def test_business_words_and_plural_card_nouns_name_the_product() -> None:
    assert extract_slots("accounts for sole traders", Locale.EN_GB).account_type == "business"
    assert extract_slots("for a sole proprietorship", Locale.EN_US).account_type == "business"
    assert extract_slots("are key fobs free", Locale.EN_GB).card_type == "contactless"
    assert extract_slots("regular checking deposit", Locale.EN_US).card_type is None
    assert extract_slots("the regular card abroad", Locale.EN_US).card_type == "standard"


def test_you_lot_and_wallet_names_are_respelt() -> None:
    assert rephrase("Do you lot do savings?", "en_GB") == "Do you do savings?"
    assert rephrase("can y'all help", "en_US") == "can you help"
    assert rephrase("add it to googlepay", "en_GB") == "add it to google pay"
    assert rephrase("add it to Google Pay", "en_GB") == "add it to Google Pay"


def test_paying_over_time_asks_the_fee_line() -> None:
    assert field_cues("is it a one-off payment or monthly", Route.CARD_INFO)[0] == "fees"
    fields = field_cues("the metal card, how do I avoid paying for it every month", Route.CARD_INFO)
    assert fields[0] == "fees"
    assert "eligibility" in field_cues("who is allowed one", Route.CARD_INFO)


def test_product_fee_question_shape() -> None:
    from switchboard.brains.local.english_cues import product_fee_question

    assert product_fee_question("Is the sticker a one-off charge?", "en_GB")
    assert not product_fee_question("Is my card a one-off charge?", "en_GB")
    assert not product_fee_question("Is the sticker a one-off charge?", "fr_FR")


@pytest.mark.parametrize(
    ("text", "ctx", "route"),
    [
        ("Is the key fob a one-time charge?", US, Route.CARD_INFO),
        ("Hello, wondering if you could help me with a card question", GB, Route.CARD_INFO),
    ],
)
def test_t24_readings(router: CatalogRouter, text: str, ctx: dict, route: Route) -> None:
    d = router.classify_in_context(text, ctx)
    assert d.route in (route, Route.SMALLTALK)
    assert d.route is not Route.HANDOVER


def test_channel_switch_after_a_branch_answer(router: CatalogRouter) -> None:
    from switchboard.brains.local.english_cues import channel_switch

    assert channel_switch("what about doing it online instead?", "en_GB")
    assert not channel_switch("what about my online banking password?", "en_GB")
    d = _after(router, "How do I open a current account in branch?", "and online?", "en_GB")
    assert d.route is Route.ACCOUNT_OPENING
    assert d.entities.get("channel") == "digital"


@pytest.mark.parametrize(
    "text",
    [
        "I was charged twice for the key fob",
        "Is my card a one-off charge? I see two payments",
        "help me with a question about a payment I don't recognise",
    ],
)
def test_t24_handover_lines_stay(router: CatalogRouter, text: str) -> None:
    assert router.classify_in_context(text, GB).route is Route.HANDOVER


# -- batch t25 --------------------------------------------------------------------------


def test_questions_opened_by_a_negation_ask_the_same() -> None:
    asked = rephrase("Isn't there a fee for the sticker?", "en_GB")
    assert asked == "is there a fee for the sticker?"
    assert rephrase("Don't you charge for it?", "en_US") == "do you charge for it?"
    assert rephrase("It isn't there", "en_GB") == "It isn't there"


@pytest.mark.parametrize(
    "text", ["Right, I've got a couple of questions", "Can you tell me about cards?"]
)
def test_more_openers_clarify(router: CatalogRouter, text: str) -> None:
    assert router.classify_in_context(text, GB).intent == "sb_vague"


def test_a_named_branch_asked_for_a_service_is_a_branch_question(router: CatalogRouter) -> None:
    from switchboard.brains.local.english_cues import branch_service_asked

    assert branch_service_asked("does Leeds do business banking", "en_GB")
    assert not branch_service_asked("can I open a business account in Leeds", "en_GB")
    d = router.classify_in_context("Does the Chicago Loop branch do business banking?", US)
    assert d.route is Route.BRANCH
    assert "services" in d.fields


def test_what_comes_with_an_account_asks_its_benefits() -> None:
    assert "benefits" in field_cues("does savings come with a card", Route.ACCOUNT_OPENING)


def test_negated_own_account_line_stays_with_a_human(router: CatalogRouter) -> None:
    d = router.classify_in_context("Isn't there a fee on my account for this?", GB)
    assert d.route is Route.HANDOVER


def test_find_out_about_a_topic_stays_an_opener(router: CatalogRouter) -> None:
    assert "processing_time" not in field_cues("find out about accounts", Route.ACCOUNT_OPENING)
    d = router.classify_in_context("I'd like to find out about accounts", GB)
    assert d.intent == "sb_vague"


def test_the_card_in_the_same_message_stays_a_card_part(router: CatalogRouter) -> None:
    d = router.classify_in_context(
        "What do I need to open a current account online? Also when does the debit card come?", GB
    )
    routes = [p.route for p in (d.parts or [])] if getattr(d, "parts", None) else [d.route]
    assert Route.CARD_INFO in routes or d.route is Route.CARD_INFO


# -- batch t26 --------------------------------------------------------------------------


def test_charging_it_up_is_a_battery_not_a_fee() -> None:
    assert rephrase("will I need to charge it up?", "en_GB") == "does it need charging?"
    assert rephrase("do you charge it to my account", "en_US") == "do you charge it to my account"


def test_shipping_asks_the_delivery_time() -> None:
    assert "delivery_time" in field_cues("shipping time on the key fob", Route.CARD_INFO)
    assert "delivery_time" in field_cues("when is it dispatched", Route.CARD_INFO)


@pytest.mark.parametrize(
    ("text", "ctx"), [("Is the sticker free?", GB), ("Are the wristbands free of charge?", US)]
)
def test_is_the_product_free(router: CatalogRouter, text: str, ctx: dict) -> None:
    d = router.classify_in_context(text, ctx)
    assert d.route is Route.CARD_INFO
    assert d.fields[0] == "fees"


def test_is_my_card_free_stays_with_the_router(router: CatalogRouter) -> None:
    assert router.classify_in_context("Is the card free? I was charged", GB).route is Route.HANDOVER


def test_a_follow_up_feature_is_the_line_it_asks(router: CatalogRouter) -> None:
    d = _after(router, "how much is the wristband?", "can I lock it?", "en_US")
    assert d.route is Route.CARD_INFO
    assert d.entities.get("feature") == "3"  # "Lock or cancel it in the app"


def test_features_of_merged_parts_are_all_answered(router: CatalogRouter) -> None:
    d = router.classify_in_context("how much is the key fob, and can I freeze it?", GB)
    assert set(d.entities.get("feature", "").split(",")) == {"0", "3"}


def test_field_answer_renders_each_merged_feature() -> None:
    from switchboard.brains.local.field_answers import card_answer

    features = ["A1", "B2", "C3", "D4"]
    output = {"card_details": {"name": "Contactless wearable", "features": features}}
    answer = card_answer(output, ["feature"], {"feature": "0,3"}, Locale.EN_GB)
    assert "A1" in answer.text and "D4" in answer.text and "B2" not in answer.text


# -- batch t27 --------------------------------------------------------------------------


def test_a_condition_on_opening_asks_the_requirements() -> None:
    cues = field_cues("can I open a business account if I'm an LLC", Route.ACCOUNT_OPENING)
    assert "requirements" in cues
    cues = field_cues("what does someone under 18 need for student checking", Route.ACCOUNT_OPENING)
    assert cues[0] == "documents_required"


def test_an_account_there_after_a_branch_answer_asks_its_services(router: CatalogRouter) -> None:
    from switchboard.brains.local.english_cues import service_at_branch

    assert service_at_branch("can I open a savings account there?", Route.BRANCH)
    assert not service_at_branch("can I open a savings account there?", Route.CARD_INFO)
    d = _after(router, "Where's the Brixton branch?", "could I open an account there?", "en_GB")
    assert d.route is Route.BRANCH
    assert d.fields == ["services"]


def test_a_bare_request_for_help_with_here_clarifies() -> None:
    from switchboard.brains.local.english_readings import asks_for_help

    assert asks_for_help("need a bit of help here", "en_GB")
    assert not asks_for_help("need a bit of help here, my card was stolen", "en_GB")


# -- batch t28 --------------------------------------------------------------------------


def test_a_card_for_the_phone_only_is_the_virtual_card() -> None:
    text = "a card just for my phone, nothing physical"
    assert extract_slots(text, Locale.EN_US).card_type == "virtual"
    assert extract_slots("no plastic card please", Locale.EN_GB).card_type == "virtual"


def test_open_an_account_is_no_opening_hours_cue() -> None:
    assert "hours" not in field_cues("which branch can I open an account at", Route.BRANCH)
    assert "hours" in field_cues("when does the branch open", Route.BRANCH)
    assert "hours" in field_cues("opening hours for Leeds", Route.BRANCH)


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        ("Where in Glasgow can I go to open a savings account?", GB),
        ("Where in Boston can I go to open an account?", US),
    ],
)
def test_where_to_open_an_account_in_a_city_is_a_branch(
    router: CatalogRouter, text: str, ctx: dict
) -> None:
    d = router.classify_in_context(text, ctx)
    assert d.route is Route.BRANCH
    assert d.entities.get("service_type") == "account_opening"


def test_a_lower_case_branch_city_with_a_branch_field(router: CatalogRouter) -> None:
    d = router.classify_in_context("what time does glasgow close", GB)
    assert d.route is Route.BRANCH
    assert router.classify_in_context("is it raining in leeds", GB).route is not Route.BRANCH


# -- batch t29 --------------------------------------------------------------------------


def test_an_age_or_status_to_be_asks_the_requirements() -> None:
    assert "requirements" in field_cues("can I get a student account at 17", Route.ACCOUNT_OPENING)
    assert "requirements" in field_cues("do I need to be a UK company", Route.ACCOUNT_OPENING)
    assert "requirements" not in field_cues("open at 17:00", Route.ACCOUNT_OPENING)


def test_asking_about_options_is_an_opener(router: CatalogRouter) -> None:
    assert opener_only("Hello, I need to ask about my options", "en_GB")
    assert not opener_only("I need to ask about my overdraft fee", "en_GB")
    d = router.classify_in_context("Hello, I need to ask about my options", US)
    assert d.route is not Route.HANDOVER


def test_documents_there_after_a_branch_part_stay_the_account(router: CatalogRouter) -> None:
    d = router.classify_in_context(
        "Where is the Cardiff branch? What documents do I need to open a current account there?",
        GB,
    )
    assert d.route is not Route.HANDOVER


# -- batch t30 --------------------------------------------------------------------------


def test_a_statement_is_glued_to_its_question() -> None:
    from switchboard.brains.local.catalog_router import question_parts

    parts = question_parts(
        "I live in Leeds, where is your branch? And is it open on Saturday?", Locale.EN_GB
    )
    assert parts[0].startswith("I live in Leeds, where")
    assert len(parts) == 2
    assert question_parts("I found my card, how can I use it again?", Locale.EN_GB) == [
        "I found my card, how can I use it again?"
    ]


def test_a_missing_document_asks_the_alternatives(router: CatalogRouter) -> None:
    assert rephrase("what if I don't have a passport?", "en_GB") == "without a passport?"
    assert rephrase("what if I don't have my card anymore", "en_GB") == (
        "what if I don't have my card anymore"
    )
    first = "What ID do I need to open savings online?"
    d = _after(router, first, "what if I don't have a passport?", "en_GB")
    assert d.route is Route.ACCOUNT_OPENING
    assert "documents_required" in d.fields


def test_a_new_account_and_credit_score_stays_with_a_human(router: CatalogRouter) -> None:
    text = "is it true that opening a new account can decrease your credit score"
    assert router.classify_in_context(text, US).route is Route.HANDOVER


def test_an_account_follow_up_takes_the_channel_its_words_quote(router: CatalogRouter) -> None:
    d = _after(router, "Tell me about student checking", "is there a minimum balance?", "en_US")
    assert d.route is Route.ACCOUNT_OPENING
    assert d.entities.get("channel") == "branch"  # only the branch text says it
    d = _after(router, "How do I open student checking online?", "any minimum balance?", "en_US")
    assert d.entities.get("channel") == "digital"  # a channel the customer named is kept
