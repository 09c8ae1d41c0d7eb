"""One intent router per locale, picked by the contact's locale.

English keeps the all-MiniLM-L6-v2 router it was tuned with (BANKING77,
CLINC150 and NLU++ figures unchanged); French contacts are classified by the
USE multilingual v3 router trained on the English lines plus our own French
ones (``data/router/multilingual``). A single multilingual router for both was
measured (bench/router_encoders.py, 5 held-out folds): it cost English two
points of right tool route, 4 points on CLINC150's out-of-scope class and
raised BANKING77 tool answers to lines needing a human from 0.30 % to 0.37 %,
so each language keeps the encoder that serves it best.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from switchboard.config import RouterSettings
from switchboard.domain.types import Locale
from switchboard.ports import IntentRouter, RouteDecision


class LocaleRouter:
    """Implements :class:`switchboard.ports.IntentRouter` over one router per locale.

    Args:
        default: the router for every locale without its own (English).
        by_locale: routers for specific locales (e.g. ``{Locale.FR_FR: ...}``).

    Attributes the wrapper lacks (``embedder``, ``model``…) are the default router's,
    so the sentiment stage shares the English router's embedding cache as before.
    """

    def __init__(
        self, default: IntentRouter, by_locale: Mapping[Locale, IntentRouter] | None = None
    ) -> None:
        self.default = default
        self.by_locale: dict[Locale, IntentRouter] = dict(by_locale or {})

    @classmethod
    def load(cls, settings: RouterSettings) -> LocaleRouter:
        """Load ``settings.model_dir`` as the default and every ``locale_model_dirs`` artifact.

        Raises:
            switchboard.errors.RouterModelError: an artifact is missing or corrupt
                (run ``switchboard train``) or its encoder cannot load.
        """
        from switchboard.brains.local.router import EmbeddingRouter

        default = EmbeddingRouter.load(settings)
        by_locale: dict[Locale, IntentRouter] = {}
        for name, model_dir in settings.locale_model_dirs.items():
            one = settings.model_copy(update={"model_dir": model_dir})
            by_locale[Locale(name)] = EmbeddingRouter.load(one)
        return cls(default, by_locale)

    def for_locale(self, locale: Locale | str | None) -> IntentRouter:
        """The router for ``locale`` (the default one when it has none)."""
        if locale is None:
            return self.default
        return self.by_locale.get(Locale(locale), self.default)

    def classify(self, text: str) -> RouteDecision:
        """Classify with the default (English) router."""
        return self.default.classify(text)

    def __getattr__(self, name: str) -> Any:
        if name in {"default", "by_locale"}:  # not set yet (copy/pickle): no recursion
            raise AttributeError(name)
        return getattr(self.default, name)
