"""Fixtures shared by the unit tests.

``router``: the embedded catalog router over the shipped router artifacts and the
multilingual encoder (loaded once per test module, as each answerability round's
tests did on their own before).
"""

from __future__ import annotations

import pytest

from switchboard.brains.local.catalog_router import CatalogRouter


@pytest.fixture(scope="module")
def router() -> CatalogRouter:
    """The shipped embedded router wrapped in the catalog's answerability reading."""
    from switchboard.brains.local.locale_router import LocaleRouter
    from switchboard.config import RouterSettings

    return CatalogRouter(LocaleRouter.load(RouterSettings()))
