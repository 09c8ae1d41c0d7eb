"""The routing engine over a simulated day: EWT error, waits, losses, wall time.

1,000 contacts, 20 agents on staggered shifts, log-normal handle times, a
seeded RNG and a simulated clock (see ``switchboard.routing.simulation``),
with a restart of the engine after the 500th arrival. Runs on a fresh
SQLite file and, when reachable, on PostgreSQL (SWITCHBOARD_TEST_POSTGRES_URL
or postgresql+psycopg://postgres@127.0.0.1:5432/test) in a throw-away schema.

Usage: .venv/bin/python bench/routing_day.py [--seed N] [--contacts N] [--agents N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import uuid
from pathlib import Path

from switchboard.routing.simulation import DayResult, simulate_day


def show(result: DayResult) -> None:
    """Print one day's figures."""
    print(f"backend {result.backend}: {result.contacts} contacts, wall {result.wall_s} s")
    print(
        f"  completed {result.completed}, lost {len(result.lost)}, "
        f"duplicated {len(result.duplicated)}, restarts {result.restarts}"
    )
    print(
        f"  priority violations {result.priority_violations}, "
        f"FIFO violations {result.fifo_violations}"
    )
    print(
        f"  callbacks booked {result.callbacks_booked}, "
        f"dialled back and completed {result.callbacks_completed}"
    )
    print(
        f"  waits: mean {result.mean_wait_s} s, p95 {result.p95_wait_s} s, "
        f"max waiting at once {result.max_waiting}"
    )
    print(
        f"  EWT MAE {result.ewt_mae_s} s over {result.ewt_samples} contacts "
        f"(bias {result.ewt_bias_s:+} s; per queue {result.per_queue_mae_s}); "
        f"naive position x AHT / staffed MAE {result.naive_mae_s} s"
    )


def main() -> None:
    """Run the day on SQLite, then on PostgreSQL when reachable."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'routing.db'}"
        show(simulate_day(url, contacts=args.contacts, agents=args.agents, seed=args.seed))
    pg = os.environ.get(
        "SWITCHBOARD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    schema = f"sbbench_{uuid.uuid4().hex[:10]}"
    try:
        from sqlalchemy import create_engine, text

        probe = create_engine(pg)
        with probe.connect():
            pass
    except Exception as exc:
        print(f"PostgreSQL skipped: {type(exc).__name__}")
        return
    try:
        show(
            simulate_day(
                pg, schema=schema, contacts=args.contacts, agents=args.agents, seed=args.seed
            )
        )
    finally:
        with probe.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        probe.dispose()


if __name__ == "__main__":
    main()
