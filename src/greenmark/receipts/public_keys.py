"""Receipt public keys as JWK / JWKS (RFC 8037 ``OKP``/``Ed25519``) and PEM, with RFC 7638 thumbprints as key ids.

A key's ``kid`` is its RFC 7638 thumbprint, so a JWKS cannot pair a key id with another key:
``load_public_keys`` recomputes every thumbprint and refuses a JWK whose ``kid`` differs.

>>> public_key = Ed25519PublicKey.from_public_bytes(from_b64url("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"))
>>> jwk_of(public_key)["kid"]  # RFC 8037, appendix A.3
'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k'
>>> list(load_public_keys(json.dumps(jwks_of([public_key])).encode())) == [thumbprint(public_key)]
True
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable

import rfc8785
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from greenmark.receipts.errors import ReceiptError

PublicKeys = dict[str, Ed25519PublicKey]


def b64url(data: bytes) -> str:
    """Unpadded base64url (RFC 7515 §2).

    >>> b64url(b"\\xff\\xfe")
    '__4'
    """
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: str) -> bytes:
    """Decode unpadded base64url; ``ReceiptError`` when it is not.

    >>> from_b64url("__4")
    b'\\xff\\xfe'
    """
    if not isinstance(text, str):
        raise ReceiptError("expected a base64url string")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except ValueError:
        raise ReceiptError("not valid base64url") from None


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def thumbprint(public_key: Ed25519PublicKey) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256, base64url) of ``public_key``: its key id."""
    required = {"crv": "Ed25519", "kty": "OKP", "x": b64url(_raw(public_key))}
    return b64url(hashlib.sha256(rfc8785.dumps(required)).digest())


def jwk_of(public_key: Ed25519PublicKey) -> dict[str, str]:
    """``public_key`` as a JWK for signature verification, ``kid`` its thumbprint."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url(_raw(public_key)),
        "kid": thumbprint(public_key),
        "alg": "EdDSA",
        "use": "sig",
    }


def jwks_of(public_keys: Iterable[Ed25519PublicKey]) -> dict[str, list[dict[str, str]]]:
    """A JWK Set of ``public_keys``, in the order given."""
    return {"keys": [jwk_of(key) for key in public_keys]}


def pem_of(public_key: Ed25519PublicKey) -> str:
    """``public_key`` as a PEM ``PUBLIC KEY`` block (SubjectPublicKeyInfo)."""
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_keys(data: bytes) -> PublicKeys:
    """The Ed25519 keys in a PEM public key, a JWK or a JWK Set, by key id; ``ReceiptError`` otherwise."""
    if data.lstrip().startswith(b"-----BEGIN"):
        try:
            public_key = serialization.load_pem_public_key(data)
        except (ValueError, UnsupportedAlgorithm):
            raise ReceiptError("the PEM file holds no readable public key") from None
        if not isinstance(public_key, Ed25519PublicKey):
            raise ReceiptError("the PEM public key is not an Ed25519 key")
        return {thumbprint(public_key): public_key}
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ReceiptError("the public key file is neither PEM nor JSON (JWK or JWKS)") from None
    jwks = document.get("keys") if isinstance(document, dict) else None
    entries = jwks if isinstance(jwks, list) else [document]
    keys = dict(_from_jwk(entry) for entry in entries)
    if not keys:
        raise ReceiptError("the JWK Set holds no key")
    return keys


def _from_jwk(jwk) -> tuple[str, Ed25519PublicKey]:
    if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "x" not in jwk:
        raise ReceiptError("a JWK is not an Ed25519 public key (kty OKP, crv Ed25519, x)")
    try:
        public_key = Ed25519PublicKey.from_public_bytes(from_b64url(jwk["x"]))
    except ValueError:
        raise ReceiptError("a JWK's x is not a 32-byte Ed25519 public key") from None
    kid = thumbprint(public_key)
    if jwk.get("kid", kid) != kid:
        raise ReceiptError(f"JWK kid {jwk['kid']!r} is not the RFC 7638 thumbprint of its key ({kid})")
    return kid, public_key
