"""Speech-first replies: the spoken form of an agent reply, and the offer to send the rest.

A chat reply can be a 20-line list; read aloud it runs past a minute. On a
voice channel the caller hears :func:`spoken_reply` instead:

* **the answer in at most two sentences**, taken from the structured tool
  output when the turn used a tool (:func:`from_tool`: documents as "you'll
  need photo ID, proof of address and your National Insurance number", the
  nearest branch's name and address, a card's fee line), else the brain's own
  spoken form (``AgentReply.spoken_text``, validated like the chat text), else
  the chat text with its lists summarised (:func:`from_text`);
* **then an offer to send the full details by text** when something was left
  out (the offer is the second sentence, so the whole form stays ≤ 2
  sentences); :class:`FollowUpOffer` carries the full chat text, and the turn
  stage records it as a follow-up on the contact when the caller says yes
  (:func:`is_yes`);
* **in words a person would say** (:func:`switchboard.speech.say.say`: digits,
  phone numbers, postcodes, times, money), plain text without SSML, which
  Piper and espeak-ng both read well.

A spoken form is kept within :data:`MAX_WORDS` words (about 13 s at a calm
150 words a minute) so it stays under the 15 s the issue sets; the catalog
test measures it with the real TTS. The chat reply is never changed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from switchboard.domain.types import AgentReply, Locale, ToolResult
from switchboard.speech.say import say

__all__ = [
    "MAX_WORDS", "FollowUpOffer", "SpokenReply", "from_text", "from_tool", "is_no", "is_yes",
    "reply_after_offer", "sentences", "spoken_reply",
]

#: Longest spoken form, in words after normalisation (≈ 13 s at 150 words a minute).
MAX_WORDS = 34

_EN = {
    "need": "To open a {account} {channel}, you'll need {items}.",
    "online": "online", "branch": "at a branch", "and": "and",
    "offer_docs": "Shall I text you the full list and the steps?",
    "card": "The {name}: {fees}",
    "offer_card": "Shall I text you its features and how to order it?",
    "nearest": "The nearest branch is {name}, at {address}.",
    "offer_branch": "Shall I text you its opening hours and phone number?",
    "offer": "Shall I text you the full details?",
    "sent": (
        "I'll text you the full details after this call. "
        "Is there anything else I can help with?"
    ),
    "declined": "No problem. Is there anything else I can help with?",
}
_FR = {
    "need": "Pour ouvrir un {account} {channel}, il vous faudra : {items}.",
    "online": "en ligne", "branch": "en agence", "and": "et",
    "offer_docs": "Voulez-vous que je vous envoie la liste complète et les étapes par SMS ?",
    "card": "{name} : {fees}",
    "offer_card": "Voulez-vous recevoir ses avantages et comment la commander par SMS ?",
    "nearest": "L'agence la plus proche est {name}, {address}.",
    "offer_branch": "Voulez-vous recevoir ses horaires et son numéro par SMS ?",
    "offer": "Voulez-vous que je vous envoie tous les détails par SMS ?",
    "sent": (
        "Je vous envoie tous les détails par SMS après l'appel. "
        "Puis-je vous aider pour autre chose ?"
    ),
    "declined": "Très bien. Puis-je vous aider pour autre chose ?",
}
_ACCOUNTS = {
    Locale.EN_GB: {"checking": "current account", "savings": "savings account",
                   "business": "business current account", "student": "student account"},
    Locale.EN_US: {"checking": "checking account", "savings": "savings account",
                   "business": "business checking account",
                   "student": "student checking account"},
    Locale.FR_FR: {"checking": "compte courant", "savings": "livret d'épargne",
                   "business": "compte professionnel", "student": "compte étudiant"},
}
_YES = {
    "en": re.compile(
        r"^(yes|yeah|yep|yup|sure|ok|okay|please|go ahead|that would be (great|good|lovely)"
        r"|sounds good|why not|of course|definitely|absolutely)\b", re.I),
    "fr": re.compile(r"^(oui|ouais|d'accord|ok|okay|volontiers|avec plaisir|bien sûr"
                     r"|je veux bien|s'il vous pla[iî]t)\b", re.I),
}
_NO = {
    "en": re.compile(r"^(no|nope|nah|no thanks?|not now|i'?m fine|that's fine|don't)\b", re.I),
    "fr": re.compile(r"^(non|pas besoin|non merci|ça ira|ce n'est pas la peine)\b", re.I),
}


@dataclass(frozen=True)
class FollowUpOffer:
    """What the caller was offered to receive after the call.

    Attributes:
        topic: what the details are about (``account_opening``, ``debit_card``,
            ``branch``, ``details``).
        details: the full chat text of the reply (tool data, no customer PII).
        channel: how it is sent (``sms``: to the number the call came from).
    """

    topic: str
    details: str
    channel: str = "sms"


@dataclass(frozen=True)
class SpokenReply:
    """A reply as the caller hears it.

    Attributes:
        text: plain words, at most two sentences and :data:`MAX_WORDS` words.
        offer: the follow-up offered in ``text`` (None when nothing was left out).
    """

    text: str
    offer: FollowUpOffer | None = None


def _t(locale: Locale) -> dict[str, str]:
    return _FR if locale is Locale.FR_FR else _EN


def _lang(locale: Locale) -> str:
    return "fr" if locale is Locale.FR_FR else "en"


_SENTENCE = re.compile(r"(?<=[.!?…])[\"')\]]*\s+(?=[A-ZÀ-Ý0-9\"'(£$€])")


def sentences(text: str) -> list[str]:
    """Split text into sentences (end punctuation then a capital, digit or quote).

    The same rule as the TTS sentence splitter (:func:`switchboard.speech.tts.split_sentences`)
    without its first-chunk cut; newlines also end a sentence.
    """
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip().lstrip("-•* ").strip()
        if line:
            out.extend(p.strip() for p in _SENTENCE.split(line) if p.strip())
    return out


#: Words that start the qualifying tail of a list item ("... dated within", "... de moins de").
_TAIL = re.compile(
    r"\s(?:dated|for every|filed|where|if|from|with|in your|de moins de|en cours de|du |de la "
    r"|de chaque|certifiés|ou |or )", re.I,
)


def _head(item: str) -> str:
    """The head of a list item ("Valid photo ID: passport or…" → "valid photo ID").

    Cut at the first colon, bracket, semicolon or comma, then (when still over
    four words) before its qualifying tail ("dated within the last 3 months").
    """
    head = re.split(r"\s*[:(;]|,| – | - ", item, maxsplit=1)[0].strip().rstrip(".")
    if len(head.split()) > 4:
        head = _TAIL.split(head, maxsplit=1)[0].strip()
    words = head.split()
    if len(words) > 1 and words[0][1:].islower() and not words[1][:1].isupper():
        words[0] = words[0].lower()
    elif len(words) == 1 and words[0][1:].islower():
        words[0] = words[0].lower()
    return " ".join(words)


def _join(items: Sequence[str], locale: Locale) -> str:
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {_t(locale)['and']} {items[-1]}"


def _first(text: str) -> str:
    """The first sentence of ``text`` (its first clause when that sentence is long)."""
    first = (sentences(text) or [""])[0]
    if len(first.split()) > 22:
        first = re.split(r"\s*[;:]\s+", first, maxsplit=1)[0].rstrip(".") + "."
    return first if first.endswith((".", "!", "?")) else first + "."


def from_tool(result: ToolResult, locale: Locale, details: str = "") -> SpokenReply | None:
    """The spoken answer of one structured tool output (seed 2 tool shapes), or None.

    Args:
        result: a tool result; errors and unknown tools give None.
        locale: the reply's locale.
        details: the chat text to offer by text message (the full answer).

    Returns:
        One answer sentence and the offer (account opening: the first three
        documents; debit card: the first sentence of its fees; branch search:
        the nearest branch and its address), in spoken words.
    """
    if not result.ok or result.output is None:
        return None
    out: dict[str, Any] = result.output
    t = _t(locale)
    if result.name in ("get_branch_account_opening_info", "get_digital_account_opening_info"):
        docs = [_head(str(d)) for d in out.get("documents_required") or []]
        if not docs:
            return None
        account = _ACCOUNTS[locale].get(str(out.get("account_type")), "")
        channel = t["online"] if out.get("channel") == "digital" else t["branch"]
        budget = MAX_WORDS - len(say(t["offer_docs"], locale).split())
        for n in (3, 2, 1):  # as many documents as fit the spoken budget
            items = _join(docs[:n], locale)
            answer = t["need"].format(account=account, channel=channel, items=items)
            if len(say(answer, locale).split()) <= budget:
                break
        return _finish(answer, t["offer_docs"], FollowUpOffer("account_opening", details), locale)
    if result.name == "get_debit_card_info":
        card = out.get("card_details") or {}
        fees = _first(str(card.get("fees") or ""))
        answer = t["card"].format(name=str(card.get("name", "")), fees=fees)
        return _finish(answer, t["offer_card"], FollowUpOffer("debit_card", details), locale)
    if result.name == "find_nearest_branch":
        branches = out.get("branches") or []
        if not branches:
            return None
        first = branches[0]
        answer = t["nearest"].format(name=first.get("name", ""), address=first.get("address", ""))
        return _finish(answer, t["offer_branch"], FollowUpOffer("branch", details), locale)
    return None


def from_text(text: str, locale: Locale, *, offer: bool = True) -> SpokenReply:
    """The spoken form of a written reply (no structured answer to use).

    A bulleted list becomes "a, b and c" (its first three heads); the answer is
    the first sentence (two when nothing is left out); the offer follows when
    something was left out and ``offer`` is True.
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    bullets = [ln.lstrip("-•* ").strip() for ln in lines if ln[:1] in "-•*"]
    prose = [ln for ln in lines if ln[:1] not in "-•*"]
    said = sentences(" ".join(prose)) if prose else []
    if bullets:
        intro = (said[0].rstrip(":").rstrip() if said else "")
        heads = _join([_head(b) for b in bullets[:3]], locale)
        answer = f"{intro} {heads}." if intro else heads[:1].upper() + heads[1:] + "."
        left_out = True
    else:
        left_out = len(said) > 2
        answer = " ".join(said[:2])
    if not offer:
        return _finish(answer, "", None, locale, may_offer=False)
    follow = FollowUpOffer("details", text) if left_out else None
    return _finish(answer, _t(locale)["offer"] if left_out else "", follow, locale)


