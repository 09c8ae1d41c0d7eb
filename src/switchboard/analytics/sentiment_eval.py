"""Evaluate the escalation rule on labelled utterances scripted into conversations.

``data/sentiment/`` holds our own utterances (see its ATTRIBUTION.md) in three
files: ``angry.txt`` (anger at the bank), ``bad_news_calm.txt`` (factual
reports of bad news: theft, job loss, bereavement, fraud) and ``calm.txt``
(ordinary requests and answers). ``train`` files tuned the cues and
thresholds; ``heldout/`` was written before tuning and only measured.

Conversations are scripted deterministically from the utterances:

* *angry*: a calm opening turn, then angry turns (one calm slot answer between
  them in half of the conversations); success = escalated by the second angry
  turn (the issue's acceptance criterion);
* *calm*: four turns mixing calm requests and bad news (at least one bad-news
  turn); a false escalation = escalated at any turn.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from switchboard.analytics.sentiment import VaderClassifier
from switchboard.analytics.sentiment_monitor import EscalationRule

#: Shipped labelled data (repository checkout).
DATA_DIR = Path(__file__).resolve().parents[3] / "data" / "sentiment"
KINDS = ("angry", "bad_news_calm", "calm")


def load_utterances(directory: Path) -> dict[str, list[str]]:
    """Read ``angry.txt``, ``bad_news_calm.txt`` and ``calm.txt`` (one utterance a line).

    Raises:
        FileNotFoundError: when a file is missing.
    """
    out: dict[str, list[str]] = {}
    for kind in KINDS:
        lines = (directory / f"{kind}.txt").read_text(encoding="utf-8").splitlines()
        out[kind] = [line.strip() for line in lines if line.strip()]
    return out


@dataclass(frozen=True)
class Conversation:
    """A scripted conversation: customer turns and which of them are angry."""

    kind: str
    turns: tuple[str, ...]
    angry_turns: tuple[int, ...]


def script_conversations(
    data: dict[str, list[str]], *, n: int = 200, seed: int = 7
) -> list[Conversation]:
    """Script ``n`` angry and ``n`` calm conversations from the utterances (deterministic)."""
    rng = random.Random(seed)
    convs: list[Conversation] = []
    angry, bad, calm = data["angry"], data["bad_news_calm"], data["calm"]
    for _ in range(n):
        a1, a2 = rng.sample(angry, 2)
        turns = [rng.choice(calm), a1]
        if rng.random() < 0.5:
            turns.append(rng.choice(calm))
        turns.append(a2)
        convs.append(Conversation("angry", tuple(turns), (1, len(turns) - 1)))
    for _ in range(n):
        turns = [rng.choice(bad)] + [rng.choice(bad + calm) for _ in range(3)]
        rng.shuffle(turns)
        convs.append(Conversation("calm", tuple(turns), ()))
    return convs


@dataclass(frozen=True)
class EscalationReport:
    """Rates on scripted conversations and per-utterance anger detection."""

    angry_escalated_by_second: float
    calm_escalated: float
    utterance_angry_rate: dict[str, float]
    conversations: int


def first_escalation(
    turns: tuple[str, ...], rule: EscalationRule, classifier: VaderClassifier
) -> int | None:
    """Index of the turn at which ``rule`` escalates a conversation, or None."""
    angers: list[float] = []
    for i, text in enumerate(turns):
        angers.append(classifier.score_sync(text).anger)
        if rule.fires(angers):
            return i
    return None


def evaluate(
    data: dict[str, list[str]],
    rule: EscalationRule | None = None,
    *,
    classifier: VaderClassifier | None = None,
    n: int = 200,
    seed: int = 7,
) -> EscalationReport:
    """Measure ``rule`` with ``classifier`` on conversations scripted from ``data``."""
    rule = rule or EscalationRule()
    vader = classifier or VaderClassifier()
    convs = script_conversations(data, n=n, seed=seed)
    angry = [c for c in convs if c.kind == "angry"]
    calm = [c for c in convs if c.kind == "calm"]
    hits = 0
    for c in angry:
        at = first_escalation(c.turns, rule, vader)
        hits += at is not None and at <= c.angry_turns[1]
    false = sum(first_escalation(c.turns, rule, vader) is not None for c in calm)
    rates = {
        kind: round(
            sum(vader.score_sync(t).anger >= rule.angry_threshold for t in texts) / len(texts), 4
        )
        for kind, texts in data.items()
    }
    return EscalationReport(
        angry_escalated_by_second=round(hits / len(angry), 4),
        calm_escalated=round(false / len(calm), 4),
        utterance_angry_rate=rates,
        conversations=len(convs),
    )
