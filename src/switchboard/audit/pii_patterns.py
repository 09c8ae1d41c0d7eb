"""Our own PII recognizers: cue-anchored patterns for banking secrets and identity data.

Each :class:`CuePattern` finds a span (the ``pii`` group) that only counts
when a cue says what it is: a 4-digit number is a PIN after "PIN"/"code
secret", a CVV after "CVV"/"cryptogramme", an account number after
"account number"/"numéro de compte", a date a date of birth after
"born"/"date of birth"/"né le". Without the cue these numbers are amounts,
times, branch numbers or dates the conversation needs, and are left alone.
Street addresses and names are recognised by their shape (a house number
before a street type; a capitalised name after "my name is"/"je m'appelle").

Cues cover en_GB, en_US and fr_FR (sources: UK sort code and account number
formats, Pay.UK; US ABA routing numbers 9 digits; French RIB; INSEE NIR
15 digits with key, ``stdnum.fr.nir``; HMRC NINO; SSA SSN).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import regex
from stdnum.us import ssn as std_ssn

#: Placeholder written in place of each entity type.
PLACEHOLDERS = {
    "PIN": "[PIN]",
    "CVV": "[CVV]",
    "SORT_CODE": "[SORT_CODE]",
    "ACCOUNT_NUMBER": "[ACCOUNT]",
    "DATE_OF_BIRTH": "[DOB]",
    "STREET_ADDRESS": "[ADDRESS]",
    "PERSON": "[NAME]",
    "NATIONAL_ID": "[NATIONAL_ID]",
}

# "is", ":", "c'est"... between a cue and its value.
_FILL = (
    r"(?:\s*(?:is|was|=|:|-|c'est|est|it's|it\s+is|number|no\.?|numéro|n°|de|du|my|mon|ma)\s*)*"
    r"\W{0,3}"
)
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|janvier|février|fevrier|"
    r"mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre)"
)
_DATE = (
    r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}-\d{2}-\d{2}|"
    rf"\d{{1,2}}(?:st|nd|rd|th|er)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+\d{{4}}|"
    rf"{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
)
_STREET_EN = (
    r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|way|crescent|court|ct|place|pl|"
    r"terrace|gardens|grove|boulevard|blvd|square|sq|hill|parkway|pkwy|highway|hwy|row|mews|"
    r"walk|circle|cir"
)
_STREET_FR = (
    r"rue|avenue|av\.|boulevard|bd|place|allée|allee|chemin|impasse|quai|route|cours|square|"
    r"passage|voie|résidence|residence"
)
_CAP = r"[A-ZÀ-Ý][\p{Ll}'’\-]+"


@dataclass(frozen=True)
class CuePattern:
    """One pattern of one entity type; the ``pii`` group is what is replaced.

    Attributes:
        entity: the entity type (a key of :data:`PLACEHOLDERS`).
        pattern: compiled ``regex`` pattern with a ``pii`` group.
        score: confidence reported to the anonymizer (overlaps keep the higher).
        validate: extra check of the matched text (a checksum), None to accept.
    """

    entity: str
    pattern: regex.Pattern[str]
    score: float = 0.9
    validate: Callable[[str], bool] | None = None


def _p(source: str) -> regex.Pattern[str]:
    """Compile with Unicode word boundaries; case rules are inline in each source."""
    return regex.compile(source, regex.VERSION1 | regex.UNICODE)


def _ssn_ok(text: str) -> bool:
    """A US SSN that passes ``stdnum.us.ssn`` (area/group/serial rules)."""
    return bool(std_ssn.is_valid(regex.sub(r"\D", "", text)))


PATTERNS: tuple[CuePattern, ...] = (
    CuePattern(
        "PIN",
        _p(
            r"(?i:\b(?:pin(?:\s*(?:code|number|no\.?))?|code\s+(?:pin|secret|confidentiel|de\s+la\s+carte)"
            r"|personal\s+identification\s+number)\b)"
            + _FILL
            + r"(?P<pii>\d(?:[ \-]?\d){3,5})(?!\d)"
        ),
    ),
    CuePattern(
        "PIN",
        _p(
            r"(?<!\d)(?P<pii>\d{4,6})\s+(?i:is|was|c'est|est)\s+(?i:my|mon|ma|le)\s+(?i:pin|code)\b"
        ),
    ),
    CuePattern(
        "CVV",
        _p(
            r"(?i:\b(?:cvv2?|cvc2?|csc|cvn|security\s+code|card\s+verification(?:\s+value|\s+code)?"
            r"|cryptogramme(?:\s+visuel)?|code\s+de\s+sécurité|code\s+de\s+securite"
            r"|(?:three|3)\s+digits\s+on\s+the\s+back)\b)" + _FILL + r"(?P<pii>\d{3,4})(?!\d)"
        ),
    ),
    CuePattern(
        "SORT_CODE",
        _p(
            r"(?i:\b(?:sort[\s\-]?code|routing(?:\s+number)?|aba|code\s+(?:guichet|banque))\b)"
            + _FILL
            + r"(?P<pii>\d{2}[ \-]?\d{2}[ \-]?\d{2}(?:\d{3})?|\d{5})(?!\d)"
        ),
    ),
    CuePattern("SORT_CODE", _p(r"(?<![\d\-/])(?P<pii>\d{2}-\d{2}-\d{2})(?![\d\-/])"), score=0.6),
    CuePattern(
        "ACCOUNT_NUMBER",
        _p(
            r"(?i:\b(?:account|acct|a/c|compte|rib)\b)"
            + _FILL
            + r"(?P<pii>\d(?:[ \-]?\d){5,16}[A-Za-z]?\d{0,2})(?!\d)"
        ),
    ),
    CuePattern(
        "DATE_OF_BIRTH",
        _p(
            r"(?i:\b(?:born(?:\s+on)?|date\s+of\s+birth|d\.?o\.?b\.?|birth\s*date|birthday"
            r"|né(?:e)?(?:\s+le)?|nee\s+le|date\s+de\s+naissance)\b)"
            + _FILL
            + rf"(?P<pii>(?i:{_DATE}))"
        ),
    ),
    CuePattern(
        "STREET_ADDRESS",
        _p(
            rf"(?<![\w\-])(?P<pii>\d{{1,5}}[A-Za-z]?,?\s+(?:{_CAP}\s+){{0,4}}(?i:{_STREET_EN})\b\.?)"
        ),
    ),
    CuePattern(
        "STREET_ADDRESS",
        _p(
            rf"(?<![\w\-])(?P<pii>\d{{1,4}}(?:\s?(?i:bis|ter))?,?\s+(?i:{_STREET_FR})\s+"
            r"(?:(?i:de|du|des|la|le|l'|l’|d'|d’|aux?)\s*){0,3}"
            rf"{_CAP}(?:[\s\-]+(?:(?i:de|du|des|la|le|l'|d')\s*)?{_CAP}){{0,3}})"
        ),
    ),
    CuePattern(
        "PERSON",
        _p(
            r"(?i:\b(?:my\s+name\s+is|my\s+name's|name\s*:|this\s+is|i\s+am|i'm|call\s+me"
            r"|je\s+m'appelle|je\s+m’appelle|je\s+me\s+nomme|mon\s+nom\s+(?:est|c'est)|nom\s*:"
            r"|mr\.?|mrs\.?|ms\.?|miss|dr\.?|monsieur|madame|mme|mlle)\s+)"
            rf"(?P<pii>{_CAP}(?:[\s\-]+{_CAP}){{0,2}})"
        ),
        score=0.8,
    ),
    CuePattern(
        "NATIONAL_ID",
        _p(
            r"(?i:\b(?:nir|numéro\s+de\s+sécurité\s+sociale|n°\s*(?:de\s+)?sécu|sécurité\s+sociale"
            r"|insee)\b)" + _FILL + r"(?P<pii>[12](?:[ \-]?[0-9AB]){12,14})(?![\dA-Za-z])"
        ),
    ),
    CuePattern(
        "NATIONAL_ID",
        _p(
            r"(?i:\b(?:ssn|social\s+security(?:\s+number)?)\b)"
            + _FILL
            + r"(?P<pii>\d{3}[ \-]?\d{2}[ \-]?\d{4})(?!\d)"
        ),
        validate=_ssn_ok,
    ),
)


def find(text: str) -> list[tuple[str, int, int, float]]:
    """Every cue-pattern match in ``text``: ``(entity, start, end, score)``."""
    found: list[tuple[str, int, int, float]] = []
    for cue in PATTERNS:
        for match in cue.pattern.finditer(text):
            start, end = match.span("pii")
            if start < 0 or end <= start:
                continue
            if cue.validate is not None and not cue.validate(match.group("pii")):
                continue
            found.append((cue.entity, start, end, cue.score))
    return found
