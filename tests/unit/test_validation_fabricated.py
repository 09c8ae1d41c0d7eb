"""Fabricated-data check: amounts, timings, counts, numbers, and replies without tools."""

from __future__ import annotations

from typing import Any

import pytest

from switchboard.domain.types import HallucinationType, Locale, Severity, ToolResult
from switchboard.testing.lying_brain import sample_output
from switchboard.validation import ValidationAgent
from switchboard.validation.quantities import parse_number

AGENT = ValidationAgent()
GB, US, FR = Locale.EN_GB, Locale.EN_US, Locale.FR_FR


def result(tool: str, output: dict[str, Any] | None = None, locale: Locale = GB) -> ToolResult:
    return ToolResult(call_id="c1", name=tool, output=output or sample_output(tool, locale))


def judge(reply: str, tools: list[ToolResult], locale: Locale = GB, query: str = "q"):
    return AGENT.validate(query, tools, reply, locale)


def serious(res) -> list[tuple[str, str, str]]:
    return [(f.type.value, f.severity.value, f.claim) for f in res.findings
            if f.severity is not Severity.LOW]


CARD_GB = [result("get_debit_card_info")]
CARD_US = [result("get_debit_card_info", locale=US)]
CARD_FR = [result("get_debit_card_info", locale=FR)]
ACCOUNT_GB = [result("get_branch_account_opening_info")]


@pytest.mark.parametrize(
    ("token", "locale", "value"),
    [
        ("1,000.50", GB, 1000.5),
        ("5,00", FR, 5.0),
        ("1 000", FR, 1000.0),
        ("1\u202f000,50", FR, 1000.5),
        ("5.00", FR, 5.0),
        ("5.00", US, 5.0),
        ("1,000", US, 1000.0),
        ("abc", GB, None),
    ],
)
def test_parse_number_per_locale(token: str, locale: Locale, value: float | None) -> None:
    assert parse_number(token, locale) == value


@pytest.mark.parametrize(
    "reply",
    [
        "A replacement costs £5.00.",
        "A replacement costs £5.",
        "A replacement costs five pounds.",
        "A replacement costs 5 pounds.",
        "The card itself is free and replacing it is £5.",
        "There's no fee for the card; a replacement is £5.00.",
        "It's free of charge.",
    ],
)
def test_money_written_any_way_matches_the_tool(reply: str) -> None:
    res = judge(reply, CARD_GB)
    assert res.passed and not res.findings, res.findings


def test_money_formats_us_and_fr() -> None:
    assert not judge("There's no monthly fee and a replacement is $10.", CARD_US).findings
    assert not judge("La carte est gratuite ; son remplacement coûte 5,00 €.", CARD_FR).findings
    assert not judge("Le remplacement coûte 5 euros.", CARD_FR).findings


@pytest.mark.parametrize(
    ("reply", "claim"),
    [
        ("A replacement costs £10.", "£10"),
        ("There is a monthly fee of £2.50 for this card.", "£2.50"),
        ("Replacements cost 7 pounds.", "7 pounds"),
    ],
)
def test_wrong_or_invented_amount_is_high(reply: str, claim: str) -> None:
    res = judge(reply, CARD_GB)
    assert not res.passed and res.severity is Severity.HIGH
    assert [(f.type, f.claim) for f in res.findings] == [(HallucinationType.FABRICATED_DATA, claim)]


def test_free_when_the_tool_charges_is_high() -> None:
    premium = sample_output("get_debit_card_info", GB)
    premium["card_details"]["fees"] = "£15 a month"
    premium["replacement_info"] = "Replacements cost £15"
    res = judge("The premium card is completely free.", [result("get_debit_card_info", premium)])
    assert res.severity is Severity.HIGH
    assert "free" in res.findings[0].detail


def test_wrong_currency_is_high() -> None:
    res = judge("A replacement card costs £10.", CARD_US, US)
    assert res.severity is Severity.HIGH
    assert "currency GBP" in res.findings[0].detail


def test_french_decimal_comma_lie() -> None:
    res = judge("La carte coûte 2,50 € par mois.", CARD_FR, FR)
    assert serious(res) == [("fabricated_data", "high", "2,50 €")]


