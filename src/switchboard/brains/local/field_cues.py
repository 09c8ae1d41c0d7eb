"""Field cues: which catalog field a question asks for, by its words (English and French).

Per tool route, the fields in priority order (branch: phone, address, hours; accounts:
minimum deposit, overdraft, documents, requirements, timing, monthly fee, steps,
benefits; cards: eligibility, delivery, activation, ordering, fees, a feature line),
each with the cue words that ask for it. French cues are matched on accent-folded
text (:func:`fold`) and read with the English ones, in the English priority order.
Used by :mod:`answerability` (what one question asks) and :mod:`catalog_router`.
"""

from __future__ import annotations

import re
import unicodedata

from switchboard.brains.local.english_readings import abroad_use, replacement_asked
from switchboard.domain.types import Route


def fold(text: str) -> str:
    """Lower-case, strip accents and straighten apostrophes (for cue matching)."""
    norm = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(ch for ch in norm if not unicodedata.combining(ch))


#: Paying for a card over time ("a one-off payment or monthly?", "avoid paying every month").
_PAY_WORDS = (
    r"one[- ]off|one[- ]time|monthly|every month|per month|a month|upfront|"
    r"avoid paying|pay for it|paying for it"
)

#: Field cues, in priority order per route: (route, field, pattern).
FIELD_CUES: tuple[tuple[Route | None, str, re.Pattern[str]], ...] = (
    (Route.BRANCH, "phone", re.compile(r"\b(phone|number|call|ring|téléphone)\b", re.I)),
    (Route.BRANCH, "address", re.compile(r"\b(address|adresse|where exactly)\b", re.I)),
    (
        Route.BRANCH,
        "hours",
        re.compile(
            # "open an account" is no opening hours
            r"\b(open(?!\s+(an?|my|new|up|your)\s)|opens|opening(?!\s+(an?|my|new|your)\s)|"
            r"close|closes|closing|hours|what time|late|"
            r"horaires?|ouvert\w*|ferm\w*)\b",
            re.I,
        ),
    ),
    (
        Route.BRANCH,
        "services",
        re.compile(
            r"\b(services?|business banking|specialists?|do they (do|offer|handle)|"
            r"(able to|can they|do they|can you) open (an |new )?accounts?)\b",
            re.I,
        ),
    ),
    (
        Route.ACCOUNT_OPENING,
        "min_deposit",
        re.compile(
            r"\b(minimum|deposit|smallest|how much (money )?(do (i|you) need|is needed|"
            r"to (open|start))|put in to (open|start))\b",
            re.I,
        ),
    ),
    (Route.ACCOUNT_OPENING, "overdraft", re.compile(r"\boverdraft\b", re.I)),
    (
        Route.ACCOUNT_OPENING,
        "documents_required",
        re.compile(
            r"\b(documents?|docs|id|identification|bring|paperwork|proof|what do i need|"
            r"what (does|do|would) [\w ]{1,30}? need|need to (bring|provide|show)|"
            r"national insurance|"
            r"take (\w+ )?(with|along)|have with me|"
            r"social security|ssn|itin|ein|passport|licen[cs]e)\b",
            re.I,
        ),
    ),
    (
        Route.ACCOUNT_OPENING,
        "requirements",
        re.compile(
            r"\b(how old|age|aged|old enough|eligib\w*|qualif\w*|resident|smartphone|"
            r"requirements?|who can|\d+[ -]?years?[ -]old|year olds?|under \d+|over \d+|"
            r"i'?m \d+|i am \d+|need to be|have to be|must i be|at (1[3-9]|[2-9]\d)(?![:.]\d)|"
            # "can I open a business account if I'm an LLC": a condition of eligibility
            r"(open|get|apply for)\b.{0,40}\bif (i'?m|i am|my|we'?re|we are|i have|we have|"
            r"i'?ve|i don'?t|i do not))\b",
            re.I,
        ),
    ),
    (
        Route.ACCOUNT_OPENING,
        "processing_time",
        re.compile(
            r"\b(how long|how quickly|how fast|how soon|when can i|when will|when does|"
            r"when do (i|we)|when would|take|arriv\w*|hear back|find out (if|whether)|decision|"
            r"approv\w*)\b",
            re.I,
        ),
    ),
    (
        Route.ACCOUNT_OPENING,
        "monthly_fee",
        re.compile(r"\b(fees?|cost|charge|free|how much|price|avoid)\b", re.I),
    ),
    (Route.ACCOUNT_OPENING, "process_steps", re.compile(r"\b(steps?|process)\b", re.I)),
    (
        Route.ACCOUNT_OPENING,
        "benefits",
        re.compile(
            r"\b(do you (have|offer|do)|is there an?|tell me about|benefits?|comes? with|"
            r"included|perks?)\b|"
            # "What's student checking?": the whole line asks what the account is.
            r"^\W*(what'?s|what is|whats) (an? |the |your )?([\w-]+ ){0,2}"
            r"(accounts?|checking|savings|saver)\W*$",
            re.I,
        ),
    ),
    # A replacement card (English; "how long does a replacement take"): before delivery.
    (Route.CARD_INFO, "replacement_info", re.compile(r"\breplac\w*", re.I)),
    (
        Route.CARD_INFO,
        "eligibility",
        re.compile(
            r"\b(eligib\w*|qualif\w*|who can|earn|how old|requirements?|what age|allowed|entitled|"
            r"(minimum|age) (age|limit)|pay in|paying in|\d+[ -]?years?[ -]old|year olds?)\b",
            re.I,
        ),
    ),
    (
        Route.CARD_INFO,
        "delivery_time",
        re.compile(
            r"\b(deliver\w*|arriv\w*|how long|how quickly|how fast|when will|take to get|ship\w*|"
            r"dispatch\w*|postage|"
            r"how many (working |business )?days|turns? up|shows? up|in the (mail|post)|"
            r"same day)\b",
            re.I,
        ),
    ),
    (
        Route.CARD_INFO,
        "activation",
        re.compile(
            r"\bactivat\w*\b|\b(turn|switch)(ing)? (it|them|this|that|the \w+) on\b|"
            r"\bset (it|them|this|that) up\b|\bstart using (it|them)\b",
            re.I,
        ),
    ),
    (
        Route.CARD_INFO,
        "ordering_process",
        re.compile(
            r"\b(how (do|can|would) (i|you|we) (order|get|obtain)|order one|obtain|"
            r"(order|request)(ing)? (a|an|the|one|it)|set up (a|an|one)|"
            r"get (a|an|one) [\w ]{0,25}set up)\b",
            re.I,
        ),
    ),
    (
        Route.CARD_INFO,
        "fees",
        re.compile(
            r"\b(fees?|cost|costs|charge|charges|charged|price|how much|free|abroad|overseas|"
            r"waive\w*|foreign|outside the|withdrawals?|atm|frais|" + _PAY_WORDS + r")\b",
            re.I,
        ),
    ),
    (
        Route.CARD_INFO,
        "feature",
        re.compile(
            r"\b(apple pay|google pay|samsung pay|freeze|lock|insurance|lounge|pin|chip|plastic|"
            r"metal|battery|charging|phone|key fob|wristband|sticker)\b",
            re.I,
        ),
    ),
)

