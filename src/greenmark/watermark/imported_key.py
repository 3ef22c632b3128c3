"""``ImportedKey``: another engine's watermark secret (vLLM's key, transformers' hashing key), kept like a native key.

Native keys are 32 random bytes. A foreign engine's secret is whatever that engine takes (a
64-bit integer, a list of integers); its imported scheme turns the text given to
``greenmark keys import --secret`` into one canonical ASCII string (``ImportedScheme.canonical_secret``)
and an ``ImportedKey`` holds that string behind 16 random salt bytes. The salt and the string
together are the secret bytes that the key store encrypts, exactly as it encrypts a native
key's 32 bytes, and the public ``key_id`` is a digest of both: without the salt a small secret
such as ``42`` could be recovered from its key id by trying candidates.

>>> key = ImportedKey.create("42")
>>> key.imported_secret, key.key_id.startswith("gm1x_"), "42" in repr(key)
('42', True, False)
>>> ImportedKey(key.secret_bytes()) == key
True
"""

from __future__ import annotations

import hashlib
import secrets

from greenmark.watermark.errors import InvalidKeyError
from greenmark.watermark.key import WatermarkKey

SALT_BYTES = 16
MAX_SECRET_BYTES = 4096  # the canonical secret text: SynthID's key lists are the longest (a few hundred bytes)


class ImportedKey(WatermarkKey):
    """A foreign secret (canonical ASCII text) behind a random salt; it has no greenmark subkeys."""

    __slots__ = ()

    def __init__(self, secret: bytes):
        if not isinstance(secret, (bytes, bytearray)):
            raise InvalidKeyError(f"an imported key's secret is bytes, got {type(secret).__name__}")
        if not SALT_BYTES < len(secret) <= SALT_BYTES + MAX_SECRET_BYTES:
            raise InvalidKeyError(f"an imported secret is 1 to {MAX_SECRET_BYTES} bytes after a {SALT_BYTES}-byte salt")
        if not secret[SALT_BYTES:].isascii():
            raise InvalidKeyError("an imported secret is ASCII text")
        self._secret = bytes(secret)
        digest = hashlib.blake2b(self._secret, digest_size=8, person=b"greenmark-import").hexdigest()
        self.key_id = f"gm1x_{digest}"

    @classmethod
    def create(cls, canonical_secret: str) -> ImportedKey:
        """An imported key for ``canonical_secret`` under a fresh random salt."""
        if not isinstance(canonical_secret, str):
            raise InvalidKeyError("an imported secret is text")
        return cls(secrets.token_bytes(SALT_BYTES) + canonical_secret.encode("ascii", errors="replace"))

    @property
    def imported_secret(self) -> str:
        """The canonical secret text its scheme reads (``ImportedScheme.material_from_secret``)."""
        return self._secret[SALT_BYTES:].decode("ascii")

    def subkey(self, label: bytes) -> bytes:
        """Imported keys belong to foreign schemes only: greenmark's own schemes refuse them."""
        raise InvalidKeyError(f"{self.key_id} is an imported key: it works only with the scheme it was imported for")

    def __repr__(self) -> str:
        return f"ImportedKey(key_id={self.key_id!r})"

    __str__ = __repr__
