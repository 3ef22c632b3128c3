"""AES-256-GCM sealing of secrets under the master key, bound to where they are stored.

Every secret gets a fresh random 96-bit nonce. The associated data names the secret's place
(tenant, key name, key id, version), so a ciphertext copied into another row fails to open.

>>> box = SecretBox(bytes(32))
>>> nonce, ciphertext = box.seal(b"secret", key_associated_data("default", "news", "gm1k_00", 1))
>>> box.open(nonce, ciphertext, key_associated_data("default", "news", "gm1k_00", 1))
b'secret'
"""

import json
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MASTER_KEY_BYTES = 32
NONCE_BYTES = 12
MASTER_KEY_CHECK_PLAINTEXT = b"greenmark key store master key check"
MASTER_KEY_CHECK_ASSOCIATED_DATA = b"greenmark-store/master-key-check/v1"


def key_associated_data(tenant: str, name: str, key_id: str, version: int) -> bytes:
    """The associated data binding a watermark secret to its row (canonical JSON, domain-separated).

    >>> key_associated_data("acme", "news", "gm1k_ab", 2)
    b'["greenmark-store/watermark-key/v1","acme","news","gm1k_ab",2]'
    """
    fields = ["greenmark-store/watermark-key/v1", tenant, name, key_id, version]
    return json.dumps(fields, separators=(",", ":")).encode()


class SecretBox:
    """Seals and opens secrets with AES-256-GCM under a 32-byte master key.

    ``open`` raises ``cryptography.exceptions.InvalidTag`` when the master key, the nonce, the
    ciphertext or the associated data differ from sealing time.

    >>> box = SecretBox(bytes(32))
    >>> box.seal(b"x", b"ad")[0] != box.seal(b"x", b"ad")[0]
    True
    """

    __slots__ = ("_aead",)

    def __init__(self, master_key: bytes):
        if len(master_key) != MASTER_KEY_BYTES:
            raise ValueError(f"the master key is {MASTER_KEY_BYTES} bytes, got {len(master_key)}")
        self._aead = AESGCM(master_key)

    def seal(self, plaintext: bytes, associated_data: bytes) -> tuple[bytes, bytes]:
        """Encrypt ``plaintext``; returns ``(nonce, ciphertext_with_tag)``."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce, self._aead.encrypt(nonce, plaintext, associated_data)

    def open(self, nonce: bytes, ciphertext: bytes, associated_data: bytes) -> bytes:
        """Decrypt and authenticate what ``seal`` returned for the same associated data."""
        return self._aead.decrypt(nonce, ciphertext, associated_data)

    def __repr__(self) -> str:
        return "SecretBox(<master key hidden>)"
