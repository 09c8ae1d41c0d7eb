"""Compare sentence encoders for the embedded router on held-out folds.

Same protocol as ``bench/router_eval.py`` (5 folds, NLU++ by its own folds,
thresholds tuned on the other folds and applied to the held-out one), run
for each encoder given on the command line:

* ``minilm``   all-MiniLM-L6-v2 (384-d, English);
* ``use``      Google USE multilingual v3 (512-d, English + French in one space);
* ``minilm+use``  both vectors concatenated (896-d).

Prints the acceptance numbers overall and per source, our French lines
(``switchboard_fr``) included. Embeddings are cached per text in the temp
dir (``bench/embed_cache.py``).

Run: .venv/bin/python bench/router_encoders.py use minilm+use [--folds 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from embed_cache import embed

from switchboard.brains.local import router as R
from switchboard.brains.local.training import load_training_set
from switchboard.config import RouterSettings

SOURCES = (
    "banking77",
    "clinc150",
    "clinc150_oos",
    "nlupp_banking",
    "switchboard",
    "switchboard_fr",
)


def features(name: str, texts: list[str]) -> np.ndarray:
    """Return the router's input vectors for encoder ``name`` (parts joined by ``+``)."""
    return np.hstack([embed(part, texts) for part in name.split("+")])


def _fmt(m: dict[str, float | int]) -> str:
    parts = []
    for k, (op, bound) in R.ACCEPTANCE.items():
        v, n = float(m[k]), int(m["n_" + k.rsplit("_", 1)[0]])
        if n == 0:
            parts.append(f"{k}=   -  ")
            continue
        ok = v >= bound if op == ">=" else v <= bound
        parts.append(f"{k}={v:6.2%}{'' if ok else '!'} (n={n})")
    return "  ".join(parts)


def run(name: str, n_folds: int) -> None:
    """Print held-out numbers for one encoder."""
    rows = load_training_set(RouterSettings().training_dir)
    x = features(name, [r.text for r in rows])
    t0 = time.perf_counter()
    folds = R.assign_folds(rows, n_folds)
    probs, labels = R.cross_val_probs(x, rows, folds)
    scores, explicit = R.held_out_routes(probs, labels, rows)
    gold = [r.route for r in rows]
    gmat, hard = R.gold_matrix(gold), R.is_hard_offtopic(rows)
    pred = np.zeros(len(rows), dtype=np.int64)
    for k in range(n_folds):
        tr, te = folds != k, folds == k
        th, _ = R.tune_thresholds(
            scores[tr], [gold[i] for i in np.where(tr)[0]], explicit[tr], hard_offtopic=hard[tr]
        )
        pred[te] = R.decide(scores[te], th, explicit[te])
    src = np.array(
        ["clinc150_oos" if r.source == "clinc150" and r.intent == "oos" else r.source for r in rows]
    )
    print(
        f"\n== {name}: {x.shape[1]}-d, {len(rows)} rows, folds in {time.perf_counter() - t0:.0f}s"
    )
    print(f"  {'ALL':14s} {_fmt(R.metrics_from_indices(pred, gmat))}")
    for s in SOURCES:
        mask = src == s
        if mask.any():
            print(f"  {s:14s} {_fmt(R.metrics_from_indices(pred[mask], gmat[mask]))}")
    fr = src == "switchboard_fr"
    miss = [(rows[i].text, R.ROUTES[pred[i]]) for i in np.where(fr)[0] if not gmat[i, pred[i]]]
    print(f"  French held-out misses ({len(miss)} of {int(fr.sum())}):")
    for text, route in miss[:40]:
        print(f"    {route:15s} {text}")
    sys.stdout.flush()


def main() -> int:
    """Parse arguments and run each encoder."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("encoders", nargs="+")
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    for name in args.encoders:
        run(name, args.folds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
