"""Numbers in text: parsing per locale, and the quantity claims built on them.

Spelled-out numbers are first turned into digits with ``text2num``
(``alpha2digit``, English and French), so "five to seven working days" and
"5-7 working days" give the same claim. ``one``/``un``/``une`` stay words
(they are mostly articles) and count only where a pattern asks for them
("within a week", "une semaine").

Number formats (seed 1 §2 "Currency"; CLDR number symbols for en_GB, en_US,
fr_FR): ``1,234.50`` in English, ``1 234,50`` in French (space, no-break space
or narrow no-break space as group separator, comma as decimal mark).

Quantity kinds and their units:

==========  ==============================================================
kind        unit
==========  ==============================================================
money       ISO 4217 code (``GBP``, ``USD``, ``EUR``) or None ("free")
percent     None
duration    ``minute`` (values are converted to minutes)
distance    ``mile`` / ``km`` / ``m`` / ``yard``
count       the counted noun, normalised (``step``, ``document``)
number      None (a bare number)
==========  ==============================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from text_to_num import alpha2digit

from switchboard.domain.types import Locale

_AP = "['’]"
_DIGIT = re.compile(r"\d")

#: Minutes per duration unit (month = 30 days, year = 365 days).
MINUTES = {
    "minute": 1.0,
    "hour": 60.0,
    "day": 1440.0,
    "week": 10080.0,
    "month": 43200.0,
    "year": 525600.0,
}


#: Kilometres per distance unit.
KM = {"km": 1.0, "m": 0.001, "mile": 1.609344, "yard": 0.0009144}


@dataclass(frozen=True)
class Quantity:
    """One quantity claim found in a text.

    Attributes:
        kind: ``money``, ``percent``, ``duration``, ``distance``, ``count`` or ``number``.
        values: the numbers claimed (two for a range); durations in minutes.
        unit: see the module table.
        text: the matched text (after number words were turned into digits).
        start: offset of the match in the normalised text.
        end: end offset of the match in the normalised text.
        approx: True when hedged ("about £5", "environ 5 €").
        raw_unit: the unit as written (``year`` for "18 years"); durations only.

    """

    kind: str
    values: tuple[float, ...]
    unit: str | None
    text: str
    start: int
    end: int
    approx: bool = False
    raw_unit: str | None = None


def words_to_digits(text: str, locale: Locale) -> str:
    """Return ``text`` with spelled numbers of two and more turned into digits.

    Uses ``text2num.alpha2digit`` (threshold 2: "one"/"un" stay words).
    Never raises: on a text2num failure the text comes back unchanged.
    """
    lang = "fr" if locale is Locale.FR_FR else "en"
    try:
        return str(alpha2digit(text, lang, threshold=2))
    except Exception:  # text2num is a native extension; never let it break validation
        return text


# -- number tokens ---------------------------------------------------------------------

# Both start with a bare ``\d`` so the regex engine can skip to digits.
_NUM_EN = r"\d(?:\d{0,2}(?:,\d{3})+(?:\.\d+)?|\d*(?:\.\d+)?(?:,\d{1,2}(?!\d))?)"
_NUM_FR = r"\d(?:\d{0,2}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?|\d*(?:[.,]\d+)?)"


def num_pattern(locale: Locale) -> str:
    """Return the regex fragment of one written number in ``locale`` (no groups)."""
    return _NUM_FR if locale is Locale.FR_FR else _NUM_EN


def parse_number(token: str, locale: Locale) -> float | None:
    """Parse one number token written in ``locale``; None when it is not a number.

    Examples: ``"1,000.50"`` (en) → 1000.5; ``"5,00"`` (fr) → 5.0;
    ``"1 000"`` (fr) → 1000.0; ``"1.000"`` (fr) → 1000.0; ``"5.00"`` → 5.0.
    """
    s = re.sub(r"[ \u00a0\u202f]", "", token.strip())
    if not s:
        return None
    if "," in s and "." in s:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        grp = "." if dec == "," else ","
        s = s.replace(grp, "").replace(dec, ".")
    elif "," in s:
        head, _, tail = s.rpartition(",")
        if locale is not Locale.FR_FR and len(tail) == 3 and s.count(",") >= 1 and head:
            s = s.replace(",", "")
        else:
            s = s.replace(",", ".") if s.count(",") == 1 else s.replace(",", "")
    elif "." in s and locale is Locale.FR_FR and s.count(".") >= 1:
        tail = s.rpartition(".")[2]
        if len(tail) == 3:
            s = s.replace(".", "")
    try:
        return float(s)
    except ValueError:
        return None


# -- the claim patterns ---------------------------------------------------------------

_CURRENCY_WORDS = {
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "quid": "GBP",
    "$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "bucks": "USD",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
}
_MINOR_UNITS = {"p": "GBP", "pence": "GBP", "penny": "GBP", "centimes": "EUR", "centime": "EUR"}

_APPROX = re.compile(
    r"(?:about|around|roughly|approximately|approx\.?|nearly|almost|environ"
    r"|à\s+peu\s+près|autour\s+de|près\s+de|~)\s*(?:[£$€]\s?)?$",
    re.I,
)
_RANGE_SEP = r"\s?(?:-|–|—|to|and|or|à|a|et|ou)\s?"

# "Free"/"no fee" claims (value 0). Lower-case text, literal first characters (fast);
# the word-start check and "feel free"/"toll-free" exclusions are done in code.
_FREE_LEADS = ("is", "are", "it" + _AP + "s", "it\\s+is", "completely", "totally",
               "entirely", "always", "for", "100%")
_FREE = re.compile(
    "|".join(
        [r"free\s+of\s+charge"]
        + [lead + r"\s+free(?![\w-])" for lead in _FREE_LEADS]
        + [
            r"free(?=\s*(?:[;,.)!]|$|\n|\s+(?:to\s+(?:order|open|use|replace|get|have|apply)"
            r"|replacement|cards?|accounts?|delivery|of\b|for\b|with\b|and\b)))",
            r"no[-\s](?:monthly\s+|annual\s+|account\s+|card\s+|extra\s+|additional\s+"
            r"|hidden\s+|replacement\s+|delivery\s+)?(?:fees?|charges?|cost)(?![\w-])",
            r"fee[-\s]free",
            r"without\s+(?:any\s+)?(?:fees?|charges?)",
            r"at\s+no\s+(?:extra\s+|additional\s+)?(?:cost|charge)",
            r"costs?\s+nothing",
            r"doesn" + _AP + r"t\s+cost\s+anything",
            r"zero\s+fees?",
            r"gratuit(?:e|s|es|ement)?(?![\w-])",
            r"sans\s+frais",
            r"aucuns?\s+frais",
            r"pas\s+de\s+frais",
        ]
    )
)
_NOT_FREE_BEFORE = ("feel ", "toll-", "hands-", "sugar-", "duty-", "tax-")
_FREE_STEMS = ("free", "fee", "charge", "cost", "gratuit", "frais")

# Units read right after a number token (``match`` at the token's end).
_MONEY_POST = re.compile(
    r"\s?(?P<cur>€|eur\b|gbp\b|usd\b|euros?\b|pounds?\b|dollars?\b|quid\b|bucks\b)"
    r"(?:\s+(?:and\s+|et\s+)?(?P<minor>\d{1,2})(?:\s*(?:p|pence|cents?|centimes?)\b)?)?",
    re.I,
)
_MONEY_MINOR = re.compile(r"\s?(?P<cur>p|pence|penny|cents?|centimes?)(?![\w])", re.I)
_MONEY_MULT = re.compile(r"\s?(?P<mult>k|m|bn|million|billion)(?![\w])", re.I)
_PERCENT = re.compile(r"\s?(?:%|per\s?cent\b|percent\b|pour\s?cent\b)", re.I)
_DISTANCE = re.compile(
    r"\s?(?P<unit>miles?|mi|km|kilomet(?:re|er)s?|yards?|metres?|meters?|m)(?![\w])", re.I
)
_DURATION = re.compile(
    r"\s?(?P<unit>(?:(?:working|business|calendar|banking|week|school)\s+)?"
    r"(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|yrs?)"
    r"|jours?(?:\s+(?:ouvr[ée]s|ouvrables|calendaires))?|heures?|semaines?|mois|ans|ann[ée]es?"
    r"|h(?=\s|$|[,.;)]))(?![\w])",
    re.I,
)
_COUNT = re.compile(
    r"[\s-]+(?:easy\s+|simple\s+|quick\s+|short\s+|key\s+|main\s+|different\s+|separate\s+"
    r"|grandes?\s+|simples\s+)?"
    r"(?P<noun>steps?|stages?|documents?|items?|things?|forms?\s+of\s+(?:id|identification)"
    r"|pieces?\s+of\s+(?:id|identification)|[ée]tapes?|pi[èe]ces?|justificatifs?)(?![\w])",
    re.I,
)
# Lower-case text, literal first characters, no leading look-behind: fast on tool data.
_DURATION_ARTICLE = re.compile(
    r"(?P<art>an?|one|un|une)\s+(?P<unit>(?:working\s+|business\s+)?"
    r"(?:minute|hour|day|week|month|year)|jour(?:\s+ouvr[ée])?|heure|semaine|mois|an|ann[ée]e)"
    r"(?![\w])"
)
_ARTICLE_LEAD = re.compile(
    r"(?:within|in|under|after|about|around|up\s+to|less\s+than|over|takes?|taking|for|sous"
    r"|en|dans|moins\s+d" + _AP + r"|plus\s+d" + _AP + r")\s*$"
)
_DURATION_STEMS = ("minute", "hour", "day", "week", "month", "year", "jour", "heure", "semaine",
                   "mois", " an")
_HALF = re.compile(
    r"half\s+an?\s+(?P<u1>hour|day)|une\s+demi[-\s](?P<u2>heure|journ[ée]e)"
    r"|demi[-\s](?P<u3>heure|journ[ée]e)"
)
_LIST_MARKER = re.compile(r"^[ \t]*(\d{1,2})[.)][ \t]", re.M)
_TOKENS: dict[Locale, re.Pattern[str]] = {}


def _token_pattern(locale: Locale) -> re.Pattern[str]:
    pat = _TOKENS.get(locale)
    if pat is None:
        n = f"(?:{num_pattern(locale)})"
        pat = re.compile(f"(?P<n1>{n})(?:{_RANGE_SEP}(?P<cur2>[£$€]\\s?)?(?P<n2>{n}))?")
        _TOKENS[locale] = pat
    return pat


def _duration_unit(word: str) -> str:
    """Map a written duration unit to a key of :data:`MINUTES`."""
    w = word.lower().split()[-1] if word.split() else word.lower()
    if w.startswith("min"):
        return "minute"
    if w.startswith(("hour", "hr", "heure")) or w == "h":
        return "hour"
    if w.startswith(("day", "jour", "ouvr", "calend")):
        return "day"
    if w.startswith(("week", "semaine")):
        return "week"
    if w.startswith(("mois", "month")):
        return "month"
    return "year"


class Consumed:
    """A mask of text offsets already claimed by an earlier extractor."""

    def __init__(self, length: int) -> None:
        self._mask = bytearray(length + 1)

    def free(self, start: int, end: int) -> bool:
        """Return True when no offset in ``[start, end)`` is taken."""
        return self._mask.find(1, start, end) < 0

    def take(self, start: int, end: int) -> None:
        """Mark ``[start, end)`` as taken."""
        self._mask[start:end] = b"\x01" * (end - start)


@dataclass
class _Token:
    start: int
    end: int
    values: tuple[float, ...]
    text: str


class QuantityReader:
    """Reads quantity claims from one text in two passes around the clock-time reader.

    :meth:`read_units` (first pass) takes numbers with a currency, a percent
    sign or a distance unit; the caller then reads clock times from what is
    left; :meth:`read_rest` (second pass) takes durations, counts and bare
    numbers. Each number token is read once; taken spans are marked in ``used``.
    """

    def __init__(self, text: str, locale: Locale, used: Consumed) -> None:
        self.text = text
        self.locale = locale
        self.used = used
        self.low = text.lower()
        self.tokens: list[_Token] = []
        low = self.low if len(self.low) == len(text) else text
        if _DIGIT.search(text):
            for m in _token_pattern(locale).finditer(low):
                if m.start() and (low[m.start() - 1].isalnum() or low[m.start() - 1] in ".,:/_"):
                    continue
                vals = [parse_number(m.group("n1"), locale)]
                if m.group("n2"):
                    vals.append(parse_number(m.group("n2"), locale))
                clean = tuple(v for v in vals if v is not None)
                if clean:
                    self.tokens.append(_Token(m.start(), m.end(), clean, m.group(0)))

    def _approx(self, start: int) -> bool:
        return bool(_APPROX.search(self.text[max(0, start - 24):start]))

    def _take(self, start: int, end: int) -> bool:
        if not self.used.free(start, end):
            return False
        self.used.take(start, end)
        return True

    def _q(self, kind: str, values: tuple[float, ...], unit: str | None, start: int, end: int,
           *, raw_unit: str | None = None, approx: bool = False) -> Quantity:
        return Quantity(kind, values, unit, self.text[start:end], start, end, approx=approx,
                        raw_unit=raw_unit)

    def read_units(self) -> list[Quantity]:
        """Return money ("free" too), percentages and distances."""
        out: list[Quantity] = []
        text = self.text
        low = self.low if len(self.low) == len(text) else text.lower()
        if any(stem in low for stem in _FREE_STEMS):
            for fm in _FREE.finditer(low):
                before = low[max(0, fm.start() - 6):fm.start()]
                prev = low[fm.start() - 1] if fm.start() else " "
                if (prev.isalnum() or prev == "-") or (
                    fm.group(0).startswith("free") and before.endswith(_NOT_FREE_BEFORE)
                ):
                    continue
                if self._take(fm.start(), fm.end()):
                    out.append(self._q("money", (0.0,), None, fm.start(), fm.end()))
        for t in self.tokens:
            if not self.used.free(t.start, t.end):
                continue
            pre = text[max(0, t.start - 2):t.start].rstrip()
            start, end = t.start, t.end
            if pre and pre[-1] in "£$€":
                start = t.start - (len(text[max(0, t.start - 2):t.start]) - len(pre)) - 1
                mult = _MONEY_MULT.match(text, end)
                factor = 1.0
                if mult:
                    factor = {"k": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9,
                              "billion": 1e9}[mult.group("mult").lower()]
                    end = mult.end()
                if self._take(start, end):
                    out.append(self._q("money", tuple(v * factor for v in t.values),
                                       _CURRENCY_WORDS[pre[-1]], start, end,
                                       approx=self._approx(start)))
                continue
            m: re.Match[str] | None = _MONEY_POST.match(text, end)
            if m:
                vals = t.values
                if m.group("minor") and len(vals) == 1:
                    vals = (vals[0] + int(m.group("minor")) / 100,)
                if self._take(start, m.end()):
                    out.append(self._q("money", vals, _CURRENCY_WORDS.get(m.group("cur").lower()),
                                       start, m.end(), approx=self._approx(start)))
                continue
            m = _MONEY_MINOR.match(text, end)
            if m:
                cur = _MINOR_UNITS.get(m.group("cur").lower(),
                                       "EUR" if self.locale is Locale.FR_FR else "USD")
                if self._take(start, m.end()):
                    out.append(self._q("money", tuple(v / 100 for v in t.values), cur, start,
                                       m.end(), approx=self._approx(start)))
                continue
            m = _PERCENT.match(text, end)
            if m:
                if self._take(start, m.end()):
                    out.append(self._q("percent", t.values, None, start, m.end(),
                                       approx=self._approx(start)))
                continue
            m = _DISTANCE.match(text, end)
            if m and self._take(start, m.end()):
                unit = m.group("unit").lower()
                key = ("mile" if unit.startswith("mi") else "km" if unit.startswith(("km", "kilo"))
                       else "yard" if unit.startswith("yard") else "m")
                out.append(self._q("distance", t.values, key, start, m.end(),
                                   approx=self._approx(start)))
        return out

    def read_rest(self) -> list[Quantity]:
        """Return durations, counts and bare numbers (after clock times were read)."""
        out: list[Quantity] = []
        text = self.text
        low = self.low if len(self.low) == len(text) else text.lower()
        has_units = any(stem in low for stem in _DURATION_STEMS)
        if has_units:
            for hm in _HALF.finditer(low):
                if hm.start() and low[hm.start() - 1].isalnum():
                    continue
                if self._take(hm.start(), hm.end()):
                    word = hm.group("u1") or hm.group("u2") or hm.group("u3") or ""
                    unit = "hour" if word.startswith(("hour", "heure")) else "day"
                    out.append(self._q("duration", (0.5 * MINUTES[unit],), "minute", hm.start(),
                                       hm.end(), raw_unit=unit))
        markers = {m.start(1) for m in _LIST_MARKER.finditer(text)}
        for t in self.tokens:
            if not self.used.free(t.start, t.end):
                continue
            m: re.Match[str] | None = _DURATION.match(text, t.end)
            if m:
                if self._take(t.start, m.end()):
                    unit = _duration_unit(m.group("unit"))
                    out.append(self._q("duration", tuple(v * MINUTES[unit] for v in t.values),
                                       "minute", t.start, m.end(), raw_unit=unit,
                                       approx=self._approx(t.start)))
                continue
            m = _COUNT.match(text, t.end)
            if m:
                if self._take(t.start, m.end()):
                    noun = m.group("noun").lower()
                    key = "step" if noun.startswith(("step", "stage", "étape", "etape")) else (
                        "document")
                    out.append(self._q("count", t.values, key, t.start, m.end()))
                continue
            if t.start in markers:
                continue
            if t.end < len(text) and (text[t.end].isalpha() or text[t.end] in "ᵉ"):
                continue  # an ordinal ("2nd", "3e") or an unknown unit
            if self._take(t.start, t.end):
                for v, span in _split_range(t):
                    out.append(Quantity("number", (v,), None, span, t.start, t.end))
        if has_units:
            for m in _DURATION_ARTICLE.finditer(low):
                if m.start() and low[m.start() - 1].isalnum():
                    continue
                if m.group("art") in ("a", "an", "un") and not _ARTICLE_LEAD.search(
                    low[max(0, m.start() - 16):m.start()]
                ):
                    continue
                if self._take(m.start(), m.end()):
                    unit = _duration_unit(m.group("unit"))
                    out.append(self._q("duration", (MINUTES[unit],), "minute", m.start(),
                                       m.end(), raw_unit=unit))
        return out


def _split_range(t: _Token) -> list[tuple[float, str]]:
    if len(t.values) == 1:
        return [(t.values[0], t.text)]
    return [(v, t.text) for v in t.values]
