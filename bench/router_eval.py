"""Held-out evaluation of the embedded router against the issue's acceptance bar.

Protocol (honest numbers: nothing is scored by a model that saw it):

* every utterance of the shipped training set (data/training) is embedded once;
* 5 folds: NLU++ keeps its own folds (fold N -> N % 5, whole folds held out),
  everything else is split stratified by intent;
* each fold is scored by a classifier trained on the other four folds;
* the decision thresholds used on fold k are tuned on the held-out scores of the
  other folds only, then applied to fold k.

Prints the four acceptance numbers overall and per source (BANKING77 hold-out,
CLINC150 in-scope hold-out, CLINC150 out-of-scope, NLU++ held-out folds, our own
utterances), the handover -> tool-route confusions, a probe of unseen phrasings
written for this bench, and single-utterance latency of the shipped artifact.

Run: .venv/bin/python bench/router_eval.py [--folds 5] [--no-latency]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from switchboard.brains.local import router as R
from switchboard.brains.local.embedder import MiniLmEmbedder
from switchboard.brains.local.training import load_training_set
from switchboard.config import RouterSettings

# Unseen phrasings (our own words, not in the training set): text, acceptable routes.
PROBES: list[tuple[str, str]] = [
    ("hiya, where's your nearest office to Leeds city centre?", "branch"),
    ("is the high street branch open till 5 on saturdays", "branch"),
    ("I'm in Manchester near Piccadilly, any branch close by?", "branch"),
    ("what's the address for your Camden Town branch", "branch"),
    ("do you have a branch I can visit near postcode LS1 4AP", "branch"),
    ("I want to get a savings account going, can I do that on my phone?", "account_opening"),
    ("what paperwork do I need for opening a student account", "account_opening"),
    ("my daughter is 16, can she open an account with you", "account_opening"),
    ("looking to open a business account for my bakery", "account_opening"),
    ("can I set up a joint account with my wife in branch", "account_opening"),
    ("how much is the premium debit card each month", "card_info"),
    ("what's the difference between your debit cards", "card_info"),
    ("does the premium card come with any travel perks", "card_info"),
    ("how do I get a contactless debit card", "card_info"),
    ("how long until a new debit card gets to me", "card_info"),
    ("my card got eaten by the cash machine", "handover"),
    ("there's a payment on my statement I don't recognise", "handover"),
    ("my transfer to my landlord never arrived", "handover"),
    ("my card was nicked on the bus this morning", "handover"),
    ("I ordered a card 3 weeks ago and it still hasn't come", "handover"),
    ("why is my balance wrong", "handover"),
    ("can you put me through to an actual human", "handover"),
    ("I'd really prefer to speak with one of your colleagues", "handover"),
    ("this is hopeless, you keep getting it wrong", "handover"),
    ("I'd like to lodge a complaint about your Leeds branch", "handover"),
    ("I think my account has been hacked", "handover"),
    ("please close my account", "handover"),
    ("what's the weather like in Paris tomorrow", "out_of_scope|smalltalk"),
    ("recommend me a good italian restaurant", "out_of_scope|smalltalk"),
    ("how many miles is it from London to Edinburgh", "out_of_scope|smalltalk"),
    ("write me a haiku about autumn", "out_of_scope|smalltalk"),
    ("who won the world cup in 2018", "out_of_scope|smalltalk"),
    ("what's the best laptop for gaming", "out_of_scope|smalltalk"),
    ("asdf qwerty zxcv", "out_of_scope|smalltalk"),
    ("good morning!", "smalltalk"),
    ("thanks, that's everything", "smalltalk"),
    ("are you a robot?", "smalltalk|out_of_scope"),
    ("I have a personal account with another bank, can I open one with you too", "account_opening"),
    ("is a person under 18 allowed to open a current account", "account_opening"),
    ("someone stole my card", "handover"),
]

SOURCES = ("banking77", "clinc150", "clinc150_oos", "nlupp_banking", "switchboard")


def _source(row: R.Utterance) -> str:
    if row.source == "clinc150" and row.intent == "oos":
        return "clinc150_oos"
    return row.source


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


def embed_cached(embedder: MiniLmEmbedder, texts: list[str]) -> np.ndarray:
    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"switchboard_router_eval_{key}.npy"
    if path.is_file():
        return np.load(path)
    x = embedder.embed(texts, progress=True)
    np.save(path, x)
    return x


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--no-latency", action="store_true")
    args = ap.parse_args()
    settings = RouterSettings()
    rows = load_training_set(settings.training_dir)
    embedder = MiniLmEmbedder()
    t0 = time.perf_counter()
    x = embed_cached(embedder, [r.text for r in rows])
    print(f"{len(rows)} utterances, embedded in {time.perf_counter() - t0:.0f}s")
    folds = R.assign_folds(rows, args.folds)
    probs, labels = R.cross_val_probs(x, rows, folds, progress=True)
    scores, explicit = R.held_out_routes(probs, labels, rows)
    gold = [r.route for r in rows]
    gmat = R.gold_matrix(gold)
    hard = R.is_hard_offtopic(rows)
    pred = np.zeros(len(rows), dtype=np.int64)
    print("\nthresholds tuned on the other folds, applied to the held-out fold:")
    for k in range(args.folds):
        tr, te = folds != k, folds == k
        th, _ = R.tune_thresholds(
            scores[tr], [gold[i] for i in np.where(tr)[0]], explicit[tr], hard_offtopic=hard[tr]
        )
        print(f"  fold {k}: {th}")
        pred[te] = R.decide(scores[te], th, explicit[te])

    src = np.array([_source(r) for r in rows])
    print("\nheld-out acceptance numbers ('!' = misses the bar):")
    print(f"  {'ALL':14s} {_fmt(R.metrics_from_indices(pred, gmat))}")
    external = src != "switchboard"
    print(f"  {'public only':14s} {_fmt(R.metrics_from_indices(pred[external], gmat[external]))}")
    for s in SOURCES:
        mask = src == s
        print(f"  {s:14s} {_fmt(R.metrics_from_indices(pred[mask], gmat[mask]))}")

    handover_only = gmat[:, R._HANDOVER] & (gmat.sum(axis=1) == 1)
    to_tool = handover_only & np.isin(pred, R._TOOL_IDX)
    conf = Counter((rows[i].intent, R.ROUTES[pred[i]]) for i in np.where(to_tool)[0])
    print(f"\nhandover -> tool route errors ({int(to_tool.sum())} of {int(handover_only.sum())}):")
    for (intent, route), n in conf.most_common(15):
        print(f"  {n:4d}  {intent:40s} -> {route}")
    offt = gmat[:, [R._OOS, R._SMALLTALK]].any(axis=1) & ~gmat[:, R._TOOL_IDX].any(axis=1)
    offt &= ~gmat[:, R._HANDOVER]
    leaks = offt & ~np.isin(pred, [R._OOS, R._SMALLTALK])
    conf = Counter((rows[i].intent, R.ROUTES[pred[i]]) for i in np.where(leaks)[0])
    print(f"\noff-topic -> banking route errors ({int(leaks.sum())} of {int(offt.sum())}):")
    for (intent, route), n in conf.most_common(10):
        print(f"  {n:4d}  {intent:40s} -> {route}")

    try:
        router = R.EmbeddingRouter.load(settings, embedder)
    except R.RouterModelError as exc:
        print(f"\nno shipped artifact: {exc}")
        return 0
    print("\nunseen phrasings with the shipped artifact:")
    ok = 0
    for text, want in PROBES:
        d = router.classify(text)
        hit = d.route.value in want.split("|")
        ok += hit
        if not hit:
            print(f"  MISS {text!r}: {d.route.value} ({d.intent}, {d.confidence:.2f}), want {want}")
    print(f"  {ok}/{len(PROBES)} right")
    if not args.no_latency:
        texts = [f"{t} {i}" for i in range(5) for t, _ in PROBES]  # distinct: cache misses
        embedder.clear_cache()
        router.classify("warm up")
        ms = []
        for t in texts:
            t1 = time.perf_counter()
            router.classify(t)
            ms.append((time.perf_counter() - t1) * 1000)
        print(
            f"\nclassify() latency, {len(ms)} uncached utterances: "
            f"p50 {np.percentile(ms, 50):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
