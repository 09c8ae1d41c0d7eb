"""Locale rules for the banking tools: postcodes, money, distances, hours, phones.

Seed 1 §2 "Localization & Region Awareness": the locale (``en_GB`` default,
``en_US``, ``fr_FR``) is injected into the MCP server, which adapts its
validation (postcode / ZIP / code postal formats) and formats currency
(GBP / USD / EUR) for that locale. Number, currency, unit, day-name and time
formatting comes from Babel (CLDR data); phone numbers from ``phonenumbers``.

Formatted strings use plain spaces: CLDR puts no-break spaces (U+00A0,
U+202F) in French amounts and US times, which read badly once they pass
through an LLM, a JSON log or a text-to-speech engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from functools import cache, lru_cache
from typing import Literal

import phonenumbers
from babel import Locale as BabelLocale
from babel.dates import format_time, get_day_names
from babel.numbers import format_currency
from babel.units import format_unit

from switchboard.domain.types import Locale

#: Day keys used in the bank data files, Monday first (Babel's day index order).
DAY_KEYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})

# UK postcode grammar (Royal Mail "Postcode Address File" programmers' guide):
# outward code = area (1-2 letters) + district (digit, digit+digit, or
# digit+letter for the central London/sub-divided districts); inward code =
# sector digit + unit (two letters, never C, I, K, M, O or V).
# Letter rules: first position never Q, V, X; second never I, J, Z; a letter
# after a one-letter area's digit is one of ABCDEFGHJKPSTUW; a letter after a
# two-letter area's digit is one of ABEHMNPRVWXY.
_GB_OUTWARD = (
    r"(?:[A-PR-UWYZ][0-9](?:[0-9]|[ABCDEFGHJKPSTUW])?"
    r"|[A-PR-UWYZ][A-HK-Y][0-9](?:[0-9]|[ABEHMNPRVWXY])?)"
)
_GB_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_GB_FULL_RE = re.compile(rf"({_GB_OUTWARD})({_GB_INWARD})")
_GB_OUTWARD_RE = re.compile(_GB_OUTWARD)
_GB_TOKEN_RE = re.compile(rf"\b({_GB_OUTWARD})(?:\s*({_GB_INWARD}))?\b")
# US ZIP code: five digits, optionally ZIP+4 (USPS Publication 28 §2).
_US_ZIP_RE = re.compile(r"([0-9]{5})(?:-?([0-9]{4}))?")
_US_TOKEN_RE = re.compile(r"\b([0-9]{5})(?:-([0-9]{4}))?\b")
# French code postal: five digits (La Poste); the first two (three overseas)
# name the département.
_FR_CP_RE = re.compile(r"[0-9]{5}")
_FR_TOKEN_RE = re.compile(r"\b([0-9]{2}\s?[0-9]{3})\b")


@dataclass(frozen=True)
class Postcode:
    """A postcode that passed the locale's format rules.

    Attributes:
        text: normalised display form ("M1 1AE", "SW1A", "10001-1234", "75008").
        key: the part used for geocoding (UK outward code, US 5-digit ZIP,
            French 5-digit code postal).
        partial: True for a UK outward code given alone ("M1", "SW1A").

    """

    text: str
    key: str
    partial: bool = False


@dataclass(frozen=True)
class LocaleRules:
    """Formatting and validation rules of one locale.

    Attributes:
        locale: the switchboard locale.
        countries: ISO 3166-1 alpha-2 codes whose places count as "in the
            locale" for geocoding; the first is the main country.
        currency: ISO 4217 code of amounts in the bank data (GBP, USD, EUR).
        distance_unit: CLDR unit for branch distances ("length-mile" or
            "length-kilometer").
        postcode_label: what customers call a postcode in this locale.
        postcode_example: a well-formed example, used in error messages.

    """

    locale: Locale
    countries: tuple[str, ...]
    currency: str
    distance_unit: Literal["length-mile", "length-kilometer"]
    postcode_label: str
    postcode_example: str

    @property
    def country(self) -> str:
        """The locale's main country (ISO 3166-1 alpha-2, e.g. "GB")."""
        return self.countries[0]

    @property
    def babel_locale(self) -> str:
        """The Babel/CLDR locale identifier ("en_GB", "en_US", "fr_FR")."""
        return self.locale.value

    # -- postcodes ---------------------------------------------------------

    def parse_postcode(self, text: str) -> Postcode | None:
        """Return ``text`` as a normalised postcode, or None if it is not one.

        The whole of ``text`` must be the postcode (case and spaces do not
        matter). UK accepts a full postcode ("sw1a 1aa") or an outward code
        alone ("M1", "SW1A"); US a ZIP or ZIP+4 ("10001", "10001-1234");
        France a five-digit code postal ("75008", "75 008").
        """
        compact = re.sub(r"\s+", "", text).upper()
        if self.locale is Locale.EN_GB:
            full = _GB_FULL_RE.fullmatch(compact)
            if full:
                return Postcode(f"{full[1]} {full[2]}", full[1])
            if _GB_OUTWARD_RE.fullmatch(compact):
                return Postcode(compact, compact, partial=True)
            return None
        if self.locale is Locale.EN_US:
            zip_match = _US_ZIP_RE.fullmatch(compact)
            if not zip_match:
                return None
            plus4 = f"-{zip_match[2]}" if zip_match[2] else ""
            return Postcode(f"{zip_match[1]}{plus4}", zip_match[1])
        if _FR_CP_RE.fullmatch(compact):
            return Postcode(compact, compact)
        return None

    def find_postcode(self, text: str) -> Postcode | None:
        """Return the first postcode found inside free text, or None.

        Lets "Manchester M1 1AE" or "Chicago, IL 60601" resolve through their
        postcode, which is more precise than the city name.
        """
        upper = text.upper()
        pattern = {
            Locale.EN_GB: _GB_TOKEN_RE,
            Locale.EN_US: _US_TOKEN_RE,
            Locale.FR_FR: _FR_TOKEN_RE,
        }[self.locale]
        for match in pattern.finditer(upper):
            found = self.parse_postcode(match.group(0))
            if found is not None:
                return found
        return None

    def is_valid_postcode(self, text: str) -> bool:
        """Return True when ``text`` is a well-formed postcode of this locale."""
        return self.parse_postcode(text) is not None

    # -- formatting --------------------------------------------------------

    def format_money(self, amount: Decimal | float | int) -> str:
        """Format an amount of the locale's currency with Babel.

        Whole amounts drop the decimals ("£1,500", "$0", "1 500 €"); others
        keep the currency's minor unit ("£7.50", "$7.50", "7,50 €").
        """
        value = Decimal(str(amount))
        if value == value.to_integral_value():
            pattern = BabelLocale.parse(self.babel_locale).currency_formats["standard"].pattern
            text: str = format_currency(
                value,
                self.currency,
                format=pattern.replace(".00", ""),
                currency_digits=False,
                locale=self.babel_locale,
            )
        else:
            text = format_currency(value, self.currency, locale=self.babel_locale)
        return text.translate(_SPACES)

    def format_distance(self, km: float) -> str:
        """Format a distance given in km in the locale's unit, one decimal.

        en_GB and en_US use miles ("2.3 miles"), fr_FR kilometres ("2,3 km").
        """
        value = km / 1.609344 if self.distance_unit == "length-mile" else km
        return _format_unit(round(value, 1), self.distance_unit, self.babel_locale)

    def format_time(self, value: time) -> str:
        """Format a clock time the way the locale writes it ("09:00", "9:00 AM")."""
        text: str = format_time(value, "short", locale=self.babel_locale)
        return text.translate(_SPACES)

    def day_name(self, key: str) -> str:
        """Abbreviated day name for a data-file day key ("mon" → "Mon" / "lun.")."""
        names = get_day_names("abbreviated", locale=self.babel_locale)
        return str(names[DAY_KEYS.index(key)])

    def format_hours(self, periods: list[tuple[str, str | None, time, time]]) -> str:
        """Format opening periods as one line.

        Args:
            periods: ``(first_day, last_day or None, opens, closes)`` tuples,
                day keys from :data:`DAY_KEYS`.

        Returns:
            e.g. "Mon–Fri 09:00–17:00, Sat 09:00–12:30" (en_GB),
            "Mon–Fri 9:00 AM–5:00 PM" (en_US), "lun.–ven. 09:00–17:00" (fr_FR).

        """
        parts = []
        for first, last, opens, closes in periods:
            days = self.day_name(first)
            if last is not None:
                days = f"{days}–{self.day_name(last)}"
            parts.append(f"{days} {self.format_time(opens)}–{self.format_time(closes)}")
        return ", ".join(parts)

    def parse_phone(self, text: str) -> phonenumbers.PhoneNumber:
        """Parse a phone number written for this locale's country.

        Raises:
            ValueError: when the number cannot be parsed or is not a valid
                number of the country (``phonenumbers`` metadata).

        """
        try:
            number = phonenumbers.parse(text, self.country)
        except phonenumbers.NumberParseException as exc:
            raise ValueError(f"{text!r} is not a phone number: {exc}") from exc
        if not phonenumbers.is_valid_number_for_region(number, self.country):
            raise ValueError(f"{text!r} is not a valid {self.country} phone number")
        return number

    def format_phone(self, text: str) -> str:
        """Format a phone number in the country's national style ("0161 496 0123").

        Raises:
            ValueError: see :meth:`parse_phone`.

        """
        number = self.parse_phone(text)
        formatted: str = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        return formatted