def _finish(
    answer: str,
    offer_text: str,
    offer: FollowUpOffer | None,
    locale: Locale,
    *,
    may_offer: bool = True,
) -> SpokenReply:
    """Say-as the answer, keep it within the sentence and word budgets, append the offer."""
    spoken = sentences(say(answer, locale))
    if may_offer and not offer_text and len(spoken) > 2:
        # More than two sentences and no offer planned: offer the full text.
        offer_text = _t(locale)["offer"]
        offer = FollowUpOffer("details", answer)
    budget = 1 if offer_text else 2
    words_left = MAX_WORDS - len(say(offer_text, locale).split())
    kept: list[str] = []
    for sentence in spoken[:budget]:
        if kept and len(" ".join([*kept, sentence]).split()) > words_left:
            break
        kept.append(sentence)
    if not kept and spoken:
        kept = [spoken[0]]
    text = " ".join(kept)
    if len(text.split()) > words_left:
        text = _shorten(text, words_left)
    if offer_text:
        text = f"{text} {say(offer_text, locale)}"
    return SpokenReply(text.strip(), offer if offer_text else None)


def _shorten(sentence: str, max_words: int) -> str:
    """Cut a long sentence at its last clause boundary within ``max_words`` words."""
    words = sentence.split()
    head = " ".join(words[:max_words])
    cut = max(head.rfind(", "), head.rfind("; "), head.rfind(" : "))
    if cut > len(head) // 3:
        head = head[:cut]
    return head.rstrip(",;: ") + "."


