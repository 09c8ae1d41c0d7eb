"""Router decisions in a dialogue, for tests of the embedded brain's follow-ups."""

from __future__ import annotations

from typing import Any


def decide_after(router: Any, first: str, text: str, locale: str) -> Any:
    """The router's decision for ``text`` in the dialogue left by ``first`` (one turn).

    Args:
        router: a :class:`~switchboard.brains.local.catalog_router.CatalogRouter` (or
            any object with ``classify_in_context(text, context)``).
        first: the customer's earlier line; its decision becomes the dialogue state
            (``route``, ``slots``, ``fields``) the brain keeps between turns.
        text: the line to decide.
        locale: ``en_GB``, ``en_US`` or ``fr_FR``.

    Returns:
        The ``RouteDecision`` for ``text``.
    """
    d0 = router.classify_in_context(first, {"locale": locale})
    dialogue = {"route": d0.route.value, "slots": d0.entities, "fields": d0.fields}
    return router.classify_in_context(text, {"locale": locale, "dialogue": dialogue})
