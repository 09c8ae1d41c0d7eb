"""English readings, answerability round 6 (en_GB, en_US).

Small, general readings of English wording, each called at one point of the shared
code (:mod:`english_readings`, :mod:`answerability`, :mod:`field_cues`), so the
French readings do not move:

- :func:`rephrase`: wording put in the form the readings know before routing: a
  preference not to visit a branch ("I'd rather not go into a branch") is the
  online channel, "from my sofa" is "from home", "wrist band" is "wristband",
  "you lot" is "you", a question opened by a negation ("Isn't there a fee…?")
  asks the same thing, and an opener ("I've been checking out your cards", "Can
  you tell me about accounts?") is a question announced about that topic.
- :func:`mask_prospective`: a customer-to-be's own clauses ("after I apply",
  "once I've applied", "if I'm approved", "how soon do I") are not first-person
  wording about their affairs.
- :func:`browsing_opener`: "I've been looking at your cards" announces a
  question without asking it (clarify).
- :func:`info_opener`: "I'm after some information please" asks for help with
  no subject yet (clarify, even when the router read a greeting).

Every pattern is ours.
"""

from __future__ import annotations

import re
from typing import Any

from switchboard.domain.types import Locale, Route
from switchboard.ports import RouteDecision


def _english(locale: Locale | str | None) -> bool:
    """True for en_GB and en_US (a locale value or its string)."""
    value = locale.value if isinstance(locale, Locale) else str(locale or "")
    return value in (Locale.EN_GB.value, Locale.EN_US.value)


# -- rephrasing before routing --------------------------------------------------------

_VISIT_VERB = r"(go|going|goes|visit|visiting|pop|popping|come|coming|head|heading|trek|trekking)"
_BRANCH_PLACE = (
    r"(in(to)?|to|down to|out to|round to)?\s*(a|the|your|one of your)?\s*(branch(es)?|bank)"
)

