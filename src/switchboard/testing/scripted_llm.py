"""A scripted "LLM" for :class:`~switchboard.testing.chat_server.ChatServer`: a bank agent.

:class:`BankerScript` reads a chat-completions request the way a model would —
the system prompt, the whole dialogue, the offered ``tools`` and this turn's
``tool`` messages — and plays seed 2 "Conversation Flow Examples", Example 1
(account type → branch or online → the opening tool → a reply from its
output). Its replies are written from the tool output the request carries
(:func:`~switchboard.testing.lying_brain.compose_reply`), optionally with one
configured lie; when the system prompt carries the validation agent's stricter
instruction (a regeneration) it tells the truth unless ``persistent``.

It only calls tools the request offers, and only knows an account type the
customer said somewhere in the dialogue, so a brain that drops history or
tools fails the conversation.
"""

from __future__ import annotations

import json
import re
from typing import Any

from switchboard.domain.types import Locale
from switchboard.testing.chat_server import Call, Reply, Say
from switchboard.testing.lying_brain import LIES, compose_reply
from switchboard.validation import STRICT_INSTRUCTION

_ACCOUNT = re.compile(r"\b(checking|current|savings|business|student)\b", re.IGNORECASE)

#: Seed 2 Example 1, first and second agent lines (as the seed writes them).
ASK_TYPE = (
    "I'd be happy to help you with that! We have a few different account types available. "
    "Are you looking for a checking account for everyday banking, a savings account, or "
    "perhaps something else?"
)
ASK_CHANNEL = (
    "Great choice! You can open a {account} account either by visiting one of our branches or "
    "online through our website or mobile app. Which would be more convenient for you?"
)
SPECIALIST = (
    "I'd be happy to connect you with one of our specialists who can better assist you with "
    "this. One moment please."
)


class BankerScript:
    """Answer chat-completions requests like a tool-using bank agent.

    Args:
        lie: one of :data:`~switchboard.testing.lying_brain.LIES`, told in replies
            written from tool output.
        persistent: keep lying on a strict regeneration.
        locale: the locale replies are written in.

    Attributes:
        strict_requests: how many requests carried the stricter instruction.

    Raises:
        ValueError: for an unknown lie.
    """

    def __init__(
        self, lie: str = "honest", *, persistent: bool = False, locale: Locale = Locale.EN_GB
    ) -> None:
        if lie not in LIES:
            raise ValueError(f"unknown lie {lie!r}")
        self.lie = lie
        self.persistent = persistent
        self.locale = locale
        self.strict_requests = 0

    def __call__(self, body: dict[str, Any]) -> Reply:
        """Return the reply to one request body."""
        messages: list[dict[str, Any]] = body["messages"]
        system = " ".join(m["content"] for m in messages if m["role"] == "system")
        strict = STRICT_INSTRUCTION in system
        self.strict_requests += strict
        offered = {t["function"]["name"] for t in body.get("tools") or []}
        last_user = max(i for i, m in enumerate(messages) if m["role"] == "user")
        after = messages[last_user + 1 :]
        results = [m for m in after if m["role"] == "tool"]
        if results:
            return self._from_results(after, results, strict)
        text = str(messages[last_user]["content"])
        said = " ".join(str(m["content"]) for m in messages if m["role"] == "user")
        here, anywhere = _ACCOUNT.search(text), _ACCOUNT.search(said)
        channel = re.search(r"\b(online|branch|in person|app)\b", text, re.IGNORECASE)
        if channel and anywhere:
            tool = (
                "get_branch_account_opening_info"
                if channel.group(1).lower() in ("branch", "in person")
                else "get_digital_account_opening_info"
            )
            if tool in offered:
                account = anywhere.group(1).lower().replace("current", "checking")
                return Call(tool, {"account_type": account})
        if here:
            return Say(ASK_CHANNEL.format(account=here.group(1).lower()))
        if re.search(r"\bopen\b.*\baccount\b", text, re.IGNORECASE):
            return Say(ASK_TYPE)
        return Say(SPECIALIST)

    def _from_results(
        self, after: list[dict[str, Any]], results: list[dict[str, Any]], strict: bool
    ) -> Reply:
        names = {
            c["id"]: c["function"]["name"]
            for m in after
            if m["role"] == "assistant"
            for c in m.get("tool_calls") or []
        }
        last = results[-1]
        output = json.loads(last["content"])
        if "error" in output:
            return Say(SPECIALIST)
        lie = self.lie if (self.persistent or not strict) else "honest"
        return Say(compose_reply(names[last["tool_call_id"]], output, self.locale, lie))