#: French field cues per (route, field), matched on accent-folded text (:func:`fold`);
#: :func:`field_cues` reads them with the English ones, in the English priority order.
#: "combien" alone is a fee only when it is not "combien de temps/jours" nor earnings.
_FR_COST = (
    r"frais|cout\w*|tarifs?|prix|payant\w*|gratuit\w*|"
    r"(?<!gagner )combien(?! de (temps|jours)| (faut-il |dois-je |il faut )?gagner)|"
    r"par mois|par an|mensualite\w*|cotisation\w*"
)
FIELD_CUES_FR: dict[tuple[Route, str], re.Pattern[str]] = {
    (Route.BRANCH, "phone"): re.compile(r"\b(telephone|numero|appeler|joindre|tel)\b"),
    (Route.BRANCH, "address"): re.compile(r"\b(adresse|ou exactement|se situe|code postal)\b"),
    (Route.BRANCH, "hours"): re.compile(
        r"\b(horaires?|ouvert\w*|ouvre\w*|ferme\w*|heures?|jusqu'a quand)\b"
    ),
    (Route.ACCOUNT_OPENING, "min_deposit"): re.compile(
        r"\b(minimum|minimal\w*|depot|versement|verser|premier versement|a partir de combien)\b"
    ),
    (Route.ACCOUNT_OPENING, "overdraft"): re.compile(r"\b(decouvert\w*|agios)\b"),
    (Route.ACCOUNT_OPENING, "documents_required"): re.compile(
        r"\b(documents?|papiers?|pieces?|justificatifs?|(il )?(me |nous )?faut quoi|"
        r"faut-il quoi|qu'est-ce qu'il (me )?faut|"
        r"que faut-il|quoi fournir|fournir|apporter|kbis|passeport|carte d'identite)\b"
    ),
    (Route.ACCOUNT_OPENING, "requirements"): re.compile(
        r"\b(quel age|age|ans|majeur\w*|mineur\w*|conditions?|resid\w*|qui peut|"
        r"eligib\w*|smartphone|(a|de|depuis) l'etranger|hors de france|non[- ]resident\w*)\b"
    ),
    (Route.ACCOUNT_OPENING, "processing_time"): re.compile(
        r"\b(combien de temps|combien de jours|delais?|duree|prend|rapidement|vite|quand)\b"
    ),
    (Route.ACCOUNT_OPENING, "monthly_fee"): re.compile(rf"\b({_FR_COST}|tenue de compte)\b"),
    (Route.ACCOUNT_OPENING, "process_steps"): re.compile(
        r"\b(etapes?|procedure|demarches?|deroul\w*|comment (faire pour )?ouvrir|"
        r"comment (on ouvre|ouvre-t-on|puis-je ouvrir|je peux ouvrir)|"
        r"verifi\w* (mon |votre |l')?identite|comment (ca )?se passe)\b"
    ),
    (Route.ACCOUNT_OPENING, "benefits"): re.compile(
        r"\b(avantages?|proposez-vous|vous proposez|parlez-moi|c'est quoi|interet|"
        r"(avez-vous|vous avez|existe-t-il) (un|une|des)|"
        # what comes with the account ("fourni avec une carte", "offert", "les chèques")
        r"fourni\w*|inclu\w*|compris\w*|disponible\w*|offert\w*|cheques?|especes|"
        r"logiciel\w*|comptab\w*|"
        r"(fourni\w*|livre\w*|vient|venir|accompagne\w*|on a|on aura|j'aurai) (avec )?"
        r"(une|la) carte( bancaire| visa)?)\b"
    ),
    (Route.CARD_INFO, "eligibility"): re.compile(
        r"\b(revenus?|gagner|salaire|qui peut|conditions?|eligib\w*|quel age|"
        r"avoir droit|y avoir droit|\d+ ans|age (minimum|minimal|requis)|"
        r"(faut-il|il faut) (avoir )?(un|une) (compte|carte))\b"
    ),
    (Route.CARD_INFO, "delivery_time"): re.compile(
        r"\b(combien de jours|combien de temps|delais?|livr(?!ets?\b)\w*|recoi\w*|recevoir|recu|"
        r"arrive\w*|quand|envoy\w*|expedi\w*|suivi)\b"
    ),
    (Route.CARD_INFO, "activation"): re.compile(r"\b(activ(er|ez|ation|e))\b"),
    (Route.CARD_INFO, "ordering_process"): re.compile(
        r"\b(commander|obtenir|comment (l'|en )?(avoir|recevoir|demander))\b"
    ),
    (Route.CARD_INFO, "fees"): re.compile(
        rf"\b({_FR_COST}|etranger|hors zone euro|hors de la zone euro|retraits?|distributeurs?)\b"
    ),
    (Route.CARD_INFO, "feature"): re.compile(
        r"\b(apple pay|google pay|samsung pay|assurance\w*|bloqu\w*|debloqu\w*|blocage|"
        r"plafonds?|telephone|batterie|recharge|assistance|voyage\w*)\b"
    ),
}

