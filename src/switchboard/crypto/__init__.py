"""Envelope encryption at rest (a leaf: store/, voice/, analytics/ may import it).

The whole API::

    from switchboard.crypto import build_envelope
    env = build_envelope(settings.crypto)          # None when crypto.enabled is false
    blob = env.seal(b"audio or text", aad=b"recording|contact-1")   # -> bytes
    env.open(blob, aad=b"recording|contact-1")                      # -> b"audio or text"
    env.seal_text("text", aad="message|contact-1|...")              # -> "sbe1:..." (Text columns)
    env.open_text(value, aad="message|contact-1|...")               # -> "text"

One AES-256-GCM data key per record, wrapped by a key-encryption key from a
local keyring (:class:`LocalKeyring`, RFC 3394 key wrap) or an AWS KMS key
(:class:`KmsKeyWrapper`). ``aad`` binds a blob to its record: opening it with
another ``aad`` raises :class:`DecryptError`. Rotation: ``switchboard keys
rotate`` adds a KEK used by new writes; old blobs still open;
``switchboard keys rewrap`` moves them to the current KEK.
"""

from switchboard.crypto.envelope import (
    TEXT_PREFIX,
    CryptoError,
    DecryptError,
    Envelope,
    KeyWrapper,
    UnknownKeyError,
    is_sealed,
    is_sealed_text,
    key_id_of,
)
from switchboard.crypto.factory import build_envelope, build_wrapper
from switchboard.crypto.keyring import LocalKeyring
from switchboard.crypto.kms import KmsKeyWrapper
from switchboard.crypto.secrets_files import (
    customer_ref,
    load_index_key,
    load_signing_key,
    normalise_endpoint,
)

__all__ = [
    "TEXT_PREFIX",
    "CryptoError",
    "DecryptError",
    "Envelope",
    "KeyWrapper",
    "KmsKeyWrapper",
    "LocalKeyring",
    "UnknownKeyError",
    "build_envelope",
    "build_wrapper",
    "customer_ref",
    "is_sealed",
    "is_sealed_text",
    "key_id_of",
    "load_index_key",
    "load_signing_key",
    "normalise_endpoint",
]
