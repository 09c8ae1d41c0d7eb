"""Say-as: written text → the plain words a person would say, per locale, for any TTS engine.

Piper voices and espeak-ng both read plain text, but they read written forms
badly: "020 7946 0101" as "twenty million...", "09:00–17:00" as "zero nine
hundred", "5-7" as "five minus seven", "EC2V 6DN" as a word. :func:`say`
rewrites those forms into words the way people say them on the phone, with
no SSML (neither engine is given markup):

* phone numbers (found with ``phonenumbers``) digit by digit in their written
  groups, "oh" for 0 in en_GB ("oh two oh, seven nine four six, ..."), pairs
  in French ("zéro un, vingt-trois, ...", as the French read them);
* postcodes letter by letter (UK), ZIP codes digit by digit (US), French
  codes postaux as "soixante-quinze, zéro zéro deux";
* clock times and ranges ("09:30–13:00" → "nine thirty to one",
  French "9 h 30 à 13 h" → "neuf heures trente à treize heures");
* money ("£6.50" → "six pounds fifty", "2 500 €" → "deux mille cinq cents euros");
* percentages, decimals, ranges ("5-7" → "five to seven"), "24/7";
* abbreviated day names and day ranges ("Mon–Wed" → "Monday to Wednesday");
* markdown emphasis, bullets and symbols (``&``, ``/``) left out or said.

Numbers become words with ``num2words`` so both engines say them the same
way. The rules follow how UK, US and French speakers read these forms aloud
(Ofcom's and the Royal Mail's own spoken forms for numbers and postcodes;
the French convention of reading phone numbers in pairs).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import phonenumbers
from num2words import num2words

from switchboard.domain.types import Locale

__all__ = ["cardinal", "digits", "say"]

_REGION = {Locale.EN_GB: "GB", Locale.EN_US: "US", Locale.FR_FR: "FR"}
_LANG = {Locale.EN_GB: "en", Locale.EN_US: "en", Locale.FR_FR: "fr"}

_EN_DAYS = {
    "mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday",
    "fri": "Friday", "sat": "Saturday", "sun": "Sunday",
}
_FR_DAYS = {
    "lun": "lundi", "mar": "mardi", "mer": "mercredi", "jeu": "jeudi",
    "ven": "vendredi", "sam": "samedi", "dim": "dimanche",
}
_WORDS = {
    "en": {"to": "to", "and": "and", "percent": "percent", "point": "point",
           "24/7": "twenty-four seven", "per": "a"},
    "fr": {"to": "à", "and": "et", "percent": "pour cent", "point": "virgule",
           "24/7": "vingt-quatre heures sur vingt-quatre, sept jours sur sept", "per": "par"},
}
_MONEY = {
    "£": ("pound", "pounds"), "$": ("dollar", "dollars"), "€": ("euro", "euros"),
}
_EN_UNITS = {"km": "kilometres", "mi": "miles", "min": "minutes"}
_FR_UNITS = {"km": "kilomètres", "min": "minutes", "h": "heures"}


def cardinal(n: int, locale: Locale) -> str:
    """``n`` in words ("twenty-one", "vingt et un"); US English drops the "and"."""
    text: str = num2words(n, lang=_LANG[locale])
    if locale is Locale.EN_US:
        text = text.replace(" and ", " ")
    return text


def digits(text: str, locale: Locale) -> str:
    """Digits one by one in words; en_GB says "oh" for 0 (as in phone numbers)."""
    words = []
    for ch in text:
        if ch.isdigit():
            if ch == "0" and locale is Locale.EN_GB:
                words.append("oh")
            else:
                words.append(cardinal(int(ch), locale))
    return " ".join(words)


def _decimal(whole: str, frac: str, locale: Locale) -> str:
    t = _WORDS[_LANG[locale]]
    head = cardinal(int(whole.replace(",", "").replace(" ", "") or 0), locale)
    if not frac:
        return head
    if locale is Locale.FR_FR and len(frac) <= 2 and not frac.startswith("0"):
        return f"{head} {t['point']} {cardinal(int(frac), locale)}"
    return f"{head} {t['point']} {' '.join(cardinal(int(c), locale) for c in frac)}"


# -- phone numbers, postcodes ----------------------------------------------------------


def _phone(raw: str, locale: Locale) -> str:
    groups = [g for g in re.split(r"[\s.\-()]+", raw.replace("+", " plus ")) if g]
    out = []
    for group in groups:
        if group == "plus":
            out.append("plus")
        elif locale is Locale.FR_FR and len(group) == 2 and group.isdigit():
            out.append(("zéro " + cardinal(int(group[1]), locale)) if group[0] == "0"
                       else cardinal(int(group), locale))
        else:
            out.append(digits(group, locale))
    return ", ".join(out)


def _phones(text: str, locale: Locale) -> str:
    matches = list(phonenumbers.PhoneNumberMatcher(text, _REGION[locale]))
    for m in reversed(matches):
        text = text[: m.start] + _phone(m.raw_string, locale) + text[m.end :]
    return text


_UK_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})\b")
_US_ZIP = re.compile(r"(?<=[A-Z]{2} )(\d{5})(?:-(\d{4}))?\b")
_FR_CP = re.compile(r"\b(\d{2})(\d{3})(?= [A-ZÉÈ][a-zé])")


def _spell(code: str, locale: Locale) -> str:
    return " ".join(digits(c, locale) if c.isdigit() else c for c in code)


def _postcodes(text: str, locale: Locale) -> str:
    if locale is Locale.EN_GB:
        return _UK_POSTCODE.sub(
            lambda m: f"{_spell(m[1], locale)}, {_spell(m[2], locale)}", text
        )
    if locale is Locale.EN_US:
        return _US_ZIP.sub(lambda m: digits(m[1], locale), text)
    return _FR_CP.sub(
        lambda m: f"{cardinal(int(m[1]), locale)}, {_fr_group(m[2], locale)}", text
    )


def _fr_group(group: str, locale: Locale) -> str:
    """French code postal tail: "002" → "zéro zéro deux", "011" → "zéro onze", "100" → "cent"."""
    if group.startswith("00"):
        return digits(group, locale)
    if group.startswith("0"):
        return f"zéro {cardinal(int(group[1:]), locale)}"
    return cardinal(int(group), locale)


# -- times and days -------------------------------------------------------------------

_TIME_EN = re.compile(r"\b(\d{1,2}):(\d{2})(?:\s*([AaPp])\.?[Mm]\b(?:\.(?=\s?[a-z]))?)?")
_TIME_FR = re.compile(r"\b(\d{1,2})(?::|\s?h\s?)(\d{2})?(?![\d/])\b")


def _en_time(hour: int, minute: int, meridiem: str | None, locale: Locale) -> str:
    if meridiem is None and hour > 12:
        hour -= 12
    elif meridiem is None and hour == 0:
        hour = 12
    words = cardinal(hour, locale)
    if minute:
        words += " " + (f"oh {cardinal(minute, locale)}" if minute < 10
                        else cardinal(minute, locale))
    return words


def _times(text: str, locale: Locale) -> str:
    if locale is Locale.FR_FR:
        def fr(m: re.Match[str]) -> str:
            hour = cardinal(int(m[1]), locale)
            unit = "heure" if int(m[1]) == 1 else "heures"
            mins = f" {cardinal(int(m[2]), locale)}" if m[2] and int(m[2]) else ""
            return f"{hour} {unit}{mins}"
        return re.sub(r"\b(\d{1,2})(?::|\s?h\s?)(\d{2})?(?=\b|\s|$|[–-])(?!\s?/)", fr, text)

    def en(m: re.Match[str]) -> str:
        return _en_time(int(m[1]), int(m[2]), m[3], locale)

    text = _TIME_EN.sub(en, text)
    # "5pm", "9 a.m." → "five pm", "nine am".
    return re.sub(
        r"\b(\d{1,2})\s?([AaPp])\.?[Mm]\b(?:\.(?=\s?[a-z]))?",
        lambda m: f"{cardinal(int(m[1]), locale)} {m[2].lower()}m", text,
    )


def _ranges(text: str, locale: Locale) -> str:
    """"5-7", "09:00–17:00", "Mon–Wed", "lun.–ven." → "5 to 7"...; "Saint-Antoine" kept."""
    to = _WORDS[_LANG[locale]]["to"]
    text = re.sub(r"(?<=\d)\s?[–—-]\s?(?=\d)", f" {to} ", text)
    return re.sub(r"(?<=[\w.])\s?[–—]\s?(?=\w)", f" {to} ", text)


def _days(text: str, locale: Locale) -> str:
    if locale is Locale.FR_FR:
        return re.sub(
            r"\b(lun|mar|mer|jeu|ven|sam|dim)\.",
            lambda m: _FR_DAYS[m[1]], text,
        )
    return re.sub(
        r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b(?!day)",
        lambda m: _EN_DAYS[m[1].lower()], text,
    )


# -- money, percentages, numbers ------------------------------------------------------

_NUM = r"\d{1,3}(?:[,\u202f\u00a0 ]\d{3})+|\d+"
_MONEY_BEFORE = re.compile(rf"([£$€])\s?({_NUM})(?:[.,](\d{{2}}))?\b")
_MONEY_AFTER = re.compile(rf"\b({_NUM})(?:,(\d{{2}}))?\s?€")


def _money_words(
    symbol: str, whole: str, cents: str | None, locale: Locale, *, adjective: bool = False
) -> str:
    one, many = _MONEY[symbol]
    amount = int(re.sub(r"\D", "", whole))
    singular = amount <= 1 if locale is Locale.FR_FR else amount == 1
    words = f"{cardinal(amount, locale)} {one if singular or adjective else many}"
    if cents and int(cents):
        words += f" {cardinal(int(cents), locale)}"
    return words


def _money(text: str, locale: Locale) -> str:
    text = _MONEY_AFTER.sub(lambda m: _money_words("€", m[1], m[2], locale), text)
    # "a $15 monthly fee" → "a fifteen dollar monthly fee" (the amount used as an adjective).
    text = re.sub(
        rf"\b([Aa]n?) {_MONEY_BEFORE.pattern}",
        lambda m: f"{m[1]} {_money_words(m[2], m[3], m[4], locale, adjective=True)}", text,
    )
    return _MONEY_BEFORE.sub(lambda m: _money_words(m[1], m[2], m[3], locale), text)


def _house_number(n: str, locale: Locale) -> str:
    """A street number as English speakers say it: 912 → "nine twelve", 9040 → "ninety forty"."""
    value = int(n)
    if len(n) == 3 and value % 100:
        head, tail = n[:1], n[1:]
    elif len(n) == 4 and value % 100:
        head, tail = n[:2], n[2:]
    elif len(n) == 4 and value % 1000:
        return f"{cardinal(value // 100, locale)} hundred"
    else:
        return cardinal(value, locale)
    rest = int(tail)
    said = f"oh {cardinal(rest, locale)}" if tail.startswith("0") else cardinal(rest, locale)
    return f"{cardinal(int(head), locale)} {said}"


def _numbers(text: str, locale: Locale) -> str:
    t = _WORDS[_LANG[locale]]
    if locale is not Locale.FR_FR:
        # A street number: three or four digits before a capitalised street name.
        text = re.sub(
            r"(?<![\d,.])\b(\d{3,4})(?= [A-Z][a-z])", lambda m: _house_number(m[1], locale), text
        )
    sep = "," if locale is Locale.FR_FR else r"\."
    text = re.sub(
        rf"\b(\d+)(?:{sep}(\d+))?\s?%",
        lambda m: f"{_decimal(m[1], m[2] or '', locale)} {t['percent']}", text,
    )
    text = re.sub(rf"\b(\d+){sep}(\d+)\b", lambda m: _decimal(m[1], m[2], locale), text)
    text = re.sub(
        rf"\b({_NUM})\b", lambda m: cardinal(int(re.sub(r'\D', '', m[1])), locale), text
    )
    return text


# -- the pipeline ---------------------------------------------------------------------


def _markdown(text: str) -> str:
    text = re.sub(r"[*_`#]+", "", text)
    text = re.sub(r"^\s*[-•]\s+", "", text, flags=re.M)
    return re.sub(r"\s*\n+\s*", " ", text).strip()


def _symbols(text: str, locale: Locale) -> str:
    t = _WORDS[_LANG[locale]]
    text = text.replace("24/7", t["24/7"]).replace("24 h/24 et 7 j/7", t["24/7"])
    text = text.replace("24 h/24", "vingt-quatre heures sur vingt-quatre")
    text = re.sub(r"\s*&\s*", f" {t['and']} ", text)
    units = _FR_UNITS if locale is Locale.FR_FR else _EN_UNITS
    text = re.sub(
        r"(?<=\d)\s?(km|mi|min)\b", lambda m: " " + units.get(m[1], m[1]), text
    )
    return text.replace("/", " ")


_STEPS: tuple[Callable[[str, Locale], str], ...] = (
    _phones, _postcodes, _ranges, _days, _times, _money, _symbols, _numbers,
)


def say(text: str, locale: Locale) -> str:
    """Rewrite ``text`` as the plain words a person would say in ``locale``.

    Args:
        text: a reply or prompt (plain text or light markdown).
        locale: en_GB, en_US or fr_FR (phone, postcode, time and money rules differ).

    Returns:
        One line of plain text (no markup, no digits left in phone numbers,
        postcodes, times, money or counts), ready for Piper or espeak-ng.
    """
    out = _markdown(text)
    for step in _STEPS:
        out = step(out, locale)
    return re.sub(r"\s{2,}", " ", out).replace(" ,", ",").strip()
