"""Build the :class:`~switchboard.crypto.envelope.Envelope` named by ``CryptoSettings``."""

from __future__ import annotations

import logging
from typing import Any

from switchboard.config import CryptoSettings
from switchboard.crypto.envelope import Envelope, KeyWrapper
from switchboard.crypto.keyring import LocalKeyring
from switchboard.crypto.kms import KmsKeyWrapper
from switchboard.errors import ConfigError

_log = logging.getLogger("switchboard.crypto")


def build_wrapper(settings: CryptoSettings, *, kms_client: Any = None) -> KeyWrapper:
    """Return the key wrapper: the local keyring (setting, else file) or a KMS key.

    A missing keyring file is generated (development: one random KEK, mode 0600)
    and a warning is logged with its path.

    Args:
        settings: the ``crypto`` settings section.
        kms_client: a botocore KMS client to use instead of building one (tests).

    Raises:
        ConfigError: ``backend=kms`` without ``kms_key_id`` or without boto3.
        switchboard.crypto.envelope.CryptoError: a malformed keyring.
    """
    if settings.backend == "kms":
        if not settings.kms_key_id:
            raise ConfigError("crypto.backend=kms needs crypto.kms_key_id")
        client = kms_client if kms_client is not None else _kms_client(settings)
        return KmsKeyWrapper(client, settings.kms_key_id)
    if settings.keyring is not None and settings.keyring.get_secret_value().strip():
        return LocalKeyring.from_document(settings.keyring.get_secret_value())
    ring, created = LocalKeyring.load_or_create(settings.keyring_file)
    if created:
        _log.warning("crypto: generated a development keyring in %s", settings.keyring_file)
    return ring


def build_envelope(settings: CryptoSettings, *, kms_client: Any = None) -> Envelope | None:
    """Return the envelope for sealing records, or None when ``enabled`` is false.

    Raises:
        ConfigError, CryptoError: see :func:`build_wrapper`.
    """
    if not settings.enabled:
        return None
    return Envelope(build_wrapper(settings, kms_client=kms_client))


def _kms_client(settings: CryptoSettings) -> Any:
    """A boto3 KMS client for the configured region and endpoint.

    Raises:
        ConfigError: boto3 is not installed (``pip install 'switchboard[aws]'``).
    """
    try:
        import boto3
    except ImportError as exc:
        raise ConfigError("crypto.backend=kms needs boto3: pip install 'switchboard[aws]'") from exc
    return boto3.client(
        "kms", region_name=settings.kms_region, endpoint_url=settings.kms_endpoint_url
    )
