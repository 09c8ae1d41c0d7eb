"""Small talk said with its own words (English and French).

A router reading of thanks, a greeting or a goodbye is kept only when the line uses
one of their words; anything else is off-topic.
"""

from __future__ import annotations

import re

from switchboard.brains.local.field_cues import fold
from switchboard.domain.types import Route
from switchboard.ports import RouteDecision

#: The words a greeting, a thank-you or a goodbye is said with (accent-folded).
_SMALLTALK_WORDS: dict[str, re.Pattern[str]] = {
    "thank_you": re.compile(
        r"\b(thank\w*|thx|ty|cheers|ta|merci|appreciated?|great|perfect|brilliant|awesome|"
        r"lovely|cool|nice|helpful|super|parfait|genial|top|excellent|fantastic|wonderful|"
        r"ok|okay|good|sympa)\b"
    ),
    "greeting": re.compile(
        r"\b(hi|hello|hey|hiya|howdy|yo|morning|afternoon|evening|greetings|bonjour|"
        r"bonsoir|salut|coucou|allo|how are you|ca va)\b"
    ),
    "goodbye": re.compile(
        r"\b(bye|goodbye|see you|later|that'?s all|that is all|au revoir|bonne (journee|soiree)|"
        r"a plus|ciao|done|nothing else|c'est tout|no thanks?|non merci|adieu|a bientot|"
        r"take care|cheerio)\b"
    ),
}


def unworded_smalltalk(base: RouteDecision, text: str) -> RouteDecision:
    """A thank-you, greeting or goodbye with none of its words is off-topic.

    The router's small-talk intents catch lines far from them ("Write me a poem
    about autumn" read as a thank-you at 0.55); a real one uses its words
    (:data:`_SMALLTALK_WORDS`, English and French).
    """
    words = _SMALLTALK_WORDS.get(base.intent)
    if words is None or words.search(fold(text)):
        return base
    return base.model_copy(
        update={"route": Route.OUT_OF_SCOPE, "intent": "oos", "out_of_scope": True}
    )


