"""Dialogue-state helpers shared by the turn loop and the embedded brain.

The dialogue state lives in ``Contact.state["dialogue"]``; its ``pending``
entry names the slot the agent just asked for and the route it belongs to
(``{"slot": "account_type", "route": "account_opening"}``).
"""

from __future__ import annotations

from typing import Any

from switchboard.domain.types import Route
from switchboard.nlu.slots import Slots

#: Which tool route each slot belongs to (seed 2 tool arguments).
SLOT_ROUTE = {
    "account_type": Route.ACCOUNT_OPENING,
    "channel": Route.ACCOUNT_OPENING,
    "card_type": Route.CARD_INFO,
    "location": Route.BRANCH,
}


def fills_pending(slots: Slots, pending: dict[str, Any] | None) -> bool:
    """Return True when ``slots`` answers the pending question (or another slot of its route)."""
    if not pending:
        return False
    route = pending.get("route")
    return any(
        getattr(slots, slot) is not None
        for slot, slot_route in SLOT_ROUTE.items()
        if slot_route.value == route
    )


