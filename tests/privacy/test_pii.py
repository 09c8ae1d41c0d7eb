"""PII recognisers: every kind in en_GB, en_US and fr_FR, and what must be left alone."""

from __future__ import annotations

import pytest

from switchboard.audit.pii import PiiRedactor, shared_redactor


@pytest.fixture(scope="module")
def redactor() -> PiiRedactor:
    pii = shared_redactor()
    pii.warm()
    return pii


CASES = [
    # (language, text, secrets that must vanish, entity types expected)
    ("en", "My PIN is 1234", ["1234"], {"PIN"}),
    ("en", "pin number: 4 8 2 1 thanks", ["4 8 2 1"], {"PIN"}),
    ("en", "4821 is my pin", ["4821"], {"PIN"}),
    ("en", "the CVV is 739", ["739"], {"CVV"}),
    ("en", "card 4111 1111 1111 1111 exp 09/27", ["4111 1111 1111 1111"], {"CARD"}),
    (
        "en",
        "sort code 20-00-00 account number 55779911",
        ["20-00-00", "55779911"],
        {"SORT_CODE", "ACCOUNT_NUMBER"},
    ),
    (
        "en",
        "routing number 021000021 and account 000123456789",
        ["021000021", "000123456789"],
        {"SORT_CODE", "ACCOUNT_NUMBER"},
    ),
    ("en", "my NI number is QQ 12 34 56 C", ["QQ 12 34 56 C"], {"NATIONAL_ID"}),
    ("en", "SSN 123-45-6789", ["123-45-6789"], {"NATIONAL_ID"}),
    (
        "en",
        "I'm Jo Bloggs of 12 Acacia Avenue, born 03/04/1985",
        ["Jo Bloggs", "Acacia", "03/04/1985"],
        {"PERSON", "STREET_ADDRESS", "DATE_OF_BIRTH"},
    ),
    (
        "en",
        "I live at 1600 Pennsylvania Avenue NW, DOB: March 4, 1985",
        ["1600 Pennsylvania", "March 4, 1985"],
        {"STREET_ADDRESS", "DATE_OF_BIRTH"},
    ),
    ("en", "Yesterday I spoke to Sarah Connor about it", ["Sarah Connor"], {"PERSON"}),
    (
        "en",
        "mail me at jo.bloggs@example.co.uk or call 07700 900123",
        ["jo.bloggs@example.co.uk", "900123"],
        {"EMAIL", "PHONE"},
    ),
    ("fr", "Mon code secret est 4321", ["4321"], {"PIN"}),
    ("fr", "le cryptogramme est 987", ["987"], {"CVV"}),
    (
        "fr",
        "Je m'appelle Marie Dupont, j'habite au 12 rue de la Paix",
        ["Marie Dupont", "rue de la Paix"],
        {"PERSON", "STREET_ADDRESS"},
    ),
    ("fr", "née le 3 avril 1985", ["3 avril 1985"], {"DATE_OF_BIRTH"}),
    ("fr", "numéro de sécurité sociale 1 85 05 78 006 084 36", ["006 084"], {"NATIONAL_ID"}),
    ("fr", "mon numéro de compte est 12345678901", ["12345678901"], {"ACCOUNT_NUMBER"}),
    ("fr", "IBAN FR76 3000 6000 0112 3456 7890 189", ["3000 6000"], {"IBAN"}),
]


@pytest.mark.parametrize(("lang", "text", "secrets", "entities"), CASES)
def test_each_kind_is_removed(
    redactor: PiiRedactor, lang: str, text: str, secrets: list[str], entities: set[str]
) -> None:
    result = redactor.redact(text, lang)
    for secret in secrets:
        assert secret not in result.text, result.text
    assert entities <= set(result.entities), result.entities


KEEP = [
    ("en", "Where is the nearest branch to SW1A 1AA? Open 9:00-17:00?"),
    ("en", "What is the fee on a £1234 transfer?"),
    ("en", "My card arrived on 12/05/2024 but it does not work"),
    ("en", "I need 3 more days to pay"),
    ("fr", "Quelle est l'agence la plus proche de 75001 ?"),
    ("fr", "Les frais sont de 1 234,50 €"),
]


@pytest.mark.parametrize(("lang", "text"), KEEP)
def test_what_the_conversation_needs_is_kept(redactor: PiiRedactor, lang: str, text: str) -> None:
    result = redactor.redact(text, lang)
    assert result.text == text
    assert not result.shared_secret


def test_shared_secret_flag(redactor: PiiRedactor) -> None:
    assert redactor.redact("my pin is 1234", "en").shared_secret
    assert redactor.redact("4111111111111111", "en").shared_secret
    assert not redactor.redact("my name is Jo Bloggs", "en").shared_secret