#: A preference not to visit a branch, or asking whether a visit is needed: the online
#: channel.
_NO_VISIT = re.compile(
    r"\b(i'?d rather not|i would rather not|i'?d prefer not to|i would prefer not to|"
    r"i don'?t (really )?(want|fancy|like|have time|wanna)( to)?|i do not (want|wish)( to)?|"
    r"i can'?t be bothered( to)?|rather than|instead of|no need to|without having to|"
    r"not having to|"
    # Round 7: asking whether a visit is needed asks for the alternative, online.
    r"(do|would|will) (i|we|you) (have|need) to|do (i|we|you) really (have|need) to|"
    r"must (i|we)|have (i|we) got to|is it (necessary|compulsory|mandatory) to)"
    r"\s+" + _VISIT_VERB + r"\s+" + _BRANCH_PLACE + r"\b",
    re.IGNORECASE,
)
#: Rephrasings: (pattern, replacement), applied in order.
_REPHRASE: tuple[tuple[re.Pattern[str], str], ...] = (
    (_NO_VISIT, "without going to a branch"),
    # "Where in Leeds can I go to open an account?": a branch there.
    (
        re.compile(
            r"^(\W*)where (in|near|around|abouts in) (?P<place>[\w' -]+?) (can|could|should|do) "
            r"(i|we) (go|head|pop)( in| into| to)?\b",
            re.IGNORECASE,
        ),
        r"\1which branch in \g<place> can I go to",
    ),
    # A document or status the customer lacks asks the alternatives ("what if I don't have
    # a passport?", "if I'm not a UK resident"): a requirements question, not trouble.
    (
        re.compile(
            r"\b(what )?if (i|we) (don'?t|do not|dont) have (a |an |my |any )?"
            r"(?P<doc>passport|driving licen[cs]e|driver'?s licen[cs]e|photo id|id|"
            r"proof of address|utility bill|national insurance number|ni number|ssn|"
            r"social security number|itin|smartphone|(uk |us )?mobile( number)?|"
            r"email( address)?)\b",
            re.IGNORECASE,
        ),
        r"without a \g<doc>",
    ),
    (
        re.compile(
            r"\bif (i'?m|im|i am|we'?re|we are) not (a |an )?"
            r"(?P<status>((uk|us|british|american) )?(resident|citizen|national)|student)\b",
            re.IGNORECASE,
        ),
        r"for someone who is not a \g<status>",
    ),
    # A question opened by a negation asks the same thing ("Isn't there a fee for…?").
    (re.compile(r"^(\W*)(isn'?t|is not) there\b", re.IGNORECASE), r"\1is there"),
    (re.compile(r"^(\W*)(aren'?t|are not) there\b", re.IGNORECASE), r"\1are there"),
    (re.compile(r"^(\W*)(doesn'?t|does not) (the|your)\b", re.IGNORECASE), r"\1does \3"),
    (re.compile(r"^(\W*)(don'?t|do not) you\b", re.IGNORECASE), r"\1do you"),
    (
        re.compile(
            r"\b(from|on) (my|the) (sofa|couch|settee|bed|kitchen table|living room|desk)\b",
            re.IGNORECASE,
        ),
        "from home",
    ),
    (re.compile(r"\bwrist[ -]bands?\b", re.IGNORECASE), "wristband"),
    # "do I have to charge it up?": a battery, not a fee
    (
        re.compile(
            r"\b(do|will|would|should|must) (i|you|we) (have|need) to (re)?charge (it|them)"
            r"( up)?\b",
            re.IGNORECASE,
        ),
        "does it need charging",
    ),
    (re.compile(r"\bcharge (it|them) up\b", re.IGNORECASE), r"charging \1"),
    # "do you lot / you guys / y'all offer…": the bank addressed, "do you offer…"
    (re.compile(r"\b(you (lot|guys|all|folks|people)|y'?all)\b", re.IGNORECASE), "you"),
    # wallet names run together ("googlepay", "gpay"); two words are left as typed
    (re.compile(r"\b(googlepay|gpay)\b", re.IGNORECASE), "google pay"),
    (re.compile(r"\bapplepay\b", re.IGNORECASE), "apple pay"),
    (re.compile(r"\bsamsungpay\b", re.IGNORECASE), "samsung pay"),
    (re.compile(r"\bkey[ -]rings?\b", re.IGNORECASE), "key fob"),
    (re.compile(r"\bchecking out (your|the|some|a few|all)\b", re.IGNORECASE), r"looking at \1"),
)


def rephrase(text: str, locale: Locale | str | None) -> str:
    """``text`` with English wording put in the form the readings know (module docstring).

    Returns ``text`` unchanged for other locales.
    """
    if not _english(locale):
        return text
    opener = _BROWSING.match(text.strip()) or _TOPIC_OVERVIEW.match(text.strip())
    if opener:  # "I've been looking at your cards": an opener, not the customer's affairs
        return f"a question about your {opener.group('topic')}"
    for pattern, repl in _REPHRASE:
        text = pattern.sub(repl, text)
    return text


# -- a customer-to-be's own clauses ---------------------------------------------------

#: "after I apply", "once I've applied", "if I'm approved", "when I get accepted".
_PROSPECTIVE = re.compile(
    r"\b(if|once|when|after|before|until|whether) (i|we)('ve| have|'m| am| get| got| was)?"
    r"( been)? (open|opened|apply|applied|sign(ed)? up|order(ed)?|join(ed)?|switch(ed)?|"
    r"approved|accepted|successful|submit(ted)?|send it off|sent it off)\b|"
    r"\b(i|we) (hear back|find out|get (a|the) decision|get an answer)\b|"
    r"\bhow (soon|long|quickly|fast) (do|will|would|can|could|should|must|might) (i|we)\b",
    re.IGNORECASE,
)


def mask_prospective(text: str) -> str:
    """``text`` with a customer-to-be's own clauses blanked ("after I apply online…").

    Used before looking for first-person wording: "After I apply online for checking,
    how soon do I find out if I'm approved?" asks the catalog's processing time.
    """
    return _PROSPECTIVE.sub(" ", text)


