"""AWS KMS as the key-encryption key (``KeyWrapper`` over a botocore KMS client).

* :meth:`KmsKeyWrapper.new_data_key`: ``GenerateDataKey`` (``KeySpec=AES_256``):
  KMS returns the plaintext DEK and the DEK encrypted under the KMS key.
* :meth:`KmsKeyWrapper.wrap`: ``Encrypt`` (re-wrap an existing DEK under the
  current KMS key, used by ``switchboard keys rewrap``).
* :meth:`KmsKeyWrapper.unwrap`: ``Decrypt`` with the ``KeyId`` recorded in the
  blob (KMS refuses a ciphertext made under another key).

Every call carries the encryption context ``{"purpose": "switchboard-dek"}``
(AWS KMS "Encryption context": it must match on decrypt and is logged by
CloudTrail). Unwrapped DEKs are cached in an LRU keyed by the wrapped bytes so
that reading a transcript costs one ``Decrypt`` per record once, not per read;
a write costs one ``GenerateDataKey`` (KMS request quotas apply: thousands of
requests per second per account and region). KMS rotates the key material of
a key by itself; moving to a new KMS key is a settings change plus
``switchboard keys rewrap``.

The client is injected (built by :func:`switchboard.crypto.factory.build_wrapper`
from ``boto3``, an optional extra); tests drive it with ``botocore.stub.Stubber``.
"""

from __future__ import annotations

import threading
from typing import Any

from cachetools import LRUCache

from switchboard.crypto.envelope import DEK_BYTES, CryptoError, DecryptError, UnknownKeyError

#: Encryption context sent on every KMS call.
ENCRYPTION_CONTEXT = {"purpose": "switchboard-dek"}


class KmsKeyWrapper:
    """Wrap data keys with an AWS KMS symmetric key (implements ``KeyWrapper``).

    Args:
        client: a botocore KMS client (``boto3.client("kms")``).
        key_id: the KMS key id, ARN or alias new data keys are made under.
        cache_size: unwrapped data keys kept in memory (0 turns the cache off).

    Raises:
        CryptoError: ``key_id`` is empty.
    """

    def __init__(self, client: Any, key_id: str, *, cache_size: int = 4096) -> None:
        if not key_id:
            raise CryptoError("a KMS key id is required")
        self._client = client
        self._key_id = key_id
        self._cache: LRUCache[bytes, bytes] | None = (
            LRUCache(maxsize=cache_size) if cache_size > 0 else None
        )
        self._lock = threading.Lock()

    @property
    def current_key_id(self) -> str:
        """The KMS key new data keys are made under (as configured)."""
        return self._key_id

    def new_data_key(self) -> tuple[bytes, str, bytes]:
        """``GenerateDataKey``: return ``(dek, key_id, wrapped)``.

        Raises:
            CryptoError: KMS refused or could not be reached (error code in the message).
        """
        response = self._call(
            "generate_data_key",
            KeyId=self._key_id,
            KeySpec="AES_256",
            EncryptionContext=ENCRYPTION_CONTEXT,
        )
        dek = bytes(response["Plaintext"])
        if len(dek) != DEK_BYTES:
            raise CryptoError(f"KMS returned a {len(dek)}-byte data key")
        wrapped = bytes(response["CiphertextBlob"])
        self._remember(wrapped, dek)
        return dek, self._key_id, wrapped

    def wrap(self, dek: bytes) -> tuple[str, bytes]:
        """``Encrypt`` ``dek`` under the current KMS key; return ``(key_id, wrapped)``."""
        response = self._call(
            "encrypt", KeyId=self._key_id, Plaintext=dek, EncryptionContext=ENCRYPTION_CONTEXT
        )
        return self._key_id, bytes(response["CiphertextBlob"])

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        """``Decrypt`` a wrapped DEK (cached).

        Raises:
            UnknownKeyError: KMS says the key is not found, disabled or not ours.
            DecryptError: the wrapped key is invalid for that key or context.
            CryptoError: any other KMS failure.
        """
        if self._cache is not None:
            with self._lock:
                cached = self._cache.get(wrapped)
            if cached is not None:
                return cached
        response = self._call(
            "decrypt",
            CiphertextBlob=wrapped,
            KeyId=key_id,
            EncryptionContext=ENCRYPTION_CONTEXT,
        )
        dek = bytes(response["Plaintext"])
        self._remember(wrapped, dek)
        return dek

    def _remember(self, wrapped: bytes, dek: bytes) -> None:
        """Cache an unwrapped data key."""
        if self._cache is not None:
            with self._lock:
                self._cache[wrapped] = dek

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        """Call one KMS operation; map botocore errors to the crypto errors."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            result: dict[str, Any] = getattr(self._client, operation)(**params)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
            if code in (
                "NotFoundException",
                "DisabledException",
                "IncorrectKeyException",
                "KMSInvalidStateException",
                "AccessDeniedException",
            ):
                raise UnknownKeyError(f"KMS {operation}: {code}") from exc
            if code in ("InvalidCiphertextException",):
                raise DecryptError(f"KMS {operation}: {code}") from exc
            raise CryptoError(f"KMS {operation}: {code}", retryable=True) from exc
        except BotoCoreError as exc:
            raise CryptoError(f"KMS {operation}: {type(exc).__name__}", retryable=True) from exc
        return result
