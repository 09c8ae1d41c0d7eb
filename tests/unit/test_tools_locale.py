"""Locale rules: postcode validation, money, distances, hours and phones per locale."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest

from switchboard.domain.types import Locale
from switchboard.tools.locale import rules_for

GB = rules_for(Locale.EN_GB)
US = rules_for(Locale.EN_US)
FR = rules_for(Locale.FR_FR)


@pytest.mark.parametrize(
    ("text", "display", "key", "partial"),
    [
        ("M1 1AE", "M1 1AE", "M1", False),
        ("m11ae", "M1 1AE", "M1", False),
        ("SW1A 1AA", "SW1A 1AA", "SW1A", False),
        ("ec1a1bb", "EC1A 1BB", "EC1A", False),
        ("W1A 0AX", "W1A 0AX", "W1A", False),
        ("B15 2TT", "B15 2TT", "B15", False),
        ("CR0 2YR", "CR0 2YR", "CR0", False),
        ("E1W 1AA", "E1W 1AA", "E1W", False),
        ("M1", "M1", "M1", True),
        ("sw1a", "SW1A", "SW1A", True),
        ("  B15  ", "B15", "B15", True),
    ],
)
def test_uk_postcodes_are_normalised(text: str, display: str, key: str, partial: bool) -> None:
    parsed = GB.parse_postcode(text)
    assert parsed is not None
    assert (parsed.text, parsed.key, parsed.partial) == (display, key, partial)


@pytest.mark.parametrize(
    "text",
    ["", "M", "12345", "QA1 1AA", "VX1 1AA", "M1 1CI", "M1 1A", "SW1A 1AAA", "ZZ1 1AA", "M1-1AE"],
)
def test_malformed_uk_postcodes_are_rejected(text: str) -> None:
    assert GB.parse_postcode(text) is None
    assert not GB.is_valid_postcode(text)


@pytest.mark.parametrize(
    ("text", "display", "key"),
    [
        ("10001", "10001", "10001"),
        ("10001-1234", "10001-1234", "10001"),
        ("100011234", "10001-1234", "10001"),
    ],
)
def test_us_zip_and_zip_plus_four(text: str, display: str, key: str) -> None:
    parsed = US.parse_postcode(text)
    assert parsed is not None and (parsed.text, parsed.key) == (display, key)


@pytest.mark.parametrize("text", ["1000", "100011", "10001-12", "ABCDE", "M1 1AE"])
def test_malformed_us_zips_are_rejected(text: str) -> None:
    assert US.parse_postcode(text) is None


@pytest.mark.parametrize(
    ("text", "key"), [("75008", "75008"), ("75 008", "75008"), ("13001", "13001")]
)
def test_french_code_postal(text: str, key: str) -> None:
    parsed = FR.parse_postcode(text)
    assert parsed is not None and parsed.key == key


@pytest.mark.parametrize("text", ["7500", "750080", "2A004", "M1 1AE"])
def test_malformed_code_postal_is_rejected(text: str) -> None:
    assert FR.parse_postcode(text) is None


def test_postcode_found_inside_free_text() -> None:
    found = GB.find_postcode("near Piccadilly, Manchester M1 1AE please")
    assert found is not None and found.text == "M1 1AE"
    us = US.find_postcode("Chicago, IL 60601")
    assert us is not None and us.key == "60601"
    assert GB.find_postcode("Manchester") is None


def test_currency_follows_the_locale() -> None:
    assert GB.format_money(Decimal("7.50")) == "£7.50"
    assert GB.format_money(1500) == "£1,500"
    assert US.format_money(Decimal("2.50")) == "$2.50"
    assert US.format_money(5000) == "$5,000"
    assert FR.format_money(Decimal("7.5")) == "7,50 €"
    assert FR.format_money(2500) == "2 500 €"


def test_distances_in_miles_or_kilometres() -> None:
    assert GB.format_distance(1.609344 * 2.34) == "2.3 miles"
    assert US.format_distance(16.09344) == "10.0 miles"
    assert FR.format_distance(2.345) == "2,3 km"


def test_hours_and_times_are_localised() -> None:
    periods = [("mon", "fri", time(9, 0), time(17, 0)), ("sat", None, time(9, 30), time(12, 30))]
    assert GB.format_hours(periods) == "Mon–Fri 09:00–17:00, Sat 09:30–12:30"
    assert US.format_hours(periods) == "Mon–Fri 9:00 AM–5:00 PM, Sat 9:30 AM–12:30 PM"
    assert FR.format_hours(periods) == "lun.–ven. 09:00–17:00, sam. 09:30–12:30"


def test_phone_numbers_are_checked_for_the_country() -> None:
    assert GB.format_phone("01614960123") == "0161 496 0123"
    assert US.format_phone("312-555-0142") == "(312) 555-0142"
    assert FR.format_phone("0199001001") == "01 99 00 10 01"
    with pytest.raises(ValueError, match="not a valid GB phone number"):
        GB.format_phone("(312) 555-0142")
    with pytest.raises(ValueError):
        FR.format_phone("not a number")


def test_unknown_locale_is_refused() -> None:
    with pytest.raises(ValueError):
        rules_for("de_DE")
