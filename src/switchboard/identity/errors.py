"""Identity errors: who you are (401) and what you may do (403).

Both derive from :class:`switchboard.errors.SwitchboardError`; the API turns
them into 401/403 responses and ``error`` frames with close codes 4401/4403.
"""

from __future__ import annotations

from switchboard.errors import InputError, SwitchboardError


class AuthenticationError(SwitchboardError):
    """No credential, or one that does not verify (expired, wrong audience, bad signature)."""

    code = "unauthorized"


class PermissionDeniedError(SwitchboardError):
    """A verified caller asked for something their role or contact does not allow."""

    code = "forbidden"


class UnknownUserError(InputError):
    """No user of that name (HTTP 404)."""

    code = "unknown_user"


class UserExistsError(InputError):
    """A user of that name exists already (HTTP 409)."""

    code = "user_exists"
