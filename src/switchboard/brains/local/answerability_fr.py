"""French readings of product questions that the French router reads as a person or a problem.

fr_FR only (the English readings live in :mod:`answerability` and :mod:`catalog_router`,
which call these predicates for French contacts only). The French router has few
lines of each kind, so some plain product questions land on a handover intent:
"Parlez-moi du porte-clés sans contact" and "Je peux les joindre à quel numéro ?"
read as a request for a person (0.72, 0.63), "quel découvert ?" in "Quel âge pour un
compte étudiant en ligne et quel découvert ?" as an unrecognised direct debit.
These predicates say when such a reading may be checked against the catalog:
never with a word for a person or a call back, trouble, an incident or the
customer's own affairs (those keep the router's handover, seed 2 triggers 1-4).

Patterns are our own, matched on accent-folded lowercase text (:func:`fold`).
"""

from __future__ import annotations

import re

from switchboard.brains.local.answer_wording import own_account_wording
from switchboard.brains.local.field_cues import fold
from switchboard.brains.local.person_request import asks_for_a_person, reports_an_incident

#: A person, a call back or a meeting: a line with one of these keeps a request-for-a-person
#: reading ("mon conseiller", "quelqu'un", "rappelez-moi", "un rendez-vous").
_PERSON_OR_CONTACT_FR = re.compile(
    r"\b(conse?il+\w*|humains?|quel?qu'? ?un|qqn|personne|agents?|operat(eur|rice)s?|"
    r"responsable|superieur|directeur|directrice|interlocut\w*|service client\w*|"
    r"rappel\w*|recontact\w*|rendez-vous|rdv|joindre (quel|un|une|votre)|parler|discuter|"
    r"robot|bot|machine)\b"
)
#: Trouble, an event or a change of one's own affairs: never read as a product question.
TROUBLE_FR = re.compile(
    r"\b(ne|pas|plus(?! proche)|jamais|"
    r"(marche|fonctionne)(?! (partout|avec|comment|sans|dans tous|a l'etranger|hors))|"
    r"bloque\w*|probleme\w*|souci\w*|erreur\w*|"
    r"debite\w*|preleve\w*|perd\w*|vol\w*|urgen\w*|reclam\w*|plainte|litige|contest\w*|"
    r"decede\w*|deces|fraud\w*|pirat\w*|rembours\w*|annul\w*|resili\w*|clotur\w*|"
    r"fermer|modifier|changer|augmenter|baisser)\b|\bn'"
)
_TROUBLE_FR = TROUBLE_FR
#: Asking for information about something ("parlez-moi du bracelet", "je m'intéresse à la
#: carte virtuelle", "des infos sur le livret"): a product question, not a request for a person.
_ASKS_ABOUT_FR = re.compile(
    r"\b(parle[sz]?-moi|dites-moi|dis-moi|expliquez-moi|explique-moi|presentez-moi|"
    r"renseignez-moi|dites-m'en|dis-m'en|je m'interesse|je suis interesse\w*|"
    r"ca m'interesse|(des |les )?(infos?|informations?|renseignements?|precisions?) "
    r"(sur|concernant|a propos)|je me permets de vous demander|savez-vous si|"
    r"(je (voudrais|souhaiterais|souhaite)|j'aimerais) savoir si|"
    r"(pourriez|pouvez)-vous (me dire|m'indiquer|me preciser))\b"
)
#: First person asking to know, not telling ("je voudrais savoir le prix du porte-clés…").
_WANTS_TO_KNOW_FR = re.compile(
    r"^\W*(je (voudrais|veux|souhaite|souhaiterais|cherche a|aimerais) |j'aimerais )"
    r"(bien )?(savoir|connaitre|comprendre|avoir (des |une |les )?(infos?|informations?|"
    r"renseignements?|idee|precisions?))\b"
)
#: Longest part of a multi-question message read as an ellipsis of the part before it
#: ("… coûte combien ? Et la Premier ?", "… et quel découvert ?").
ELLIPSIS_MAX_WORDS = 5
#: Longest French line a request-for-a-person reading with no person word may be read
#: in the dialogue's context ("Je peux les joindre à quel numéro ?" after a branch answer).
CONTEXT_MAX_WORDS = 12


