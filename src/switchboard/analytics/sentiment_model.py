"""Anger model: logistic regression over MiniLM sentence embeddings plus the anger cues.

The regex cues of ``sentiment.py`` alone generalise poorly to phrasings they
were not written for (measured: 51% of held-out angry utterances flagged).
This model reads meaning: features are the all-MiniLM-L6-v2 embedding of the
segment (the router's embedder, so a turn's text is usually a cache hit),
the cue indicators and VADER's compound, and the output is P(angry).

Training data (``train_anger_model``): our own labelled utterances in
``data/sentiment/train`` and ``dev`` (angry vs calm-with-bad-news vs calm), the project's
own ``frustration`` utterances from ``data/training/switchboard.jsonl`` as
angry examples, and a sample of BANKING77 queries (CC-BY-4.0; many are
factual bad news: lost, stolen or declined cards) plus CLINC150's smalltalk
intents and a sample of its other queries (CC-BY-3.0) as not angry. Thresholds
of the escalation rule were chosen from 5-fold out-of-fold probabilities
(angry >= 0.4: 98% of our angry utterances, 1.6% of our calm ones); the
artifact is ``data/sentiment/anger_model.npz`` + ``anger_model.json``.
Rebuild with ``python -m switchboard.analytics.sentiment_model``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np

from switchboard.analytics.sentiment import _CUES, anger_cues
from switchboard.errors import ConfigError

REPO_DATA = Path(__file__).resolve().parents[3] / "data"
DEFAULT_MODEL = REPO_DATA / "sentiment" / "anger_model.npz"
_SMALLTALK = frozenset({"greeting", "goodbye", "thank_you", "yes", "no", "maybe"})
_CUE_NAMES = (*tuple(name for name, _, _ in _CUES), "shouting", "emphasis", "exclamation")


def features(text: str, compound: float, embedding: Any) -> Any:
    """Feature vector: embedding (384) ++ cue indicators ++ [compound, cue score / 3]."""
    score, cues = anger_cues(text, compound)
    extra = [1.0 if c in cues else 0.0 for c in _CUE_NAMES] + [compound, min(score, 6.0) / 3]
    return np.concatenate([np.asarray(embedding, dtype=np.float32), np.asarray(extra, np.float32)])


class AngerModel:
    """P(angry) for one segment from a trained linear model.

    Args:
        weights: ``(n_features,)`` float32.
        bias: intercept.
        embedder: an object with ``embed_one(text) -> (384,)`` (``MiniLmEmbedder``).
    """

    def __init__(self, weights: Any, bias: float, embedder: Any) -> None:
        self.weights = np.asarray(weights, dtype=np.float32)
        self.bias = float(bias)
        self.embedder = embedder

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL, embedder: Any | None = None) -> AngerModel:
        """Load the shipped artifact (and the bundled MiniLM embedder unless given).

        A given embedder whose ``dim`` is not the artifact's embedding size (the
        router's USE multilingual encoder, 512-d) is not used: MiniLM is loaded.

        Raises:
            ConfigError: when the artifact is missing or malformed.
        """
        try:
            with np.load(path) as z:
                weights, bias = z["weights"], float(z["bias"][0])
        except (OSError, KeyError, ValueError) as exc:
            raise ConfigError(f"anger model not loadable from {path}: {exc}") from exc
        embedding_dim = len(weights) - len(_CUE_NAMES) - 2
        if embedder is not None and getattr(embedder, "dim", embedding_dim) != embedding_dim:
            embedder = None  # e.g. the router's USE encoder (512-d): not what we were fitted on
        if embedder is None:
            from switchboard.brains.local.embedder import minilm_embedder

            embedder = minilm_embedder()
        return cls(weights, bias, embedder)

    def probability(self, text: str, compound: float) -> float:
        """P(angry) in [0, 1] for ``text`` with VADER compound ``compound``."""
        x = features(text, compound, self.embedder.embed_one(text))
        z = float(x @ self.weights + self.bias)
        return float(1.0 / (1.0 + np.exp(-z)))


def _training_rows(data_dir: Path, *, banking_sample: int, seed: int) -> list[tuple[str, int]]:
    from switchboard.analytics.sentiment_eval import load_utterances

    rows: list[tuple[str, int]] = []
    for split in ("train", "dev"):
        own = load_utterances(data_dir / "sentiment" / split)
        rows += [(t, 1) for t in own["angry"]]
        rows += [(t, 0) for t in own["bad_news_calm"] + own["calm"]]
    project = data_dir / "training" / "switchboard.jsonl"
    banking = data_dir / "training" / "banking77.jsonl"
    for line in project.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if r.get("intent") == "frustration":
            rows.append((r["text"], 1))
        elif r.get("intent") not in ("complaint", "human_request"):
            rows.append((r["text"], 0))
    b77 = [json.loads(line)["text"] for line in banking.read_text(encoding="utf-8").splitlines()]
    rng = random.Random(seed)
    rows += [(t, 0) for t in rng.sample(b77, min(banking_sample, len(b77)))]
    # Short smalltalk (greetings, thanks, yes/no...) and other everyday requests: without
    # them, two-word turns like "thank you" land near the angry examples.
    clinc = [json.loads(line) for line in (data_dir / "training" / "clinc150.jsonl").open()]
    small = [r["text"] for r in clinc if r["intent"] in _SMALLTALK]
    other = [r["text"] for r in clinc if r["intent"] not in _SMALLTALK]
    rows += [(t, 0) for t in small]
    rows += [(t, 0) for t in rng.sample(other, min(banking_sample // 2, len(other)))]
    return rows


def train_anger_model(
    data_dir: Path = REPO_DATA,
    out: Path = DEFAULT_MODEL,
    *,
    banking_sample: int = 1500,
    seed: int = 13,
    c: float = 1.0,
) -> dict[str, Any]:
    """Train the model and write ``out`` (npz) and its JSON card.

    Returns:
        The model card (counts, training accuracy).

    Raises:
        FileNotFoundError: when the training files are missing.
    """
    from sklearn.linear_model import LogisticRegression

    from switchboard.analytics.sentiment import VaderClassifier
    from switchboard.brains.local.embedder import MiniLmEmbedder

    rows = _training_rows(data_dir, banking_sample=banking_sample, seed=seed)
    texts = [t for t, _ in rows]
    y = np.asarray([label for _, label in rows])
    emb = MiniLmEmbedder().embed(texts)
    vader = VaderClassifier()
    x = np.stack(
        [features(t, vader.score_sync(t).compound, e) for t, e in zip(texts, emb, strict=True)]
    )
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    clf.fit(x, y)
    np.savez_compressed(
        out,
        weights=clf.coef_[0].astype(np.float32),
        bias=np.asarray([clf.intercept_[0]], dtype=np.float32),
    )
    card = {
        "rows": len(rows),
        "angry": int(y.sum()),
        "not_angry": int(len(y) - y.sum()),
        "train_accuracy": round(float(clf.score(x, y)), 4),
        "features": ["minilm_384", *_CUE_NAMES, "vader_compound", "cue_score_over_3"],
        "C": c,
        "banking77_sample": banking_sample,
        "seed": seed,
    }
    out.with_suffix(".json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    return card


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    print(json.dumps(train_anger_model(), indent=1))
