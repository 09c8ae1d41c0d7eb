"""Evidence: what the tool results of one turn say, flattened and normalised.

Only successful results count (``ToolResult.ok``): an error result proves
nothing. Every string and number anywhere in an output is evidence (seed 2
§3 "Fabricated Data Detection": "Compare against tool results"); the
structure adds three things a flat list loses: list lengths ("3 steps"),
branch records (a dict with a name and an address, phone or hours: seed 2
Tool 4 ``branches``) and the ``documents_required`` lists (Tools 1 and 2).
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from switchboard.domain.types import Locale, ToolResult
from switchboard.validation.facts import Facts, extract_facts
from switchboard.validation.hours import Schedule
from switchboard.validation.lexicon import expand_covers, find_documents, parents_of
from switchboard.validation.places import fold, norm_address
from switchboard.validation.quantities import KM, num_pattern, parse_number, words_to_digits

_MONEY_KEY = re.compile(r"fee|cost|price|charge|amount|deposit|balance|limit", re.I)
_RATE_KEY = re.compile(r"rate|percent|apr|aer|interest", re.I)
_BRANCH_KEYS = frozenset({"address", "phone", "hours", "opening_hours", "telephone"})


@dataclass
class Evidence:
    """The normalised facts of a turn's successful tool outputs.

    Attributes:
        has_data: at least one successful tool output.
        tool_names: names of every tool of the turn, in order (failed ones too).
        facts: the facts read from all output strings (one per line).
        strings: every output string, as given.
        folded: every output string, folded (lower-case, no accents).
        blob: the folded strings joined by newlines, for substring look-ups.
        numbers: every number in the outputs (strings and numeric leaves), list
            lengths, and the hour values of every clock time (17:00 → 17 and 5).
        list_lengths: lengths of every list in the outputs.
        money: (value, ISO currency or None) pairs.
        percents: percentages (and numeric leaves under rate-like keys).
        durations: durations in minutes.
        distances: distances in kilometres.
        schedule: opening hours by day.
        phones: E.164 phone numbers.
        phone_digits: phone numbers as bare digit strings (a fallback).
        postcodes: postcodes, upper-case without spaces.
        contacts: e-mail and web addresses (normalised as in :mod:`.places`).
        addresses: every output string as a normalised address.
        branch_names: names of branch records.
        streets: (house number, street) of each branch address ("920", "piccadilly"),
            normalised; lets a wrong house number be caught on any street.
        branch_records: the outputs hold at least one branch record.
        doc_keys: document keys named anywhere in the outputs.
        required_docs: (item text, document keys) of each ``documents_required`` item.
        timing: timing-word families present (``immediate``, ``next_day``...).

    """

    has_data: bool = False
    tool_names: tuple[str, ...] = ()
    facts: Facts = field(default_factory=lambda: Facts(text=""))
    strings: tuple[str, ...] = ()
    folded: tuple[str, ...] = ()
    blob: str = ""
    numbers: frozenset[float] = frozenset()
    list_lengths: frozenset[int] = frozenset()
    money: frozenset[tuple[float, str | None]] = frozenset()
    percents: frozenset[float] = frozenset()
    durations: tuple[float, ...] = ()
    distances: tuple[float, ...] = ()
    schedule: Schedule = field(default_factory=Schedule)
    #: One schedule per branch record (a branch closed on a day another one opens).
    branch_schedules: tuple[Schedule, ...] = ()
    phones: frozenset[str] = frozenset()
    phone_digits: frozenset[str] = frozenset()
    postcodes: frozenset[str] = frozenset()
    contacts: frozenset[str] = frozenset()
    addresses: tuple[str, ...] = ()
    branch_names: tuple[str, ...] = ()
    streets: tuple[tuple[str, str], ...] = ()
    branch_records: bool = False
    doc_keys: frozenset[str] = frozenset()
    required_docs: tuple[tuple[str, frozenset[str]], ...] = ()
    timing: frozenset[str] = frozenset()


@dataclass
class _Sink:
    strings: list[str] = field(default_factory=list)
    numbers: set[float] = field(default_factory=set)
    money: set[tuple[float, str | None]] = field(default_factory=set)
    percents: set[float] = field(default_factory=set)
    lengths: set[int] = field(default_factory=set)
    branch_names: list[str] = field(default_factory=list)
    branch_addresses: list[str] = field(default_factory=list)
    branch_records: bool = False
    required: list[str] = field(default_factory=list)
    branch_hours: list[str] = field(default_factory=list)


def _walk(obj: Any, key: str, sink: _Sink, depth: int = 0) -> None:
    if depth > 12:
        return
    if isinstance(obj, str):
        if obj.strip():
            sink.strings.append(obj)
    elif isinstance(obj, bool) or obj is None:
        return
    elif isinstance(obj, int | float):
        value = float(obj)
        sink.numbers.add(value)
        if _MONEY_KEY.search(key):
            sink.money.add((value, None))
        if _RATE_KEY.search(key):
            sink.percents.add(value)
    elif isinstance(obj, dict):
        keys = {str(k).lower() for k in obj}
        if keys & _BRANCH_KEYS and ("name" in keys or "branch_name" in keys):
            sink.branch_records = True
            name = obj.get("name", obj.get("branch_name"))
            if isinstance(name, str) and name.strip():
                sink.branch_names.append(name.strip())
            address = obj.get("address")
            if isinstance(address, str) and address.strip():
                sink.branch_addresses.append(address)
            hours = obj.get("hours")
            if isinstance(hours, str) and hours.strip():
                sink.branch_hours.append(hours)
        for k, v in obj.items():
            ks = str(k)
            if "document" in ks.lower() and isinstance(v, list | tuple):
                sink.required += [x for x in v if isinstance(x, str)]
            _walk(v, ks, sink, depth + 1)
    elif isinstance(obj, list | tuple):
        sink.lengths.add(len(obj))
        for v in obj:
            _walk(v, key, sink, depth + 1)


def _doc_keys(text: str) -> frozenset[str]:
    return frozenset(key for key, _, _ in find_documents(text))


def build_evidence(results: Sequence[ToolResult], locale: Locale) -> Evidence:
    """Flatten the successful outputs of ``results`` into :class:`Evidence`.

    Never raises on odd output shapes: non-JSON values are ignored, nesting
    deeper than 12 levels is cut.
    """
    sink = _Sink()
    names: list[str] = []
    has_data = False
    for r in results:
        names.append(r.name)
        if r.ok and r.output is not None:
            has_data = True
            _walk(r.output, "", sink)
    if not has_data:
        return Evidence(tool_names=tuple(names))
    joined = "\n".join(s.replace("\n", " ") for s in sink.strings)
    facts = extract_facts(joined, locale, reply=False)
    numbers = set(sink.numbers)
    numbers |= {float(n) for n in sink.lengths}
    for m in re.finditer(num_pattern(locale), facts.text):
        v = parse_number(m.group(0), locale)
        if v is not None:
            numbers.add(v)
    for c in facts.clocks:
        for minutes in c.minutes:
            h = minutes // 60
            numbers |= {float(h), float(h % 12 or 12), float(minutes % 60)}
    money = set(sink.money)
    percents = set(sink.percents)
    durations: list[float] = []
    distances: list[float] = []
    for q in facts.quantities:
        numbers.update(q.values)
        if q.kind == "money":
            money.update((v, q.unit) for v in q.values)
        elif q.kind == "percent":
            percents.update(q.values)
        elif q.kind == "duration":
            durations.extend(q.values)
        elif q.kind == "distance":
            distances.extend(v * KM[q.unit or "km"] for v in q.values)
    schedule = Schedule()
    schedule.add(facts.hours, facts.clocks)
    branch_schedules = [_schedule_of(hours, locale) for hours in sink.branch_hours]
    folded = tuple(fold(s) for s in sink.strings)
    converted = facts.text.split("\n")
    if len(converted) != len(sink.strings):
        converted = [words_to_digits(s, locale) for s in sink.strings]
    required = tuple((item, _doc_keys(item)) for item in sink.required)
    return Evidence(
        has_data=True,
        tool_names=tuple(names),
        facts=facts,
        strings=tuple(sink.strings),
        folded=folded,
        blob="\n".join(folded),
        numbers=frozenset(numbers),
        list_lengths=frozenset(sink.lengths),
        money=frozenset(money),
        percents=frozenset(percents),
        durations=tuple(durations),
        distances=tuple(distances),
        schedule=schedule,
        branch_schedules=tuple(branch_schedules),
        phones=frozenset(p.value for p in facts.phones),
        phone_digits=frozenset(_national_digits(p.text) for p in facts.phones),
        postcodes=frozenset(p.value for p in facts.postcodes),
        contacts=frozenset(p.value for p in facts.contacts),
        addresses=tuple(norm_address(s) for s in converted),
        branch_names=tuple(sink.branch_names),
        streets=_streets(sink.branch_addresses, locale),
        branch_records=sink.branch_records,
        doc_keys=frozenset(d.key for d in facts.documents),
        required_docs=required,
        timing=frozenset(m.key for m in facts.timing),
    )


def _schedule_of(hours: str, locale: Locale) -> Schedule:
    """The opening schedule one branch's ``hours`` text states (one per branch, issue 10)."""
    own = extract_facts(hours, locale, reply=False)
    schedule = Schedule()
    schedule.add(own.hours, own.clocks)
    return schedule


