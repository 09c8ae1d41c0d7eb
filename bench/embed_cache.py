"""Per-text embedding cache for the router benches (a temp-dir npz per encoder).

Only texts not yet cached are embedded, so adding training lines costs only
their own embeddings. Run as a script to warm the caches:
``.venv/bin/python bench/embed_cache.py minilm use``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _path(name: str) -> Path:
    return Path(tempfile.gettempdir()) / f"switchboard_embcache_{name}.npz"


def _encoder(name: str):  # type: ignore[no-untyped-def]
    if name == "minilm":
        from switchboard.brains.local.embedder import MiniLmEmbedder

        return MiniLmEmbedder(num_threads=1)
    from switchboard.brains.local.multilingual import UseEmbedder

    return UseEmbedder()


def embed(name: str, texts: Sequence[str]) -> np.ndarray:
    """Return ``(n, d)`` embeddings of ``texts`` by encoder ``name`` (minilm | use)."""
    path = _path(name)
    cache: dict[str, np.ndarray] = {}
    if path.is_file():
        with np.load(path, allow_pickle=False) as z:
            cache = dict(zip(z["texts"].tolist(), z["x"], strict=True))
    missing = sorted({t for t in texts if t not in cache})
    if missing:
        x = _encoder(name).embed(missing, progress=True)
        cache.update(zip(missing, x, strict=True))
        keys = list(cache)
        np.savez(path, texts=np.array(keys), x=np.stack([cache[k] for k in keys]))
    return np.stack([cache[t] for t in texts]).astype(np.float32)


if __name__ == "__main__":
    from switchboard.brains.local.training import load_training_set
    from switchboard.config import RouterSettings

    rows = load_training_set(RouterSettings().training_dir)
    for enc in sys.argv[1:]:
        print(enc, embed(enc, [r.text for r in rows]).shape)