# -- openers that ask nothing yet -----------------------------------------------------

#: "I've been looking at your cards", "been reading about your accounts".
_BROWSING = re.compile(
    r"^\W*((hi|hello|hey|so|well|right|ok(ay)?)\W+)*"
    r"(i'?ve |i have |i was |i'?m |i am |we'?ve |we'?re |we are )?(just )?(been )?(really )?"
    r"(looking|browsing|reading|checking out|having a look|having a read|thinking|"
    # Round 7: interest in a whole topic, no product type or field ("I'm interested in
    # your debit cards", "curious about a checking account"): which one, what about it.
    r"interested|curious|keen)"
    r"( at| through| about| into| up on| in| on)? (your|the|some of your|all your|"
    r"a few of your|a|an)\s+"
    r"(?P<topic>(debit |bank |current |savings? |checking |business |student )?"
    r"(cards?|accounts?|branch(es)?|products?|website|app|offers?|options?|range))"
    r"( on (your|the) (website|app|site))?( (online|today|recently|lately))?\W*$",
    re.IGNORECASE,
)


def browsing_opener(text: str, locale: Locale | str | None) -> bool:
    """True for an English line saying the customer has been looking at a topic.

    "So I've been looking at your cards": which one and what about it is still to be
    asked (clarify); a field or product type after it makes it a question.
    """
    return _english(locale) and bool(_BROWSING.match(text.strip()))


#: "I'm after some information please", "looking for some info", "just some info".
_INFO_OPENER = re.compile(
    r"^\W*((hi|hello|hey|hiya|morning|afternoon|evening|good (morning|afternoon|evening))"
    r"( there)?\W+)?(i'?m |i am |i was |we'?re )?(just )?"
    r"((after|looking for|hoping for|wanting|needing|in need of|seeking) )?"
    r"(some|a bit of|a little|a few|general)?\s*(info|information|details|advice)"
    r"( please| pls| thanks| if possible)?\W*$",
    re.IGNORECASE,
)


def info_opener(text: str, locale: Locale | str | None) -> bool:
    """True for an English request for information with no subject ("I'm after some info").

    It announces a question even after a greeting the router read as small talk.
    """
    return _english(locale) and bool(_INFO_OPENER.match(text.strip()))


#: "Just a general enquiry", "a quick question please": a question announced, none asked.
_ANNOUNCE_ONLY = re.compile(
    r"^\W*((hi|hello|hey|hiya|morning|right|so|ok(ay)?)( there)?\W+)?"
    r"(just |it'?s |it is |i'?ve got |i have |i'?ve |got )?"
    r"(a |one |two |a few |a couple( of)? |some |several )?"
    r"(quick |general |small |simple |short )?(questions?|query|queries|enquiry|enquiries|inquiry)"
    r"( (please|pls|for you|if that'?s ok))?\W*$",
    re.IGNORECASE,
)
#: "Can you tell me about accounts?": a whole topic, no product type or field yet.
_TOPIC_OVERVIEW = re.compile(
    r"^\W*(can|could) you (please )?(tell me|explain)( a (bit|little))?( more)? about "
    r"(your |the )?(bank )?(?P<topic>accounts|cards|debit cards|branches|products|options)"
    r"( (please|you have|you offer))?\W*$",
    re.IGNORECASE,
)


def opener_only(text: str, locale: Locale | str | None) -> bool:
    """True for an English line that only opens the conversation (nothing asked yet).

    A browsing line (:func:`browsing_opener`), a request for information with no
    subject (:func:`info_opener`), help with a query (:func:`help_with_query`), a bare
    announcement ("Just a general enquiry", "I've got a couple of questions") or a
    whole topic asked about ("Can you tell me about accounts?").
    The router may read such a line as frustration or a request for a person; it
    holds no person, trouble or own-account word, so it is read as an opener.
    """
    return (
        browsing_opener(text, locale)
        or info_opener(text, locale)
        or help_with_query(text, locale)
        or (_english(locale) and bool(_ANNOUNCE_ONLY.match(text.strip())))
        or (_english(locale) and bool(_TOPIC_OVERVIEW.match(text.strip())))
        or (_english(locale) and bool(_ASK_ABOUT.match(text.strip())))
    )


