"""Sentiment of one customer segment: polarity (VADER or an LLM) plus anger cues.

Seed 3 classifies every final customer sentence as POSITIVE, NEUTRAL or
NEGATIVE and escalates on NEGATIVE. Polarity alone is the wrong trigger for a
bank: "my card was stolen" or "I lost my job so I need a cheaper account" are
strongly negative to VADER (compound -0.5 to -0.8) yet are calm, factual
reports that a bot can handle. Anger is what should escalate, so every
segment gets two readings:

* **polarity** — VADER's compound score in [-1, 1] (Hutto & Gilbert, ICWSM
  2014; the ``vaderSentiment`` package ships its lexicon, nothing is
  downloaded) and the label by VADER's documented thresholds (>= 0.05
  POSITIVE, <= -0.05 NEGATIVE, else NEUTRAL), or an LLM's label
  (``sentiment_llm.py``);
* **anger** — a score from cues that mark anger at the bank rather than bad
  luck: insults and contempt ("useless", "ridiculous", "worst", "joke"),
  profanity, second-person blame ("you people", "you've lost my payment",
  "why can't you"), impatience and repetition ("how many times", "third
  time", "still haven't"), threats to leave ("ombudsman", "closing my
  account"), shouting (several capitalised words) and ``!``. Asking to make
  a complaint is not itself a cue: a calm complaint is a sensitive topic
  (handover policy), not anger.
  A strongly negative polarity adds to the score only when at least one cue
  is present, so bad news alone never reaches it.

The weights were set by hand from the cue inventory and the thresholds that
turn a score into an escalation were tuned on ``data/sentiment/``
(``sentiment_monitor.EscalationRule``; numbers in docs/architecture.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable

from switchboard.domain.types import Locale

POSITIVE = "POSITIVE"
NEUTRAL = "NEUTRAL"
NEGATIVE = "NEGATIVE"
LABELS = (POSITIVE, NEUTRAL, NEGATIVE)

#: VADER's documented compound thresholds (vaderSentiment README "About the Scoring").
VADER_POSITIVE = 0.05
VADER_NEGATIVE = -0.05


@dataclass(frozen=True)
class SentimentScore:
    """The reading of one segment.

    Attributes:
        label: ``POSITIVE`` | ``NEUTRAL`` | ``NEGATIVE`` (polarity).
        compound: polarity in [-1, 1] (VADER compound; an LLM label maps to ±0.6 / 0).
        anger: anger score >= 0 (0 = no anger cue); see :func:`anger_cues`.
        cues: names of the anger cues found, for the log and the supervisor.
    """

    label: str
    compound: float
    anger: float
    cues: tuple[str, ...] = field(default_factory=tuple)


@runtime_checkable
class SentimentClassifier(Protocol):
    """Scores one final customer segment."""

    name: str

    async def score(self, text: str, locale: Locale) -> SentimentScore:
        """Return the polarity and anger reading of ``text``.

        Raises:
            switchboard.errors.SwitchboardError: when the classifier cannot answer
                (callers fall back to VADER).
        """
        ...


def label_for(compound: float) -> str:
    """Polarity label for a compound score (VADER thresholds ±0.05)."""
    if compound >= VADER_POSITIVE:
        return POSITIVE
    if compound <= VADER_NEGATIVE:
        return NEGATIVE
    return NEUTRAL


# -- anger cues ----------------------------------------------------------------------------

_I = re.IGNORECASE

#: (cue name, pattern, weight). English first, then French (the fr_FR locale).
_CUES: tuple[tuple[str, re.Pattern[str], float], ...] = (
    (
        "profanity",
        re.compile(
            r"\b(damn\w*|the hell|bloody|crap\w*|shit\w*|f+u+c+k\w*|wtf|bullshit|arse|"
            r"ass(hole)?|piss\w*|bastard\w*|merde|putain|bordel)\b",
            _I,
        ),
        2.0,
    ),
    (
        "insult",
        re.compile(
            r"\b(useless|ridiculous|pathetic|incompeten\w+|worst|joking|"
            # "a joke" as contempt ("this bank is a joke"), not asked for ("tell me a joke").
            r"(?<!tell me )(?<!tell us )(?<!give me )(?<!know )(?<!hear )(?<!share )(?<!got )"
            r"(a|beyond a|(a )?(total|complete|bloody|absolute|utter)) (joke|farce|disgrace)|"
            r"disgrace\w*|rubbish|appalling|unacceptable|outrageous|disgust\w*|shambles|"
            r"hopeless|(terrible|awful|horrible|dreadful|poor) (service|bank|support|app|"
            r"experience|customer service|system)|stupid\w*|idiot\w*|clowns?|liars?|lied|"
            r"thieves|this is a scam|you('re| are) a scam|scammers|rob(bing|bed)? "
            r"(your|me|us|people|customers)|steal\w* from|shocking|pointless|nonsense|"
            r"an insult|nightmare|a mess|clueless|no clue|a clue|rude|shameful|unreal|"
            r"brilliant\.$|great, just great|thanks for (nothing|absolutely nothing)|"
            r"very helpful\. not|so-called|taking the (mick|piss)|"
            r"nuls?|inadmissible|scandaleu\w+|honte\w*|lamentable|n'importe quoi|incapables?|"
            r"moquez)\b",
            _I,
        ),
        1.5,
    ),
    (
        "anger_word",
        re.compile(
            r"\b(furious|livid|fuming|raging|angry|annoyed|outraged|infuriat\w+|"
            r"sick (of|and tired)|fed up|had enough|had it with|last straw|"
            r"beyond (a joke|frustrated)|frustrat\w+|(why|what|how|where) on earth|"
            r"for (god's|heaven's|pete's) sake|my god|"
            r"(extremely|very|really|so|deeply|totally|utterly) (unhappy|disappointed|"
            r"dissatisfied)|"
            r"en col[eè]re|furieu\w+|j'en ai marre|ras le bol|marre)\b",
            _I,
        ),
        1.5,
    ),
    (
        "blame",
        re.compile(
            r"\b(you (people|guys|lot|clowns|idiots)|what is wrong with you|"
            r"you('ve| have)? (lost|messed|screwed|charged|ruined|ignored|failed|blocked|"
            r"frozen|cancelled|took|taken|made|promised|handled|treated|dealt with)|"
            r"you (still|never|always|don't|didn't|can't|won't|keep|clearly)|"
            r"don't you dare|why (do|did|does|can't|won't|would|is it so hard for) you|"
            r"how dare you|are you (even|deliberately|kidding|serious|not)|"
            r"do you (actually|even)|can you not|your (mistake|error|fault|incompetence)|"
            r"(nobody|no one) (at your|here|seems to|ever|has|can|cares?|takes)|"
            r"(is|does) anyone (at|in|there|here)|capable of|"
            r"vous (êtes|avez|ne|vous)|votre (faute|erreur))",
            _I,
        ),
        1.5,
    ),
    (
        "impatience",
        re.compile(
            r"\b(how many times|(third|fourth|fifth|\d+(st|nd|rd|th)) time|"
            r"(two|three|four|five|\d+) times (already|now)|for the last time|one more time|"
            r"again\?!|again!|not this again|(same|another) \w+ again|"
            r"(still|yet) (not|no|nothing|haven't|hasn't|waiting)|"
            r"(hasn't|haven't) (arrived|fixed|sorted|called)|"
            r"(waiting|waited|chasing|on hold|been trying)( for)? (\w+ )?(hours|weeks|ages|days|"
            r"a month|months)|(hours?|weeks?|days?) on hold|every (single )?time i (call|contact|"
            r"ring|ask|try)|do your job|sort (it|this|yourselves) out|explain that!|"
            r"(waste|wasting|wasted) (of )?(my|the|whole|time)|over and over|round in circles|"
            r"i('ve| have) (already )?(told|explained|sent|asked) (you|this|them|it)|"
            r"i('ve| have) been (waiting|chasing|on hold|patient)|"
            r"stop (telling|giving|asking|reading|sending|wasting|transferring|offering)|"
            r"(just )?answer the question|read my message|straight answer|actual answer|"
            r"right now|immediately|once and for all|fob(bing)? me off|"
            r"ça fait \w+ (semaines|jours|mois))",
            _I,
        ),
        1.0,
    ),
    (
        "threat",
        re.compile(
            r"\b((close|closing) (my|every|all)|cancel everything|switch\w* (to another|banks?)|"
            r"mov(e|ing) my (money|savings|account|mortgage)\w*|leave (a|this) (review|bank)|"
            r"i'?m leaving|ombudsman|lawyer|solicitor|su(e|ing) you|i'?m suing|"
            r"tell (everyone|everybody|all)|social media|"
            r"report you|i'?m done|done with|(get|put) me (through to )?(a|the|your) manager|"
            r"plainte)\b",
            _I,
        ),
        1.5,
    ),
)

_ACRONYMS = frozenset({"ATM", "PIN", "IBAN", "UK", "USA", "US", "ID", "ISA", "SMS", "BIC", "OK"})
_CAPS_WORD = re.compile(r"\b[A-Z]{3,}\b")
_EMPHASIS = 0.5  # a single capitalised word of 4+ letters (not an acronym)
_CAPS_PENALTY = 1.0
_EXCLAIM_MANY = 1.0
_EXCLAIM_ONE = 0.5
_NEGATIVE_BOOST_STRONG = 1.0  # compound <= -0.6 with at least one cue
_NEGATIVE_BOOST = 0.5  # compound <= -0.3 with at least one cue


def anger_cues(text: str, compound: float) -> tuple[float, tuple[str, ...]]:
    """Score anger at the bank in ``text``.

    Args:
        text: one customer segment.
        compound: its polarity in [-1, 1].

    Returns:
        ``(score, cue names)``; the score sums each cue's weight once, plus
        shouting (two or more capitalised words of 3+ letters that are not
        acronyms: +1), exclamation (``!!`` or ``?!``: +1, one ``!``: +0.5) and,
        only when a cue was found, strong negative polarity (<= -0.6: +1,
        <= -0.3: +0.5).
    """
    found: list[str] = []
    score = 0.0
    for name, pattern, weight in _CUES:
        if pattern.search(text):
            found.append(name)
            score += weight
    caps = [w for w in _CAPS_WORD.findall(text) if w not in _ACRONYMS]
    if len(caps) >= 2 or (caps and not text.isupper() and "!" in text):
        found.append("shouting")
        score += _CAPS_PENALTY * (2 if len(caps) >= 4 else 1)
    elif any(len(w) >= 4 for w in caps) and not text.isupper():
        found.append("emphasis")
        score += _EMPHASIS
    if "!!" in text or "?!" in text or "!?" in text:
        found.append("exclamation")
        score += _EXCLAIM_MANY
    elif "!" in text and score > 0:
        found.append("exclamation")
        score += _EXCLAIM_ONE
    if score > 0:
        if compound <= -0.6:
            score += _NEGATIVE_BOOST_STRONG
        elif compound <= -0.3:
            score += _NEGATIVE_BOOST
    return round(score, 3), tuple(found)


@lru_cache(maxsize=1)
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


#: Highest anger the model may give a positive segment without any anger cue.
POSITIVE_NO_CUE_CAP = 0.3
#: Cue score that maps to anger 1.0 when no anger model is used.
CUE_SCALE = 3.0


class AngerScorer(Protocol):
    """P(angry) for a segment (``sentiment_model.AngerModel``)."""

    def probability(self, text: str, compound: float) -> float:
        """Return P(angry) in [0, 1]."""
        ...


class VaderClassifier:
    """VADER polarity plus anger (the embedded default).

    Anger is in [0, 1]: the anger model's probability when one is given
    (``sentiment_model.AngerModel``, MiniLM embeddings + cues), else the cue
    score divided by :data:`CUE_SCALE` and capped at 1.

    VADER is an English lexicon; French segments get the cue score (which has
    French cues) and VADER's reading of whatever English words they contain.

    Args:
        anger_model: the trained anger model, or None for cues only.
    """

    name = "vader"

    def __init__(self, anger_model: AngerScorer | None = None) -> None:
        self.anger_model = anger_model

    def score_sync(self, text: str) -> SentimentScore:
        """Score ``text`` without awaiting (~0.1 ms with cues; ~10 ms with the model)."""
        compound = float(_vader().polarity_scores(text)["compound"])
        raw, cues = anger_cues(text, compound)
        if self.anger_model is not None:
            anger = self.anger_model.probability(text, compound)
            if not cues and compound >= VADER_POSITIVE:
                # A positive sentence with no anger cue at all ("thank you", "great,
                # that's all") is not angry, whatever its embedding resembles.
                anger = min(anger, POSITIVE_NO_CUE_CAP)
        else:
            anger = min(1.0, raw / CUE_SCALE)
        return SentimentScore(label_for(compound), round(compound, 4), round(anger, 4), cues)

    async def score(self, text: str, locale: Locale) -> SentimentScore:
        """Score ``text`` (``locale`` is accepted for the port; VADER reads English)."""
        return self.score_sync(text)
