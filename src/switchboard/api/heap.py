"""The server process's garbage collector: freeze what startup built, collect young less often.

CPython's cyclic garbage collector stops every thread while it runs. A full
(generation 2) collection walks every container object the collector tracks,
and a replica tracks about 970,000 once it has started: the router's training
data and vocabularies, the PII recognisers' models, the city gazetteer, the
catalog, the SQLAlchemy and pydantic machinery. Under the 500-customer load of
``bench/cluster_load.py`` each replica ran such a collection every minute or so
and each took 300-630 ms (2026-12-05, a ``gc.callbacks`` probe): every turn in
flight on that replica waited, and the bench's p99 spikes followed.

Two standard remedies, applied once startup is over:

1. ``gc.freeze()`` (Python 3.7+, https://docs.python.org/3/library/gc.html#gc.freeze)
   moves every object tracked at that moment into a permanent generation that
   no collection walks again. Only startup's objects, which live as long as the
   process, are exempt; what the turns create later is collected as before.
   Frozen alone, full collections came every ~10 s at 40-180 ms: the young
   generation's default threshold (700 allocations) promotes a turn's
   short-lived objects, which then count towards the next full collection.
2. A young-generation threshold of 10,000 (``gc.set_threshold``): most of a
   turn's objects are freed by reference counting before a collection sees
   them, so few are promoted. Same bench after both: no full collection of a
   replica in the 3-minute window, 2 seconds with > 50 ms event-loop lag
   (against one a minute of 300-630 ms), p99 of messages after a customer's
   third 747 → 248 ms, replica CPU per turn 23.5 → 21.7 ms.

``Settings.gc_freeze`` and ``Settings.gc_young_threshold`` control them.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)

#: Young-generation threshold once tuned (CPython's default is 700); the older
#: generations' thresholds (20, 10) are the ones the bench above ran with.
YOUNG_THRESHOLD = 10_000
OLDER_THRESHOLDS = (20, 10)


def freeze_startup_heap(young_threshold: int | None = YOUNG_THRESHOLD) -> int:
    """Collect once, move every tracked object to the permanent generation, tune thresholds.

    Call it once per process, when startup has built everything long-lived and
    before traffic arrives (objects frozen are never collected, so freezing
    later would keep a turn's garbage cycles alive for ever).

    Args:
        young_threshold: allocations (minus deallocations) between two young
            collections, with :data:`OLDER_THRESHOLDS` for the older ones; None
            leaves the thresholds as they are.

    Returns:
        How many objects are frozen (``gc.get_freeze_count()``).

    Raises:
        ValueError: ``young_threshold`` below 1.
    """
    if young_threshold is not None and young_threshold < 1:
        raise ValueError(f"young_threshold must be at least 1, not {young_threshold}")
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    if young_threshold is not None:
        gc.set_threshold(young_threshold, *OLDER_THRESHOLDS)
    frozen = gc.get_freeze_count()
    log.info(
        "froze %d startup objects out of the garbage collector's walks, thresholds %s (%.0f ms)",
        frozen, gc.get_threshold(), (time.perf_counter() - started) * 1000,
    )  # fmt: skip
    return frozen
