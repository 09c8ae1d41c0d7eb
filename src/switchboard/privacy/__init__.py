"""Retention, erasure, audit verification and key management (a composition-level room).

:class:`PrivacyService` (erase, purge, verify, anchor), :class:`PrivacyRuntime`
(the server's periodic purge and anchor task) and the CLI groups in
:mod:`switchboard.privacy.commands`.
"""

from switchboard.privacy.runtime import PrivacyRuntime
from switchboard.privacy.service import ErasureReport, PrivacyService, VerifyReport

__all__ = ["ErasureReport", "PrivacyRuntime", "PrivacyService", "VerifyReport"]
