"""The embedded router's training set: build it from the public datasets, read the shipped copy.

Two entry points:

* :func:`build_training_set` regenerates ``data/training/*.jsonl`` from the
  public datasets in ``../shared/data`` (BANKING77, CLINC150, NLU++ banking)
  plus our own hand-written utterances (``data/training/switchboard_utterances.yaml``).
* :func:`load_training_set` reads the shipped JSONL files, so a fresh machine
  trains without ``../shared``.

Every row is ``{"text", "intent", "route", "source", "split"}``. ``route`` is a
route name from :class:`switchboard.domain.types.Route` or ``"a|b"`` when either
route is right (the datasets' ``route_map.csv`` files). Intent labels keep the
datasets' own names (BANKING77, CLINC150), except CLINC150's ``exchange_rate``
which collides with a BANKING77 label and becomes ``clinc_exchange_rate``.
NLU++ multi-label annotations become single ``nlupp_*`` intents (or merge into
CLINC/own labels) through :func:`nlupp_label`; our own intents start with ``sb_``
(plus the shared ``human_request``, ``frustration`` and ``complaint``).
``data/training/ATTRIBUTION.md`` names the sources, licences and changes.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from switchboard.domain.types import Route
from switchboard.errors import TrainingDataMissingError

if TYPE_CHECKING:
    from switchboard.brains.local.router import TrainReport
    from switchboard.config import RouterSettings

#: Separator of alternative routes in a route-map cell ("either is right").
ROUTE_ALT_SEP = "|"
#: Our own utterances, hand-written; the source of the ``switchboard`` rows.
OWN_UTTERANCES_FILE = "switchboard_utterances.yaml"
#: Our own French utterances, hand-written with the same intent labels; the
#: source of the ``switchboard_fr`` rows.
OWN_UTTERANCES_FR_FILE = "switchboard_utterances_fr.yaml"
#: JSONL files of the shipped training set, one per source.
SOURCE_FILES = {
    "banking77": "banking77.jsonl",
    "clinc150": "clinc150.jsonl",
    "nlupp_banking": "nlupp_banking.jsonl",
    "switchboard": "switchboard.jsonl",
    "switchboard_fr": "switchboard_fr.jsonl",
}
MANIFEST_FILE = "manifest.json"
_ROUTE_NAMES = frozenset(r.value for r in Route)
#: CLINC150 labels renamed because BANKING77 uses the same name for another scope.
CLINC_RENAMES = {"exchange_rate": "clinc_exchange_rate"}
#: Product route of a BANKING77 intent where it differs from the dataset's route_map.csv
#: (that map marks these BORDERLINE, "remap ... if the catalog includes them").
#: ``getting_virtual_card``: most lines ask how to get one ("How do I order a virtual
#: card?"), which the card catalog answers (virtual card: how to order, instant, free);
#: some chase a missing card ("Why haven't I got my virtual card yet?"), which needs a
#: human, so either route is right. Its probability still counts for handover
#: (``primary_route``), so the router's decisions do not move. Rationale in
#: data/router/INTENTS.md.
BANKING77_ROUTE_OVERRIDES = {"getting_virtual_card": "card_info|handover"}


@dataclass(frozen=True, slots=True)
class Utterance:
    """One training utterance.

    ``route`` is a route name or ``"a|b"``; ``split`` records where the row came
    from inside its source (``train``, ``val``, ``oos_train``, ``fold7``, ``own``)
    so evaluations can hold out whole NLU++ folds.
    """

    text: str
    intent: str
    route: str
    source: str
    split: str


def parse_routes(cell: str) -> tuple[str, ...]:
    """Split a route-map cell (``"card_info|handover"``) into route names.

    Raises:
        ValueError: when a part is not a :class:`Route` value.

    """
    parts = tuple(p.strip() for p in cell.split(ROUTE_ALT_SEP) if p.strip())
    bad = [p for p in parts if p not in _ROUTE_NAMES]
    if not parts or bad:
        raise ValueError(f"not a route (or a|b routes): {cell!r}")
    return parts


def _require(path: Path, what: str) -> Path:
    if not path.exists():
        raise TrainingDataMissingError(
            f"{what} not found at {path}. Put the public datasets under ../shared/data "
            "(banking77/, clinc150/, nlupp_banking/; see data/training/ATTRIBUTION.md) "
            "or set SWITCHBOARD_ROUTER__SHARED_DATA_DIR."
        )
    return path


def _read_route_map(path: Path) -> dict[str, str]:
    with _require(path, "route map").open(newline="", encoding="utf-8") as fh:
        rows = {row["intent"]: row["route"] for row in csv.DictReader(fh)}
    for cell in rows.values():
        parse_routes(cell)
    return rows


def load_banking77(folder: Path) -> list[Utterance]:
    """Read BANKING77 ``train.csv`` with routes from its ``route_map.csv`` (and our overrides).

    Raises:
        TrainingDataMissingError: when a file is absent.
        KeyError: when an intent has no row in the route map.

    """
    routes = {**_read_route_map(folder / "route_map.csv"), **BANKING77_ROUTE_OVERRIDES}
    with _require(folder / "train.csv", "BANKING77 train.csv").open(
        newline="", encoding="utf-8"
    ) as fh:
        return [
            Utterance(r["text"].strip(), r["category"], routes[r["category"]], "banking77", "train")
            for r in csv.DictReader(fh)
            if r["text"].strip()
        ]


def load_clinc150(folder: Path) -> list[Utterance]:
    """Read CLINC150 train+val (150 intents) and oos_train/oos_val as intent ``oos``.

    Routes come from its ``route_map.csv`` (``oos`` → ``out_of_scope``).
    ``exchange_rate`` is renamed ``clinc_exchange_rate`` (see :data:`CLINC_RENAMES`).

    Raises:
        TrainingDataMissingError: when a file is absent.

    """
    routes = _read_route_map(folder / "route_map.csv")
    path = _require(folder / "data_full_train_val.json", "CLINC150 data_full_train_val.json")
    data: dict[str, list[list[str]]] = json.loads(path.read_text(encoding="utf-8"))
    out: list[Utterance] = []
    for split in ("train", "val", "oos_train", "oos_val"):
        for text, intent in data.get(split, []):
            if text.strip():
                label = CLINC_RENAMES.get(intent, intent)
                out.append(Utterance(text.strip(), label, routes[intent], "clinc150", split))
    return out


# --- NLU++ ------------------------------------------------------------------------------
# NLU++ annotates each utterance with several generic "intent modules". Our rules pick
# ONE intent and route per utterance, following the philosophy of the two route maps:
# information the tools hold (opening an account, the debit-card catalog) is a tool
# route; anything about a customer's own money, payments, security or a failure needs a
# human (handover); pure dialogue acts are small talk.

_NLUPP_ACTS = {  # dialogue act → CLINC150/own small-talk label, in priority order
    "greet": "greeting",
    "thank": "thank_you",
    "end_call": "goodbye",
    "repeat": "repeat",
    "affirm": "yes",
    "deny": "no",
    "dont_know": "nlupp_dont_know",
    "acknowledge": "nlupp_acknowledge",
}
_NLUPP_TOPICS = (  # topic module → handover label, in priority order
    ("lost_stolen", "nlupp_lost_or_stolen"),
    ("refund", "nlupp_refund"),
    ("pin", "nlupp_pin"),
    ("mortgage", "nlupp_mortgage"),
    ("loan", "nlupp_loan"),
    ("overdraft", "nlupp_overdraft"),
    ("standing_order", "nlupp_standing_order"),
    ("direct_debit", "nlupp_direct_debit"),
    ("cheque", "nlupp_cheque"),
    ("withdrawal", "nlupp_withdrawal"),
    ("balance", "nlupp_balance"),
    ("appointment", "nlupp_appointment"),
    ("fees_interests", "nlupp_fees_interest"),
    ("transfer_payment_deposit", "nlupp_transfer_payment"),
    ("card", "nlupp_card_service"),
    ("debit", "nlupp_card_service"),
    ("credit", "nlupp_card_service"),
    ("contactless", "nlupp_card_service"),
    ("account", "nlupp_account_service"),
    ("savings", "nlupp_account_service"),
    ("current", "nlupp_account_service"),
    ("business", "nlupp_account_service"),
    ("international", "nlupp_banking_other"),
    ("arrival", "nlupp_banking_other"),
)
_NLUPP_TOPIC_NAMES = frozenset(t for t, _ in _NLUPP_TOPICS) - {"lost_stolen"}
_ACCOUNT_TAGS = frozenset({"account", "savings", "current", "business"})
_CARD_TAGS = frozenset({"card", "debit", "contactless"})
_OPEN_BLOCKERS = frozenset(
    {
        "transfer_payment_deposit",
        "standing_order",
        "direct_debit",
        "card",
        "loan",
        "mortgage",
        "overdraft",
        "wrong_notworking_notshowing",
        "cancel_close_leave_freeze",
        "fees_interests",
        "balance",
        "appointment",
        "credit",
        "cheque",
        "withdrawal",
        "existing",
        "change",
        "refund",
        "pin",
        "lost_stolen",
        "limits",
    }
)
_CARD_BLOCKERS = frozenset(
    {
        "wrong_notworking_notshowing",
        "lost_stolen",
        "cancel_close_leave_freeze",
        "pin",
        "transfer_payment_deposit",
        "withdrawal",
        "credit",
        "refund",
        "limits",
        "change",
        "existing",
        "balance",
        "appointment",
        "cheque",
        "direct_debit",
        "standing_order",
        "loan",
        "mortgage",
        "overdraft",
        "more_higher_after",
        "less_lower_before",
        "why",
    }
)
_CARD_INFO_ASKS = frozenset(
    {
        "request_info",
        "how",
        "how_much",
        "fees_interests",
        "how_long",
        "make_open_apply_setup_get_activate",
    }
)
_OPEN_RE = re.compile(
    r"\b(open(s|ing)?\b|apply\w*|application|sign\w* up|set\w* up|new\b.*\b(account|one)"
    r"|another\b.*\baccount|(have|get|start)\b.*\baccount with you)",
    re.IGNORECASE,
)
#: Dialogue acts that make an utterance an answer in context ("No, I want to open it
#: tomorrow", "I know, I tried it ... send that to my debit card"): never a tool route.
_ANSWER_ACTS = frozenset({"affirm", "deny"})
#: Text that announces a question without asking it ("can I ask a question about my card").
_ANNOUNCES_QUESTION_RE = re.compile(r"\bquestions?\b", re.IGNORECASE)


def nlupp_label(intents: Iterable[str], text: str) -> tuple[str, str] | None:
    """Map one NLU++ banking example to ``(intent, route)``, or None to drop it.

    Rules, first match wins (our own, documented in ATTRIBUTION.md):

    1. no intent module → dropped (slot-only answers such as "at 5 pm" need context);
    2. ``handoff`` → ``human_request`` / handover;
    3. only dialogue acts → small talk, merged into CLINC150 labels where one exists
       (greet→greeting, thank→thank_you, end_call→goodbye, repeat, affirm→yes,
       deny→no) or ``nlupp_dont_know`` / ``nlupp_acknowledge``;
    4. no banking topic: lost/stolen, cancel/close/freeze or "not working" → handover
       (``nlupp_lost_or_stolen``, ``nlupp_cancel_close_freeze``, ``nlupp_not_working``);
       other topic-less fragments ("make it on Thursday") are dropped;
    5. an account module (account/savings/current/business) with an opening verb in
       the text and no payment/card/loan/failure/change module → ``nlupp_open_account``
       / account_opening (the opening tools);
       rules 5 and 6 never fire on an answer in context (an ``affirm``/``deny`` act)
       nor on text that only announces a question ("a question about my card");
    6. a card module (card/debit/contactless) asked about (request_info, how, how_much,
       fees, how_long, make/get) with no failure, loss, PIN, payment, limit, change,
       why or existing-card module, and ``arrival`` only with
       ``how_long`` (generic delivery time, as BANKING77's card_delivery_estimate)
       → ``nlupp_card_info`` / card_info;
    7. anything else → handover, labelled by its first topic in ``_NLUPP_TOPICS``.
    """
    tags = set(intents)
    if not tags:
        return None
    if "handoff" in tags:
        return "human_request", Route.HANDOVER.value
    topics = tags & (_NLUPP_TOPIC_NAMES | {"lost_stolen"})
    if not topics:
        if tags <= set(_NLUPP_ACTS):
            act = next(a for a in _NLUPP_ACTS if a in tags)
            return _NLUPP_ACTS[act], Route.SMALLTALK.value
        if "lost_stolen" in tags:
            return "nlupp_lost_or_stolen", Route.HANDOVER.value
        if "cancel_close_leave_freeze" in tags:
            return "nlupp_cancel_close_freeze", Route.HANDOVER.value
        if "wrong_notworking_notshowing" in tags:
            return "nlupp_not_working", Route.HANDOVER.value
        return None
    tool_ok = not tags & _ANSWER_ACTS and not _ANNOUNCES_QUESTION_RE.search(text)
    if tool_ok and tags & _ACCOUNT_TAGS and not tags & _OPEN_BLOCKERS and _OPEN_RE.search(text):
        return "nlupp_open_account", Route.ACCOUNT_OPENING.value
    if (
        tool_ok
        and tags & _CARD_TAGS
        and tags & _CARD_INFO_ASKS
        and not tags & _CARD_BLOCKERS
        and ("arrival" not in tags or "how_long" in tags)
    ):
        return "nlupp_card_info", Route.CARD_INFO.value
    label = next(lbl for t, lbl in _NLUPP_TOPICS if t in tags)
    return label, Route.HANDOVER.value


def load_nlupp(folder: Path) -> list[Utterance]:
    """Read NLU++ banking ``fold*.json`` and label each example with :func:`nlupp_label`.

    ``split`` is the fold name (``fold0``…), so evaluations can hold folds out.

    Raises:
        TrainingDataMissingError: when no fold file is present.

    """
    files = sorted(
        _require(folder, "NLU++ banking folder").glob("fold*.json"),
        key=lambda p: int(re.sub(r"\D", "", p.stem) or 0),
    )
    if not files:
        _require(folder / "fold0.json", "NLU++ banking fold files")
    out: list[Utterance] = []
    for path in files:
        for ex in json.loads(path.read_text(encoding="utf-8")):
            text = str(ex.get("text", "")).strip()
            mapped = nlupp_label(ex.get("intents", []), text)
            if text and mapped is not None:
                out.append(Utterance(text, mapped[0], mapped[1], "nlupp_banking", path.stem))
    return out


def load_own_utterances(
    path: Path, source: str = "switchboard", split: str = "own"
) -> list[Utterance]:
    """Read our hand-written utterances (YAML list of ``{intent, route, texts}`` groups).

    Rows get ``source`` and ``split`` (``switchboard``/``own`` for the English
    file, ``switchboard_fr``/``own_fr`` for the French one).

    Raises:
        TrainingDataMissingError: when the file is absent.
        ValueError: when a group has an unknown route or no texts.

    """
    groups: Any = yaml.safe_load(_require(path, "own utterances").read_text(encoding="utf-8"))
    if not isinstance(groups, list):
        raise ValueError(f"{path}: expected a list of {{intent, route, texts}} groups")
    out: list[Utterance] = []
    for group in groups:
        intent, route, texts = group.get("intent"), group.get("route"), group.get("texts")
        if not intent or not texts:
            raise ValueError(f"{path}: group without intent or texts: {group!r}")
        parse_routes(str(route))
        out.extend(
            Utterance(str(t).strip(), str(intent), str(route), source, split)
            for t in texts
            if str(t).strip()
        )
    return out


def _write_jsonl(path: Path, rows: Sequence[Utterance]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")


def _dedupe(rows: Iterable[Utterance]) -> list[Utterance]:
    """Drop exact (case-insensitive) duplicate texts, keeping the first label seen."""
    seen: set[str] = set()
    out: list[Utterance] = []
    for row in rows:
        key = " ".join(row.text.lower().split())
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def build_training_set(shared_dir: Path, out_dir: Path) -> dict[str, int]:
    """Regenerate the shipped training set in ``out_dir`` from ``shared_dir``.

    Reads ``shared_dir/{banking77,clinc150,nlupp_banking}``,
    ``out_dir/switchboard_utterances.yaml`` and ``out_dir/switchboard_utterances_fr.yaml``;
    writes one JSONL file per source (:data:`SOURCE_FILES`), ``manifest.json`` (row
    counts and a sha256 of the rows) and copies the licence files into ``out_dir/licenses/``. Exact
    duplicate texts are kept once (own utterances win, English then French, then
    BANKING77, CLINC150, NLU++). Returns the row count per source.

    Raises:
        TrainingDataMissingError: when a dataset or the own-utterances file is absent.

    """
    shared_dir, out_dir = Path(shared_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    own = load_own_utterances(out_dir / OWN_UTTERANCES_FILE)
    own_fr = load_own_utterances(out_dir / OWN_UTTERANCES_FR_FILE, "switchboard_fr", "own_fr")
    b77 = load_banking77(shared_dir / "banking77")
    clinc = load_clinc150(shared_dir / "clinc150")
    nlupp = load_nlupp(shared_dir / "nlupp_banking")
    rows = _dedupe([*own, *own_fr, *b77, *clinc, *nlupp])
    by_source: dict[str, list[Utterance]] = {s: [] for s in SOURCE_FILES}
    for row in rows:
        by_source[row.source].append(row)
    for source, name in SOURCE_FILES.items():
        _write_jsonl(out_dir / name, by_source[source])
    lic = out_dir / "licenses"
    lic.mkdir(exist_ok=True)
    # BANKING77 and NLU++ come from the same repository (PolyAI task-specific-datasets),
    # whose one LICENSE file (CC-BY-4.0) ships in the banking77 folder.
    shutil.copyfile(
        _require(shared_dir / "banking77" / "LICENSE", "BANKING77 LICENSE"),
        lic / "BANKING77_NLUPP_CC-BY-4.0.txt",
    )
    shutil.copyfile(
        _require(shared_dir / "clinc150" / "LICENSE", "CLINC150 LICENSE"),
        lic / "CLINC150_CC-BY-3.0.txt",
    )
    counts = {s: len(v) for s, v in by_source.items()}
    manifest = {"counts": counts, "sha256": training_set_hash(rows)}
    (out_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return counts


def training_set_hash(rows: Sequence[Utterance]) -> str:
    """Return a sha256 hex digest over ``text``/``intent``/``route`` of ``rows`` (in order)."""
    h = hashlib.sha256()
    for row in rows:
        h.update(f"{row.text}\t{row.intent}\t{row.route}\n".encode())
    return h.hexdigest()


def load_training_set(training_dir: Path) -> list[Utterance]:
    """Read the shipped training set (every file of :data:`SOURCE_FILES`) from ``training_dir``.

    Raises:
        TrainingDataMissingError: when the directory or a source file is absent
            (regenerate with :func:`build_training_set`).
        ValueError: when a row is malformed.

    """
    training_dir = Path(training_dir)
    rows: list[Utterance] = []
    for name in SOURCE_FILES.values():
        path = training_dir / name
        if not path.is_file():
            raise TrainingDataMissingError(
                f"router training data missing: {path}. The shipped set lives in data/training/; "
                "regenerate it from ../shared/data with "
                "switchboard.brains.local.training.build_training_set(shared_dir, out_dir)."
            )
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                    row = Utterance(
                        str(obj["text"]),
                        str(obj["intent"]),
                        str(obj["route"]),
                        str(obj["source"]),
                        str(obj.get("split", "")),
                    )
                    parse_routes(row.route)
                except (KeyError, ValueError) as exc:
                    raise ValueError(f"{path}:{lineno}: malformed row: {exc}") from exc
                rows.append(row)
    return rows


def label_counts(rows: Iterable[Utterance]) -> Counter[str]:
    """Return how many rows each intent has."""
    return Counter(r.intent for r in rows)


#: Sources written in a language other than English (kept out of the English router).
NON_ENGLISH_SOURCES = frozenset({"switchboard_fr"})


def train(settings: RouterSettings, progress: bool = True) -> list[TrainReport]:
    """Train every router artifact from the shipped set (``switchboard train``).

    The default artifact (``settings.model_dir``, English locales) is fitted on
    all-MiniLM-L6-v2 embeddings of the English sources; each artifact in
    ``settings.locale_model_dirs`` (fr_FR) on USE multilingual v3 embeddings of
    every source, our French lines included. See
    :func:`switchboard.brains.local.router.train` for the steps and
    :mod:`switchboard.brains.local.locale_router` for why two encoders.

    Returns:
        One report per artifact, the default first.

    Raises:
        TrainingDataMissingError: when ``settings.training_dir`` lacks the data.
        RouterModelError: when an embedding model cannot load.

    """
    from switchboard.brains.local.router import train as _train

    rows = load_training_set(Path(settings.training_dir))
    english = [r for r in rows if r.source not in NON_ENGLISH_SOURCES]
    reports = [_train(settings, progress, rows=english, encoder="minilm")]
    for model_dir in dict.fromkeys(settings.locale_model_dirs.values()):
        one = settings.model_copy(update={"model_dir": model_dir})
        reports.append(_train(one, progress, rows=rows, encoder="use"))
    return reports
