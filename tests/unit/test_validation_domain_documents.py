"""Domain-boundary and document-accuracy checks, with their false-positive guards."""

from __future__ import annotations

from typing import Any

import pytest

from switchboard.domain.types import HallucinationType, Locale, Severity, ToolResult
from switchboard.testing.lying_brain import sample_output
from switchboard.validation import ValidationAgent
from switchboard.validation.lexicon import expand_covers, find_documents, find_topics

AGENT = ValidationAgent()
GB, US, FR = Locale.EN_GB, Locale.EN_US, Locale.FR_FR


def result(tool: str, locale: Locale = GB, output: dict[str, Any] | None = None) -> ToolResult:
    return ToolResult(call_id="c1", name=tool, output=output or sample_output(tool, locale))


def serious(res) -> list[tuple[str, str]]:
    return [(f.type.value, f.claim) for f in res.findings if f.severity is not Severity.LOW]


ACCOUNT = {loc: [result("get_branch_account_opening_info", loc)] for loc in (GB, US, FR)}
CARD_GB = [result("get_debit_card_info")]


# -- domain boundary -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "locale"),
    [
        ("I'm sorry, I can't help with mortgages, but a specialist can.", GB),
        ("Mortgages are outside what I can help with here.", GB),
        ("For a mortgage, one of our specialists can talk you through the options.", GB),
        ("I can only help with accounts, debit cards and branches, not investments.", GB),
        ("Are you asking about a loan or about a debit card?", GB),
        ("Désolé, je ne peux pas vous conseiller sur les crédits immobiliers.", FR),
        ("Pour un prêt, un conseiller pourra vous renseigner.", FR),
        ("Je suis prêt à vous aider. Que souhaitez-vous faire ?", FR),
    ],
)
def test_declines_referrals_and_questions_are_not_off_topic(reply: str, locale: Locale) -> None:
    res = AGENT.validate("can I get a mortgage?", [], reply, locale)
    assert res.passed and not res.findings, res.findings


@pytest.mark.parametrize(
    ("reply", "locale", "topic"),
    [
        ("A personal loan is a great way to consolidate your debts.", GB, "loans"),
        ("Our mortgages let you borrow up to four times your salary.", GB, "mortgages"),
        ("You could also invest your savings in our stocks and shares fund.", GB, "investments"),
        ("Bitcoin is a good hedge against inflation.", US, "crypto"),
        ("A credit card would help you build your credit history.", US, "credit_cards"),
        ("Nous proposons aussi un prêt personnel avantageux.", FR, "loans"),
        ("Une assurance-vie est un bon placement.", FR, "insurance"),
    ],
)
def test_information_on_other_products_is_medium_off_topic(
    reply: str, locale: Locale, topic: str
) -> None:
    res = AGENT.validate("q", [result("get_debit_card_info", locale)], reply, locale)
    assert not res.passed and res.severity is Severity.MEDIUM
    offs = [f for f in res.findings if f.type is HallucinationType.OFF_TOPIC]
    assert offs and topic.replace("_", " ") in offs[0].detail


def test_decline_with_figures_still_flags_the_figures() -> None:
    reply = "I can't advise on mortgages, but rates start at 4.5%."
    res = AGENT.validate("q", [], reply, GB)
    assert [f.type for f in res.findings] == [HallucinationType.FABRICATED_DATA]


def test_product_named_by_the_tool_is_not_off_topic() -> None:
    card = sample_output("get_debit_card_info", GB)
    card["card_details"]["features"].append("Worldwide travel insurance")
    reply = "The card includes worldwide travel insurance."
    assert not AGENT.validate("q", [result("get_debit_card_info", output=card)], reply,
                              GB).findings


def test_topic_matches_resolve_overlaps() -> None:
    assert [t for t, _, _ in find_topics("a personal loan")] == ["loans"]


# -- documents -------------------------------------------------------------------------


def test_seed_scenario_3_proof_of_income_is_caught() -> None:
    res = AGENT.validate("What documents do I need for a savings account?", ACCOUNT[GB],
                         "You'll need a passport and proof of income.", GB)
    assert not res.passed and res.severity is Severity.MEDIUM
    assert serious(res) == [("incorrect_documents", "proof of income")]
    lows = [f for f in res.findings if f.severity is Severity.LOW]
    assert lows and "left out" in lows[0].detail  # proof of address was omitted


@pytest.mark.parametrize(
    ("reply", "locale"),
    [
        ("Bring photo ID like a passport or driving licence, plus proof of address.", GB),
        ("You'll need ID and a recent utility bill or bank statement.", GB),
        ("Bring your passport, or your UK driving licence, and a bank statement from the last "
         "3 months.", GB),
        ("You'll need a government-issued photo ID such as a driver's license, your SSN, and "
         "proof of address like a lease.", US),
        ("You'll need a state ID, your Social Security number and a utility bill.", US),
        ("Il vous faut une pièce d'identité, par exemple votre passeport, et un justificatif de "
         "domicile de moins de trois mois.", FR),
        ("Apportez votre carte d'identité et une facture d'énergie récente.", FR),
    ],
)
def test_faithful_document_paraphrases_pass(reply: str, locale: Locale) -> None:
    res = AGENT.validate("q", ACCOUNT[locale], reply, locale)
    assert res.passed and not serious(res), res.findings


@pytest.mark.parametrize(
    ("reply", "locale", "claim"),
    [
        ("You'll need a passport and your birth certificate.", GB, "birth certificate"),
        ("You'll need a driver's license, your SSN and two recent pay stubs.", US, "pay stubs"),
        ("Il vous faut un passeport et vos trois derniers bulletins de salaire.", FR,
         "bulletins de salaire"),
        ("You'll need your National Insurance number and a passport.", GB,
         "National Insurance number"),
    ],
)
def test_added_documents_are_medium(reply: str, locale: Locale, claim: str) -> None:
    res = AGENT.validate("q", ACCOUNT[locale], reply, locale)
    assert ("incorrect_documents", claim) in serious(res)
    assert res.severity is Severity.MEDIUM


def test_saying_a_listed_document_is_not_needed_is_medium() -> None:
    res = AGENT.validate("q", ACCOUNT[GB], "You don't need a passport for this account.", GB)
    assert serious(res) == [("incorrect_documents", "passport")]


def test_unlisted_document_said_not_needed_is_low() -> None:
    res = AGENT.validate("q", ACCOUNT[GB], "You won't need a payslip.", GB)
    assert res.passed


def test_specific_example_of_a_generic_listed_document_is_low() -> None:
    account = sample_output("get_branch_account_opening_info", GB)
    account["documents_required"] = ["Photo ID", "Proof of address"]
    res = AGENT.validate("q", [result("get_branch_account_opening_info", output=account)],
                         "Bring photo ID and a council tax bill.", GB)
    assert res.passed and [f.severity for f in res.findings] == [Severity.LOW]


def test_documents_named_in_a_question_are_not_claims() -> None:
    res = AGENT.validate("q", ACCOUNT[GB], "Do you have a birth certificate with you?", GB)
    assert not res.findings


def test_lexicon_prefers_the_longest_document_phrase() -> None:
    keys = [k for k, _, _ in find_documents("Taxpayer Identification Number and photo ID")]
    assert keys == ["ssn", "photo_id"]
    assert "passport" in expand_covers("identity")
