"""A local keyring of key-encryption keys (KEKs), by id, kept in a JSON file or a setting.

Document shape (the file, or the ``SWITCHBOARD_CRYPTO__KEYRING`` setting)::

    {"current": "k20261203T165200-1a2b", "keys": {"k20261203T165200-1a2b": "<base64 32 bytes>"}}

Data keys are wrapped with AES key wrap (RFC 3394, ``cryptography``'s
``aes_key_wrap``) under the ``current`` KEK; any KEK still listed unwraps the
data keys it wrapped. :meth:`LocalKeyring.rotate` adds a new KEK and makes it
current; :meth:`LocalKeyring.retire` removes an old one once nothing uses it
(``switchboard keys rewrap`` first).

The file is written with mode 0600 through a temporary file and ``os.replace``
(atomic on POSIX), so a crash never leaves a half-written keyring.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from switchboard.crypto.envelope import DEK_BYTES, CryptoError, DecryptError, UnknownKeyError


def new_key_id() -> str:
    """A fresh KEK id: ``k`` + UTC timestamp + 4 random hex digits (sorts by creation)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"k{stamp}-{secrets.token_hex(2)}"


class LocalKeyring:
    """KEKs by id with one current; implements :class:`~switchboard.crypto.envelope.KeyWrapper`.

    Args:
        keys: key id → 32-byte KEK.
        current: id of the KEK new data keys are wrapped with.
        path: the file the keyring came from (needed by :meth:`rotate` / :meth:`retire`
            to persist), None for a keyring given in settings or built in memory.

    Raises:
        CryptoError: ``current`` is not in ``keys`` or a KEK is not 32 bytes.
    """

    def __init__(self, keys: dict[str, bytes], current: str, *, path: Path | None = None) -> None:
        if current not in keys:
            raise CryptoError(f"current key {current!r} is not in the keyring")
        for key_id, kek in keys.items():
            if len(kek) != 32:
                raise CryptoError(f"key {key_id!r} is {len(kek)} bytes; a KEK is 32 bytes")
        self._keys = dict(keys)
        self._current = current
        self.path = path

    # -- construction --------------------------------------------------------------

    @classmethod
    def generate(cls, *, path: Path | None = None) -> LocalKeyring:
        """A keyring with one fresh random KEK (written to ``path`` when given)."""
        key_id = new_key_id()
        ring = cls({key_id: secrets.token_bytes(32)}, key_id, path=path)
        if path is not None:
            ring.save()
        return ring

    @classmethod
    def from_document(
        cls, document: str | dict[str, Any], *, path: Path | None = None
    ) -> LocalKeyring:
        """Parse the JSON document of the module docstring.

        Raises:
            CryptoError: malformed JSON, missing fields or keys that are not base64.
        """
        try:
            doc = json.loads(document) if isinstance(document, str) else document
            keys = {str(k): base64.b64decode(v, validate=True) for k, v in doc["keys"].items()}
            current = str(doc["current"])
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
            raise CryptoError(f"malformed keyring document: {type(exc).__name__}") from exc
        return cls(keys, current, path=path)

    @classmethod
    def load(cls, path: Path) -> LocalKeyring:
        """Read a keyring file.

        Raises:
            CryptoError: the file is missing, unreadable or malformed.
        """
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CryptoError(f"cannot read keyring {path}: {exc.strerror}") from exc
        return cls.from_document(text, path=path)

    @classmethod
    def load_or_create(cls, path: Path) -> tuple[LocalKeyring, bool]:
        """Load ``path``, or generate a development keyring there; return it and ``created``."""
        if path.exists():
            return cls.load(path), False
        return cls.generate(path=path), True

    def document(self) -> dict[str, Any]:
        """The keyring as the JSON-compatible document (holds secret key material)."""
        return {
            "current": self._current,
            "keys": {k: base64.b64encode(v).decode("ascii") for k, v in self._keys.items()},
        }

    def save(self) -> None:
        """Write the keyring to :attr:`path` (mode 0600, atomic replace).

        Raises:
            CryptoError: no path, or the write failed.
        """
        if self.path is None:
            raise CryptoError("this keyring comes from settings, not a file: nothing to save")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self.document(), handle, indent=2, sort_keys=True)
            os.replace(tmp, self.path)
        except OSError as exc:
            raise CryptoError(f"cannot write keyring {self.path}: {exc.strerror}") from exc

    # -- rotation ------------------------------------------------------------------

    @property
    def key_ids(self) -> list[str]:
        """Every KEK id held, sorted."""
        return sorted(self._keys)

    def rotate(self) -> str:
        """Add a fresh KEK, make it current, persist when file-backed; return its id."""
        key_id = new_key_id()
        while key_id in self._keys:
            key_id = new_key_id()
        self._keys[key_id] = secrets.token_bytes(32)
        self._current = key_id
        if self.path is not None:
            self.save()
        return key_id

    def retire(self, key_id: str) -> None:
        """Remove a non-current KEK (blobs still wrapped under it become unreadable).

        Raises:
            CryptoError: ``key_id`` is the current key or unknown.
        """
        if key_id == self._current:
            raise CryptoError("cannot retire the current key; rotate first")
        if key_id not in self._keys:
            raise UnknownKeyError(f"no key {key_id!r} in the keyring")
        del self._keys[key_id]
        if self.path is not None:
            self.save()

    # -- KeyWrapper ----------------------------------------------------------------

    @property
    def current_key_id(self) -> str:
        """Id of the KEK new data keys are wrapped with."""
        return self._current

    def new_data_key(self) -> tuple[bytes, str, bytes]:
        """A fresh random 32-byte DEK, wrapped under the current KEK (RFC 3394)."""
        dek = secrets.token_bytes(DEK_BYTES)
        key_id, wrapped = self.wrap(dek)
        return dek, key_id, wrapped

    def wrap(self, dek: bytes) -> tuple[str, bytes]:
        """Wrap ``dek`` under the current KEK; return ``(key_id, wrapped)`` (40 bytes)."""
        return self._current, aes_key_wrap(self._keys[self._current], dek)

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        """Unwrap a DEK wrapped under ``key_id``.

        Raises:
            UnknownKeyError: ``key_id`` is not held.
            DecryptError: the integrity check of RFC 3394 fails (tampered wrapped key).
        """
        kek = self._keys.get(key_id)
        if kek is None:
            raise UnknownKeyError(f"no key {key_id!r} in the keyring (retired or foreign)")
        try:
            return aes_key_unwrap(kek, wrapped)
        except (InvalidUnwrap, ValueError) as exc:
            raise DecryptError("wrapped data key fails its integrity check") from exc
