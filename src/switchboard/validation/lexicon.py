"""Word lists the validation agent matches replies against (en_GB, en_US, fr_FR).

Four vocabularies live here, all compiled once on first use:

* :data:`DOCUMENTS` — document and identity-evidence terms, each with a
  canonical key. Generic terms ("photo ID", "proof of address") list the
  specific keys they cover, so "photo ID like a passport" is supported by a
  tool that lists "Valid passport or driving licence" (seed 2 §3
  "Document Accuracy").
* :data:`OFF_TOPIC` — financial products outside the agent's scope (seed 2 §3
  "Domain Boundary Check": loans, mortgages, investments; seed 2 system prompt
  "Your expertise areas" for what *is* in scope).
* decline and referral cues that turn a sentence naming an off-topic product
  into a polite refusal rather than advice.
* :data:`TIMING_WORDS` — timing claims written without digits ("instantly",
  "same day", "le lendemain").

Patterns are our own; they are matched case-insensitively on text whose
spelled-out numbers were already turned into digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

# Apostrophes as they appear in typed and generated text.
_AP = "['’]"


@dataclass(frozen=True)
class DocTerm:
    """One document concept.

    Attributes:
        key: canonical key (``passport``, ``proof_of_address``...).
        label: a readable English name used in finding details.
        patterns: regex fragments (no anchors) that name the document.
        covers: for generic terms, the specific keys the term stands for.

    """

    key: str
    label: str
    patterns: tuple[str, ...]
    covers: frozenset[str] = field(default_factory=frozenset)


_PHOTO_IDS = frozenset(
    {"passport", "driving_licence", "national_id", "state_id", "residence_permit"}
)
_ADDRESS_PROOFS = frozenset(
    {"utility_bill", "bank_statement", "council_tax", "tenancy_agreement", "tax_notice"}
)
_INCOME_PROOFS = frozenset({"payslip", "tax_return", "employment_letter", "tax_notice"})

#: Document lexicon (en_GB, en_US, fr_FR spellings). Longer, more specific
#: patterns win over shorter ones where two overlap.
DOCUMENTS: tuple[DocTerm, ...] = (
    DocTerm("passport", "passport", (r"passports?", r"passeports?")),
    DocTerm(
        "driving_licence",
        "driving licence",
        (
            r"driv(?:ing|er" + _AP + r"?s?|ers)\s+licen[cs]es?",
            r"driving\s+permits?",
            r"permis\s+de\s+conduire",
        ),
    ),
    DocTerm(
        "national_id",
        "national identity card",
        (
            r"national\s+(?:identity|id)\s+cards?",
            r"identity\s+cards?",
            r"id\s+cards?",
            r"cartes?\s+(?:nationales?\s+)?d" + _AP + r"\s?identit[ée]",
            r"cni",
        ),
    ),
    DocTerm(
        "state_id", "state ID", (r"state[-\s](?:issued\s+)?id(?:entification)?(?:\s+cards?)?",)
    ),
    DocTerm(
        "residence_permit",
        "residence permit",
        (
            r"biometric\s+residen(?:ce|cy)\s+permits?",
            r"residen(?:ce|cy)\s+permits?",
            r"brp",
            r"titres?\s+de\s+s[ée]jour",
            r"cartes?\s+de\s+s[ée]jour",
            r"green\s+cards?",
            r"permanent\s+resident\s+cards?",
        ),
    ),
    DocTerm(
        "visa",
        "visa",
        tuple(rf"{w}\s+visas?" for w in ("student", "work", "valid", "entry", "residence")),
    ),
    DocTerm(
        "photo_id",
        "photo ID",
        (
            r"government[-\s]issued\s+(?:photo\s+)?id(?:entification)?",
            r"photo(?:graphic)?\s+id(?:entification|entity)?",
            r"pi[èe]ces?\s+d" + _AP + r"\s?identit[ée](?:\s+avec\s+photo)?",
        ),
        _PHOTO_IDS,
    ),
    DocTerm(
        "identity",
        "proof of identity",
        (
            r"proofs?\s+of\s+(?:your\s+)?(?:identity|id)",
            r"identity\s+documents?",
            r"identification(?:\s+documents?)?",
            r"id\s+documents?",
            r"justificatifs?\s+d" + _AP + r"\s?identit[ée]",
            r"id",
        ),
        _PHOTO_IDS | {"photo_id"},
    ),
    DocTerm(
        "utility_bill",
        "utility bill",
        (
            r"utility\s+bills?",
            *(rf"{w}\s+bills?" for w in ("gas", "electricity", "electric", "water", "energy",
                                          "phone", "broadband")),
            r"factures?(?:\s+(?:d" + _AP + r"\s?(?:[ée]lectricit[ée]|[ée]nergie|eau)"
            r"|de\s+(?:gaz|t[ée]l[ée]phone|box)))?",
        ),
    ),
    DocTerm(
        "bank_statement",
        "bank statement",
        (
            r"bank\s+statements?",
            r"account\s+statements?",
            r"relev[ée]s?\s+(?:bancaires?|de\s+compte)",
        ),
    ),
    DocTerm(
        "council_tax",
        "council tax bill",
        (
            r"council\s+tax(?:\s+(?:bills?|statements?))?",
            r"avis\s+de\s+taxe\s+d" + _AP + r"\s?habitation",
            r"taxe\s+d" + _AP + r"\s?habitation",
            r"taxe\s+fonci[èe]re",
        ),
    ),
    DocTerm(
        "tenancy_agreement",
        "tenancy agreement",
        (
            r"tenancy\s+agreements?",
            r"rental\s+agreements?",
            r"lease\s+agreements?",
            r"leases?",
            r"contrats?\s+de\s+(?:bail|location)",
            r"quittances?\s+de\s+loyer",
        ),
    ),
    DocTerm(
        "tax_notice",
        "tax notice",
        (r"avis\s+d" + _AP + r"\s?imp(?:osition|[ôo]t)", r"tax\s+(?:notices?|assessments?)"),
    ),
    DocTerm(
        "proof_of_address",
        "proof of address",
        (
            r"proofs?\s+of\s+(?:your\s+)?(?:current\s+|home\s+)?(?:address|residence|residency)",
            r"address\s+(?:proof|verification)",
            r"justificatifs?\s+de\s+domicile",
            r"attestations?\s+de\s+domicile",
            r"preuves?\s+d" + _AP + r"\s?adresse",
        ),
        _ADDRESS_PROOFS,
    ),
    DocTerm(
        "payslip",
        "payslip",
        (
            r"pay\s?slips?",
            r"pay\s?stubs?",
            r"salary\s+slips?",
            r"wage\s+slips?",
            r"p60s?",
            r"bulletins?\s+de\s+(?:salaire|paie)",
            r"fiches?\s+de\s+paie",
        ),
    ),
    DocTerm(
        "tax_return",
        "tax return",
        (
            r"tax\s+returns?",
            r"self[-\s]assessment",
            r"d[ée]clarations?\s+(?:de\s+revenus|d" + _AP + r"\s?imp[ôo]ts?)",
        ),
    ),
    DocTerm(
        "employment_letter",
        "employment letter",
        (
            r"employment\s+(?:letters?|contracts?|references?)",
            r"employer\s+(?:letters?|contracts?|references?)",
            r"letters?\s+from\s+(?:your\s+)?employer",
            r"contrats?\s+de\s+travail",
            r"attestations?\s+(?:d" + _AP + r"\s?)?employeur",
        ),
    ),
    DocTerm(
        "proof_of_income",
        "proof of income",
        (
            r"proofs?\s+of\s+(?:your\s+)?(?:income|earnings|salary|employment)",
            r"income\s+(?:proof|verification|statements?)",
            r"justificatifs?\s+de\s+revenus?",
            r"preuves?\s+de\s+revenus?",
        ),
        _INCOME_PROOFS,
    ),
    DocTerm(
        "ssn",
        "Social Security Number or ITIN",
        (
            r"social\s+security\s+(?:numbers?|cards?)",
            r"ssn",
            r"itin",
            r"individual\s+taxpayer\s+identification\s+numbers?",
            r"taxpayer\s+identification\s+numbers?",
        ),
    ),
    DocTerm(
        "ni_number",
        "National Insurance number",
        (r"national\s+insurance\s+(?:numbers?|cards?)", r"ni\s+numbers?"),
    ),
    DocTerm(
        "fr_social_security",
        "numéro de sécurité sociale",
        (r"num[ée]ros?\s+de\s+s[ée]curit[ée]\s+sociale", r"carte\s+vitale"),
    ),
    DocTerm(
        "birth_certificate",
        "birth certificate",
        (
            r"birth\s+certificates?",
            r"extraits?\s+d" + _AP + r"\s?actes?\s+de\s+naissance",
            r"actes?\s+de\s+naissance",
        ),
    ),
    DocTerm(
        "student_proof",
        "proof of student status",
        (
            r"student\s+(?:id|identification|cards?)",
            r"proofs?\s+of\s+(?:your\s+)?(?:student\s+status|enrol(?:l)?ment|study|studies)",
            *(rf"{w}\s+(?:acceptance\s+|offer\s+)?(?:letters?|offers?)"
              for w in ("university", "college", "school")),
            r"acceptance\s+letters?",
            r"offer\s+letters?",
            r"letters?\s+from\s+(?:your\s+)?(?:university|college|school)",
            r"enrol(?:l)?ment\s+(?:letters?|verification|certificates?|confirmation)",
            r"ucas",
            r"cartes?\s+d" + _AP + r"\s?[ée]tudiant",
            r"certificats?\s+de\s+scolarit[ée]",
            r"attestations?\s+d" + _AP + r"\s?inscription",
        ),
    ),
    DocTerm(
        "company_registration",
        "company registration documents",
        (
            r"certificates?\s+of\s+incorporation",
            r"companies\s+house(?:\s+(?:registration|number))?",
            r"company\s+registration(?:\s+(?:numbers?|documents?|certificates?))?",
            r"business\s+registration(?:\s+(?:numbers?|documents?|certificates?))?",
            r"articles\s+of\s+(?:incorporation|association|organi[sz]ation)",
            r"memorandum\s+of\s+association",
            r"employer\s+identification\s+numbers?",
            r"ein",
            r"extraits?\s+k-?bis",
            r"k-?bis",
            r"siret",
            r"siren",
            r"statuts(?:\s+de\s+(?:la\s+)?soci[ée]t[ée])?",
            r"business\s+licen[cs]es?",
            r"partnership\s+agreements?",
        ),
    ),
    DocTerm("business_plan", "business plan", (r"business\s+plans?",)),
    DocTerm(
        "selfie",
        "photo of yourself",
        (
            r"video\s+selfies?",
            r"selfies?",
            r"digital\s+photo(?:graph)?s?\s+of\s+(?:yourself|you|your\s+face)",
            r"photo(?:graph)?s?\s+of\s+(?:yourself|you|your\s+face)",
            r"digital\s+photo(?:graph)?s?(?:\s+upload)?",
            r"photo\s+uploads?",
        ),
    ),
    DocTerm(
        "bank_details",
        "bank details (RIB)",
        (r"rib", r"relev[ée]\s+d" + _AP + r"\s?identit[ée]\s+bancaire"),
    ),
)

DOC_BY_KEY: dict[str, DocTerm] = {d.key: d for d in DOCUMENTS}


def parents_of(key: str) -> frozenset[str]:
    """Return the generic document keys that cover ``key`` (empty for unknown keys)."""
    return frozenset(d.key for d in DOCUMENTS if key in d.covers)


def expand_covers(key: str) -> frozenset[str]:
    """Return ``key`` plus every specific key it covers, transitively."""
    out = {key}
    stack = [key]
    while stack:
        term = DOC_BY_KEY.get(stack.pop())
        if term is None:
            continue
        for sub in term.covers:
            if sub not in out:
                out.add(sub)
                stack.append(sub)
    return frozenset(out)


_META = set("\\[](){}?*+|.^$")


def _split_top(pattern: str) -> list[str]:
    """Split ``pattern`` on its top-level ``|`` (not inside groups or classes)."""
    parts: list[str] = []
    depth = 0
    in_class = False
    cur: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            cur.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    parts.append("".join(cur))
    return parts


def _literal_prefix(pattern: str) -> str:
    """Return the literal characters every match of ``pattern`` starts with."""
    out: list[str] = []
    for i, c in enumerate(pattern):
        if c in _META:
            if c in "?*{" and out:
                out.pop()
            break
        out.append(c)
        if i + 1 < len(pattern) and pattern[i + 1] in "?*{":
            out.pop()
            break
    return "".join(out)


class PhraseIndex:
    """Finds phrases given as regexes, fast on long tool data.

    Every top-level alternative of every pattern is compiled on its own and
    tried only where its literal prefix occurs (``str.find``), at the start of
    a word, in the lower-cased text. On a 1,500-character tool output this is
    several times faster than one alternation with IGNORECASE.

    Args:
        entries: ``(key, pattern)`` pairs; patterns are lower-case regexes and
            a key may appear several times.
    """

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        by_prefix: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
        self._scan: list[tuple[str, re.Pattern[str]]] = []
        for key, pattern in entries:
            for alt in _split_top(pattern):
                rx = re.compile(f"(?:{alt})(?![\\w-])")
                prefix = _literal_prefix(alt)
                if len(prefix) >= 2:
                    by_prefix.setdefault(prefix, []).append((key, rx))
                else:
                    self._scan.append((key, rx))
        self._by_prefix = list(by_prefix.items())

    def find(self, text: str) -> list[tuple[str, int, int]]:
        """Return ``(key, start, end)`` of every match in ``text`` that starts a word.

        Overlapping matches are all returned; callers resolve them.
        """
        low = lower_same_length(text)
        out: list[tuple[str, int, int]] = []
        for prefix, alternatives in self._by_prefix:
            pos = low.find(prefix)
            while pos >= 0:
                if word_start(low, pos):
                    for key, rx in alternatives:
                        m = rx.match(low, pos)
                        if m:
                            out.append((key, pos, m.end()))
                pos = low.find(prefix, pos + 1)
        for key, rx in self._scan:
            out += [(key, m.start(), m.end()) for m in rx.finditer(low)
                    if word_start(low, m.start())]
        return out


def lower_same_length(text: str) -> str:
    """Return ``text`` lower-cased, keeping offsets (characters whose lower case is longer stay)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def word_start(low: str, start: int) -> bool:
    """Return True when ``start`` begins a word (not inside one, not after a hyphen)."""
    return start == 0 or not (low[start - 1].isalnum() or low[start - 1] in "-_")


