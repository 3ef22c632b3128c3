"""Watermark keys: 32 secret random bytes with a public identifier.

The secret never appears in ``repr``/``str``; it leaves the object only through the explicit
``secret_bytes()``/``to_hex()`` calls.

>>> key = WatermarkKey.generate()
>>> key.key_id.startswith("gm1k_") and key.to_hex() not in repr(key)
True
>>> WatermarkKey.from_hex(key.to_hex()) == key
True
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from greenmark.watermark.errors import InvalidKeyError

KEY_BYTES = 32


class WatermarkKey:
    """A 256-bit watermark secret; ``key_id`` is a public BLAKE2b digest of it (not reversible)."""

    __slots__ = ("_secret", "key_id")

    def __init__(self, secret: bytes):
        if not isinstance(secret, (bytes, bytearray)):
            raise InvalidKeyError(f"a watermark key is {KEY_BYTES} bytes, got {type(secret).__name__}")
        if len(secret) != KEY_BYTES:
            raise InvalidKeyError(f"a watermark key is {KEY_BYTES} bytes, got {len(secret)}")
        self._secret = bytes(secret)
        digest = hashlib.blake2b(self._secret, digest_size=8, person=b"greenmark-keyid").hexdigest()
        self.key_id = f"gm1k_{digest}"

    @classmethod
    def generate(cls) -> WatermarkKey:
        """A fresh key from the operating system's CSPRNG (``secrets``)."""
        return cls(secrets.token_bytes(KEY_BYTES))

    @classmethod
    def from_hex(cls, text: str) -> WatermarkKey:
        """Parse the 64-hex-digit form written by ``to_hex``."""
        if not isinstance(text, str):
            raise InvalidKeyError("a hex-encoded watermark key must be a string")
        try:
            return cls(bytes.fromhex(text.strip()))
        except ValueError as error:
            raise InvalidKeyError(f"a watermark key is {2 * KEY_BYTES} hex digits") from error

    def secret_bytes(self) -> bytes:
        """The secret itself: for the key store's encryption and the PRF only."""
        return self._secret

    def to_hex(self) -> str:
        """The secret as 64 hex digits (explicit serialisation; keep it secret)."""
        return self._secret.hex()

    def subkey(self, label: bytes) -> bytes:
        """HMAC-SHA256 of ``label`` under the key: domain-separated key material."""
        return hmac.new(self._secret, label, hashlib.sha256).digest()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and hmac.compare_digest(self._secret, other._secret)

    def __hash__(self) -> int:
        return hash(self.key_id)

    def __repr__(self) -> str:
        return f"WatermarkKey(key_id={self.key_id!r})"

    __str__ = __repr__
