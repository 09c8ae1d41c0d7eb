"""When a caller's words already make a complete turn (early endpointing).

Whisper punctuates: a transcript of a finished question or statement ends
with ``?``, ``.`` or ``!``. A turn cut mid-sentence usually ends without one,
or with a word that cannot end an English sentence (an article, a
preposition, a conjunction, a filler). The session closes a turn after
``early_silence_ms`` instead of ``silence_ms`` when the speculative
transcript passes :func:`looks_complete` (measured on the pauses inside
utterances by ``bench/endpoint_silence.py``).
"""

from __future__ import annotations

import re

#: Words after which an English sentence goes on.
_CONTINUES = frozenset(
    """a an the my your our their his her its this that these those
    and or but so because if when while whereas although though
    to of for with from in on at by about into onto near than as like
    is are was were be been am do does did have has had can could will would
    should may might must shall i we you he she they it
    um uh er erm hmm well""".split()
)
_WORD = re.compile(r"[a-z']+")


def looks_complete(text: str) -> bool:
    """True when ``text`` reads as a finished sentence.

    That is: end punctuation, at least 2 words, and a last word that does not
    need a continuation.
    """
    stripped = text.strip()
    if not stripped or stripped[-1] not in ".?!":
        return False
    words = _WORD.findall(stripped.lower())
    if len(words) < 2:
        return False
    return words[-1] not in _CONTINUES and not stripped.endswith("...")
