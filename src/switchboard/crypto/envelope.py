"""Envelope encryption: one AES-256-GCM data key per record, wrapped by a key-encryption key.

The API is two calls::

    env = Envelope(LocalKeyring.generate())
    blob = env.seal(b"my card arrived", aad=b"message|contact-1|2026-12-03T10:00:00")
    env.open(blob, aad=b"message|contact-1|2026-12-03T10:00:00")  # -> b"my card arrived"

and their text forms :meth:`Envelope.seal_text` / :meth:`Envelope.open_text`
(``"sbe1:" + base64``) for ``Text`` columns.

Each call of :meth:`Envelope.seal` draws a fresh 256-bit data key (DEK) and a
96-bit nonce, encrypts with AES-GCM (NIST SP 800-38D) and asks the
:class:`KeyWrapper` to wrap the DEK under its current key-encryption key (KEK):
AES key wrap (RFC 3394) for the local keyring, ``GenerateDataKey`` for an AWS
KMS key. The blob carries the KEK's id, so a rotated keyring still opens old
blobs as long as it keeps the old key; :meth:`Envelope.rewrap` moves a blob to
the current KEK without touching its ciphertext.

Associated data (``aad``) binds a blob to its record: the caller passes what
identifies the record (table, contact id, timestamp...), and opening with any
other ``aad`` fails. The GCM associated data is ``MAGIC + aad``; the KEK id and
the wrapped DEK are not part of it (a re-wrap must not re-encrypt), and a
tampered wrapped key fails the key unwrap or the GCM tag anyway.

Binary layout (all lengths big-endian)::

    b"SBE" 0x01 | len(key_id):1 | key_id (UTF-8) | len(wrapped):2 | wrapped DEK
    | nonce:12 | ciphertext || tag:16
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from switchboard.errors import SwitchboardError

MAGIC = b"SBE\x01"
#: Prefix of the text form of a sealed blob (see :meth:`Envelope.seal_text`).
TEXT_PREFIX = "sbe1:"
_NONCE_BYTES = 12
_TAG_BYTES = 16
DEK_BYTES = 32


class CryptoError(SwitchboardError):
    """Encryption or decryption failed (not retryable: the key or the blob is wrong)."""

    code = "crypto_error"


class UnknownKeyError(CryptoError):
    """A blob names a key-encryption key the keyring does not hold (retired or foreign)."""

    code = "unknown_key"


class DecryptError(CryptoError):
    """A blob is malformed, was tampered with, or is opened with the wrong ``aad``."""

    code = "decrypt_error"


@runtime_checkable
class KeyWrapper(Protocol):
    """Holds key-encryption keys: makes, wraps and unwraps 32-byte data keys."""

    @property
    def current_key_id(self) -> str:
        """Id of the KEK new data keys are wrapped with."""
        ...

    def new_data_key(self) -> tuple[bytes, str, bytes]:
        """Return ``(dek, key_id, wrapped_dek)`` for a fresh 32-byte data key.

        Raises:
            CryptoError: the KEK cannot be used (KMS refused, keyring empty).
        """
        ...

    def wrap(self, dek: bytes) -> tuple[str, bytes]:
        """Wrap an existing data key under the current KEK; return ``(key_id, wrapped)``."""
        ...

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        """Return the data key wrapped under ``key_id``.

        Raises:
            UnknownKeyError: the wrapper does not hold ``key_id``.
            DecryptError: ``wrapped`` does not unwrap under that key.
        """
        ...


@dataclass(frozen=True, slots=True)
class SealedParts:
    """A parsed blob: the KEK id, the wrapped DEK, the nonce and ciphertext+tag."""

    key_id: str
    wrapped: bytes
    nonce: bytes
    ciphertext: bytes

    def to_bytes(self) -> bytes:
        """Serialise in the layout of the module docstring.

        Raises:
            CryptoError: the key id is longer than 255 UTF-8 bytes or the wrapped key
                than 65535 bytes.
        """
        kid = self.key_id.encode("utf-8")
        if len(kid) > 255 or len(self.wrapped) > 0xFFFF:
            raise CryptoError("key id or wrapped key too long for the envelope header")
        return b"".join(
            (
                MAGIC,
                struct.pack(">B", len(kid)),
                kid,
                struct.pack(">H", len(self.wrapped)),
                self.wrapped,
                self.nonce,
                self.ciphertext,
            )
        )

    @classmethod
    def parse(cls, blob: bytes) -> SealedParts:
        """Split a blob into its parts.

        Raises:
            DecryptError: the blob is not a version-1 envelope or is truncated.
        """
        if not blob.startswith(MAGIC):
            raise DecryptError("not a sealed envelope (bad magic)")
        try:
            pos = len(MAGIC)
            (kid_len,) = struct.unpack_from(">B", blob, pos)
            pos += 1
            key_id = blob[pos : pos + kid_len].decode("utf-8")
            pos += kid_len
            (wrapped_len,) = struct.unpack_from(">H", blob, pos)
            pos += 2
            wrapped = blob[pos : pos + wrapped_len]
            pos += wrapped_len
        except (struct.error, UnicodeDecodeError) as exc:
            raise DecryptError("truncated envelope header") from exc
        nonce = blob[pos : pos + _NONCE_BYTES]
        ciphertext = blob[pos + _NONCE_BYTES :]
        if len(wrapped) != wrapped_len or len(ciphertext) < _TAG_BYTES:
            raise DecryptError("truncated envelope")
        return cls(key_id=key_id, wrapped=wrapped, nonce=nonce, ciphertext=ciphertext)


class Envelope:
    """Seal and open records with per-record data keys (module docstring).

    Args:
        wrapper: the key-encryption keys (:class:`~switchboard.crypto.keyring.LocalKeyring`
            or :class:`~switchboard.crypto.kms.KmsKeyWrapper`).

    Thread-safe: it keeps no mutable state of its own.
    """

    def __init__(self, wrapper: KeyWrapper) -> None:
        self.wrapper = wrapper

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        """Encrypt ``plaintext`` bound to ``aad``; return the blob (≈ 80 bytes + plaintext).

        Raises:
            CryptoError: the KEK cannot wrap the data key.
        """
        dek, key_id, wrapped = self.wrapper.new_data_key()
        nonce = os.urandom(_NONCE_BYTES)
        ciphertext = AESGCM(dek).encrypt(nonce, plaintext, MAGIC + aad)
        return SealedParts(key_id, wrapped, nonce, ciphertext).to_bytes()

    def open(self, blob: bytes, aad: bytes) -> bytes:
        """Decrypt a blob made by :meth:`seal` with the same ``aad``.

        Raises:
            UnknownKeyError: the blob's KEK is not in the keyring.
            DecryptError: malformed or tampered blob, or another ``aad``.
        """
        parts = SealedParts.parse(blob)
        dek = self.wrapper.unwrap(parts.key_id, parts.wrapped)
        try:
            return AESGCM(dek).decrypt(parts.nonce, parts.ciphertext, MAGIC + aad)
        except InvalidTag as exc:
            raise DecryptError("authentication failed: tampered blob or wrong record") from exc

    def seal_text(self, text: str, aad: str) -> str:
        """:meth:`seal` for text columns: ``"sbe1:" + base64(blob)`` (UTF-8 in, ASCII out)."""
        blob = self.seal(text.encode("utf-8"), aad.encode("utf-8"))
        return TEXT_PREFIX + base64.b64encode(blob).decode("ascii")

    def open_text(self, value: str, aad: str) -> str:
        """Inverse of :meth:`seal_text`.

        Raises:
            DecryptError: ``value`` is not a sealed text, or is tampered, or ``aad`` differs.
            UnknownKeyError: its KEK is not in the keyring.
        """
        blob = _text_blob(value)
        try:
            return self.open(blob, aad.encode("utf-8")).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecryptError("sealed text is not UTF-8") from exc

    def rewrap(self, blob: bytes) -> bytes:
        """Re-wrap the blob's data key under the current KEK (ciphertext unchanged).

        A blob already under the current KEK is returned as is.

        Raises:
            UnknownKeyError / DecryptError: the old key cannot unwrap it.
        """
        parts = SealedParts.parse(blob)
        if parts.key_id == self.wrapper.current_key_id:
            return blob
        dek = self.wrapper.unwrap(parts.key_id, parts.wrapped)
        key_id, wrapped = self.wrapper.wrap(dek)
        return SealedParts(key_id, wrapped, parts.nonce, parts.ciphertext).to_bytes()

    def rewrap_text(self, value: str) -> str:
        """:meth:`rewrap` for the text form."""
        blob = self.rewrap(_text_blob(value))
        return TEXT_PREFIX + base64.b64encode(blob).decode("ascii")


def is_sealed_text(value: str | None) -> bool:
    """True when ``value`` has the text form of a sealed blob (``sbe1:`` prefix)."""
    return value is not None and value.startswith(TEXT_PREFIX)


def is_sealed(blob: bytes) -> bool:
    """True when ``blob`` starts with the envelope magic."""
    return blob.startswith(MAGIC)


def key_id_of(blob: bytes | str) -> str:
    """Return the KEK id a blob (or its text form) is wrapped under.

    Raises:
        DecryptError: not a sealed blob.
    """
    raw = _text_blob(blob) if isinstance(blob, str) else blob
    return SealedParts.parse(raw).key_id


def _text_blob(value: str) -> bytes:
    """Decode the text form to the binary blob.

    Raises:
        DecryptError: missing prefix or bad base64.
    """
    if not value.startswith(TEXT_PREFIX):
        raise DecryptError("not a sealed text (missing sbe1: prefix)")
    try:
        return base64.b64decode(value[len(TEXT_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DecryptError("sealed text is not valid base64") from exc