#: "I need to ask about my options", "I wanted to ask you something".
_ASK_ABOUT = re.compile(
    r"^\W*((hi|hello|hey|hiya|morning)( there)?\W+)?(i |i'?d |we )?"
    r"(need|want|wanted|would like|like|was hoping|have) to ask (you )?"
    r"(about (my|the|your|some) (options|choices|products)|something|a (quick )?question|"
    r"a few things|a couple of things)( please)?\W*$",
    re.IGNORECASE,
)


# -- the card that comes with an account ----------------------------------------------

#: "the card", "my card", "the debit card" with no card type named.
_THE_CARD = re.compile(r"\b(the|my|our|a|its) (debit |bank |new )?card\b", re.IGNORECASE)
#: When it comes: the account's own timing line states when its card arrives.
_CARD_COMES = re.compile(
    r"\b(arriv\w*|come|comes|coming|show(s)? up|turn(s)? up|get here|land|lands|"
    r"deliver\w*|posted|mailed|sent|how long|when)\b",
    re.IGNORECASE,
)
#: Anything else about a card (its fee, use abroad, features) is a card question.
_CARD_OTHER = re.compile(
    r"\b(fees?|cost|charge\w*|price|free|abroad|overseas|apple|google|samsung|freeze|lock|"
    r"premium|virtual|contactless|standard|replac\w*|lost|stolen|activat\w*)\b",
    re.IGNORECASE,
)


def card_of_the_account(text: str, card_named: bool, last_route: Route | None) -> bool:
    """True for "and when does the card show up?" right after an account-opening answer.

    The card is the one that comes with the account, and the account's timing line
    says when it arrives ("your debit card arrives in 3-5 business days"). English
    only by its words; a named card type (``card_named``) or a fee, feature or
    incident word makes it a card question.
    """
    return (
        last_route is Route.ACCOUNT_OPENING
        and not card_named
        and bool(_THE_CARD.search(text) and _CARD_COMES.search(text))
        and not _CARD_OTHER.search(text)
    )


#: "wondering if you can help me with an account query": help with a question not asked.
_HELP_WITH_QUERY = re.compile(
    r"^\W*((hi|hello|hey|hiya|morning|afternoon|evening)( there)?\W+)?"
    r"((i was |i'?m |i am |just )?(wondering|hoping) (if|whether) )?"
    r"(you|someone|somebody|anyone) (can|could|might be able to) help( me)?( out)? with "
    r"(a|an|one|some) (quick |small |general |simple )?"
    r"((account|card|cards|branch|banking|savings|checking|current account|business) )?"
    r"(query|question|enquiry|inquiry|queries|questions)( please)?\W*$",
    re.IGNORECASE,
)


def help_with_query(text: str, locale: Locale | str | None) -> bool:
    """True for an English request for help with a question it does not ask yet.

    "Hi, wondering if you can help me with an account query": clarify, never a handover.
    """
    return _english(locale) and bool(_HELP_WITH_QUERY.match(text.strip()))


#: "Is the wristband a one-time charge?", "Are key fobs a one-off payment or monthly?"
_PRODUCT_FEE_SHAPE = re.compile(
    r"^\W*(is|are|does|do) (the |a |your )?(premium |standard |virtual |contactless )?"
    r"(key ?fobs?|wristbands?|stickers?|wearables?|(debit )?cards?|devices?)\s+"
    r"((an? |just an? )?(one[- ]off|one[- ]time|monthly|annual|yearly|upfront|recurring)\b|"
    r"(free|free of charge|chargeable|paid for|extra|cost (anything|extra|money))\W*$)",
    re.IGNORECASE,
)


