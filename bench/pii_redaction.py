"""Redaction latency per message: the conversation service's PII pass on every customer turn.

Corpus: 400 real BANKING77 customer queries (CC-BY-4.0, ../shared/data),
200 French lines of our own training set (data/training/fr_FR.jsonl), and
30 PII-laden messages in en_GB, en_US and fr_FR (names, addresses, PINs,
cards...). Three variants run interleaved on the same messages, message by
message, so machine load hits them alike (paired A/B):

* ``regex``: the old checksum pass alone (``audit.redact.redact``);
* ``cues``: regex + our cue recognizers + Presidio's anonymizer (no spaCy);
* ``full``: the shipped redactor (spaCy name pass when a name's shape appears).

Also the cost of sealing and opening one message (AES-256-GCM envelope).

Usage: .venv/bin/python bench/pii_redaction.py [ROUNDS]
Prints p50/p95/p99 in ms per variant and corpus, the share of messages that
ran the spaCy pass, and the load average.
"""

from __future__ import annotations

import csv
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

from switchboard.audit.pii import PiiRedactor
from switchboard.audit.redact import redact
from switchboard.crypto import Envelope, LocalKeyring

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"

PII_LINES = [
    ("en", "Hello, I'm Jo Bloggs of 12 Acacia Avenue, born 03/04/1985."),
    ("en", "My card number is 4111 1111 1111 1111 and my PIN is 7391, the CVV is 739."),
    ("en", "My sort code is 20-00-00 and account number 55779911."),
    ("en", "Email me at jo.bloggs@example.co.uk or phone 07700 900123."),
    ("en", "Hi, my name is Sam Carter, I live at 1600 Pennsylvania Avenue, DOB: March 4, 1985."),
    ("en", "Card 5500 0000 0000 0004, pin 9862, cvv 318."),
    ("en", "Routing number 021000021 and account 000123456789."),
    ("en", "Yesterday I spoke to Sarah Connor about my overdraft"),
    ("en", "My SSN is 123-45-6789 and my NI number is QQ 12 34 56 C"),
    ("en", "I moved from 221B Baker Street to 4 Privet Drive last week"),
    (
        "fr",
        "Bonjour, je m'appelle Marie Dupont, j'habite au 12 rue de la Paix, née le 3 avril 1985.",
    ),
    ("fr", "Ma carte est 4111-1111-1111-1111, mon code secret est 5274 et le cryptogramme 846."),
    ("fr", "Mon code guichet est 12345 et mon numéro de compte est 12345678901."),
    ("fr", "Écrivez-moi à marie.dupont@example.fr ou au 06 12 34 56 78."),
    ("fr", "J'ai parlé avec Jean Martin à l'agence hier"),
]


def corpus() -> dict[str, list[tuple[str, str]]]:
    """The three corpora: English queries, French lines, PII-laden messages."""
    rng = random.Random(13)
    english: list[str] = []
    b77 = SHARED / "banking77" / "train.csv"
    if b77.exists():
        with b77.open() as fh:
            english = [row["text"] for row in csv.DictReader(fh)]
    with (ROOT / "data" / "training" / "switchboard_fr.jsonl").open() as fh:
        french = [json.loads(line)["text"] for line in fh]
    rng.shuffle(english)
    rng.shuffle(french)
    return {
        "banking77 en": [("en", t) for t in english[:400]],
        "ours fr": [("fr", t) for t in french[:200]],
        "pii en+fr": PII_LINES * 2,
    }


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of ``values``, in ms."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] * 1000


def main() -> None:
    """Run the paired benchmark and print one table."""
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    full = PiiRedactor()
    cues = PiiRedactor(nlp=False)
    started = time.perf_counter()
    full.warm()
    cues.warm()
    print(f"spaCy + Presidio warm-up: {time.perf_counter() - started:.1f} s")
    envelope = Envelope(LocalKeyring.generate())
    for name, lines in corpus().items():
        times: dict[str, list[float]] = {"regex": [], "cues": [], "full": [], "seal+open": []}
        nlp_runs = 0
        for _ in range(rounds):
            for lang, text in lines:
                t0 = time.perf_counter()
                redact(text)
                t1 = time.perf_counter()
                cues.redact(text, lang)
                t2 = time.perf_counter()
                result = full.redact(text, lang)
                t3 = time.perf_counter()
                envelope.open_text(envelope.seal_text(result.text, "m|c|t"), "m|c|t")
                t4 = time.perf_counter()
                times["regex"].append(t1 - t0)
                times["cues"].append(t2 - t1)
                times["full"].append(t3 - t2)
                times["seal+open"].append(t4 - t3)
                nlp_runs += result.nlp
        total = len(lines) * rounds
        print(
            f"\n{name}: {len(lines)} messages x {rounds} rounds; "
            f"spaCy pass ran on {100 * nlp_runs / total:.0f}%"
        )
        print(f"  {'variant':<10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
        for variant, values in times.items():
            print(
                f"  {variant:<10} {pct(values, 50):>8.3f} {pct(values, 95):>8.3f} "
                f"{pct(values, 99):>8.3f} {statistics.fmean(values) * 1000:>8.3f}"
            )
    print(f"\nload average (1, 5, 15 min): {os.getloadavg()}")


if __name__ == "__main__":
    main()