def spoken_reply(reply: AgentReply, locale: Locale) -> SpokenReply:
    """The spoken form of ``reply`` for a voice channel (the chat ``text`` is unchanged).

    Order of preference: the brain's own spoken form (``reply.spoken_text``,
    validated like the chat text; its own "shall I text you" question becomes
    the offer); else the structured answer of the turn's single successful
    tool call (:func:`from_tool`); else the chat text (:func:`from_text`). A
    handover reply is said without an offer (the caller is being transferred).
    """
    if reply.handover is not None:
        return from_text(reply.text, locale, offer=False)
    if reply.spoken_text:
        return _from_brain(reply.spoken_text, reply, locale)
    ok = [r for r in reply.tools if r.ok]
    if len(ok) == 1:
        found = from_tool(ok[0], locale, reply.text)
        if found is not None:
            return found
    return from_text(reply.text, locale)


_TEXTING = re.compile(r"\b(text|texting|SMS|e-?mail)\b", re.I)


def _from_brain(spoken: str, reply: AgentReply, locale: Locale) -> SpokenReply:
    parts = sentences(spoken)
    asks = [p for p in parts if p.endswith("?") and _TEXTING.search(p)]
    answer = " ".join(p for p in parts if p not in asks)
    topic = reply.route.value if reply.route else "details"
    if asks:
        return _finish(answer, asks[-1], FollowUpOffer(topic, reply.text), locale)
    left_out = len(sentences(reply.text)) > len(parts) + 1 or "\n-" in reply.text
    if left_out:
        return _finish(answer, _t(locale)["offer"], FollowUpOffer(topic, reply.text), locale)
    return _finish(answer, "", None, locale)


#: Longest answer to an offer taken as only that (longer ones carry a new question).
_ANSWER_WORDS = 6


def is_yes(text: str, locale: Locale) -> bool:
    """True when a short transcript accepts an offer ("yes please", "sure", "oui, volontiers").

    A longer one ("yes, and where is the Leeds branch?") is not: it goes to the
    agent as a turn, so the question in it is never dropped.
    """
    cleaned = _clean(text)
    return (
        len(cleaned.split()) <= _ANSWER_WORDS
        and bool(_YES[_lang(locale)].match(cleaned))
        and not is_no(text, locale)
    )


def is_no(text: str, locale: Locale) -> bool:
    """True when a short transcript declines an offer ("no thanks", "non merci")."""
    cleaned = _clean(text)
    return len(cleaned.split()) <= _ANSWER_WORDS and bool(_NO[_lang(locale)].match(cleaned))


def _clean(text: str) -> str:
    return re.sub(r"^[\s,.!?]*(?:um+|uh+|er+|euh|ah)?[\s,.!?]*", "", text.strip().lower())


def reply_after_offer(accepted: bool, locale: Locale) -> str:
    """What the agent says after the caller accepts or declines an offer (plain words)."""
    return _t(locale)["sent" if accepted else "declined"]
