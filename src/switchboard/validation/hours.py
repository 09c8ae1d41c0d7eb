"""Opening hours: clock times, day names, and the (days, open, close) claims they form.

A clock time is kept as the set of minute-of-day values it may mean: "17:00"
and "5pm" are {1020}; "5:00" with no am/pm is {300, 1020}, so a reply that
writes "9 to 5:00" still matches "9:00-17:00". Days are 0 (Monday) to 6
(Sunday). Formats understood: ``9:00``, ``9.00``, ``9am``, ``9 a.m.``,
``9h``, ``9h30``, ``9 heures`` (after à/de/jusqu'à), ``noon``/``midi``;
days ``Monday``/``Mon``/``lundi``/``Lun`` and ranges ``Mon-Fri``,
``Monday to Friday``, ``du lundi au vendredi``, plus ``weekdays``,
``weekends``, ``daily``/``every day``/``7 days a week``/``tous les jours``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from switchboard.validation.quantities import Consumed

_AP = "['’]"
_DIGIT = re.compile(r"\d")
ALL_DAYS = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})

_DAY_FULL = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
    "saturday": 5, "sunday": 6, "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3,
    "vendredi": 4, "samedi": 5, "dimanche": 6,
}
_DAY_ABBR = {
    "Mon": 0, "Tue": 1, "Tues": 1, "Wed": 2, "Thu": 3, "Thur": 3, "Thurs": 3, "Fri": 4,
    "Sat": 5, "Sun": 6, "Lun": 0, "Mar": 1, "Mer": 2, "Jeu": 3, "Ven": 4, "Sam": 5, "Dim": 6,
}
_DAY_WORD = (
    "(?:" + "|".join(sorted([f"{d}s?" for d in _DAY_FULL] + [f"{a.lower()}\\.?" for a in _DAY_ABBR],
                            key=len, reverse=True)) + ")"
)
_RANGE_TO = r"\s*(?:-|–|—|to|through|thru|till|until|au|à)\s*"
# Lower-case text, no IGNORECASE, no leading look-behind: fast (see lexicon.PhraseIndex).
_DAY = re.compile(_DAY_WORD + r"(?![\w])")
_DAY_TO = re.compile(_RANGE_TO + "(?P<d>" + _DAY_WORD + r")(?![\w])")
_DAY_GROUP = re.compile(
    r"(?:weekdays?|week\s+days|en\s+semaine|weekends?|week-ends?|daily|every\s+day"
    r"|7\s*days?\s*(?:a|per)\s*week|tous\s+les\s+jours|7\s*j\s*/\s*7)(?![\w])"
)
_CLOSED = re.compile(r"\b(?:closed|shut|ferm[ée]e?s?)\b", re.I)
_OPEN = re.compile(r"\b(?:open\w*|ouv\w*)\b", re.I)

_AMPM = r"(?:\s?(?P<ap>[ap])\.?\s?m(?![a-z])\.?)"
_CLOCK_HM = re.compile(r"(?P<h>\d{1,2})\s?(?:[:.]|h)\s?(?P<m>[0-5]\d)" + _AMPM + r"?(?!\d)")
_CLOCK_AP = re.compile(r"(?P<h>\d{1,2})" + _AMPM)
_CLOCK_FRH = re.compile(r"(?P<h>\d{1,2})\s?(?P<hw>heures?|h)(?![\w])")
_CLOCK_WORD = re.compile(r"(?P<w>noon|midday|midi|midnight|minuit)(?![\w])")
_DURATION_LEAD = re.compile(
    r"(?:sous|en|dans|within|under|in|moins\s+de|plus\s+de|pendant|for|takes?|after|après"
    r"|d" + _AP + r"ici)\s*$",
    re.I,
)
_CLOCK_LEAD = re.compile(r"(?:à|de|dès|jusqu" + _AP + r"à|entre|et|from|at|until|till)\s*$", re.I)
_RANGE_GAP = re.compile(
    r"^\s*(?:-|–|—|to|until|till|til|and|à|a|jusqu" + _AP + r"à|et)\s*$", re.I
)
_ON_DAYS = re.compile(
    r"^\s*,?\s*(?:on|le|les|the|every|each|tous\s+les|chaque)(?:\s+the)?\s+$", re.I
)
_LIST_GAP = re.compile(r"^\s*(?:,|and|&|et|or|ou|/)?\s*$", re.I)
_BARE_RANGE = re.compile(
    r"(?P<h1>\d{1,2})\s*(?:-|–|to|until|till)\s*(?P<h2>\d{1,2})" + _AMPM
)
_NOT_BEFORE_CLOCK = set("0123456789.,:£$€")


@dataclass(frozen=True)
class ClockTime:
    """A clock time as written, with every minute-of-day value it may mean."""

    minutes: frozenset[int]
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class HoursClaim:
    """One opening-hours statement.

    Attributes:
        kind: ``range`` (open-close), ``time`` (a single clock time),
            ``closed`` (closed on ``days``) or ``open_day`` (open on ``days``).
        days: the days it applies to; None when no day was named.
        opens: minute values of the opening time (``range`` and ``time``).
        closes: minute values of the closing time (``range`` only).
        text: the text it was read from.

    """

    kind: str
    days: frozenset[int] | None
    text: str
    opens: frozenset[int] = field(default_factory=frozenset)
    closes: frozenset[int] = field(default_factory=frozenset)


def _minutes(h: int, m: int, ap: str | None, exact: bool) -> frozenset[int]:
    if ap:
        hh = h % 12 + (12 if ap.lower() == "p" else 0)
        return frozenset({hh * 60 + m})
    if exact or h == 0 or h > 12:
        return frozenset({h * 60 + m})
    return frozenset({(h % 12) * 60 + m, (h % 12 + 12) * 60 + m})


def extract_clock_times(text: str, used: Consumed) -> list[ClockTime]:
    """Return clock times in ``text`` (offset order), marking their spans in ``used``.

    A ``9h``/``48 heures`` form is a clock time only when it is not introduced
    by a duration word ("sous 48h", "within 24h") and, for ``heures``, when a
    clock preposition introduces it ("à 9 heures").
    """
    out: list[ClockTime] = []
    low = text.lower()
    if len(low) != len(text):
        low = text

    def add(start: int, end: int, minutes: frozenset[int]) -> None:
        if used.free(start, end):
            used.take(start, end)
            out.append(ClockTime(minutes, text[start:end], start, end))

    def ok(start: int, hour: str, top: int) -> bool:
        return int(hour) <= top and (start == 0 or low[start - 1] not in _NOT_BEFORE_CLOCK)

    if _DIGIT.search(low):
        for m in _BARE_RANGE.finditer(low):
            h1, h2 = int(m.group("h1")), int(m.group("h2"))
            if not (ok(m.start(), m.group("h1"), 12) and 1 <= h2 <= 12 and h1 >= 1):
                continue
            if not used.free(m.start(), m.end()):
                continue
            ap = m.group("ap")
            second = _minutes(h2, 0, ap, False)
            first = _minutes(h1, 0, None, False) if h1 > h2 or ap == "p" else _minutes(
                h1, 0, ap, False)
            mid = m.start() + len(m.group("h1"))
            add(m.start(), mid, first)
            used.take(mid, m.start("h2"))
            add(m.start("h2"), m.end(), second)
        for m in _CLOCK_HM.finditer(low):
            if not ok(m.start(), m.group("h"), 23):
                continue
            h, mi = int(m.group("h")), int(m.group("m"))
            exact = m.group("h").startswith("0") and len(m.group("h")) == 2
            add(m.start(), m.end(), _minutes(h, mi, m.group("ap"), exact))
        for m in _CLOCK_AP.finditer(low):
            if ok(m.start(), m.group("h"), 12) and int(m.group("h")) >= 1:
                add(m.start(), m.end(), _minutes(int(m.group("h")), 0, m.group("ap"), False))
        for m in _CLOCK_FRH.finditer(low):
            if not ok(m.start(), m.group("h"), 23):
                continue
            before = text[max(0, m.start() - 14):m.start()]
            if _DURATION_LEAD.search(before):
                continue
            if m.group("hw").startswith("heure") and not _CLOCK_LEAD.search(before):
                continue
            add(m.start(), m.end(), _minutes(int(m.group("h")), 0, None, False))
    for m in _CLOCK_WORD.finditer(low):
        if m.start() == 0 or not low[m.start() - 1].isalnum():
            w = m.group("w")
            add(m.start(), m.end(), frozenset({0 if w in ("midnight", "minuit") else 720}))
    out.sort(key=lambda c: c.start)
    return out


_ABBR_INDEX = {a.lower(): i for a, i in _DAY_ABBR.items()}


def _day_index(token: str) -> int | None:
    low = token.rstrip(".").lower()
    if low in _ABBR_INDEX:
        return _ABBR_INDEX[low]
    if low in _DAY_FULL:
        return _DAY_FULL[low]
    if low.endswith("s") and low[:-1] in _DAY_FULL:
        return _DAY_FULL[low[:-1]]
    return None


def is_day_token(token: str) -> bool:
    """True when ``token`` names a day ("Mon", "Saturdays", "lundi", "Mon-Fri")."""
    return _day_index(re.split(r"[-–—/]", token)[0]) is not None


@dataclass(frozen=True)
class _DaySpec:
    days: frozenset[int]
    start: int
    end: int




def _day_specs(text: str) -> list[_DaySpec]:
    low = text.lower()
    if len(low) != len(text):
        low = text
    out: list[_DaySpec] = []
    for gm in _DAY_GROUP.finditer(low):
        if gm.start() and low[gm.start() - 1].isalnum():
            continue
        g = gm.group(0)
        if g.startswith(("weekday", "week day", "en semaine")):
            days = WEEKDAYS
        elif g.startswith(("weekend", "week-end")):
            days = WEEKEND
        else:
            days = ALL_DAYS
        out.append(_DaySpec(days, gm.start(), gm.end()))
    pos = 0
    while (m := _DAY.search(low, pos)) is not None:
        pos = m.end()
        if m.start() and low[m.start() - 1].isalnum():
            continue
        to = _DAY_TO.match(low, m.end())
        a = _day_token(text, m.start(), m.end(), in_range=to is not None)
        if a is None:
            continue
        end = m.end()
        days = frozenset({a})
        if to is not None:
            b = _day_token(text, to.start("d"), to.end("d"), in_range=True)
            if b is not None:
                days = frozenset((a + i) % 7 for i in range(((b - a) % 7) + 1))
                end = pos = to.end()
        out.append(_DaySpec(days, m.start(), end))
    out.sort(key=lambda d: d.start)
    return out


def _day_token(text: str, start: int, end: int, in_range: bool = False) -> int | None:
    """Return the day index of ``text[start:end]``.

    Abbreviations count only with a capital, a dot or inside a range ("Sat", "sam.",
    "mon-fri"), so "I sat", "the sun" and French "mon compte" are not days.
    """
    token = text[start:end]
    word = token.rstrip(".").lower()
    if word in _ABBR_INDEX and not (in_range or token.endswith(".") or token[:1].isupper()):
        return None
    return _day_index(token)


# A sentence ends at ., ! or ? before a capital (or the end) and at a line break; not
# after a day abbreviation ("mar.–ven. 09:00", "sam. 9h").
_SENTENCE_BREAK = re.compile(r"(?<!\d)[.!?](?=\s+[A-ZÀ-Ý\"'(]|\s*$)|\n")


@dataclass(frozen=True)
class _Times:
    """One clock time or one opening range, in text order."""

    start: int
    end: int
    opens: frozenset[int]
    closes: frozenset[int] | None


@dataclass
class _DayGroup:
    """Consecutive day names read as one group ("Mon, Wed and Fri")."""

    days: frozenset[int]
    start: int
    end: int
    closed: bool = False
    bound: bool = False


def _times(text: str, clocks: list[ClockTime]) -> list[_Times]:
    out: list[_Times] = []
    i = 0
    while i < len(clocks):
        c = clocks[i]
        if i + 1 < len(clocks) and _RANGE_GAP.match(text[c.end:clocks[i + 1].start]):
            nxt = clocks[i + 1]
            out.append(_Times(c.start, nxt.end, c.minutes, nxt.minutes))
            i += 2
        else:
            out.append(_Times(c.start, c.end, c.minutes, None))
            i += 1
    return out


def _groups(text: str, specs: list[_DaySpec], lo: int, hi: int) -> list[_DayGroup]:
    groups: list[_DayGroup] = []
    for spec in specs:
        window = text[max(lo, spec.start - 12):min(hi, spec.end + 16)]
        closed = bool(_CLOSED.search(window))
        last = groups[-1] if groups else None
        if last is not None and not closed and not last.closed and _LIST_GAP.match(
            text[last.end:spec.start]
        ):
            last.days = last.days | spec.days
            last.end = spec.end
        else:
            groups.append(_DayGroup(spec.days, spec.start, spec.end, closed=closed))
    return groups


def _hours_claim(t: _Times, days: frozenset[int] | None, text: str) -> HoursClaim:
    if t.closes is None:
        return HoursClaim("time", days, text[t.start:t.end], opens=t.opens)
    return HoursClaim("range", days, text[t.start:t.end], opens=t.opens, closes=t.closes)


def extract_hours(
    text: str, clocks: Iterable[ClockTime], used: Consumed | None = None
) -> list[HoursClaim]:
    """Pair day names with clock times into :class:`HoursClaim` items.

    Within one sentence or line, a time range binds to the day group named
    before it ("Mon-Fri 9:00-17:00, Sat 9:00-13:00"), or to a day group right
    after it ("9am-1pm on Saturdays"). "closed on Sundays" gives a ``closed``
    claim; a day group in a sentence saying "open" with no time gives
    ``open_day``. Day-name spans are marked in ``used`` when given ("7 days a
    week" is then not read again as a duration).
    """
    clock_list = sorted(clocks, key=lambda c: c.start)
    specs = _day_specs(text)
    if used is not None:
        specs = [s for s in specs if used.free(s.start, s.end)]
        for spec in specs:
            used.take(spec.start, spec.end)
    if not specs and not clock_list:
        return []
    bounds = [0, *[m.end() for m in _SENTENCE_BREAK.finditer(text)], len(text) + 1]
    claims: list[HoursClaim] = []
    for lo, hi in itertools.pairwise(bounds):
        groups = _groups(text, [s for s in specs if lo <= s.start < hi], lo, hi)
        times = _times(text, [c for c in clock_list if lo <= c.start < hi])
        if not groups and not times:
            continue
        events: list[_DayGroup | _Times] = sorted([*groups, *times], key=lambda e: e.start)
        # "9am-5pm on weekdays and 9am-1pm on Saturdays": times lead, each binds to the
        # day group after it. "Mon-Fri 9:00-17:00, Sat 9:00-13:00": days lead.
        times_lead = isinstance(events[0], _Times)
        current: _DayGroup | None = None
        pending: list[_Times] = []
        for i, ev in enumerate(events):
            if isinstance(ev, _DayGroup):
                if ev.closed:
                    claims.append(HoursClaim("closed", ev.days, text[ev.start:ev.end]))
                    current = None
                    continue
                if pending and ev.start - pending[-1].end <= 25:
                    claims += [_hours_claim(t, ev.days, text) for t in pending]
                    ev.bound = True
                    pending = []
                current = None if times_lead else ev
                continue
            nxt = events[i + 1] if i + 1 < len(events) else None
            if (isinstance(nxt, _DayGroup) and not nxt.closed
                    and _ON_DAYS.match(text[ev.end:nxt.start])):
                claims.append(_hours_claim(ev, nxt.days, text))
                nxt.bound = True
            elif current is not None:
                claims.append(_hours_claim(ev, current.days, text))
                current.bound = True
            else:
                pending.append(ev)
        claims += [_hours_claim(t, None, text) for t in pending]
        if _OPEN.search(text, lo, min(hi, len(text))):
            claims += [
                HoursClaim("open_day", g.days, text[g.start:g.end])
                for g in groups
                if not g.bound and not g.closed
            ]
    return claims


@dataclass
class Schedule:
    """Opening hours known from tool data: day → list of (opens, closes) value sets."""

    intervals: dict[int, list[tuple[frozenset[int], frozenset[int]]]] = field(
        default_factory=dict
    )
    times: set[int] = field(default_factory=set)

    @property
    def open_days(self) -> frozenset[int]:
        """Days with at least one opening interval."""
        return frozenset(d for d, v in self.intervals.items() if v)

    def add(self, claims: Iterable[HoursClaim], clocks: Iterable[ClockTime]) -> None:
        """Record the ranges of ``claims`` (unbound ranges apply to no day) and all ``clocks``."""
        for c in clocks:
            self.times |= c.minutes
        for cl in claims:
            if cl.kind == "range" and cl.days is not None:
                for d in cl.days:
                    self.intervals.setdefault(d, []).append((cl.opens, cl.closes))

    def supports(self, claim: HoursClaim) -> bool:
        """True when ``claim`` agrees with the recorded hours."""
        if claim.kind == "closed":
            return bool(self.intervals) and claim.days is not None and not (
                claim.days & self.open_days
            )
        if claim.kind == "open_day":
            return claim.days is not None and claim.days <= self.open_days
        days = sorted(claim.days) if claim.days is not None else None
        if days is None or not self.intervals:
            # No day named (or tool hours carry no days): every time must be a tool time.
            return bool(claim.opens & self.times) and (
                not claim.closes or bool(claim.closes & self.times)
            )
        for d in days:
            ok = False
            for opens, closes in self.intervals.get(d, []):
                if claim.kind == "range":
                    ok = bool(claim.opens & opens) and bool(claim.closes & closes)
                else:
                    ok = bool(claim.opens & (opens | closes))
                if ok:
                    break
            if not ok:
                return False
        return True


def day_names(days: Iterable[int]) -> str:
    """Return a readable list of day indexes ("Mon, Sat") for finding details."""
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    return ", ".join(names[d] for d in sorted(days))


__all__ = [
    "ALL_DAYS",
    "ClockTime",
    "HoursClaim",
    "Schedule",
    "day_names",
    "extract_clock_times",
    "extract_hours",
    "is_day_token",
]