_HOUSE = re.compile(r"^\s*(\d{1,5}[a-z]?)\s+([a-z][a-z0-9 '-]{2,60})$")


def _streets(addresses: Sequence[str], locale: Locale) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for address in addresses:
        head = norm_address(words_to_digits(address.split(",")[0], locale))
        m = _HOUSE.match(head)
        if m:
            out.append((m.group(1), m.group(2).strip()))
    return tuple(out)


def _national_digits(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return digits.lstrip("0")[-9:]


def doc_supported(key: str, evidence_keys: frozenset[str]) -> bool:
    """Return True when ``key`` (or, for a generic term, one it covers) is in the evidence."""
    return bool(expand_covers(key) & evidence_keys)


def doc_only_generic(key: str, evidence_keys: frozenset[str]) -> bool:
    """Return True when only a generic parent of ``key`` is in the evidence.

    Example: "utility bill" in the reply, only "proof of address" in the tool data.
    """
    return bool(parents_of(key) & evidence_keys)


class EvidenceCache:
    """A small LRU of :class:`Evidence` keyed by locale and the outputs' JSON.

    A turn is usually validated twice (first reply, then the regenerated one)
    against the same tool results; the cache makes the second look-up free.
    """

    def __init__(self, size: int = 128) -> None:
        self._size = max(0, size)
        self._data: OrderedDict[str, Evidence] = OrderedDict()
        self._lock = threading.Lock()  # turns may be validated from worker threads

    def get(self, results: Sequence[ToolResult], locale: Locale) -> Evidence:
        """Return the evidence of ``results`` in ``locale``, building it on a miss."""
        if self._size == 0:
            return build_evidence(results, locale)
        try:
            key = locale.value + json.dumps(
                [(r.name, r.output if r.ok else None) for r in results],
                sort_keys=True, default=str,
            )
        except (TypeError, ValueError):
            return build_evidence(results, locale)
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
                return hit
        ev = build_evidence(results, locale)
        with self._lock:
            self._data[key] = ev
            while len(self._data) > self._size:
                self._data.popitem(last=False)
        return ev