def names_person_or_contact(text: str) -> bool:
    """True when ``text`` names a person, a call back or a meeting (accent-folded).

    Such a line keeps the router's request-for-a-person reading, whatever else it asks.
    """
    folded = fold(text)
    return asks_for_a_person(text) or bool(_PERSON_OR_CONTACT_FR.search(folded))


def troubled(text: str) -> bool:
    """True for trouble, negation, an incident or own-account wording (French and English)."""
    return (
        bool(_TROUBLE_FR.search(fold(text)))
        or reports_an_incident(text)
        or own_account_wording(text)
    )


def person_reading_without_person(text: str) -> bool:
    """True when a request-for-a-person reading of ``text`` has nothing of a person in it.

    "Parlez-moi du porte-clés sans contact", "Je peux les joindre à quel numéro ?",
    "Allô, j'ai besoin d'un renseignement": no person, call back or meeting named, no
    trouble. The caller still needs the catalog (or the dialogue) to answer it.
    """
    return not names_person_or_contact(text) and not troubled(text)


def asks_about(text: str) -> bool:
    """True for a French request for information about a thing ("parlez-moi du bracelet")."""
    return bool(_ASKS_ABOUT_FR.search(fold(text)))


def wants_to_know(text: str) -> bool:
    """True when a French part opens by asking to know ("je voudrais savoir…").

    Such a part asks a question; it is not a statement to glue to the next part.
    """
    return bool(_WANTS_TO_KNOW_FR.match(fold(text)))


def elliptic_part(text: str) -> bool:
    """True for a short part that leans on the part before it ("la Premier ?", "quel découvert ?").

    At most :data:`ELLIPSIS_MAX_WORDS` words and no trouble; the caller reads it with
    the previous part's route, product and (when it asks none of its own) fields.
    """
    return len(text.split()) <= ELLIPSIS_MAX_WORDS and not troubled(text)


def may_read_in_context(text: str) -> bool:
    """True for a short French line whose handover reading may be checked against the dialogue.

    At most :data:`CONTEXT_MAX_WORDS` words, no person or contact word, no trouble; the
    caller still needs a field cue of the last answer's route.
    """
    return len(text.split()) <= CONTEXT_MAX_WORDS and person_reading_without_person(text)


#: A French statement that sets up the next question ("Je vis à Nantes, …", "Je veux
#: ouvrir un livret, quels papiers ?").
_STATEMENT_FR = re.compile(
    r"^\W*(je suis (à|a|sur|près de|pres de)|je vis|j'habite|je réside|je reside|"
    r"j'ai \d+ ans|je suis (étudiant|etudiant|salarié|salarie)|"
    r"je (veux|voudrais|souhaite|souhaiterais|compte|vais|pense) |j'aimerais |j'ai besoin )",
    re.IGNORECASE,
)


def glue_statements(parts: list[str]) -> list[str]:
    """Join a French statement part to the question after it (one question, not two).

    "Je vis à Nantes, où est votre agence ?" is one question; "Je voudrais savoir le prix
    du porte-clés et où …" asks twice (:func:`wants_to_know`).
    """
    glued: list[str] = []
    pending = ""
    for part in parts:
        if (
            _STATEMENT_FR.match(part)
            and not part.rstrip().endswith("?")
            and not wants_to_know(part)  # "Je voudrais savoir le prix…, et où…": a question
        ):
            pending = f"{pending}{part}, "
            continue
        glued.append(pending + part)
        pending = ""
    if pending:
        glued.append(pending.rstrip(", "))
    return glued
