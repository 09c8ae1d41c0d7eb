"""Training data of the embedded router: the shipped set, NLU++ rules, metrics, missing data.

No model is loaded here (fast). Tests that read ../shared/data skip visibly when absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from switchboard.brains.local import router as R
from switchboard.brains.local import training as T
from switchboard.config import RouterSettings
from switchboard.domain.types import Route
from switchboard.errors import RouterModelError, TrainingDataMissingError

SETTINGS = RouterSettings()
SHARED = SETTINGS.shared_data_dir


@pytest.fixture(scope="module")
def shipped() -> list[T.Utterance]:
    return T.load_training_set(SETTINGS.training_dir)


def test_shipped_set_has_every_source_and_valid_routes(shipped: list[T.Utterance]) -> None:
    sources = {r.source for r in shipped}
    assert sources == set(T.SOURCE_FILES)
    for row in shipped:
        T.parse_routes(row.route)  # raises on a bad route
        assert row.text.strip()
    routes = {R.primary_route(r.route) for r in shipped}
    assert routes == {r.value for r in Route}


def test_shipped_set_matches_manifest(shipped: list[T.Utterance]) -> None:
    manifest = json.loads((SETTINGS.training_dir / T.MANIFEST_FILE).read_text())
    counts = {s: sum(r.source == s for r in shipped) for s in T.SOURCE_FILES}
    assert counts == manifest["counts"]


def test_own_intents_cover_what_datasets_lack(shipped: list[T.Utterance]) -> None:
    counts = T.label_counts(r for r in shipped if r.source == "switchboard")
    for intent in (
        "sb_branch_find", "sb_branch_hours", "sb_open_account_branch", "sb_open_account_online",
        "sb_card_types", "sb_card_fees_features", "human_request", "frustration", "complaint",
    ):
        assert counts[intent] >= 40, intent
    own = {r.text.lower() for r in shipped if r.source == "switchboard"}
    public = {r.text.lower() for r in shipped if r.source != "switchboard"}
    assert not own & public  # deduplicated


def test_licences_and_attribution_ship(shipped: list[T.Utterance]) -> None:
    lic = SETTINGS.training_dir / "licenses"
    assert (lic / "BANKING77_NLUPP_CC-BY-4.0.txt").read_text().startswith("Attribution 4.0")
    assert "Attribution 3.0" in (lic / "CLINC150_CC-BY-3.0.txt").read_text()[:200]
    attribution = (SETTINGS.training_dir / "ATTRIBUTION.md").read_text()
    for needle in ("BANKING77", "CLINC150", "NLU++", "CC-BY-4.0", "CC-BY-3.0"):
        assert needle in attribution


@pytest.mark.parametrize(
    ("intents", "text", "expected"),
    [
        (["handoff"], "put me through to a person", ("human_request", "handover")),
        (["refund", "handoff"], "I want a refund, get me a human", ("human_request", "handover")),
        (["greet"], "hello there", ("greeting", "smalltalk")),
        (["affirm"], "yes", ("yes", "smalltalk")),
        (["make_open_apply_setup_get_activate", "savings", "account"],
         "I'd like to open a savings account", ("nlupp_open_account", "account_opening")),
        # an account module without an opening verb is an account service, not opening
        (["make_open_apply_setup_get_activate", "business", "account"],
         "Just put it on my business account, please.", ("nlupp_account_service", "handover")),
        (["make_open_apply_setup_get_activate", "transfer_payment_deposit", "account"],
         "open a transfer to my account", ("nlupp_transfer_payment", "handover")),
        (["card", "request_info", "debit"], "what debit cards do you offer",
         ("nlupp_card_info", "card_info")),
        (["card", "lost_stolen"], "I lost my card", ("nlupp_lost_or_stolen", "handover")),
        (["card", "arrival", "when"], "when will my card arrive",
         ("nlupp_card_service", "handover")),
        (["card", "arrival", "how_long"], "how long does a card take to arrive",
         ("nlupp_card_info", "card_info")),
        (["wrong_notworking_notshowing"], "it just doesn't work",
         ("nlupp_not_working", "handover")),
        # an answer in context or a question only announced is never a tool route
        (["deny", "make_open_apply_setup_get_activate", "account"],
         "No, I want to open the account tomorrow", ("nlupp_account_service", "handover")),
        (["card", "request_info"], "can I ask a question about my card?",
         ("nlupp_card_service", "handover")),
        (["request_info"], "what about next Tuesday", None),
        ([], "at 5 pm", None),
    ],
)
def test_nlupp_rules(intents: list[str], text: str, expected: tuple[str, str] | None) -> None:
    assert T.nlupp_label(intents, text) == expected


def test_parse_routes_and_primary_route() -> None:
    assert T.parse_routes("card_info|handover") == ("card_info", "handover")
    assert R.primary_route("card_info|handover") == "handover"
    assert R.primary_route("smalltalk|out_of_scope") == "smalltalk"
    assert R.primary_route("handover|out_of_scope") == "handover"
    assert R.primary_route("branch") == "branch"
    with pytest.raises(ValueError):
        T.parse_routes("banana")
    with pytest.raises(ValueError):
        T.parse_routes("")


def test_missing_training_dir_raises_with_hint(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataMissingError, match="data/training"):
        T.load_training_set(tmp_path / "nowhere")


def test_missing_shared_data_raises_with_hint(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    for name in (T.OWN_UTTERANCES_FILE, T.OWN_UTTERANCES_FR_FILE):
        (tmp_path / "out" / name).write_text((SETTINGS.training_dir / name).read_text())
    with pytest.raises(TrainingDataMissingError, match="shared/data"):
        T.build_training_set(tmp_path / "no-shared", tmp_path / "out")


def test_missing_artifact_says_run_train(tmp_path: Path) -> None:
    with pytest.raises(RouterModelError, match="switchboard train"):
        R.RouterModel.load(tmp_path)


def test_corrupt_artifact_is_a_router_error(tmp_path: Path) -> None:
    (tmp_path / R.WEIGHTS_FILE).write_bytes(b"not a zip")
    (tmp_path / R.META_FILE).write_text("{}")
    with pytest.raises(RouterModelError, match="corrupt"):
        R.RouterModel.load(tmp_path)


def test_malformed_jsonl_row_names_the_line(tmp_path: Path) -> None:
    for name in T.SOURCE_FILES.values():
        (tmp_path / name).write_text('{"text": "hi", "intent": "greeting", "route": "smalltalk", '
                                     '"source": "x"}\n')
    (tmp_path / "banking77.jsonl").write_text('{"text": "hi", "intent": "x", "route": "nope",'
                                              ' "source": "x"}\n')
    with pytest.raises(ValueError, match=r"banking77\.jsonl:1"):
        T.load_training_set(tmp_path)


@pytest.mark.skipif(not (SHARED / "banking77").is_dir(), reason="../shared/data is absent")
def test_build_reproduces_shipped_set(tmp_path: Path, shipped: list[T.Utterance]) -> None:
    for name in (T.OWN_UTTERANCES_FILE, T.OWN_UTTERANCES_FR_FILE):
        (tmp_path / name).write_text((SETTINGS.training_dir / name).read_text())
    counts = T.build_training_set(SHARED, tmp_path)
    rebuilt = T.load_training_set(tmp_path)
    assert counts == {s: sum(r.source == s for r in shipped) for s in T.SOURCE_FILES}
    assert T.training_set_hash(rebuilt) == T.training_set_hash(shipped)


def test_metrics_honour_either_route_and_asymmetry() -> None:
    gold = ["handover", "handover", "card_info", "card_info|handover", "out_of_scope",
            "smalltalk|out_of_scope", "branch"]
    pred = ["handover", "card_info", "card_info", "card_info", "smalltalk", "out_of_scope",
            "handover"]
    m = R.route_metrics(pred, gold)
    assert m["handover_recall"] == 0.5 and m["n_handover"] == 2
    # only handover->card_info is a tool false positive; the card_info|handover row is excluded
    assert m["tool_fp_rate"] == 0.25 and m["n_tool_fp"] == 4
    assert m["tool_accuracy"] == 0.5 and m["n_tool"] == 2
    assert m["offtopic_rate"] == 1.0 and m["n_offtopic"] == 2


def test_decide_prefers_handover_when_torn() -> None:
    th = R.Thresholds(bank_min=0.5, tool_min=0.5, tool_margin=0.1, explicit_min=0.4)
    cols = {r: i for i, r in enumerate(R.ROUTES)}

    def row(**mass: float) -> np.ndarray:
        v = np.zeros(len(R.ROUTES), dtype=np.float32)
        for k, m in mass.items():
            v[cols[k]] = m
        return v

    scores = np.stack([
        row(card_info=0.52, handover=0.46),  # tool wins by less than the margin
        row(card_info=0.8, handover=0.1, out_of_scope=0.1),  # confident tool
        row(branch=0.2, handover=0.2, out_of_scope=0.5, smalltalk=0.1),  # too little banking
        row(smalltalk=0.7, handover=0.3),  # small talk, but an explicit human request below
    ])
    explicit = np.array([0.0, 0.0, 0.0, 0.45], dtype=np.float32)
    got = [R.ROUTES[i] for i in R.decide(scores, th, explicit)]
    assert got == ["handover", "card_info", "out_of_scope", "handover"]