@cache
def _document_index() -> PhraseIndex:
    return PhraseIndex((t.key, p) for t in DOCUMENTS for p in t.patterns)


def find_documents(text: str) -> list[tuple[str, int, int]]:
    """Return ``(key, start, end)`` of every document named in ``text``, in text order.

    Where two matches overlap the longer wins ("photo ID" over "ID",
    "taxpayer identification number" over "identification").
    """
    return longest_first(_document_index().find(text))


def longest_first(found: Iterable[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Drop matches that overlap a longer one; return the rest in text order."""
    out: list[tuple[str, int, int]] = []
    for key, start, end in sorted(found, key=lambda f: (-(f[2] - f[1]), f[1])):
        if all(end <= s or start >= e for _, s, e in out):
            out.append((key, start, end))
    out.sort(key=lambda f: f[1])
    return out


#: Off-topic financial products: (topic, pattern). Seed 2 §3 "Domain Boundary Check".
OFF_TOPIC: tuple[tuple[str, str], ...] = (
    ("mortgages", r"mortgages?|remortgag\w*|home\s+loans?|hypoth[èe]ques?"
     r"|cr[ée]dits?\s+immobiliers?|pr[êe]ts?\s+immobiliers?"),
    ("loans", r"personal\s+loans?|car\s+loans?|business\s+loans?|payday\s+loans?"
     r"|student\s+loans?|loans?"
     r"|borrow(?:ing)?|pr[êe]ts?(?:\s+personnels?)?(?!\s+(?:à|a|pour)\b)"
     r"|cr[ée]dits?\s+(?:à\s+la\s+)?conso(?:mmation)?"
     r"|emprunts?|emprunter"),
    ("investments", r"invest(?:ing|ments?|ors?)?|portfolios?|stocks?\s+and\s+shares"
     r"|dividends?|investissements?|placements?\s+financiers?|bourse(?!\s+d['’]\s?[ée]tudes?)"
     r"|actions\s+et\s+obligations"),
    ("insurance", r"insurance"
     r"|assurances?(?:[-\s]vie)?"),
    ("pensions", r"pensions?|retirement\s+(?:savings|plans?|accounts?)|401\(?k\)?|retraites?"),
    ("crypto", r"crypto\w*|bitcoins?|ethereum|blockchain|nfts?"),
    ("credit_cards", r"credit\s+cards?|cartes?\s+de\s+cr[ée]dit|apr"),
    ("tax_advice", r"tax\s+(?:advice|planning|relief|deductions?|allowances?|brackets?|rates?)"
     r"|conseils?\s+fiscaux|optimisation\s+fiscale|d[ée]fiscalisation|imp[ôo]ts?\s+sur\s+le\s+revenu"),
    ("legal_advice", r"legal\s+advice|conseils?\s+juridiques?"),
    ("gambling", r"gambling|betting|lottery|paris\s+sportifs"),
)


@cache
def _topic_index() -> PhraseIndex:
    return PhraseIndex(OFF_TOPIC)


def find_topics(text: str) -> list[tuple[str, int, int]]:
    """Return ``(topic, start, end)`` of every off-topic product named in ``text``."""
    return longest_first(_topic_index().find(text))


#: Sentence cues saying the agent will not or cannot discuss something.
DECLINE_CUES = re.compile(
    r"\b(?:"
    r"(?:i|we)\s+(?:can(?:no|" + _AP + r")t|can\s+not|am\s+unable|are\s+unable|won"
    + _AP + r"t\s+be\s+able|do(?:n" + _AP + r"t|\s+not)\s+(?:offer|provide|handle|cover|deal"
    r"|give|advise)|(?:am|are)\s+not\s+able)"
    r"|i" + _AP + r"m\s+(?:unable|not\s+able|afraid)"
    r"|we" + _AP + r"re\s+(?:unable|not\s+able)"
    r"|unable\s+to|not\s+able\s+to|not\s+in\s+a\s+position"
    r"|(?:isn|aren)" + _AP + r"t\s+something|not\s+something\s+(?:i|we)"
    r"|outside\s+(?:of\s+)?(?:my|our|what|the)|beyond\s+(?:my|our|what)"
    r"|only\s+(?:help|assist|able)|can\s+only"
    r"|ne\s+(?:peux|pouvons|suis|sommes|traite|traitons|propose|proposons)\s+pas"
    r"|pas\s+en\s+mesure|hors\s+(?:de\s+)?(?:mon|notre|du)|uniquement|seulement"
    r")\b",
    re.I,
)

#: Sentence cues sending the customer to someone else.
REFERRAL_CUES = re.compile(
    r"\b(?:specialists?|colleagues?|advis[eo]rs?|experts?|team|transfer\w*|connect\s+you"
    r"|put\s+you\s+through|speak\s+(?:to|with)|talk\s+(?:to|with)|refer\w*"
    r"|conseill(?:er|[èe]re)s?|sp[ée]cialistes?|coll[èe]gues?|[ée]quipe|transf[ée]r\w*"
    r"|mettre\s+en\s+relation|orienter)\b",
    re.I,
)

#: Negation near a document name ("you don't need proof of income").
NEGATION_CUES = re.compile(
    r"\b(?:no\s+need|not\s+(?:need|required|necessary|needed)|don" + _AP + r"t\s+need"
    r"|do\s+not\s+need|won" + _AP + r"t\s+need|isn" + _AP + r"t\s+(?:needed|required)"
    r"|aren" + _AP + r"t\s+(?:needed|required)|without|pas\s+besoin|pas\s+n[ée]cessaire"
    r"|inutile|sans)\b",
    re.I,
)

#: Timing claims without digits: family → pattern. A family is supported when
#: any pattern of the same family (or of its synonyms) occurs in the evidence.
TIMING_WORDS: dict[str, str] = {
    "immediate": r"instant(?:ly|aneous(?:ly)?)?|immediate(?:ly)?|imm[ée]diat(?:e|ement)?"
    r"|instantan[ée](?:e|ment)?|en\s+temps\s+r[ée]el|real[-\s]time",
    "same_day": r"same[-\s]day|le\s+jour\s+m[êe]me|dans\s+la\s+journ[ée]e",
    "next_day": r"next[-\s](?:working\s+|business\s+)?day|overnight|le\s+lendemain",
    "always_open": r"24\s*/\s*7|24\s*h(?:ours)?\s*(?:a|per)\s*day|round[-\s]the[-\s]clock"
    r"|around\s+the\s+clock|7\s*j\s*/\s*7|24\s*h\s*/\s*24",
}

#: Words that make a timing word a banking claim rather than small talk.
TIMING_CONTEXT = re.compile(
    r"\b(?:accounts?|cards?|applications?|apply|approv\w*|activat\w*|deliver\w*|arriv\w*"
    r"|open\w*|process\w*|online|app|banking|available|compte|carte|demande|ouverture"
    r"|activ\w*|livr\w*|re[çc]\w*|disponible|en\s+ligne|application)\b",
    re.I,
)


@cache
def _timing_index() -> PhraseIndex:
    return PhraseIndex(TIMING_WORDS.items())


def find_timing(text: str) -> list[tuple[str, int, int]]:
    """Return ``(family, start, end)`` of every timing word in ``text``, in text order."""
    return longest_first(_timing_index().find(text))


#: Words skipped at the start of a branch-name candidate ("Visit our Leeds branch").
NAME_STOPWORDS = frozenset(
    w.lower()
    for w in (
        "The", "Our", "Your", "A", "An", "This", "That", "These", "Those", "My", "Its",
        "Their", "Any", "Each", "Every", "Nearest", "Closest", "Nearby", "Local", "Other",
        "Another", "Same", "Which", "What", "At", "In", "To", "From", "Near", "By", "On",
        "Visit", "Find", "Go", "Head", "Pop", "Call", "Contact", "Try", "Use", "Choose",
        "Select", "Book", "Please", "Yes", "Sure", "Great", "Also", "Or", "And", "Both",
        "For", "With", "Open", "Opening", "Phone", "Address", "Hours", "Branch", "Branches",
        "Le", "La", "Les", "L'", "Notre", "Votre", "Une", "Un", "De", "Du", "Des", "En",
        "Agence", "Agences",
    )
)

#: Place words that need no evidence in a branch candidate ("any of our UK branches").
GENERIC_PLACES = frozenset(
    {"uk", "us", "usa", "british", "american", "french", "france", "england", "britain",
     "scotland", "wales"}
)
