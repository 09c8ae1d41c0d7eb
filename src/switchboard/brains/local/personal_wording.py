"""Personal wording: does a line speak of the customer's own affairs, or ask plainly?

Moved out of :mod:`answerability` (which is at the module size limit): the first-person
readings (``_personal``, English and French) and the plain-question test
(``_asks_plainly``) that gate the catalog's override of a handover.
"""

from __future__ import annotations

import re

from switchboard.brains.local.answer_wording import _NEGATION_FR, _PERSONAL
from switchboard.brains.local.english_cues import mask_prospective
from switchboard.brains.local.english_readings import mask_family
from switchboard.brains.local.field_cues import fold

#: The means of asking, not the customer's affairs ("on my phone", "depuis mon téléphone").
_MY_DEVICE = re.compile(
    r"\b(my|mon|ma) (own )?(phone|mobile|smartphone|laptop|computer|tablet|ipad|iphone|"
    r"telephone|téléphone|portable|ordinateur|tablette|watch|smartwatch|montre)\b",
    re.IGNORECASE,
)


#: A customer-to-be speaking of what would follow ("if I open an account online", "si
#: j'ouvre un compte"): their "my card" is the product they would get, not their affairs.
_HYPOTHETICAL = re.compile(
    r"\b(if|once|when|after) (i|we)('ve| have)? (open|opened|apply|applied|sign up|order|join|"
    r"switch|become)\b|\b(after|once|when|before) (opening|signing up|applying|joining)\b|"
    r"\b(si|quand|lorsque|une fois que) (j'ouvre|je souscris|je commande|je deviens|"
    r"on ouvre)\b|\bje (vais|compte|veux|voudrais|souhaite|pense) ouvrir\b|"
    r"\bpour que (mon|ma) (\w+ ){1,2}soit (valid|ouvert|activ|pret)\w*|\b(ma|mon) futur\w*\b|"
    r"\bmy future\b",
    re.IGNORECASE,
)


#: A wish for a product ("I'd like to get a key fob", "I want a debit card"), not one's affairs.
_WISH = re.compile(
    r"\b(i'?d like|i would like|i want|i'?m (looking for|thinking (of|about)|interested in)|"
    r"i am (looking for|thinking (of|about)|interested in))"
    r"( to (get|open|order|know|apply for|have))?(?= (a|an|some|one|the|your)\b)",
    re.IGNORECASE,
)


def _personal(text: str) -> bool:
    """Personal wording (:data:`_PERSONAL`) other than the device the customer would use.

    The device is only the means when nothing is wrong: with a negation ("je n'arrive
    plus à payer avec mon téléphone", "can't use it on my phone") it stays personal.
    French first-person statements ("j'ai payé…", "je l'ai utilisée") are personal;
    asking forms ("puis-je", "je voudrais", "est-ce que je peux") are not.
    """
    folded = fold(text)
    if _HYPOTHETICAL.search(folded) and not _NEGATION_FR.search(folded):
        if not re.search(r"n't\b|\bnot\b|\bcannot\b", text, re.I):
            return False  # "When will my debit card come if I open an account online?"
    if not _ASKS_FR_FIRST.search(folded) and _FIRST_PERSON_FR.search(
        _ASKING_SELF_FR.sub(" ", folded)
    ):
        return True
    if _NEGATION_FR.search(folded) or re.search(r"n't\b|\bnot\b|\bcannot\b", text, re.I):
        return bool(_PERSONAL.search(text))
    text = _RELATIVE_AGE_FR.sub(" ", text)  # "mon fils a 16 ans, il peut…": asked for another
    plain = _MY_DEVICE.sub("the device", _WISH.sub(" ", mask_family(text)))
    return bool(_PERSONAL.search(plain))