def product_fee_question(text: str, locale: Locale | str | None) -> bool:
    """True for an English question whether a product is a one-off or monthly cost.

    The router may read "charge"/"payment" as a charge on the customer's account;
    shaped as a question about a product, with no first person, it asks the fee line.
    """
    return (
        _english(locale)
        and bool(_PRODUCT_FEE_SHAPE.match(text.strip()))
        and not re.search(r"\b(i|my|me|i'?ve|i'?m|we|our)\b", text, re.IGNORECASE)
    )


#: "what about doing it online instead?", "and in a branch?": the channel changed.
_CHANNEL_SWITCH = re.compile(
    r"^\W*(and |so |ok(ay)? |what about |how about |could i |can i )?"
    r"(doing it |do it |opening it |open it |applying |apply |signing up )?"
    r"(online|in the app|on the app|through the app|on the website|in (a |the )?branch|"
    r"in person)( instead| then| rather)?\W*$",
    re.IGNORECASE,
)


def channel_switch(text: str, locale: Locale | str | None) -> bool:
    """True for an English follow-up that only changes the channel ("what about online?")."""
    return _english(locale) and bool(_CHANNEL_SWITCH.match(text.strip()))


# -- weak protected readings of a follow-up -----------------------------------------------

#: en: below this confidence a sensitive intent on a short follow-up with no incident or
#: own-account wording ("can I lock it in the app?" after a card answer, read as a lost
#: phone at 0.72) is read in the dialogue's context instead.
WEAK_SENSITIVE_EN = 0.8
#: Below this, a request for a person with no person in it ("how do I waive it" at 0.42).
WEAK_EXPLICIT = 0.5
#: Below this, frustration on a channel switch ("what about doing it online instead?").
WEAK_FRUSTRATION = 0.4


def weak_follow_up_en(base: RouteDecision, text: str) -> bool:
    """English: a weak protected reading of a short line that may lean on the last answer.

    A sensitive intent under :data:`WEAK_SENSITIVE_EN`, a request for a person under
    :data:`WEAK_EXPLICIT` with no person asked for, or frustration under
    :data:`WEAK_FRUSTRATION` on a line that only changes the channel; eight words or
    fewer, no own-account or incident wording ("lost", "stolen", "fraud", "my
    balance"...), no negation. The caller still needs a follow-up of the last answer
    with a field cue of its own (or a channel switch); anything else keeps the handover.
    (Moved from :mod:`catalog_router` in round 6.)
    """
    from switchboard.agent.handover import (
        EXPLICIT_INTENTS,
        FRUSTRATION_INTENTS,
        SENSITIVE_INTENTS,
    )
    from switchboard.brains.local.answer_wording import own_account_wording
    from switchboard.brains.local.person_request import asks_for_a_person, reports_an_incident

    weak_person = (
        base.intent in EXPLICIT_INTENTS
        and base.confidence < WEAK_EXPLICIT
        and not asks_for_a_person(text)
    )
    weak_frustration = (
        base.intent in FRUSTRATION_INTENTS
        and base.confidence < WEAK_FRUSTRATION
        and channel_switch(text, Locale.EN_GB)
    )
    return (
        (
            weak_person
            or weak_frustration
            or (base.intent in SENSITIVE_INTENTS and base.confidence < WEAK_SENSITIVE_EN)
        )
        and len(text.split()) <= 8
        and not own_account_wording(text)
        and not re.search(r"n't\b|\bnot\b|\bcannot\b|\bnever\b", text, re.I)
        and not reports_an_incident(text)
    )


# -- a branch's services ----------------------------------------------------------------

_BRANCH_SERVICE = re.compile(r"\b(business banking|services?|specialists?)\b", re.IGNORECASE)
_ACCOUNT_ASKED = re.compile(
    r"\b(accounts?|checking|savings|open|opening|apply|documents?|fees?|cost)\b", re.IGNORECASE
)


