"""Write the BANKING77 and CLINC150 sets as ``switchboard eval routes`` input.

Every utterance of BANKING77 train and CLINC150 train/val/oos_train/oos_val from
``../shared/data`` (the copies the team has; there is no separate test split
there), with the product's expected route (``brains/local/training.py`` route
maps, overrides included) and its source, one JSON object per line.

Run:
    .venv/bin/python bench/router_sets.py /tmp/route_sets.jsonl [--data ../shared/data] [--every K]
    .venv/bin/switchboard eval routes /tmp/route_sets.jsonl --summary
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from switchboard.evals.routes import route_set_rows

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Write the rows and print how many per source."""
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--every", type=int, default=1, help="keep every k-th row (1: all)")
    args = parser.parse_args()
    rows = route_set_rows(args.data)[:: max(1, args.every)]
    with args.out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} rows -> {args.out}: {dict(Counter(r['source'] for r in rows))}")


if __name__ == "__main__":
    main()
