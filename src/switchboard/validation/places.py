"""Branch facts in text: phone numbers, postcodes, street addresses, branch names.

* Phone numbers: ``phonenumbers.PhoneNumberMatcher`` with leniency POSSIBLE
  (fictional ranges such as Ofcom's 0161 496 0xxx and US 555-01xx must
  still be read), normalised to E.164 so "0161 496 0123" and
  "+44 161 496 0123" compare equal. Region per locale: GB, US, FR.
* Postcodes: UK (Royal Mail format), US ZIP after a state code
  ("NY 10118"), French code postal before a town ("75008 Paris").
* Street addresses: house number + street words + street type (English),
  or number + voie type + name (French "12 rue de la Paix").
* Branch names: capitalised words before "branch" ("the Manchester Central
  branch"), after "branch ... is" ("the nearest branch is Leeds Briggate"),
  in a "branches nearby: A (1 mile); B (2 miles)" list, and the French
  "agence de X" / "l'agence la plus proche est X".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher

from switchboard.domain.types import Locale
from switchboard.validation.hours import is_day_token
from switchboard.validation.lexicon import NAME_STOPWORDS
from switchboard.validation.quantities import Consumed

REGIONS = {Locale.EN_GB: "GB", Locale.EN_US: "US", Locale.FR_FR: "FR"}

_AP = "['’]"
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Place:
    """One place fact found in a text.

    Attributes:
        kind: ``phone``, ``postcode``, ``address``, ``branch_name``, ``email`` or ``url``.
        value: the normalised value (E.164, upper-case postcode without
            spaces, normalised address, the candidate name, lower-case e-mail,
            or the web address without scheme, ``www.`` and trailing slash).
        text: the text as written.
        start: offset in the normalised text.
        end: end offset in the normalised text.

    """

    kind: str
    value: str
    text: str
    start: int
    end: int


_PHONE_HINT = re.compile(r"\+?\(?\d(?:[ \t().-]*\d){6,}")


def extract_phones(text: str, locale: Locale, used: Consumed) -> list[Place]:
    """Return phone numbers in ``text`` as E.164 values, marking their spans in ``used``.

    The matcher only runs on windows around runs of 7+ digits (it is the
    slowest step of a validation otherwise).
    """
    out: list[Place] = []
    region = REGIONS.get(locale, "GB")
    for hint in _PHONE_HINT.finditer(text):
        lo = max(0, hint.start() - 1)
        window = text[lo:hint.end() + 1]
        for m in PhoneNumberMatcher(window, region, leniency=Leniency.POSSIBLE):
            start, end = lo + m.start, lo + m.end
            if not used.free(start, end):
                continue
            digits = re.sub(r"\D", "", m.raw_string)
            if len(digits) < 7:
                continue
            used.take(start, end)
            e164 = phonenumbers.format_number(m.number, PhoneNumberFormat.E164)
            out.append(Place("phone", e164, m.raw_string, start, end))
    return out


# No leading look-behind (checked in code): the engine then skips to the first character.
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'()]+", re.I)


def extract_contacts(text: str, used: Consumed) -> list[Place]:
    """Return e-mail addresses and web addresses (``http(s)://``, ``www.``) in ``text``."""
    out: list[Place] = []
    if "@" in text:
        for m in _EMAIL.finditer(text):
            if used.free(m.start(), m.end()):
                used.take(m.start(), m.end())
                out.append(Place("email", m.group(0).lower(), m.group(0), m.start(), m.end()))
    for m in _URL.finditer(text):
        raw = m.group(0).rstrip(".,;:!?")
        if used.free(m.start(), m.start() + len(raw)):
            used.take(m.start(), m.start() + len(raw))
            value = re.sub(r"^(?:https?://)?(?:www\.)?", "", raw.lower()).rstrip("/")
            out.append(Place("url", value, raw, m.start(), m.start() + len(raw)))
    return out


_UK_POSTCODE = re.compile(r"[A-Z][A-Z]?\d[A-Z\d]? ?\d[A-Z]{2}(?![\w])")
_US_ZIP = re.compile(r"(?P<st>[A-Z]{2}),?\s+(?P<zip>\d{5})(?:-\d{4})?(?![\w])")
_US_STATES = frozenset(
    "AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT NC ND "
    "NE NH NJ NM NV NY OH OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY".split()
)
_FR_CP = re.compile(r"(?P<cp>\d{5})\s+(?=[A-ZÀ-Ý])")


def _word_start(text: str, pos: int) -> bool:
    return pos == 0 or not text[pos - 1].isalnum()


def extract_postcodes(text: str, used: Consumed) -> list[Place]:
    """Return UK postcodes, US ZIP codes and French codes postaux in ``text``."""
    out: list[Place] = []
    for m in _UK_POSTCODE.finditer(text):
        if _word_start(text, m.start()) and used.free(m.start(), m.end()):
            used.take(m.start(), m.end())
            out.append(Place("postcode", m.group(0).replace(" ", ""), m.group(0),
                             m.start(), m.end()))
    if not _DIGIT.search(text):
        return out
    for m in _US_ZIP.finditer(text):
        s, e = m.start("zip"), m.end("zip")
        if m.group("st") in _US_STATES and _word_start(text, m.start()) and used.free(s, e):
            used.take(s, e)
            out.append(Place("postcode", m.group("zip"), m.group("zip"), s, e))
    for m in _FR_CP.finditer(text):
        s, e = m.start("cp"), m.end("cp")
        code = int(m.group("cp")[:2])
        if 1 <= code <= 95 and _word_start(text, s) and used.free(s, e):
            used.take(s, e)
            out.append(Place("postcode", m.group("cp"), m.group("cp"), s, e))
    return out


_STREET_TYPES_EN = (
    r"Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Square|Sq|Place|Pl|Way|Drive|Dr|Boulevard|Blvd"
    r"|Court|Ct|Row|Hill|Parade|Terrace|Crescent|Close|Gardens|Walk|Broadway|Circus|Quay"
    r"|Wharf|Plaza|Parkway|Pkwy|Highway|Hwy|Green|Market|Arcade|Precinct|Centre|Center"
)
_EN_STREET = re.compile(
    r"\d{1,5}[A-Za-z]?(?:[-–]\d{1,5})?,?[ \t]+"
    r"(?:[A-Z0-9][\w'’.-]*[ \t]+){0,4}?(?:" + _STREET_TYPES_EN + r")(?![\w])\.?"
)
_FR_STREET = re.compile(
    r"\d{1,4}(?:\s?(?:bis|ter))?,?[ \t]+"
    r"(?i:rue|avenue|av\.|boulevard|bd|place|quai|cours|all[ée]e|impasse|chemin|route|square"
    r"|passage|esplanade|parvis|rond-point)[ \t]+[^,;\n()]{2,60}?"
    r"(?=[ \t]*(?:,|;|\n|\(|\.[ \t]|\.$|[ \t]\d{5}(?![\w])|$))"
)
_ABBR = {
    "st": "street", "rd": "road", "ave": "avenue", "av": "avenue", "ln": "lane",
    "sq": "square", "pl": "place", "dr": "drive", "blvd": "boulevard", "bd": "boulevard",
    "ct": "court", "pkwy": "parkway", "hwy": "highway", "center": "centre",
}


def fold(text: str) -> str:
    """Lower-case ``text`` and strip accents ("Opéra" → "opera")."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def norm_address(text: str) -> str:
    """Normalise an address for comparison: folded, punctuation-free, abbreviations expanded."""
    tokens = re.split(r"[^0-9a-z]+", fold(text))
    return " ".join(_ABBR.get(t, t) for t in tokens if t)


def extract_addresses(text: str, used: Consumed) -> list[Place]:
    """Return street addresses (house number and street) in ``text``."""
    out: list[Place] = []
    if not _DIGIT.search(text):
        return out
    for pat in (_EN_STREET, _FR_STREET):
        for m in pat.finditer(text):
            before = text[m.start() - 1] if m.start() else " "
            # ":" before: a clock's minutes ("9:00 AM–12:00 PM. Houston Main Street").
            if (not before.isalnum() and before not in ".,:£$€") and used.free(m.start(), m.end()):
                used.take(m.start(), m.end())
                out.append(Place("address", norm_address(m.group(0)), m.group(0).strip(),
                                 m.start(), m.end()))
    return out


_CAP = r"[A-ZÀ-Ý][\w'’&.-]*"
_NAME = rf"{_CAP}(?:[ \t]+(?:(?:upon|on|of|de|du|des|la|le|sur|en|the)[ \t]+)?{_CAP}){{0,3}}"
_BRANCH_PATTERNS = (
    re.compile(rf"(?P<name>{_NAME})[ \t]+[Bb]ranch(?:es)?(?![\w])"),
    re.compile(
        rf"(?<![\w])[Bb]ranch(?:es)?(?![\w])[^.!?\n:]{{0,40}}?(?<![\w])(?:is|are)[ \t]+"
        rf"(?:the[ \t]+|our[ \t]+)?(?P<name>{_NAME})"
    ),
    re.compile(rf"(?<![\w])[Bb]ranch(?:es)?[ \t]+(?:in|at|on)[ \t]+(?P<name>{_NAME})"),
    re.compile(
        rf"(?<![\w])[Aa]gences?(?![\w])[^.!?\n:]{{0,40}}?(?<![\w])est[ \t]+"
        rf"(?:l{_AP}agence[ \t]+)?(?:de[ \t]+|d{_AP})?(?P<name>{_NAME})"
    ),
    re.compile(rf"(?<![\w])[Aa]gence[ \t]+(?:de[ \t]+|d{_AP}|du[ \t]+)(?P<name>{_NAME})"),
)
_BRANCH_LIST = re.compile(
    r"(?<![\w])(?:[Bb]ranch(?:es)?|[Aa]gences?)"
    r"(?:[ \t]+(?!hours|opening|address|phone|horaires|adresse|t[ée]l[ée]phone)[\w-]+){0,2}"
    r"[ \t]*:[ \t]*(?P<list>[^\n]{1,300})"
)
_LEADING_NAME = re.compile(rf"^\s*(?P<name>{_NAME})")


def _clean_name(raw: str) -> str:
    tokens = raw.replace("\u00a0", " ").split()
    while tokens and fold(tokens[0]).strip("'’.,") in NAME_STOPWORDS:
        tokens.pop(0)
    return " ".join(t.strip(".,;:") for t in tokens).strip()


def extract_branch_names(text: str) -> list[Place]:
    """Return branch-name candidates (leading determiners and verbs removed)."""
    out: list[Place] = []
    low = text.lower()
    if "branch" not in low and "agence" not in low:
        return out
    seen: set[tuple[int, str]] = set()

    def add(raw: str, start: int, end: int) -> None:
        name = _clean_name(raw)
        if name and not is_day_token(name.split()[0]) and (start, name) not in seen:
            seen.add((start, name))
            out.append(Place("branch_name", name, raw, start, end))

    for pat in _BRANCH_PATTERNS:
        for m in pat.finditer(text):
            add(m.group("name"), m.start("name"), m.end("name"))
    for m in _BRANCH_LIST.finditer(text):
        base = m.start("list")
        offset = 0
        for item in re.split(r"[;,]", m.group("list")):
            lead = _LEADING_NAME.match(item)
            if lead is not None:
                add(lead.group("name"), base + offset + lead.start("name"),
                    base + offset + lead.end("name"))
            offset += len(item) + 1
    return out
