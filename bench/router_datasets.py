"""Route figures of a router artifact on the public datasets in ../shared/data.

Classifies BANKING77 ``train.csv`` and CLINC150 (train, val, oos_train, oos_val)
with the artifact in ``--model-dir`` (default: the shipped one) and prints the
acceptance numbers against each dataset's ``route_map.csv``. These rows are the
router's training data, so the numbers are in-sample: a regression check
(before/after), not a generalisation estimate — that is bench/router_eval.py.

Run: .venv/bin/python bench/router_datasets.py [--model-dir DIR] [--shared DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from switchboard.brains.local import router as R
from switchboard.brains.local.training import load_banking77, load_clinc150
from switchboard.config import RouterSettings


def main() -> int:
    """Classify both datasets and print their route metrics."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", type=Path, default=RouterSettings().model_dir)
    ap.add_argument("--shared", type=Path, default=Path("/work/shared/data"))
    args = ap.parse_args()
    router = R.EmbeddingRouter.load(RouterSettings(model_dir=args.model_dir))
    print(f"{args.model_dir}: encoder {router.model.encoder}")
    for name, rows in (
        ("BANKING77 train", load_banking77(args.shared / "banking77")),
        ("CLINC150 all", load_clinc150(args.shared / "clinc150")),
        ("CLINC150 oos", [r for r in load_clinc150(args.shared / "clinc150") if r.intent == "oos"]),
    ):
        t0 = time.perf_counter()
        pred = [d.route.value for d in router.classify_many([r.text for r in rows])]
        m = R.route_metrics(pred, [r.route for r in rows])
        shown = "  ".join(
            f"{k}={float(m[k]):.2%}" for k in R.ACCEPTANCE if int(m["n_" + k.rsplit("_", 1)[0]])
        )
        print(f"  {name:16s} n={len(rows):6d} {shown}  ({time.perf_counter() - t0:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