def branch_service_asked(text: str, locale: Locale | str | None) -> bool:
    """True when a branch named by its own name is asked about a service it offers.

    "Does the Wall Street branch do business banking?": the branch's services, not the
    business account (no account, opening, document or fee word). English only.
    """
    return (
        _english(locale)
        and bool(_BRANCH_SERVICE.search(text))
        and not _ACCOUNT_ASKED.search(text)
    )


# -- a follow-up about another feature of the same card --------------------------------


def refresh_feature(reading: Any, text: str, index: Any, locale: Locale | str | None) -> None:
    """Point a follow-up's feature at the line ``text`` asks about ("can I freeze it?").

    A follow-up takes the card and its details from the dialogue, including the feature
    line the last answer quoted ("Pay with a wristband, key fob…"); a feature question
    of its own asks another line of the same card. ``reading`` is an answerability
    ``Reading`` (changed in place); ``index`` its ``CatalogIndex``. English only.
    """
    card = reading.entities.get("card_type")
    if not _english(locale) or "feature" not in reading.fields or not card:
        return
    line = index.feature_by_words(text, card)
    if line is None:
        line, _ = index.best_feature(text, card)
    if line is not None:
        reading.entities["feature"] = str(line)


# -- a service asked of the branch just shown ------------------------------------------

_AT_THAT_BRANCH = re.compile(
    r"\b(there|that branch|this branch|that one|this one|at that location)\b", re.IGNORECASE
)
_SERVICE_THERE = re.compile(
    r"\b(open(ing)? (an? |my |new )?([\w-]+ ){0,2}(accounts?|checking|savings)|"
    r"business banking|card services|sort out (a|my) card)\b",
    re.IGNORECASE,
)


def service_at_branch(text: str, last_route: Route | None) -> bool:
    """True for "can I open a current account there?" right after a branch answer.

    It asks whether that branch offers the service (its ``services``), which not every
    branch does; the account's document list would not say so. English words.
    """
    return (
        last_route is Route.BRANCH
        and bool(_AT_THAT_BRANCH.search(text) and _SERVICE_THERE.search(text))
        and not _ACCOUNT_FIELD.search(text)
    )


#: An account field asked ("what documents do I need to open a savings account there?").
_ACCOUNT_FIELD = re.compile(
    r"\b(documents?|docs|bring|need|id|proof|requirements?|how long|fees?|cost|deposit|"
    r"minimum|steps?|process)\b",
    re.IGNORECASE,
)


#: "Where is your branch in Leeds…", "Which branch in Leeds can I go to…".
_WHICH_BRANCH = re.compile(
    r"^\W*(where|where'?s|which (of your )?branch(es)?|what branch)\b", re.IGNORECASE
)


def asks_which_branch(text: str) -> bool:
    """True for a line that asks where or which branch ("Which branch in Leeds can I go to…").

    With a place named, opening an account there asks for a branch that opens accounts,
    not the account's documents (English words).
    """
    return bool(_WHICH_BRANCH.search(text))


# -- a statement glued to the question after it ------------------------------------------

#: "I'm a student at Leeds uni, …", "I live in Boston, …", "My son is 16, …".
_STATEMENT_EN = re.compile(
    r"^\W*(i'?m|im|i am|we'?re|we are|i live|we live|i work|i study|i'?ve just|i have just|"
    r"i just|my (son|daughter|partner|wife|husband|kid|child) (is|has))\b",
    re.IGNORECASE,
)
_ASKS_EN = re.compile(r"\?\s*$|^\W*(what|how|where|when|which|who|why|can|could|is|are|do|does)\b",
                      re.IGNORECASE)


