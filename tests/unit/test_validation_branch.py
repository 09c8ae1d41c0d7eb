"""Branch-accuracy check: phones, addresses, postcodes, names and opening hours."""

from __future__ import annotations

from typing import Any

import pytest

from switchboard.domain.types import HallucinationType, Locale, Severity, ToolResult
from switchboard.testing.lying_brain import sample_output
from switchboard.validation import ValidationAgent
from switchboard.validation.hours import Schedule, extract_clock_times, extract_hours
from switchboard.validation.quantities import Consumed

AGENT = ValidationAgent()
GB, US, FR = Locale.EN_GB, Locale.EN_US, Locale.FR_FR


def branch(locale: Locale = GB, output: dict[str, Any] | None = None) -> list[ToolResult]:
    out = output or sample_output("find_nearest_branch", locale)
    return [ToolResult(call_id="c1", name="find_nearest_branch", output=out)]


def serious(res) -> list[tuple[str, str]]:
    return [(f.type.value, f.claim) for f in res.findings if f.severity is not Severity.LOW]


@pytest.mark.parametrize(
    ("reply", "locale"),
    [
        ("Your closest branch is our Manchester Central branch at 12 King St. You can call "
         "them on +44 161 496 0123. They're open Monday to Friday from 9am to 5pm and on "
         "Saturdays from 9am until 1pm, and closed on Sundays.", GB),
        ("The nearest branch to M1 1AE is Manchester Central, 0.4 miles away.\n\nAddress: 12 "
         "King Street, Manchester M2 4WU\nPhone: 0161 496 0123\nOpening hours: Mon-Fri "
         "9:00-17:00, Sat 9:00-13:00\n\nOther branches nearby: Salford Quays (2.1 miles).", GB),
        ("Salford Quays, at 3 The Quays, is open weekdays 9:30am to 4:30pm.", GB),
        ("The Midtown Manhattan branch is at 350 Fifth Ave, New York, NY 10118. Call (212) "
         "555-0142. Hours: Monday through Friday 9am-5pm, Saturday 10am-2pm.", US),
        ("L'agence Paris Opéra se trouve au 12 rue de la Paix. Elle est ouverte du lundi au "
         "vendredi de 9h à 17h30 et le samedi de 9h à 12h30. Appelez le +33 1 42 68 53 00.",
         FR),
    ],
)
def test_faithful_branch_replies_pass(reply: str, locale: Locale) -> None:
    res = AGENT.validate("where is my nearest branch?", branch(locale), reply, locale)
    assert res.passed and not res.findings, res.findings


@pytest.mark.parametrize(
    ("reply", "locale", "claim"),
    [
        ("Call Manchester Central on 0161 496 0987.", GB, "0161 496 0987"),
        ("Call them on (212) 555-0199.", US, "(212) 555-0199"),
        ("Appelez le 01 42 68 53 99.", FR, "01 42 68 53 99"),
        ("Manchester Central is at 21 King Street, Manchester.", GB, "21 King Street"),
        ("Manchester Central is at 12 Queen Street.", GB, "12 Queen Street"),
        ("The branch is at 350 Fifth Ave, New York, NY 10119.", US, "10119"),
        ("It is at 12 King Street, Manchester M2 5XX.", GB, "M2 5XX"),
        ("L'agence est au 14 rue de la Paix.", FR, "14 rue de la Paix"),
        ("The nearest branch to M1 1AE is Manchester Kingsgate, 0.4 miles away.", GB,
         "Manchester Kingsgate"),
        ("Visit our Leeds Briggate branch.", GB, "Leeds Briggate"),
        ("L'agence la plus proche est Paris Madeleine.", FR, "Paris Madeleine"),
    ],
)
def test_wrong_contact_details_are_high(reply: str, locale: Locale, claim: str) -> None:
    res = AGENT.validate("q", branch(locale), reply, locale)
    assert res.severity is Severity.HIGH
    assert ("incorrect_branch", claim) in serious(res)


def test_wrong_house_number_on_a_street_without_street_type() -> None:
    out = sample_output("find_nearest_branch", GB)
    out["branches"][0]["address"] = "920 Piccadilly, Manchester M1 2BN"
    tools = branch(output=out)
    assert not AGENT.validate("q", tools, "It's at 920 Piccadilly.", GB).findings
    res = AGENT.validate("q", tools, "It's at 927 Piccadilly.", GB)
    assert serious(res) == [("incorrect_branch", "927 piccadilly")]