def test_hedged_rounding_is_low_only() -> None:
    card = sample_output("get_debit_card_info", GB)
    card["card_details"]["fees"] = "Replacement £4.99"
    card["replacement_info"] = "Lost cards are replaced within 3-5 working days"
    res = judge("A replacement is about £5.", [result("get_debit_card_info", card)])
    assert res.passed and res.severity is Severity.LOW


@pytest.mark.parametrize(
    "reply",
    [
        "Your debit card arrives in 5-7 working days.",
        "Your debit card arrives in five to seven working days.",
        "Your debit card should arrive within 7 working days.",
        "Your account is active immediately.",
        "Your account is activated instantly, and the card follows within a week.",
    ],
)
def test_timing_paraphrases_pass(reply: str) -> None:
    res = judge(reply, ACCOUNT_GB)
    assert res.passed and not res.findings, res.findings


@pytest.mark.parametrize(
    ("reply", "claim"),
    [
        ("Your card will arrive within 2 working days.", "2 working days"),
        ("You need proof of address from the last six months.", "6 months"),
        ("Your card is sent the next working day.", "next working day"),
    ],
)
def test_invented_timing_is_medium(reply: str, claim: str) -> None:
    res = judge(reply, ACCOUNT_GB)
    assert serious(res) == [("fabricated_data", "medium", claim)]


def test_step_counts() -> None:
    assert not judge("There are 8 steps in all.", ACCOUNT_GB).findings
    assert not judge("You only need two documents.", ACCOUNT_GB).findings
    res = judge("It's a simple 12-step process.", ACCOUNT_GB)
    assert serious(res) == [("fabricated_data", "medium", "12-step")]


def test_bare_numbers_list_positions_and_echoes() -> None:
    reply = "1. Book an appointment\n2. Bring your documents\nStep 3 is meeting an adviser."
    assert not judge(reply, ACCOUNT_GB).findings
    assert not judge("At 17 you can open one.", ACCOUNT_GB, query="I'm 17, can I?").findings
    res = judge("We have 250 advisers.", ACCOUNT_GB)
    assert res.passed and [f.severity for f in res.findings] == [Severity.LOW]


def test_age_stated_as_years() -> None:
    assert not judge("You must be 18 years old or over.", CARD_GB).findings


def test_distance() -> None:
    branch = [result("find_nearest_branch")]
    assert not judge("Manchester Central is 0.4 miles away.", branch).findings
    res = judge("Manchester Central is 3 miles away.", branch)
    assert serious(res) == [("fabricated_data", "medium", "3 miles")]


@pytest.mark.parametrize("locale", [GB, US, FR])
def test_banking_facts_without_any_tool_are_fabricated_and_capped_at_medium(
    locale: Locale,
) -> None:
    reply = {
        GB: "The replacement fee is £5 and your card arrives in 3-5 working days.",
        US: "The replacement fee is $10 and your card arrives in 7-10 business days.",
        FR: "Le remplacement coûte 5 € et la carte arrive sous 5 à 7 jours ouvrés.",
    }[locale]
    res = judge(reply, [], locale)
    assert not res.passed and res.severity is Severity.MEDIUM
    assert len(res.findings) == 2
    assert all("no tool was called" in f.detail for f in res.findings)


def test_failed_tool_results_prove_nothing() -> None:
    failed = ToolResult.model_validate(
        {"call_id": "c", "name": "get_debit_card_info",
         "error": {"code": "timeout", "message": "slow"}}
    )
    res = judge("A replacement costs £5.00.", [failed])
    assert not res.passed and res.severity is Severity.MEDIUM


def test_numbers_in_tool_numeric_fields_count() -> None:
    output = {"card_type": "standard", "fee": 5, "delivery_days": 4, "rate": 2.99}
    tools = [result("get_debit_card_info", output)]
    assert not judge("It costs £5 and foreign use is 2.99%.", tools).findings
    assert judge("Foreign use costs 3.5%.", tools).severity is Severity.HIGH
