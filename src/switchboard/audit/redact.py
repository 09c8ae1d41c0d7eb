"""PII redaction for events, logs and stored endpoints (DESIGN.md habit 9).

:func:`redact` replaces, in this order:

* e-mail addresses → ``[EMAIL]``
* IBANs that pass ``stdnum.iban`` (country format + ISO 7064 mod 97-10) → ``[IBAN]``
* 13-19 digit runs (single spaces or dashes allowed between digit groups)
  that pass the Luhn check (ISO/IEC 7812, ``stdnum.luhn``) → ``[CARD]``;
  a 15-digit run that is a valid French NIR (``stdnum.fr.nir``) → ``[NATIONAL_ID]``
* UK National Insurance numbers (HMRC NIM39110 prefix rules) and US SSNs
  (``stdnum.us.ssn``: 3-2-4 digits, or 9 digits after "SSN"/"social security")
  → ``[NATIONAL_ID]``
* phone numbers → ``[PHONE]``: ``phonenumbers.PhoneNumberMatcher`` (leniency
  VALID) for GB, US and FR, then two fallbacks for numbers the metadata calls
  invalid: an international ``+``/``00`` number with 8-15 digits (E.164 length),
  and a GB/FR national number written with its trunk ``0`` and 10-11 digits
  (this catches Ofcom's drama ranges such as 07700 900123).

It leaves alone: postcodes (SW1A 1AA, M1 1AE, 75001, 94103-1234), amounts
(£5.00, 1 234,50 €), times (9:00-17:00), dates (12/05/2024, 2024-05-12), step
counts and other short numbers: nothing under 7 digits can become a phone,
card or IBAN, and a candidate must pass a checksum, the phone metadata, or
have the shape of an E.164 / trunk-prefixed phone number.

Speed: a text with no digit and no ``@`` returns after one precompiled
search; a text without a 7+ digit run stops after the e-mail and NINO rules;
phonenumbers (≈0.15 ms per region) only runs while a 10+ digit candidate is
left after the cheaper rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher
from stdnum import iban as std_iban
from stdnum import luhn as std_luhn
from stdnum.fr import nir as std_nir
from stdnum.us import ssn as std_ssn

PHONE = "[PHONE]"
CARD = "[CARD]"
EMAIL = "[EMAIL]"
NATIONAL_ID = "[NATIONAL_ID]"
IBAN = "[IBAN]"

#: Regions whose national formats the phone matcher understands (seed 1 §2 locales).
PHONE_REGIONS = ("GB", "US", "FR")

_TRIGGER = re.compile(r"[0-9@]")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# Country code, check digits, then 10-30 more alphanumerics in groups.
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9]){10,30}(?![A-Za-z0-9])")
# Digit groups joined by one space or dash; 13+ digits in all.
_CARD = re.compile(r"(?<![\w+])(?:[0-9][ \-]?){12,}[0-9](?!\w)")
# Two letters, three pairs of digits, suffix A-D. The HMRC prefix rules are not
# applied on purpose: specimen numbers such as QQ 12 34 56 C must go too.
_NINO = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D](?![A-Za-z0-9])",
    re.IGNORECASE,
)
_SSN = re.compile(r"(?<![\w\-])[0-9]{3}([\- ])[0-9]{2}\1[0-9]{4}(?![\w\-])")
_SSN_KEYWORD = re.compile(
    r"(\b(?:ssn|social security(?: number| no)?)\b\D{0,20}?)([0-9]{9})(?![0-9])",
    re.IGNORECASE,
)
# A phone-like run: optional +, digits joined by up to two separators, 7+ digits.
_PHONE_CANDIDATE = re.compile(r"(?<![\w+])\+?\(?[0-9](?:[\s().\-]{0,2}[0-9]){6,}")
_INTL_PHONE = re.compile(r"(?<![\w+])(?:\+|00[\s.\-]?)[1-9](?:[\s().\-]{0,2}[0-9]){6,16}(?![0-9])")
_NATIONAL_PHONE = re.compile(r"(?<![\w+])\(?0[1-9](?:[\s().\-]{0,2}[0-9]){8,9}(?![0-9])")
_DIGIT = re.compile(r"[0-9]")
# Gate for the card, IBAN, SSN and phone rules: 7+ digits joined by separators.
_SEVEN_DIGITS = re.compile(r"[0-9](?:[\s().\-]{0,2}[0-9]){6,}")
_MATCHER_MIN_DIGITS = 10
_GROUP = re.compile(r"[A-Za-z0-9]+")


def _digits(text: str) -> str:
    """Return only the ASCII digits of ``text``."""
    return "".join(_DIGIT.findall(text))


def _card_label(digits: str) -> str | None:
    """Return the placeholder for a 13-19 digit string, or None when it is not PII."""
    if len(digits) == 15 and std_nir.is_valid(digits):
        return NATIONAL_ID
    if 13 <= len(digits) <= 19 and std_luhn.is_valid(digits):
        return CARD
    return None


def _iban_label(text: str) -> str | None:
    """Return ``[IBAN]`` when ``text`` is a valid IBAN, else None."""
    return IBAN if std_iban.is_valid(text) else None


def _replace_windows(
    text: str,
    pattern: re.Pattern[str],
    label: Callable[[str], str | None],
    *,
    anchored: bool,
) -> str:
    """Replace, in each match of ``pattern``, the longest run of groups that ``label`` accepts.

    A match is split into alphanumeric groups (e.g. ``4111 1111 1111 1111 2024``
    into five); windows of consecutive groups are tried longest first, from the
    leftmost start (only the first group when ``anchored``), so that a number
    followed by unrelated digits or words is still found. The remainder after
    a replaced window is searched again.
    """

    def replace(match: re.Match[str]) -> str:
        chunk = match.group(0)
        out: list[str] = []
        pos = 0
        groups = [(g.start(), g.end()) for g in _GROUP.finditer(chunk)]
        i = 0
        while i < len(groups):
            found = None
            for j in range(len(groups) - 1, i - 1, -1):
                window = chunk[groups[i][0] : groups[j][1]]
                placeholder = label(window)
                if placeholder is not None:
                    found = (j, placeholder)
                    break
            if found is None:
                if anchored:
                    break
                i += 1
                continue
            j, placeholder = found
            out.append(chunk[pos : groups[i][0]])
            out.append(placeholder)
            pos = groups[j][1]
            i = j + 1
            if anchored:
                break
        out.append(chunk[pos:])
        return "".join(out)

    return pattern.sub(replace, text)


def _card_window(window: str) -> str | None:
    """Label a card-pattern window by its digits."""
    return _card_label(_digits(window))


def _ssn_sub(match: re.Match[str]) -> str:
    """Replace a 3-2-4 digit match when it is a valid SSN."""
    return NATIONAL_ID if std_ssn.is_valid(_digits(match.group(0))) else match.group(0)


def _ssn_keyword_sub(match: re.Match[str]) -> str:
    """Replace 9 digits that follow an SSN keyword when they are a valid SSN."""
    if std_ssn.is_valid(match.group(2)):
        return match.group(1) + NATIONAL_ID
    return match.group(0)


def _intl_sub(match: re.Match[str]) -> str:
    """Replace a ``+`` or ``00`` number of E.164 length (8-15 digits after the prefix)."""
    text = match.group(0)
    digits = _digits(text)
    if not text.startswith("+"):
        digits = digits[2:]
    return PHONE if 8 <= len(digits) <= 15 else text


def _needs_matcher(text: str) -> bool:
    """Return True when a 10+ digit phone-like run is left (a US national number)."""
    return any(
        len(_digits(m.group(0))) >= _MATCHER_MIN_DIGITS for m in _PHONE_CANDIDATE.finditer(text)
    )


def _redact_phones(text: str) -> str:
    """Replace phone numbers: cheap E.164/trunk-prefix fallbacks, then phonenumbers.

    The fallbacks run first because they are regexes; ``PhoneNumberMatcher``
    (≈0.15 ms per region) then only runs while a 10+ digit candidate is left,
    which after the trunk-``0`` rule means a US-style national number or an
    unusual layout. Dates, times and ISO timestamps have at most 8 digits.
    """
    text = _INTL_PHONE.sub(_intl_sub, text)
    text = _NATIONAL_PHONE.sub(PHONE, text)
    for region in PHONE_REGIONS:
        if not _needs_matcher(text):
            return text
        spans = [
            (m.start, m.end) for m in PhoneNumberMatcher(text, region, leniency=Leniency.VALID)
        ]
        for start, end in reversed(spans):
            text = text[:start] + PHONE + text[end:]
    return text


def redact(text: str) -> str:
    """Return ``text`` with phone, card, e-mail, national-id and IBAN values replaced.

    Args:
        text: any string (a transcript, a log message, a tool output value).

    Returns:
        The text with each detected value replaced by its placeholder
        (``[PHONE]``, ``[CARD]``, ``[EMAIL]``, ``[NATIONAL_ID]``, ``[IBAN]``);
        the same object when nothing was found. Idempotent. Never raises on
        a ``str`` (the rules are listed in the module docstring).

    """
    if not _TRIGGER.search(text):
        return text
    if "@" in text:
        text = _EMAIL.sub(EMAIL, text)
    if _NINO.search(text):
        text = _NINO.sub(NATIONAL_ID, text)
    if not _SEVEN_DIGITS.search(text):
        return text
    text = _replace_windows(text, _IBAN, _iban_label, anchored=True)
    text = _replace_windows(text, _CARD, _card_window, anchored=False)
    text = _SSN.sub(_ssn_sub, text)
    text = _SSN_KEYWORD.sub(_ssn_keyword_sub, text)
    return _redact_phones(text)


def redact_data(obj: Any) -> Any:
    """Return a copy of ``obj`` with :func:`redact` applied to every string inside.

    Walks dicts (values only; keys are field names and stay as they are),
    lists and tuples (the container type is kept). Other values (numbers,
    booleans, None, objects) are returned unchanged: convert objects to JSON
    first (``pydantic_core.to_jsonable_python``) if they may hold PII.
    """
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        return {key: redact_data(value) for key, value in obj.items()}
    if isinstance(obj, list):
        return [redact_data(value) for value in obj]
    if isinstance(obj, tuple):
        return tuple(redact_data(value) for value in obj)
    return obj


def mask_endpoint(endpoint: str | None) -> str | None:
    """Mask a customer endpoint (phone number, e-mail, SIP URI...) for storage.

    Keeps what a human agent needs to recognise the customer and nothing
    more, in the spirit of PCI DSS truncation (last four digits):

    * a phone number keeps its country code and last four digits:
      ``+447700900123`` → ``+44******0123``;
    * an e-mail keeps its first character and domain: ``jane@example.com``
      → ``j***@example.com``;
    * anything else has every digit but the last four replaced by ``*`` and
      then goes through :func:`redact`.

    Returns None for None; an empty string stays empty.
    """
    if endpoint is None:
        return None
    value = endpoint.strip()
    if not value:
        return value
    if value.startswith("+"):
        try:
            number = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None:
            national = str(number.national_number)
            keep = national[-4:] if len(national) > 4 else ""
            return f"+{number.country_code}{'*' * (len(national) - len(keep))}{keep}"
    if "@" in value and _EMAIL.fullmatch(value):
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = _digits(value)
    if digits:
        to_hide = max(len(digits) - 4, 0)
        chars: list[str] = []
        for ch in value:
            if to_hide and ch.isascii() and ch.isdigit():
                chars.append("*")
                to_hide -= 1
            else:
                chars.append(ch)
        value = "".join(chars)
    return redact(value)
