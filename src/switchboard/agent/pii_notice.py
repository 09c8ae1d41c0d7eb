"""The conversation service's PII helpers: the redacting event sink and the customer notice.

* :class:`PiiEvents` wraps the audit sink: a customer's or a human agent's
  event (``user_input``'s ``transcript``, ``agent_reply``'s ``text``) leaves
  with the text the conversation service redacted for that message (memoised:
  not computed twice), so the audit log, the metrics and the supervisor
  board see what the transcript holds.
* :func:`notice_text`: the bot's warning when a customer typed a PIN, a CVV
  or a card number (UK Finance and the FBF, Fédération bancaire française,
  both tell customers a bank never asks for a PIN or a full card number in
  a chat).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from switchboard.domain.types import Event, Locale, Source
from switchboard.ports import EventSink

#: Event data fields that carry a party's own words.
TEXT_FIELDS = ("transcript", "text")

_NOTICES = {
    "en": {
        "PIN": "Please never share your PIN with anyone, including us — I've removed it.",
        "CVV": "Please never share your card's security code — I've removed it.",
        "CARD": "Please don't type your full card number in the chat — I've removed it.",
    },
    "fr": {
        "PIN": "Ne communiquez jamais votre code PIN, même à nous — je l'ai supprimé.",
        "CVV": "Ne communiquez jamais le cryptogramme de votre carte — je l'ai supprimé.",
        "CARD": "N'écrivez pas votre numéro de carte complet ici — je l'ai supprimé.",
    },
}


def notice_text(entities: Iterable[str], locale: Locale) -> str:
    """The warning for the secrets found (PIN first, then CVV, then card number)."""
    messages = _NOTICES["fr" if locale.value.startswith("fr") else "en"]
    found = set(entities)
    parts = [messages[kind] for kind in ("PIN", "CVV", "CARD") if kind in found]
    return parts[0] if len(parts) == 1 else " ".join(parts)


class PiiEvents:
    """An ``EventSink`` that redacts a party's text fields, then hands the event on.

    Args:
        inner: the audit sink (every other attribute is the inner sink's).
        redacted: ``(contact_id, speaker, text) -> redacted text`` (memoised by the service).
    """

    def __init__(self, inner: EventSink, redacted: Callable[[str, Source, str], str]) -> None:
        self.inner = inner
        self._redacted = redacted

    def emit(self, event: Event) -> None:
        """Redact the customer's or human agent's words in ``event.data``; emit it."""
        if event.source in (Source.CUSTOMER, Source.HUMAN_AGENT) and isinstance(event.data, dict):
            changed = {
                k: self._redacted(event.contact_id, event.source, v)
                for k, v in event.data.items()
                if k in TEXT_FIELDS and isinstance(v, str)
            }
            if changed:
                event = event.model_copy(update={"data": {**event.data, **changed}})
        self.inner.emit(event)

    def __getattr__(self, name: str) -> Any:
        """Everything else (flush, subscribe, forget, pending...) is the inner sink's."""
        return getattr(self.inner, name)
