"""MiniLM on ONNX Runtime gives the torch vectors and the same routing decisions (issue 14).

The graph is the one the product uses: exported offline from the installed
weights into ``RouterSettings().onnx_dir`` (done once; later calls find it
current). Texts are the shipped training and evaluation lines, so every kind of
input the router meets (short, long, accented, punctuated, empty) is compared.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from switchboard.brains.local import embedder as E
from switchboard.brains.local import onnx_encoder as O
from switchboard.brains.local.router import EmbeddingRouter, RouterModel
from switchboard.config import RouterSettings
from switchboard.errors import RouterModelError

ROOT = Path(__file__).resolve().parents[2]


def _texts(n_per_file: int) -> list[str]:
    texts: list[str] = ["", " ", "?", "a", "Émile à Montréal, ça va ?", "word " * 400]
    for path in sorted((ROOT / "data" / "training").glob("*.jsonl")) + sorted(
        (ROOT / "data" / "eval").glob("*/en_*.jsonl")
    ):
        with path.open(encoding="utf-8") as fh:
            lines = [json.loads(line)["text"] for line in fh if line.strip()]
        texts += lines[:: max(1, len(lines) // n_per_file)][:n_per_file]
    return texts


@pytest.fixture(scope="module")
def onnx_path() -> Path:
    return O.export_onnx(RouterSettings().onnx_dir)


@pytest.fixture(scope="module")
def onnx(onnx_path: Path) -> O.OnnxMiniLmEmbedder:
    return O.OnnxMiniLmEmbedder(onnx_path, cache_size=0)


@pytest.fixture(scope="module")
def torch_encoder() -> E.MiniLmEmbedder:
    return E.MiniLmEmbedder(cache_size=0)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return _texts(25)


def test_export_is_current_and_records_its_source(onnx_path: Path) -> None:
    meta = json.loads((onnx_path.parent / O.SIDECAR_FILE).read_text())
    assert meta["source_sha256"] == O.source_digest(E.default_model_path())
    assert meta["precision"] == "fp32"
    assert 0 <= meta["max_abs_diff_vs_torch"] <= O.EXPORT_TOLERANCE
    assert O.onnx_model_is_current(onnx_path.parent)


def test_a_stale_or_missing_export_is_not_current(onnx_path: Path, tmp_path: Path) -> None:
    assert not O.onnx_model_is_current(tmp_path)
    shutil.copy(onnx_path, tmp_path / O.ONNX_FILE)
    meta = json.loads((onnx_path.parent / O.SIDECAR_FILE).read_text())
    (tmp_path / O.SIDECAR_FILE).write_text(json.dumps({**meta, "source_sha256": "0" * 64}))
    assert not O.onnx_model_is_current(tmp_path)  # weights changed since: export again
    (tmp_path / O.SIDECAR_FILE).write_text("{not json")
    assert not O.onnx_model_is_current(tmp_path)


def test_token_ids_match_the_transformers_tokenizer(
    onnx: O.OnnxMiniLmEmbedder, torch_encoder: E.MiniLmEmbedder, texts: list[str]
) -> None:
    for text in texts:
        want = torch_encoder._tokenizer(text, truncation=True, max_length=256)["input_ids"]
        assert onnx._tokenizer.encode(text).ids == want, text


def test_vectors_match_torch_one_at_a_time_and_batched(
    onnx: O.OnnxMiniLmEmbedder, torch_encoder: E.MiniLmEmbedder, texts: list[str]
) -> None:
    want = torch_encoder.embed(texts)
    single = np.stack([onnx.embed_one(t) for t in texts])
    batched = onnx.embed(texts)
    assert single.shape == batched.shape == (len(texts), E.EMBEDDING_DIM)
    assert float(np.abs(single - want).max()) <= O.EXPORT_TOLERANCE
    assert float(np.abs(batched - want).max()) <= O.EXPORT_TOLERANCE
    assert np.allclose(np.linalg.norm(single, axis=1), 1.0, atol=1e-5)
    assert onnx.embed([]).shape == (0, E.EMBEDDING_DIM)


def test_routing_decisions_do_not_change(
    onnx: O.OnnxMiniLmEmbedder, torch_encoder: E.MiniLmEmbedder, texts: list[str]
) -> None:
    model = RouterModel.load(RouterSettings().model_dir)
    assert model.encoder == "minilm"
    on_torch = EmbeddingRouter(model, torch_encoder).classify_many(texts)
    on_onnx = EmbeddingRouter(model, onnx).classify_many(texts)
    for text, a, b in zip(texts, on_torch, on_onnx, strict=True):
        assert (a.route, a.intent) == (b.route, b.intent), text
        for route, score in a.route_scores.items():
            assert b.route_scores[route] == pytest.approx(score, abs=1e-4), text


def test_cache_returns_read_only_shared_vectors(onnx_path: Path) -> None:
    enc = O.OnnxMiniLmEmbedder(onnx_path, cache_size=4)
    first = enc.embed_one("how do I open an account")
    assert enc.embed_one("how do I open an account") is first
    assert not first.flags.writeable
    enc.clear_cache()
    assert enc.embed_one("how do I open an account") is not first


def test_one_shared_encoder_for_the_router_and_live_sentiment(onnx_path: Path) -> None:
    from switchboard.analytics.sentiment_model import AngerModel

    router = EmbeddingRouter.load(RouterSettings())
    assert isinstance(router.embedder, O.OnnxMiniLmEmbedder)  # auto picks onnx
    assert E.make_embedder("minilm") is router.embedder
    assert AngerModel.load().embedder is router.embedder


def test_backends_by_name(tmp_path: Path) -> None:
    assert isinstance(E.minilm_embedder("torch"), E.MiniLmEmbedder)
    with pytest.raises(RouterModelError, match="unknown encoder backend"):
        E.minilm_embedder("tensorrt")
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the model directory should be")
    with pytest.raises(RouterModelError, match="cannot write"):
        E.minilm_embedder("onnx", blocked / "models")
    # auto: no ONNX graph can be made there → the torch encoder, not a failure
    assert isinstance(E.minilm_embedder("auto", blocked / "models"), E.MiniLmEmbedder)


# ------------------------------------------------------------------ int8 (issue 14: CPU per turn)


@pytest.fixture(scope="module")
def int8_path(onnx_path: Path) -> Path:
    return O.quantize_int8(onnx_path.parent)


def test_int8_graph_records_the_fp32_graph_it_came_from(onnx_path: Path, int8_path: Path) -> None:
    meta = json.loads((int8_path.parent / O.INT8_SIDECAR_FILE).read_text())
    assert meta["precision"] == "int8"
    assert meta["fp32_sha256"] == O._sha256(onnx_path)
    assert meta["min_cosine_vs_fp32"] >= O.INT8_MIN_COSINE
    stamp = int8_path.stat().st_mtime_ns
    assert O.quantize_int8(onnx_path.parent) == int8_path  # current: not made again
    assert int8_path.stat().st_mtime_ns == stamp


def test_int8_is_quantised_again_when_the_fp32_graph_changes(
    onnx_path: Path, int8_path: Path, tmp_path: Path
) -> None:
    where = tmp_path / "models"
    shutil.copytree(onnx_path.parent, where)
    sidecar = where / O.INT8_SIDECAR_FILE
    meta = json.loads(sidecar.read_text())
    sidecar.write_text(json.dumps({**meta, "fp32_sha256": "0" * 64}))
    (where / O.INT8_FILE).write_bytes(b"not a graph")
    path = O.quantize_int8(where)
    assert json.loads(sidecar.read_text())["fp32_sha256"] == meta["fp32_sha256"]
    vec = O.OnnxMiniLmEmbedder(path, cache_size=0).embed_one("my card has not arrived")
    assert vec.shape == (E.EMBEDDING_DIM,)


def test_int8_vectors_stay_close_and_routes_agree(
    onnx: O.OnnxMiniLmEmbedder, int8_path: Path, texts: list[str]
) -> None:
    """Vectors on every kind of input; raw router routes on the router's own lines.

    The router (fitted on fp32 vectors) changes 7 of these 2,000 training lines'
    routes; on our evaluation lines, which sit near its thresholds, the raw route
    moves more (22 of 581), and what counts there is the whole turn's decision,
    measured with ``switchboard eval answers`` (docs/architecture.md, "int8").
    """
    int8 = O.OnnxMiniLmEmbedder(int8_path, cache_size=0)
    a, b = onnx.embed(texts), int8.embed(texts)
    cosines = (a * b).sum(axis=1)
    assert cosines.min() >= O.INT8_MIN_COSINE
    assert cosines.mean() >= 0.99
    lines: list[str] = []
    for path in sorted((ROOT / "data" / "training").glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            rows = [json.loads(line)["text"] for line in fh if line.strip()]
        lines += rows[:: max(1, len(rows) // 400)][:400]
    model = RouterModel.load(Path(RouterSettings().model_dir))
    fp32_routes = [d.route for d in EmbeddingRouter(model, onnx).classify_many(lines)]
    int8_routes = [d.route for d in EmbeddingRouter(model, int8).classify_many(lines)]
    changed = sum(x != y for x, y in zip(fp32_routes, int8_routes, strict=True))
    assert changed <= len(lines) // 100, f"{changed} of {len(lines)} routes changed"


def test_int8_precision_by_setting_is_shared_with_live_sentiment(int8_path: Path) -> None:
    from switchboard.analytics.sentiment_model import AngerModel

    settings = RouterSettings(encoder_precision="int8")
    router = EmbeddingRouter.load(settings)
    assert isinstance(router.embedder, O.OnnxMiniLmEmbedder)
    assert router.embedder.onnx_path == int8_path
    assert AngerModel.load(embedder=router.embedder).embedder is router.embedder
    with pytest.raises(RouterModelError, match="unknown encoder precision"):
        E.minilm_embedder("onnx", precision="int4")
    assert isinstance(E.minilm_embedder("torch", precision="int8"), E.MiniLmEmbedder)  # fp32
    fp32 = E.minilm_embedder("onnx", precision="fp32")
    assert isinstance(fp32, O.OnnxMiniLmEmbedder) and fp32.onnx_path.name == O.ONNX_FILE
