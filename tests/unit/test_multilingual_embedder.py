"""The multilingual encoder loads offline and maps translations close together."""

import numpy as np

from switchboard.brains.local.multilingual import USE_DIM, shared_use_embedder


def test_translations_are_closer_than_other_meanings() -> None:
    emb = shared_use_embedder()
    vecs = emb.embed(
        [
            "Je voudrais ouvrir un compte",
            "I would like to open an account",
            "On m'a volé ma carte bancaire",
            "my card was stolen",
        ]
    )
    assert vecs.shape == (4, USE_DIM)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-3)
    sims = vecs @ vecs.T
    assert sims[0, 1] > sims[0, 3] + 0.3
    assert sims[2, 3] > sims[2, 1] + 0.3


def test_embed_one_is_cached_and_matches_batch() -> None:
    emb = shared_use_embedder()
    one = emb.embed_one("Où est l'agence la plus proche ?")
    assert one is emb.embed_one("Où est l'agence la plus proche ?")
    batch = emb.embed(["Où est l'agence la plus proche ?"])[0]
    assert float(one @ batch) > 0.999
    assert emb.embed([]).shape == (0, USE_DIM)