#: French: a relative's age given to be answered for it ("ma fille a 17 ans, elle peut…").
_RELATIVE_AGE_FR = re.compile(
    r"\b(mon|ma) (fils|fille|enfant|ado|adolescente?|petit-fils|petite-fille|neveu|niece|"
    r"nièce|frere|frère|soeur|sœur) (a|aura|va avoir) \d+ ans\b",
    re.IGNORECASE,
)
#: French first person, on accent-folded text ("j'ai", "je l'ai", "moi").
_FIRST_PERSON_FR = re.compile(r"(^|\s|[^\w-])(je|j'|moi)(\s|\b)")
#: A French question word first ("En combien de jours je reçois…"): asking, not telling
#: ("pourquoi" excepted: "pourquoi j'ai été débité" is about one's own affairs).
_ASKS_FR_FIRST = re.compile(
    r"^\W*(en )?(combien|comment|quand|quel\w*|ou|est-ce que|a partir|puis-je|peut-on|"
    r"faut-il|y a-t-il|dois-je|avez-vous|proposez-vous)\b"
)
#: French ways of asking that use the first person without speaking of oneself.
_ASKING_SELF_FR = re.compile(
    r"\b(puis-je|dois-je|est-ce que je (peux|peut|dois|doit|pourrais)|"
    r"je (peux|peut|doit|pourrais|dois|voudrais|me permets de|vous demande|"
    r"souhaite|souhaiterais|cherche|veux|vais)|j'aimerais|j'ai besoin|comment (je|puis-je)|"
    r"ai-je|faut-il que je|je m'interesse|je suis interesse\w*|(est-ce que )?j'(y )?ai droit|"
    # A fact about oneself, given to be answered for it ("je suis étudiant, je peux…").
    r"(moi,? )?je suis (un |une )?(etudiant\w*|majeur\w*|mineur\w*|salarie\w*|independant\w*|"
    r"(auto-)?entrepreneur\w*|retraite\w*|francais\w*|resident\w*|nouveau client|"
    r"nouvelle cliente|au smic|au chomage|boursier\w*)|j'ai \d+ ans|j'habite( a| en| dans)?|"
    r"je (pars|vais partir|voyage) (en|au|aux|a|pour) [\w'-]+|je voyage)\b"
)


#: A line shaped as a question ("What's...", "How do I...", "...?"), English or French.
_QUESTION_FORM = re.compile(
    r"^\W*(what|whats|what's|how|hows|is|are|do|does|can|could|which|who|when|where|will|"
    r"would|should|tell me|any|quel\w*|combien|comment|est-ce|y a-t-il|faut-il|puis-je|"
    r"peut-on|pourriez-vous|pouvez-vous|savez-vous|je me permets de vous demander)\b|\?\s*$",
    re.IGNORECASE,
)
#: First person asking how to do something ("how do I", "can I"): not about one's affairs.
_ASKING_SELF = re.compile(
    r"\b(how|can|could|do|would|should|will|shall|may|when|where) (i|we)\b|\bi'?m\b|"
    r"\b(i|we) (need|have) to\b|\bme (permets|dire|donner|preciser|indiquer|expliquer)\b",
    re.IGNORECASE,
)
_FIRST_PERSON_WORDS = re.compile(r"\b(i|i've|i'd|i'll|my|me|mine|we|our|us)\b", re.IGNORECASE)


def _asks_plainly(text: str) -> bool:
    """A question about a product, with no first-person wording beyond "how do I", "can I".

    "How do I avoid the business checking fee?" asks plainly; "do you know how much I
    have in checking" and "take $200 from savings" do not.
    """
    terse = len(text.split()) <= TERSE_WORDS  # "wristband age requirement", "premium card fee"
    if not (_QUESTION_FORM.search(text) or terse) or _personal(text):
        return False
    plain = _ASKING_SELF.sub(" ", mask_family(mask_prospective(text)))  # "after I apply"
    return not _FIRST_PERSON_WORDS.search(plain)


#: A line this short with no verb of its own is a terse query, asked like a question.
TERSE_WORDS = 4
