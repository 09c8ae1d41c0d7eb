"""Read every checkable fact out of one text (a reply, or the flattened tool data).

The same reader runs on both sides, so whatever format a fact is written in,
reply and evidence are normalised the same way. Extractors claim character
spans in a fixed order so no span is read twice: e-mails and web addresses → phones → postcodes →
addresses → money → percentages → distances → timing words → clock times and
day names → durations → counts → bare numbers. Documents, off-topic products
and branch names are word-based and read independently.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from switchboard.domain.types import Locale
from switchboard.validation.hours import (
    ClockTime,
    HoursClaim,
    extract_clock_times,
    extract_hours,
)
from switchboard.validation.lexicon import (
    NEGATION_CUES,
    TIMING_CONTEXT,
    find_documents,
    find_timing,
    find_topics,
)
from switchboard.validation.places import (
    Place,
    extract_addresses,
    extract_branch_names,
    extract_contacts,
    extract_phones,
    extract_postcodes,
)
from switchboard.validation.quantities import (
    Consumed,
    Quantity,
    QuantityReader,
    words_to_digits,
)

_SENTENCE = re.compile(r"(?:[^.!?\n]|[.](?=\d)|[.](?=[A-Za-z]\.))+[.!?]*")
_NEGATED_AFTER = re.compile(
    r"\s*(?:is|are)\s+(?:not|n['’]t)\s+(?:needed|required|necessary)"
    r"|\s*(?:n['’])?(?:est|sont)\s+pas\s+(?:n[ée]cessaire|requis|demand[ée])",
    re.I,
)


@dataclass(frozen=True)
class Mention:
    """A word-based fact: a document, an off-topic product, or a timing word.

    Attributes:
        key: document key, topic name, or timing family.
        text: the words as written.
        start: offset in the normalised text.
        end: end offset in the normalised text.
        negated: documents only: "you don't need ..." near it.
        question: the sentence is a question.

    """

    key: str
    text: str
    start: int
    end: int
    negated: bool = False
    question: bool = False


@dataclass
class Facts:
    """Everything :func:`extract_facts` found in one text.

    ``text`` is the normalised text (spelled numbers as digits); every offset
    refers to it.
    """

    text: str
    quantities: list[Quantity] = field(default_factory=list)
    clocks: list[ClockTime] = field(default_factory=list)
    hours: list[HoursClaim] = field(default_factory=list)
    timing: list[Mention] = field(default_factory=list)
    contacts: list[Place] = field(default_factory=list)
    phones: list[Place] = field(default_factory=list)
    postcodes: list[Place] = field(default_factory=list)
    addresses: list[Place] = field(default_factory=list)
    branch_names: list[Place] = field(default_factory=list)
    documents: list[Mention] = field(default_factory=list)
    topics: list[Mention] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)

    def sentence_span(self, pos: int) -> tuple[int, int]:
        """Return ``(start, end)`` of the sentence holding offset ``pos`` (whole text if none)."""
        i = bisect_right(self.sentences, (pos, len(self.text) + 1)) - 1
        if i >= 0:
            start, end = self.sentences[i]
            if start <= pos < end:
                return start, end
        return 0, len(self.text)

    def sentence_at(self, pos: int) -> str:
        """Return the sentence holding offset ``pos``."""
        start, end = self.sentence_span(pos)
        return self.text[start:end]

    def quantities_of(self, kind: str) -> list[Quantity]:
        """Return the quantity claims of one kind."""
        return [q for q in self.quantities if q.kind == kind]


def extract_facts(text: str, locale: Locale, *, reply: bool = True, light: bool = False) -> Facts:
    """Read the facts of ``text`` written in ``locale``.

    Args:
        text: any text; empty text gives empty facts.
        locale: decides number formats, phone region and number words.
        reply: True for a reply (timing words need a banking context word in
            their sentence; branch-name candidates are read); False for tool data.
        light: read only numbers, phones and postcodes (for the customer's own
            words, which may be echoed).

    Returns:
        The :class:`Facts` of the text.
    """
    norm = words_to_digits(text, locale)
    facts = Facts(text=norm)
    if not norm.strip():
        return facts
    facts.sentences = [
        (m.start(), m.end()) for m in _SENTENCE.finditer(norm) if m.group(0).strip()
    ]
    used = Consumed(len(norm))
    facts.contacts = extract_contacts(norm, used)
    facts.phones = extract_phones(norm, locale, used)
    facts.postcodes = extract_postcodes(norm, used)
    reader = QuantityReader(norm, locale, used)
    if light:
        facts.quantities = reader.read_units() + reader.read_rest()
        return facts
    facts.addresses = extract_addresses(norm, used)
    facts.quantities = reader.read_units()
    for family, start, end in find_timing(norm):
        if not used.free(start, end):
            continue
        if reply and not TIMING_CONTEXT.search(facts.sentence_at(start)):
            continue
        used.take(start, end)
        facts.timing.append(Mention(family, norm[start:end], start, end))
    facts.clocks = extract_clock_times(norm, used)
    facts.hours = extract_hours(norm, facts.clocks, used)
    facts.quantities += reader.read_rest()
    for key, start, end in find_documents(norm):
        s0, s1 = facts.sentence_span(start)
        before = norm[max(s0, start - 45):start]
        after = norm[end:min(s1, end + 30)]
        negated = bool(NEGATION_CUES.search(before) or _NEGATED_AFTER.match(after))
        facts.documents.append(
            Mention(key, norm[start:end], start, end, negated=negated,
                    question=norm[s0:s1].rstrip().endswith("?"))
        )
    for topic, start, end in find_topics(norm):
        s0, s1 = facts.sentence_span(start)
        facts.topics.append(
            Mention(topic, norm[start:end], start, end,
                    question=norm[s0:s1].rstrip().endswith("?"))
        )
    if reply:
        facts.branch_names = extract_branch_names(norm)
    return facts