_DAYS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (key, re.compile(rf"\b({pattern})\b", re.I))
    for key, pattern in (
        ("weekend", r"weekends?|week-ends?|week ends?"),
        ("mon", r"mondays?|lundi|mon"),
        ("tue", r"tuesdays?|mardi|tues?"),
        ("wed", r"wednesdays?|mercredi|weds?"),
        ("thu", r"thursdays?|jeudi|thurs?"),
        ("fri", r"fridays?|vendredi|fri"),
        ("sat", r"saturdays?|samedi|sat"),
        ("sun", r"sundays?|dimanche|sun"),
    )
)


def day_of(text: str) -> str | None:
    """The day key (``mon``…``sun``, or ``weekend``) named in ``text``, or None."""
    for key, pattern in _DAYS:
        if pattern.search(text):
            return key
    return None


def field_cues(text: str, route: Route) -> list[str]:
    """Fields of ``route`` that ``text`` asks about, by cue words, in priority order."""
    folded = fold(text)
    found = [
        name
        for r, name, pattern in FIELD_CUES
        if r is route
        and (
            pattern.search(text)
            or ((fr := FIELD_CUES_FR.get((r, name))) is not None and fr.search(folded))
        )
    ]
    if route is Route.BRANCH and day_of(text) and "hours" in found:
        found[found.index("hours")] = "hours_day"
    if route is Route.CARD_INFO:
        found = _english_card_fields(text, found)
    if route is Route.CARD_INFO and found[:1] == ["fees"] and _WITHDRAWAL.search(text):
        # "Are withdrawals at your ATMs free?": the fee line, then the card's own cash line
        # ("Fee-free withdrawals at our ATMs nationwide").
        found.insert(1, "feature")
    if route is Route.CARD_INFO and "feature" in found and "fees" in found:
        # "Is the key fob free?": the fee first, then the feature line that names it;
        # "can I use Apple Pay abroad" is a feature question only.
        fee_words = rf"\b(fee|fees|cost|costs|charges?|charged|free|price|how much|{_PAY_WORDS})\b"
        if not re.search(fee_words, text, re.I) and not re.search(rf"\b({_FR_COST})\b", folded):
            found.remove("fees")
    return found


def _english_card_fields(text: str, found: list[str]) -> list[str]:
    """Card fields adjusted for English readings (:mod:`english_readings`).

    A replacement asked about is answered by the replacement line alone (the catalog
    states its delay there, and no separate fee); card use in another country with no
    other field asked ("Can I use my debit card in Spain?") asks the fee line.
    """
    if "replacement_info" in found and replacement_asked(text):
        return [f for f in found if f not in ("delivery_time", "fees", "eligibility")]
    if not set(found) - {"eligibility"} and abroad_use(text):
        return ["fees", *found]
    return found


_WITHDRAWAL = re.compile(r"\b(withdraw\w*|atms?|cash machines?|cashpoints?)\b", re.IGNORECASE)


def with_day_hours(fields: list[str]) -> list[str]:
    """Branch fields with the named day's hours added ("a branch on Sunday in Boston?").

    A day in a branch question asks whether it is open that day, even without an
    hours word; the answer then says "closed on Sunday" or that day's hours.
    """
    if {"hours", "hours_day"} & set(fields):
        return fields
    return [*(fields or ["nearest"]), "hours"]
