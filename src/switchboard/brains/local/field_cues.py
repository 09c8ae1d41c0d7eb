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
    r"frais|cout\w*|tarifs?|prix|payant\w*|gratuit\w*|gratos|"
    r"(?<!gagner )(?<!toucher )combien"
    r"(?! de (temps|jours|minutes)| (faut-il |dois-je |il faut )?(gagner|toucher|percevoir))|"
    r"par mois|par an|mensualite\w*|cotis\w*|factur\w*|tous les mois|chaque mois|"
    r"tous les ans|chaque annee|abonnement\w*|mensuel\w*|annuel\w*|commissions?|surcout\w*|"
    r"majoration\w*"
)
FIELD_CUES_FR: dict[tuple[Route, str], re.Pattern[str]] = {
    (Route.BRANCH, "phone"): re.compile(r"\b(telephone|numero|appeler|joindre|tel)\b"),
    (Route.BRANCH, "address"): re.compile(r"\b(adresse|ou exactement|se situe|code postal)\b"),
    (Route.BRANCH, "hours"): re.compile(
        r"\b(horaires?|ouvert\w*|ouvre\w*|ferme\w*|heures?|jusqu'a quand)\b"
    ),
    (Route.ACCOUNT_OPENING, "min_deposit"): re.compile(
        r"\b(minimum|minimal\w*|depot|versement|verser|premier versement|a partir de combien|"
        r"accessible des|(des|a partir de) \d+ ?(euros?|eur)|"
        r"combien pour (l'|le |la |en )?ouvrir|"
        r"combien (faut-il|il faut|dois-je) (mettre|deposer))\b"
    ),
    (Route.ACCOUNT_OPENING, "overdraft"): re.compile(r"\b(decouvert\w*|agios)\b"),
    (Route.ACCOUNT_OPENING, "documents_required"): re.compile(
        r"\b(documents?|papiers?|pieces?|justificatifs?|(il )?(me |nous )?faut quoi|"
        r"faut-il quoi|qu'est-ce qu'il (me )?faut|"
        r"que faut-il|quoi fournir|fournir|apporter|kbis|passeport|carte d'identite|rib|"
        r"premier (virement|versement|depot))\b"
    ),
    (Route.ACCOUNT_OPENING, "requirements"): re.compile(
        r"\b(quel age|age|ans|majeur\w*|mineur\w*|conditions?|resid\w*|qui peut|"
        r"eligib\w*|smartphone|(a|de|depuis) l'etranger|hors de france|non[- ]resident\w*|"
        r"immatricul\w*|siren|siret|domicili\w*|(faut-il|il faut|doit-on|faut) (etre|que)|"
        r"(y )?(avoir|ai|a) droit)\b"
    ),
    (Route.ACCOUNT_OPENING, "processing_time"): re.compile(
        r"\b(combien de (temps|jours|minutes)|delais?|duree|prend|rapidement|vite|quand|actif|"
        r"active|utilisable|tout de suite|immediat\w*|aussitot)\b"
    ),
    (Route.ACCOUNT_OPENING, "monthly_fee"): re.compile(rf"\b({_FR_COST}|tenue de compte)\b"),
    (Route.ACCOUNT_OPENING, "process_steps"): re.compile(
        r"\b(etapes?|procedure|demarches?|deroul\w*|comment (faire pour )?ouvrir|"
        r"comment (on ouvre|ouvre-t-on|puis-je ouvrir|je peux ouvrir)|"
        r"verifi\w* (mon |votre |l')?identite|comment (ca )?se passe|sign\w*|contrat|"
        r"convention)\b"
    ),
    (Route.ACCOUNT_OPENING, "benefits"): re.compile(
        r"\b(avantages?|proposez-vous|vous proposez|parlez-moi|c'est quoi|interet|"
        r"(avez-vous|vous avez|existe-t-il) (un|une|des)|"
        # what comes with the account ("fourni avec une carte", "offert", "les chèques")
        r"fourni\w*|inclu\w*|compris\w*|disponible\w*|offert\w*|cheques?|especes|"
        r"(donne\w*|ouvre\w*|a|ai|aurai|avoir) droit|comprend|comprennent|"
        r"logiciel\w*|comptab\w*|(retirer|reprendre|recuperer) (mon|mes|l'|son|ses|de l')|"
        r"quand (je|on) (veu[tx]|le souhaite)|a tout moment|n'importe quand|"
        r"(fourni\w*|livre\w*|vient|venir|accompagne\w*|on a|on aura|j'aurai) (avec )?"
        r"(une|la) carte( bancaire| visa)?)\b"
    ),
    (Route.CARD_INFO, "eligibility"): re.compile(
        r"\b(revenus?|gagner|salaire|qui peut|conditions?|eligib\w*|quel age|toucher|percevoir|"
        r"(avoir|ai|a|as) droit|y (avoir|ai|a) droit|\d+ ans|age (minimum|minimal|requis)|"
        r"limite d'age|age limite|a partir de quel age|quel est l'age|majeur\w*|mineur\w*|"
        r"(faut-il|il faut) (deja )?(avoir )?(un|une) (compte|carte|cb)|dispo\w* pour|"
        r"accessible aux?|reserve\w* aux?|pour les (etudiants|jeunes|mineurs|pros?))\b"
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
        rf"\b({_FR_COST}|etranger|hors zone euro|hors de la zone euro|retraits?|distributeurs?|"
        r"en dollars|en devises?|autre devise)\b"
    ),
    (Route.CARD_INFO, "feature"): re.compile(
        r"\b(apple pay|google pay|samsung pay|assurance\w*|bloqu\w*|debloqu\w*|blocage|"
        r"plafonds?|telephone|batterie|recharge|assistance|voyage\w*|physique|plastique|"
        r"vraie carte|carte (reelle|materielle|en dur)|pause|suspendre|geler|verrouill\w*|"
        r"desactiv\w*|reactiv\w*|piles?|charger|(etre |d'etre |soit )charge\w*|"
        r"ligne (dediee|telephonique)|numero dedie|"
        r"(payer|paiements?|acheter|achats?|utilis\w*|regler) (\w+ )?(en ligne|sur internet)|"
        r"acheter|achats?|en magasin|commer[cç]ants?|partout|dans tous les (magasins|commerces))\b"
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
    if route is Route.BRANCH and found and "address" not in found and _WHERE_FR.search(folded):
        found.insert(0, "address")  # "Vous êtes où à Nantes et c'est ouvert jusqu'à quand ?"
    if route is Route.CARD_INFO and _AGE_FR.search(folded):
        # "Et niveau âge, c'est à partir de combien ?": the eligibility, not a price.
        found = ["eligibility", *[f for f in found if f != "eligibility"]]
        if not _PRICE_FR.search(folded):
            found = [f for f in found if f != "fees"]
    if route is Route.CARD_INFO and _FEATURES_FR.search(folded) and "features" not in found:
        found.append("features")  # "ses avantages": the card's whole feature list
    if route is Route.CARD_INFO and "feature" in found and _PHYSICAL_FR.search(folded):
        # "Je reçois une vraie carte avec la virtuelle ?": the feature line ("Aucune carte
        # physique n'est envoyée"), not the delivery time "reçois" would ask.
        found = ["feature", *[f for f in found if f not in ("feature", "delivery_time")]]
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


#: French: where a branch is, asked next to another branch field.
_WHERE_FR = re.compile(r"\b(vous etes ou|c'est ou|ou (est|se trouve|se situe|etes)|situee?)\b")
#: French: an age asked about, and price words other than a bare "combien".
_AGE_FR = re.compile(
    r"(\bquel |\bniveau |\bl'|\bd'|\bcote )age\b|\b(\d+ ans|majeur\w*|mineur\w*)\b"
)
_PRICE_FR = re.compile(r"\b(frais|cout\w*|tarifs?|prix|payant\w*|gratuit\w*|cotisation\w*|euros?)")
#: French: what a card offers, as a whole ("les avantages de la Premier").
_FEATURES_FR = re.compile(
    r"\b(avantages?|atouts?|points forts|fonctionnalites|ce qu'elle (offre|propose))\b"
)
#: French: a physical card asked about (the virtual card's "no physical card" line).
_PHYSICAL_FR = re.compile(r"\b(physique|plastique|vraie carte|carte (reelle|materielle|en dur))\b")
_WITHDRAWAL = re.compile(r"\b(withdraw\w*|atms?|cash machines?|cashpoints?)\b", re.IGNORECASE)


def with_day_hours(fields: list[str]) -> list[str]:
    """Branch fields with the named day's hours added ("a branch on Sunday in Boston?").

    A day in a branch question asks whether it is open that day, even without an
    hours word; the answer then says "closed on Sunday" or that day's hours.
    """
    if {"hours", "hours_day"} & set(fields):
        return fields
    return [*(fields or ["nearest"]), "hours"]
