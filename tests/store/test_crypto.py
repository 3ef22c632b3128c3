"""AES-GCM sealing: round trip, fresh nonces, and associated data binding."""

import pytest
from cryptography.exceptions import InvalidTag

from greenmark.store.crypto import NONCE_BYTES, SecretBox, key_associated_data


def test_seal_then_open_returns_the_plaintext():
    box = SecretBox(bytes(32))
    nonce, ciphertext = box.seal(b"secret", b"where")
    assert box.open(nonce, ciphertext, b"where") == b"secret"


def test_every_seal_uses_a_fresh_96_bit_nonce():
    box = SecretBox(bytes(32))
    nonces = {box.seal(b"secret", b"where")[0] for _ in range(100)}
    assert len(nonces) == 100
    assert all(len(nonce) == NONCE_BYTES == 12 for nonce in nonces)


def test_other_associated_data_fails_to_open():
    box = SecretBox(bytes(32))
    nonce, ciphertext = box.seal(b"secret", key_associated_data("acme", "news", "gm1k_1", 1))
    for tenant, name, key_id, version in [
        ("globex", "news", "gm1k_1", 1),
        ("acme", "sports", "gm1k_1", 1),
        ("acme", "news", "gm1k_2", 1),
        ("acme", "news", "gm1k_1", 2),
    ]:
        with pytest.raises(InvalidTag):
            box.open(nonce, ciphertext, key_associated_data(tenant, name, key_id, version))


def test_other_master_key_fails_to_open():
    nonce, ciphertext = SecretBox(bytes(32)).seal(b"secret", b"where")
    with pytest.raises(InvalidTag):
        SecretBox(b"\x01" * 32).open(nonce, ciphertext, b"where")


def test_associated_data_fields_cannot_be_shifted_into_each_other():
    assert key_associated_data("a-b", "c", "k", 1) != key_associated_data("a", "b-c", "k", 1)
