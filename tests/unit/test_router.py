"""The embedded router with the shipped artifact (data/router) and its real encoder.

The model loads once per module. Phrasings here are written for these tests and
are not lines of the training set (checked below).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from switchboard.brains.local import router as R
from switchboard.brains.local import training as T
from switchboard.brains.local.embedder import EMBEDDING_DIM, ConcatEmbedder, MiniLmEmbedder
from switchboard.brains.local.multilingual import UseEmbedder, shared_use_embedder
from switchboard.config import RouterSettings
from switchboard.domain.types import Route
from switchboard.errors import RouterModelError, TrainingDataMissingError
from switchboard.ports import IntentRouter

CASES: list[tuple[str, set[str]]] = [
    # branch
    ("hi, is there a branch of yours anywhere near Leeds station?", {"branch"}),
    ("what time does your Croydon branch shut on a Saturday", {"branch"}),
    ("I need the address of the nearest branch to M14 5TP", {"branch"}),
    ("which branch around here has someone for business banking", {"branch"}),
    # account opening
    ("can I open a current account through your website this evening", {"account_opening"}),
    ("what ID do I need to bring in to open a current account", {"account_opening"}),
    ("my son starts uni in September, can he get a student account", {"account_opening"}),
    # card info
    ("how much does your premium debit card cost per month", {"card_info"}),
    ("what's the difference between the standard and premium cards", {"card_info"}),
    ("how do I activate the debit card that came in the post", {"card_info"}),
    ("is travel cover part of the premium debit card package", {"card_info"}),
    # handover
    ("I'd like to speak to a real person please", {"handover"}),
    ("could you get one of your colleagues to ring me back", {"handover"}),
    ("someone took money out of my account and it wasn't me", {"handover"}),
    ("the ATM kept my card", {"handover"}),
    ("my salary transfer still hasn't shown up", {"handover"}),
    ("this is useless, you've given me the same answer three times", {"handover"}),
    ("I want to make a complaint about how I was treated", {"handover"}),
    ("I ordered a new card two weeks ago and it never arrived", {"handover"}),
    # small talk
    ("hello, good afternoon", {"smalltalk"}),
    ("cheers, that's all I needed", {"smalltalk"}),
    ("are you a bot?", {"smalltalk", "out_of_scope"}),
    # off-topic
    ("what's the weather going to be like in Glasgow", {"out_of_scope", "smalltalk"}),
    ("give me a recipe for banana bread", {"out_of_scope", "smalltalk"}),
    ("who is the best footballer in the world", {"out_of_scope", "smalltalk"}),
    ("write a python script that reverses a string", {"out_of_scope", "smalltalk"}),
]

# Borderline: opening questions that also look like account servicing may go to a human
# (the safe side, thresholds tuned for it) but never to another tool or off-topic.
# Measured when the router moved to USE multilingual (issue 10): these two opening
# questions now go to a human (the safe side) where MiniLM answered them; the
# catalog answerability stage (issue 10 item 1) is the place that answers them.
BORDERLINE: list[tuple[str, set[str]]] = [
    ("we want a business account for our new cafe", {"account_opening", "handover"}),
    ("I'd like to open a savings account, can I do it in the app?",
     {"account_opening", "handover"}),
    ("how long until a new debit card gets to me", {"card_info", "handover"}),
]

# Mentions of people or "personal" that are NOT requests for a human: the issue's
# examples (also in the training set as hard negatives) and unseen variants.
NOT_HUMAN_REQUESTS: list[tuple[str, str, str | None]] = [
    ("I want a personal account", "account_opening", None),
    ("is a person able to open a joint account", "account_opening", None),
    ("someone stole my card", "handover", "lost_or_stolen_card"),
    ("could a person my age open a personal current account", "account_opening", None),
    ("can me and my partner get a joint account", "account_opening", None),
    ("a guy on the train stole my debit card", "handover", "lost_or_stolen_card"),
]


@pytest.fixture(scope="module")
def embedder() -> MiniLmEmbedder:
    return MiniLmEmbedder()


@pytest.fixture(scope="module")
def use() -> UseEmbedder:
    return shared_use_embedder()


#: The shipped artifacts: English (MiniLM, the default) and fr_FR (USE multilingual).
ARTIFACTS = {"default": "minilm", "fr_FR": "use"}


def _settings_for(name: str) -> RouterSettings:
    settings = RouterSettings()
    if name == "default":
        return settings
    return settings.model_copy(update={"model_dir": settings.locale_model_dirs[name]})


@pytest.fixture(scope="module", params=sorted(ARTIFACTS))
def router(request: pytest.FixtureRequest) -> R.EmbeddingRouter:
    return R.EmbeddingRouter.load(_settings_for(request.param))


def test_cases_are_not_training_lines() -> None:
    train = {" ".join(r.text.lower().split()) for r in T.load_training_set(
        RouterSettings().training_dir)}
    texts = [t for t, _ in CASES] + [t for t, _, _ in NOT_HUMAN_REQUESTS[3:]]
    leaked = [t for t in texts if " ".join(t.lower().split()) in train]
    assert leaked == []


def test_embedder_matches_sentence_transformers(embedder: MiniLmEmbedder) -> None:
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(embedder.model_path), device="cpu")
    texts = ["where is my nearest branch", "", "word " * 400]
    ours = embedder.embed(texts)
    ref = st.encode(texts, normalize_embeddings=True)
    assert ours.shape == (3, EMBEDDING_DIM) and ours.dtype == np.float32
    assert np.abs(ours - ref).max() < 1e-4
    assert np.abs(embedder.embed_one(texts[0]) - ref[0]).max() < 1e-4
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]).shape == (0, EMBEDDING_DIM)


def test_router_implements_protocol_and_artifact_is_complete(router: R.EmbeddingRouter) -> None:
    assert isinstance(router, IntentRouter)
    assert router.model.encoder in ARTIFACTS.values()
    assert router.model.encoder == router.model.metadata.get("encoder", R.LEGACY_ENCODER)
    assert router.model.coef.shape[1] == router.embedder.dim
    routes = {R.primary_route(c) for c in router.intent_routes.values()}
    assert routes == {r.value for r in Route}
    assert router.model.metadata["data_sha256"]
    assert (RouterSettings().model_dir / R.INTENTS_FILE).is_file()
    size = sum(p.stat().st_size for p in RouterSettings().model_dir.rglob("*") if p.is_file())
    assert size < 3_000_000


@pytest.mark.parametrize(("text", "allowed"), CASES + BORDERLINE)
def test_clear_cases(router: R.EmbeddingRouter, text: str, allowed: set[str]) -> None:
    d = router.classify(text)
    assert d.route.value in allowed, (d.route, d.intent, d.top_intents[:3])
    assert d.intent in router.intent_routes
    assert 0.0 <= d.confidence <= 1.0001
    assert abs(sum(d.route_scores.values()) - 1.0) < 1e-3
    assert d.out_of_scope == (d.route is Route.OUT_OF_SCOPE)


@pytest.mark.parametrize(("text", "route", "intent"), NOT_HUMAN_REQUESTS)
def test_people_words_are_not_human_requests(
    router: R.EmbeddingRouter, text: str, route: str, intent: str | None
) -> None:
    d = router.classify(text)
    assert d.intent != "human_request", d.top_intents[:3]
    assert d.route.value == route, (d.intent, d.top_intents[:3])
    if intent is not None:
        assert d.intent == intent


@pytest.mark.parametrize(
    "text", ["", "   \n\t", "🙂🙂🙂", "1234 5678", "???!!!", "asdkjh qwoeiu zmxncb"]
)
def test_empty_and_garbage_are_out_of_scope(router: R.EmbeddingRouter, text: str) -> None:
    d = router.classify(text)
    assert d.route is Route.OUT_OF_SCOPE and d.out_of_scope


def test_very_long_input_does_not_crash(router: R.EmbeddingRouter) -> None:
    long_text = "where is the nearest branch to Manchester " + "blah " * 20000
    d = router.classify(long_text)
    assert d.route in set(Route)
    assert router.classify("x" * 100_000).route is Route.OUT_OF_SCOPE


def test_classify_many_agrees_with_classify(router: R.EmbeddingRouter) -> None:
    texts = [t for t, _ in CASES[:6]] + [""]
    many = router.classify_many(texts)
    for text, d in zip(texts, many, strict=True):
        one = router.classify(text)
        assert (d.route, d.intent) == (one.route, one.intent)
        assert d.confidence == pytest.approx(one.confidence, abs=1e-4)


def test_load_without_artifact_hints_at_train(tmp_path: Path, use: UseEmbedder) -> None:
    with pytest.raises(RouterModelError, match="switchboard train"):
        R.EmbeddingRouter.load(RouterSettings(model_dir=tmp_path / "none"), use)


def test_weights_and_encoder_of_another_size_are_refused(
    router: R.EmbeddingRouter, embedder: MiniLmEmbedder, use: UseEmbedder
) -> None:
    with pytest.raises(RouterModelError, match="switchboard train"):
        R.EmbeddingRouter(router.model, ConcatEmbedder([embedder, use]))
    concat = ConcatEmbedder([embedder, use])
    vec = concat.embed_one("where is my nearest branch")
    assert vec.shape == (EMBEDDING_DIM + use.dim,)
    assert np.allclose(concat.embed(["where is my nearest branch"])[0], vec, atol=1e-4)


def test_train_without_data_raises(tmp_path: Path, use: UseEmbedder) -> None:
    settings = RouterSettings(training_dir=tmp_path / "empty", model_dir=tmp_path / "model")
    with pytest.raises(TrainingDataMissingError):
        R.train(settings, progress=False, embedder=use)


def test_retrain_on_a_small_subset(tmp_path: Path, use: UseEmbedder) -> None:
    rows = T.load_training_set(RouterSettings().training_dir)
    keep = {"sb_branch_find", "sb_open_account_info", "sb_card_types", "human_request",
            "greeting", "weather"}
    subset = [r for r in rows if r.intent in keep]
    assert 200 <= len(subset) <= 900
    settings = RouterSettings(model_dir=tmp_path / "model")
    report = R.train(settings, progress=False, embedder=use, rows=subset, n_folds=3)
    assert report.n_intents == len(keep) and report.n_utterances == len(subset)
    assert report.held_out["tool_accuracy"] > 0.8
    small = R.EmbeddingRouter.load(settings)
    assert small.model.encoder == "use"
    assert small.classify("nearest branch to Bristol please").route is Route.BRANCH
    assert small.classify("get me a human being").route is Route.HANDOVER


def test_bare_personal_account_is_not_a_request_for_a_person(router: R.EmbeddingRouter) -> None:
    """Seed 2's own counter-example. With USE it goes to a human as an account matter
    (``nlupp_account_service``, measured in issue 10), never as a request for a person."""
    d = router.classify("personal account")
    assert d.intent != "human_request" and d.route in {Route.ACCOUNT_OPENING, Route.HANDOVER}
