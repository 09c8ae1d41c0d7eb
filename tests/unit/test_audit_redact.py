"""PII redaction: what must go, what must stay, and how fast."""

from __future__ import annotations

import pytest

from switchboard.audit.redact import mask_endpoint, redact, redact_data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # phones: GB, US, FR national and international, the seed's sample, fallbacks
        ("Call me on 07700 900123 please", "Call me on [PHONE] please"),
        ("my number is +447700900000.", "my number is [PHONE]."),
        ("+44 7700 900000", "[PHONE]"),
        ("+44 (0) 20 7946 0958", "[PHONE]"),
        ("ring 020 7946 0958 or 0161 496 0000", "ring [PHONE] or [PHONE]"),
        ("(415) 555-2671", "[PHONE]"),
        ("call 415.555.2671 now", "call [PHONE] now"),
        ("1-800-275-2273", "[PHONE]"),
        ("06 12 34 56 78", "[PHONE]"),
        ("+33 6 12 34 56 78", "[PHONE]"),
        ("00 44 7700 900000", "[PHONE]"),
        ("+49 30 1234567", "[PHONE]"),
        ("+81 3-1234-5678", "[PHONE]"),
        # cards (Luhn), with spaces, dashes, none, and trailing digits
        ("card 4111 1111 1111 1111 exp 12/27", "card [CARD] exp 12/27"),
        ("4111-1111-1111-1111", "[CARD]"),
        ("4111111111111111", "[CARD]"),
        ("card 4111 1111 1111 1111 2024", "card [CARD] 2024"),
        ("5500 0000 0000 0004 and 4012888888881881", "[CARD] and [CARD]"),
        ("amex 3782 822463 10005", "amex [CARD]"),
        # e-mail
        ("mail jane.doe+x@example.co.uk now", "mail [EMAIL] now"),
        ("A.B@sub.example.fr", "[EMAIL]"),
        # national ids
        ("NI QQ 12 34 56 C", "NI [NATIONAL_ID]"),
        ("ni ab123456d", "ni [NATIONAL_ID]"),
        ("SSN 536-90-4399", "SSN [NATIONAL_ID]"),
        ("my ssn is 536904399", "my ssn is [NATIONAL_ID]"),
        ("NIR 2 95 10 99 126 111 93", "NIR [NATIONAL_ID]"),
        # IBANs (stdnum: country format + mod 97)
        ("IBAN GB82 WEST 1234 5698 7654 32 thanks", "IBAN [IBAN] thanks"),
        ("fr76 3000 6000 0112 3456 7890 189", "[IBAN]"),
        ("DE89370400440532013000", "[IBAN]"),
    ],
)
def test_pii_is_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "SW1A 1AA",
        "M1 1AE",
        "EC1A 1BB",
        "75001 Paris",
        "ZIP 94103-1234",
        "£5.00",
        "£1,234,567.89",
        "1 234 567,89 €",
        "$1,500.00 by 5 pm",
        "open 9:00-17:00, Sat 09:30-12:30",
        "on 2024-05-12 or 12/05/2024 or 12.05.2024",
        "at 2024-05-12T10:00:00.123456+00:00",
        "Step 3 of 5",
        "10000 steps today",
        "call 999 or 111",
        "ref 20240512",
        "Order 1234567",
        "account 12345678 sort code 12-34-56",
        "1234567890123",  # 13 digits, fails Luhn
        "4111 1111 1111 1112",  # 16 digits, fails Luhn
        "SSN 000-12-3456",  # invalid SSN area
        "GB82 WEST 1234 5698 7654 33",  # bad IBAN check digits
        "id 550e8400-e29b-41d4-a716-446655440000",
        "Hello there, how do I open an account?",
        "",
    ],
)
def test_non_pii_is_kept(text: str) -> None:
    assert redact(text) == text


def test_redaction_is_idempotent() -> None:
    text = "Phone +447700900000, card 4111 1111 1111 1111, mail a@b.com, NI QQ123456C"
    once = redact(text)
    assert once == "Phone [PHONE], card [CARD], mail [EMAIL], NI [NATIONAL_ID]"
    assert redact(once) == once


def test_redact_data_walks_dicts_lists_and_tuples() -> None:
    data = {
        "customer_phone": "+447700900000",
        "nested": {"cards": ["4111 1111 1111 1111", "none"], "pair": ("a@b.com", 7)},
        "latency_ms": 1234,
        "postcode": "SW1A 1AA",
        "ok": True,
        "missing": None,
    }
    assert redact_data(data) == {
        "customer_phone": "[PHONE]",
        "nested": {"cards": ["[CARD]", "none"], "pair": ("[EMAIL]", 7)},
        "latency_ms": 1234,
        "postcode": "SW1A 1AA",
        "ok": True,
        "missing": None,
    }
    assert data["customer_phone"] == "+447700900000"  # input untouched


@pytest.mark.parametrize(
    ("endpoint", "masked"),
    [
        ("+447700900123", "+44******0123"),
        ("+1 212 555 0100", "+1******0100"),
        ("jane@example.com", "j***@example.com"),
        ("sip:1234567@pbx", "sip:***4567@pbx"),
        ("", ""),
        (None, None),
    ],
)
def test_mask_endpoint(endpoint: str | None, masked: str | None) -> None:
    assert mask_endpoint(endpoint) == masked
