"""Small keys kept beside the keyring: the customer-reference HMAC key and the anchor signing key.

* :func:`load_index_key` / :func:`customer_ref`: a keyed hash (HMAC-SHA256) of a
  customer's endpoint, stored next to the masked endpoint so that erasure can
  find every contact of one customer without the endpoint being stored in
  clear (a "blind index"). The key never rotates with the KEKs: rotating it
  would orphan every stored reference.
* :func:`load_signing_key`: the Ed25519 key that signs audit chain-head anchors
  (:mod:`switchboard.audit.anchor`); only its public half is needed to verify.

Missing files are generated for development with mode 0600 (like the dev
JWT secret of the voice sockets).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from switchboard.config import CryptoSettings
from switchboard.crypto.envelope import CryptoError

_log = logging.getLogger("switchboard.crypto")
_SEPARATORS = re.compile(r"[\s\-().]")


def _write_private(path: Path, data: bytes) -> None:
    """Create ``path`` with mode 0600 holding ``data`` (parents created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def load_index_key(settings: CryptoSettings) -> bytes:
    """The 32-byte customer-reference key: the setting, else the file (generated if missing).

    Raises:
        CryptoError: the configured key is not base64 of 32 bytes, or the file is unreadable.
    """
    if settings.index_key is not None and settings.index_key.get_secret_value():
        try:
            key = base64.b64decode(settings.index_key.get_secret_value(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CryptoError("crypto.index_key is not base64") from exc
    else:
        path = settings.index_key_file
        try:
            if not path.exists():
                _write_private(path, base64.b64encode(secrets.token_bytes(32)))
                _log.warning("crypto: generated a development index key in %s", path)
            key = base64.b64decode(path.read_bytes().strip(), validate=True)
        except (OSError, binascii.Error, ValueError) as exc:
            raise CryptoError(f"cannot read the index key {path}: {type(exc).__name__}") from exc
    if len(key) != 32:
        raise CryptoError(f"the index key is {len(key)} bytes; 32 are needed")
    return key


def normalise_endpoint(endpoint: str) -> str:
    """The canonical form of an endpoint: separators removed, lower case.

    ``+44 7700-900 123`` → ``+447700900123``.
    """
    return _SEPARATORS.sub("", endpoint).lower()


def customer_ref(index_key: bytes | None, endpoint: str | None) -> str | None:
    """Hex HMAC-SHA256 of the normalised endpoint; None without a key or an endpoint."""
    if index_key is None or not endpoint or not endpoint.strip():
        return None
    message = normalise_endpoint(endpoint).encode("utf-8")
    return hmac.new(index_key, message, hashlib.sha256).hexdigest()


def load_signing_key(settings: CryptoSettings) -> Ed25519PrivateKey:
    """The Ed25519 anchor-signing key from ``anchor_key_file`` (generated when missing).

    Raises:
        CryptoError: the file is unreadable or not an Ed25519 PEM private key.
    """
    path = settings.anchor_key_file
    try:
        if not path.exists():
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            _write_private(path, pem)
            _log.warning("crypto: generated a development anchor signing key in %s", path)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise CryptoError(
            f"cannot load the anchor signing key {path}: {type(exc).__name__}"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise CryptoError(f"{path} is not an Ed25519 private key")
    return key