@lru_cache(maxsize=8192)
def _format_unit(value: float, unit: str, babel_locale: str) -> str:
    """Babel ``format_unit`` with one decimal, memoised (it costs ~0.1 ms a call).

    Miles are written long ("2.3 miles"), kilometres short ("2,3 km").
    """
    length: Literal["long", "short"] = "long" if unit == "length-mile" else "short"
    text: str = format_unit(value, unit, length=length, format="#,##0.0", locale=babel_locale)
    return text.translate(_SPACES)


_RULES: dict[Locale, LocaleRules] = {
    Locale.EN_GB: LocaleRules(
        locale=Locale.EN_GB,
        countries=("GB", "JE", "GG", "IM"),
        currency="GBP",
        distance_unit="length-mile",
        postcode_label="postcode",
        postcode_example="M1 1AE",
    ),
    Locale.EN_US: LocaleRules(
        locale=Locale.EN_US,
        countries=("US",),
        currency="USD",
        distance_unit="length-mile",
        postcode_label="ZIP code",
        postcode_example="10001",
    ),
    Locale.FR_FR: LocaleRules(
        locale=Locale.FR_FR,
        countries=("FR", "GP", "MQ", "GF", "RE", "YT"),
        currency="EUR",
        distance_unit="length-kilometer",
        postcode_label="code postal",
        postcode_example="75008",
    ),
}


@cache
def rules_for(locale: Locale | str) -> LocaleRules:
    """Return the rules of ``locale`` ("en_GB", "en_US" or "fr_FR").

    Raises:
        ValueError: when the locale is not supported.

    """
    return _RULES[Locale(locale)]
