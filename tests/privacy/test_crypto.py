"""Envelope encryption: per-record data keys, associated data, rotation, KMS (Stubber)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from switchboard.config import CryptoSettings
from switchboard.crypto import (
    DecryptError,
    Envelope,
    KmsKeyWrapper,
    LocalKeyring,
    UnknownKeyError,
    build_envelope,
    key_id_of,
)
from switchboard.crypto.envelope import SealedParts
from switchboard.crypto.kms import ENCRYPTION_CONTEXT
from switchboard.errors import ConfigError

KEY_ARN = "arn:aws:kms:eu-west-2:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
NEW_ARN = "arn:aws:kms:eu-west-2:123456789012:key/11111111-2222-3333-4444-555555555555"


def test_seal_open_round_trip_and_fresh_key_per_record() -> None:
    env = Envelope(LocalKeyring.generate())
    a = env.seal(b"my PIN was removed", b"message|c1|t1")
    b = env.seal(b"my PIN was removed", b"message|c1|t1")
    assert env.open(a, b"message|c1|t1") == b"my PIN was removed"
    assert b"PIN" not in a
    pa, pb = SealedParts.parse(a), SealedParts.parse(b)
    assert pa.wrapped != pb.wrapped  # a new data key per record
    assert pa.nonce != pb.nonce


def test_associated_data_binds_blob_to_its_record() -> None:
    env = Envelope(LocalKeyring.generate())
    blob = env.seal(b"secret", b"message|contact-1|2026-12-03T10:00:00")
    with pytest.raises(DecryptError):
        env.open(blob, b"message|contact-2|2026-12-03T10:00:00")
    text = env.seal_text("café", "summary|c1")
    assert text.startswith("sbe1:")
    assert env.open_text(text, "summary|c1") == "café"
    with pytest.raises(DecryptError):
        env.open_text(text, "summary|c2")


@pytest.mark.parametrize("position", [0, 10, -1, -20])
def test_tampered_blob_is_refused(position: int) -> None:
    env = Envelope(LocalKeyring.generate())
    blob = bytearray(env.seal(b"0123456789" * 4, b"aad"))
    blob[position] ^= 0x01
    with pytest.raises((DecryptError, UnknownKeyError)):
        env.open(bytes(blob), b"aad")


def test_truncated_and_foreign_inputs_are_clear_errors() -> None:
    env = Envelope(LocalKeyring.generate())
    blob = env.seal(b"x", b"a")
    with pytest.raises(DecryptError):
        env.open(blob[:30], b"a")
    with pytest.raises(DecryptError):
        env.open_text("plain text", "a")
    with pytest.raises(DecryptError):
        env.open_text("sbe1:!!!not base64", "a")
    with pytest.raises(UnknownKeyError):
        Envelope(LocalKeyring.generate()).open(blob, b"a")


def test_rotation_new_writes_new_key_old_rows_open_rewrap_then_retire(tmp_path: Path) -> None:
    ring = LocalKeyring.generate(path=tmp_path / "keyring.json")
    env = Envelope(ring)
    old_id = ring.current_key_id
    old = env.seal_text("before rotation", "m|1")
    new_id = ring.rotate()
    assert new_id != old_id
    new = env.seal_text("after rotation", "m|2")
    assert key_id_of(old) == old_id and key_id_of(new) == new_id
    # a restarted process reads the persisted keyring and still opens both
    reloaded = Envelope(LocalKeyring.load(tmp_path / "keyring.json"))
    assert reloaded.open_text(old, "m|1") == "before rotation"
    assert reloaded.open_text(new, "m|2") == "after rotation"
    rewrapped = env.rewrap_text(old)
    assert key_id_of(rewrapped) == new_id
    # the ciphertext itself is untouched by a re-wrap
    assert SealedParts.parse(env.rewrap(env.seal(b"z", b"a"))).ciphertext
    ring.retire(old_id)
    assert env.open_text(rewrapped, "m|1") == "before rotation"
    with pytest.raises(UnknownKeyError):
        env.open_text(old, "m|1")
    with pytest.raises(Exception, match="current"):
        ring.retire(new_id)


def test_keyring_file_is_private_and_dev_key_generated(tmp_path: Path) -> None:
    path = tmp_path / "var" / "keyring.json"
    env = build_envelope(CryptoSettings(keyring_file=path))
    assert env is not None
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    doc = json.loads(path.read_text())
    assert doc["current"] in doc["keys"]
    again = build_envelope(CryptoSettings(keyring_file=path))
    assert again is not None
    assert again.open(env.seal(b"x", b"a"), b"a") == b"x"
    assert build_envelope(CryptoSettings(enabled=False)) is None


def test_keyring_from_setting_document() -> None:
    ring = LocalKeyring.generate()
    settings = CryptoSettings(keyring=json.dumps(ring.document()))  # type: ignore[arg-type]
    env = build_envelope(settings)
    assert env is not None
    assert Envelope(ring).open(env.seal(b"y", b"b"), b"b") == b"y"
    with pytest.raises(Exception, match="malformed keyring"):
        LocalKeyring.from_document("{not json")


def _kms_client() -> object:
    return boto3.client(
        "kms",
        region_name="eu-west-2",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_kms_wrapper_generate_decrypt_and_rewrap_requests() -> None:
    client = _kms_client()
    dek = bytes(range(32))
    wrapped = b"kms-wrapped-" + bytes(20)
    rewrapped = b"kms-rewrapped-" + bytes(20)
    with Stubber(client) as stub:
        stub.add_response(
            "generate_data_key",
            {"CiphertextBlob": wrapped, "Plaintext": dek, "KeyId": KEY_ARN},
            {"KeyId": KEY_ARN, "KeySpec": "AES_256", "EncryptionContext": ENCRYPTION_CONTEXT},
        )
        stub.add_response(
            "decrypt",
            {"Plaintext": dek, "KeyId": KEY_ARN},
            {"CiphertextBlob": wrapped, "KeyId": KEY_ARN, "EncryptionContext": ENCRYPTION_CONTEXT},
        )
        stub.add_response(
            "decrypt",
            {"Plaintext": dek, "KeyId": KEY_ARN},
            {"CiphertextBlob": wrapped, "KeyId": KEY_ARN, "EncryptionContext": ENCRYPTION_CONTEXT},
        )
        stub.add_response(
            "encrypt",
            {"CiphertextBlob": rewrapped, "KeyId": NEW_ARN},
            {"KeyId": NEW_ARN, "Plaintext": dek, "EncryptionContext": ENCRYPTION_CONTEXT},
        )
        writer = Envelope(KmsKeyWrapper(client, KEY_ARN))
        blob = writer.seal(b"callback +44 7700 900123", b"callback|c1")
        assert key_id_of(blob) == KEY_ARN
        # a fresh process (empty cache) unwraps through Decrypt
        reader = Envelope(KmsKeyWrapper(client, KEY_ARN, cache_size=0))
        assert reader.open(blob, b"callback|c1") == b"callback +44 7700 900123"
        # moving to a new KMS key: re-wrap decrypts under the old, encrypts under the new
        rotated = Envelope(KmsKeyWrapper(client, NEW_ARN, cache_size=0))
        moved = rotated.rewrap(blob)
        assert key_id_of(moved) == NEW_ARN
        assert SealedParts.parse(moved).ciphertext == SealedParts.parse(blob).ciphertext
        stub.assert_no_pending_responses()


def test_kms_errors_map_to_crypto_errors() -> None:
    client = _kms_client()
    with Stubber(client) as stub:
        stub.add_client_error("decrypt", service_error_code="InvalidCiphertextException")
        stub.add_client_error("decrypt", service_error_code="NotFoundException")
        wrapper = KmsKeyWrapper(client, KEY_ARN, cache_size=0)
        with pytest.raises(DecryptError):
            wrapper.unwrap(KEY_ARN, b"x" * 40)
        with pytest.raises(UnknownKeyError):
            wrapper.unwrap(KEY_ARN, b"x" * 40)


def test_kms_backend_needs_a_key_id() -> None:
    with pytest.raises(ConfigError):
        build_envelope(CryptoSettings(backend="kms"))