def glue_statements_en(pieces: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Join an English statement part to the question after it (one question, not two).

    "I'm a student at Leeds uni, can I get your student account and what's the
    overdraft?": the statement says who asks; it is read with the question after it,
    not as a part of its own. ``pieces`` are ``(part, joined)`` pairs.
    """
    glued: list[tuple[str, bool]] = []
    pending = ""
    for part, joined in pieces:
        if _STATEMENT_EN.match(part) and not _ASKS_EN.search(part):
            pending = f"{pending}{part}, "
            continue
        # The glued part still asks when its question did ("…, can I get…").
        glued.append((pending + part, joined or bool(pending and _ASKS_EN.search(part))))
        pending = ""
    if pending:
        glued.append((pending.rstrip(", "), False))
    return glued


def refresh_channel(reading: Any, text: str, locale: Locale | str | None) -> None:
    """Give an account follow-up the one channel whose catalog text it quotes.

    "is there a minimum balance?" after student checking (no channel said): only the
    branch text says "no minimum balance", so the branch answers, as it would for the
    same question asked whole (:func:`english_readings.channel_quoted`). English only;
    a channel the customer named is kept.
    """
    account = reading.entities.get("account_type")
    if not _english(locale) or reading.route is not Route.ACCOUNT_OPENING or not account:
        return
    if reading.entities.get("channel"):
        return
    from switchboard.brains.local.english_readings import channel_quoted

    channel = channel_quoted(text, locale, str(account))
    if channel is not None:
        reading.entities["channel"] = channel


def refresh_details(reading: Any, text: str, index: Any, locale: Locale | str | None) -> None:
    """A follow-up's own details: the feature line and the channel it asks about.

    See :func:`refresh_feature` and :func:`refresh_channel`; ``reading`` is changed in
    place.
    """
    refresh_feature(reading, text, index, locale)
    refresh_channel(reading, text, locale)


# -- another business's hours or whereabouts ------------------------------------------

#: Places that are not a bank branch: "the post office in Leeds", "the library".
_OTHER_PLACE_NOUNS = (
    r"supermarket|shop|store|pharmacy|chemist'?s?|drugstore|post office|library|gym|pub|bar|"
    r"restaurant|caf[eé]|coffee shop|museum|cinema|movie theat(er|re)|theat(er|re)|"
    r"(train |bus |petrol |gas |police |fire )?station|hospital|surgery|clinic|dentist'?s?|"
    r"doctor'?s?|vet'?s?|school|college|council|town hall|city hall|dmv|garage|mechanic|"
    r"hairdresser'?s?|barber'?s?|salon|takeaway|market|mall|shopping (centre|center)|"
    r"leisure (centre|center)|swimming pool|pool|park|zoo|church|bakery|butcher'?s?|"
    r"laundrette|laundromat|launderette|off[- ]licen[cs]e|liquor store|hotel|airport"
)
#: "What time does the post office in Leeds shut?", "is the Tesco in Camden open?": the
#: subject is another establishment (a category noun, or a capitalised name placed
#: "in/on/at/near/by" somewhere), not one of our branches. "the Camden branch", "the
#: Leeds one", "the Manchester open on Sunday" do not match.
_OTHER_PLACE = re.compile(
    rf"\b(the|a|an|your local|my local|nearest|closest) (\w+ )?({_OTHER_PLACE_NOUNS})\b"
    r"(?! (branch|bank)\b)|"
    r"(?-i:\bthe (?!Bank\b|Branch\b)[A-Z][\w'&.-]+(?: [A-Z][\w'&.-]+)?) (in|on|at|near|by) ",
    re.IGNORECASE,
)

#: The question is about us: a branch, the bank, "you/your".
_OURS = re.compile(r"\b(branch(es)?|bank|banks|you|your)\b", re.IGNORECASE)


def other_establishment(text: str) -> bool:
    """True when an English question asks about another business's place or hours.

    "What time does the Tesco in Camden close?" and "is the library in Leeds open on
    Sunday?" name a place and an hours field, which read as our branch there; the
    subject is not the bank, so the catalog must not answer it (off-topic).
    """
    text = text.replace("’", "'")
    # "closest branch to the train station": a landmark beside our branch, not the subject
    return not _OURS.search(text) and bool(_OTHER_PLACE.search(text))
