"""Reading a caller's transcript for turn-taking: complete, unclear, and the last question.

* :func:`looks_complete`: the words already make a complete turn (early endpointing);
* :func:`unclear`: the transcript is too unsure or too fragmentary to act on
  (the call asks the caller to repeat instead);
* :func:`last_question`: the question a reply ended on (repeated after a silence).

Early endpointing:

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


#: Reasons :func:`unclear` gives.
LOW_CONFIDENCE = "low_confidence"
FRAGMENT = "fragment"
CLIPPED = "clipped"
#: A transcript of 2+ words whose audio Whisper finds this likely to be non-speech
#: *and* whose mean word probability is below ``_CLIPPED_CONFIDENCE`` is a piece of a
#: sentence (see :func:`unclear`).
_CLIPPED_NO_SPEECH = 0.35
_CLIPPED_CONFIDENCE = 0.8


def unclear(
    text: str, confidence: float | None, no_speech_prob: float, min_confidence: float
) -> str | None:
    """Why a final transcript should not be acted on, or None when it is fine.

    Measured with faster-whisper tiny.en on the ten banking questions of
    ``bench/voice_socket.py`` and four short answers, Piper-voiced (whole lines,
    the middle 40 % and the last 45 % of each, cut mid-word) and espeak-ng-voiced:
    whole Piper lines scored a mean word probability of 0.78-0.96 with a
    no-speech probability ≤ 0.11; short answers 0.54-0.84 ("Yes": 0.54, no-speech
    0.53); middle pieces 0.47-0.91 with no-speech 0.12-0.61. Whisper's own
    "this was silence" rule likewise joins the two numbers (no-speech > 0.6
    and mean log-probability < -1).

    Args:
        text: the final transcript (non-empty).
        confidence: the recogniser's mean word probability (0..1), None when unknown.
        no_speech_prob: the recogniser's probability that the audio held no speech.
        min_confidence: below this the transcript is :data:`LOW_CONFIDENCE`.

    Returns:
        :data:`FRAGMENT` (no word that carries meaning: only articles, pronouns,
        prepositions, conjunctions, auxiliaries or fillers, e.g. "their", "and the",
        "um"); :data:`LOW_CONFIDENCE`; :data:`CLIPPED` (2+ words, no-speech ≥ 0.35
        and confidence < 0.8: 9 of the 11 middle pieces, none of the whole lines);
        or None. A short answer with a content word ("yes", "Manchester") is fine
        unless its confidence is below ``min_confidence``.
    """
    words = _WORD.findall(text.lower())
    if not words or all(w in _CONTINUES for w in words):
        return FRAGMENT
    if confidence is None:
        return None
    if confidence < min_confidence:
        return LOW_CONFIDENCE
    doubtful = no_speech_prob >= _CLIPPED_NO_SPEECH and confidence < _CLIPPED_CONFIDENCE
    if len(words) >= 2 and doubtful:
        return CLIPPED
    return None


_SENTENCE = re.compile(r"[^.?!]+[.?!]*")


def last_question(text: str) -> str | None:
    """The last sentence of ``text`` that is a question (ends with ``?``), or None."""
    questions = [m.group(0).strip() for m in _SENTENCE.finditer(text)]
    asked = [q for q in questions if q.endswith("?")]
    return asked[-1] if asked else None