@pytest.mark.parametrize(
    ("reply", "locale"),
    [
        ("Manchester Central is open Mon-Fri 9:00-17:00, Sat 9:00-17:00.", GB),
        ("Manchester Central is open Monday to Friday until 7pm.", GB),
        ("Manchester Central is also open on Sundays.", GB),
        ("Salford Quays is closed on Mondays.", GB),
        ("The branch opens at 8am on weekdays.", US),
        ("L'agence est ouverte le samedi de 9h à 17h30.", FR),
    ],
)
def test_wrong_hours_or_days_are_high(reply: str, locale: Locale) -> None:
    res = AGENT.validate("q", branch(locale), reply, locale)
    assert res.severity is Severity.HIGH
    assert {f.type for f in res.findings} == {HallucinationType.INCORRECT_BRANCH}


def test_branch_facts_without_branch_data_are_fabricated_data() -> None:
    card = [ToolResult(call_id="c", name="get_debit_card_info",
                       output=sample_output("get_debit_card_info", GB))]
    res = AGENT.validate("q", card, "You can also call us on 0345 600 7890.", GB)
    assert res.severity is Severity.HIGH
    assert res.findings[0].type is HallucinationType.FABRICATED_DATA


def test_postcode_echoed_from_the_customer_is_fine() -> None:
    out = sample_output("find_nearest_branch", GB)
    out["search_location"] = "Manchester"
    res = AGENT.validate("Is there a branch near M1 1AE?", branch(output=out),
                         "The nearest branch to M1 1AE is Manchester Central.", GB)
    assert not res.findings


def test_known_brand_names_pass_as_branch_names() -> None:
    reply = "You can open it at any Northwind Bank branch."
    assert AGENT.validate("q", branch(), reply, GB).severity is Severity.HIGH
    agent = ValidationAgent(known_names=["Northwind Bank"])
    assert not agent.validate("q", branch(), reply, GB).findings


def _claims(text: str):
    used = Consumed(len(text))
    return extract_hours(text, extract_clock_times(text, used), used)


def test_hours_parser_binds_days_to_ranges() -> None:
    claims = _claims("Mon–Wed 09:00–17:00, Thu 09:00–19:00, Sat 09:30–13:00")
    assert [(c.kind, sorted(c.days or ()), sorted(c.opens), sorted(c.closes))
            for c in claims] == [
        ("range", [0, 1, 2], [540], [1020]),
        ("range", [3], [540], [1140]),
        ("range", [5], [570], [780]),
    ]
    fr = _claims("mar.–ven. 09:00–18:00, sam. 09:00–12:30")
    assert [sorted(c.days or ()) for c in fr] == [[1, 2, 3, 4], [5]]


def test_hours_parser_ignores_words_that_look_like_days() -> None:
    assert _claims("I sat down in the sun with mon compte.") == []


def test_schedule_supports_ambiguous_twelve_hour_times() -> None:
    schedule = Schedule()
    used = Consumed(40)
    text = "Mon-Fri 9:00-17:00"
    schedule.add(extract_hours(text, extract_clock_times(text, used), used), [])
    (claim,) = _claims("Monday to Friday 9 to 5:00pm")
    assert schedule.supports(claim)


@pytest.mark.parametrize(
    ("reply", "ok"),
    [
        ("It's open 9am to 5pm on weekdays and 9am to 1pm on Saturdays.", True),
        ("Manchester Central opens until 1pm on Saturdays.", True),
        ("It's open 9am to 5pm on weekdays and 9am to 5pm on Saturdays.", False),
        ("Manchester Central opens until 5pm on Saturdays.", False),
    ],
)
def test_times_written_before_their_days(reply: str, ok: bool) -> None:
    res = AGENT.validate("q", branch(), reply, GB)
    assert (not res.findings) if ok else res.severity is Severity.HIGH, res.findings


def test_contact_addresses_must_come_from_the_tool() -> None:
    out = sample_output("find_nearest_branch", GB)
    out["help"] = "Email help@northwind.example or visit https://northwind.example/help."
    tools = branch(output=out)
    for good in ("Email us at help@northwind.example.", "See www.northwind.example/help."):
        assert not AGENT.validate("q", tools, good, GB).findings
    for bad in ("Write to support@northwind.example.", "Log in at https://login-bank.example."):
        res = AGENT.validate("q", tools, bad, GB)
        assert res.severity is Severity.HIGH
        assert res.findings[0].type is HallucinationType.FABRICATED_DATA
