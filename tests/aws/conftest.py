"""Shared fixtures of the AWS tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def router() -> Any:
    """The shipped embedded router, loaded once (read-only, so containers may share it)."""
    from switchboard.brains.local.router import EmbeddingRouter
    from switchboard.config import Settings

    return EmbeddingRouter.load(Settings().router)
