"""``ReceiptSigner``: an Ed25519 key that turns receipt statements into signed receipts (JSON or DSSE form).

JSON form: the statement plus ``signing_key_id`` (the key's RFC 7638 thumbprint), signed over
its RFC 8785 canonical JSON; the base64url signature is added as ``signature``. DSSE form: the
canonical JSON statement as the payload of a DSSE envelope, the key id in ``keyid``.

>>> signer = ReceiptSigner.generate()
>>> receipt = signer.sign({"receipt_id": "gmr_1"})
>>> sorted(receipt)
['receipt_id', 'signature', 'signing_key_id']
>>> signer.sign_dsse({"receipt_id": "gmr_1"})["payloadType"]
'application/vnd.greenmark.detection-receipt.v1+json'
"""

from __future__ import annotations

import base64
from typing import Any

import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from greenmark.receipts.envelope import DSSE_PAYLOAD_TYPE, pre_authentication_encoding
from greenmark.receipts.public_keys import PublicKeys, b64url, thumbprint

SIGNATURE_FIELD = "signature"
KEY_ID_FIELD = "signing_key_id"


class ReceiptSigner:
    """Signs receipts with one Ed25519 private key; ``kid`` names its public key."""

    __slots__ = ("_private_key", "kid")

    def __init__(self, private_key: Ed25519PrivateKey):
        self._private_key = private_key
        self.kid = thumbprint(private_key.public_key())

    @classmethod
    def generate(cls) -> ReceiptSigner:
        """A signer with a fresh random key."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, secret: bytes) -> ReceiptSigner:
        """The signer of a 32-byte raw Ed25519 private key (what the key store keeps encrypted)."""
        return cls(Ed25519PrivateKey.from_private_bytes(secret))

    def private_bytes(self) -> bytes:
        """The raw 32-byte private key, to be stored encrypted."""
        return self._private_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )

    def public_keys(self) -> PublicKeys:
        """``{kid: public key}``, what ``verify_receipt`` takes."""
        return {self.kid: self._private_key.public_key()}

    def sign(self, statement: dict[str, Any]) -> dict[str, Any]:
        """The JSON-form receipt of ``statement``: it plus ``signing_key_id`` and ``signature``."""
        signed = {**statement, KEY_ID_FIELD: self.kid}
        return {**signed, SIGNATURE_FIELD: b64url(self._private_key.sign(rfc8785.dumps(signed)))}

    def sign_dsse(self, statement: dict[str, Any]) -> dict[str, Any]:
        """The DSSE envelope of ``statement`` (standard base64 payload and signature)."""
        payload = rfc8785.dumps(statement)
        signature = self._private_key.sign(pre_authentication_encoding(DSSE_PAYLOAD_TYPE, payload))
        return {
            "payloadType": DSSE_PAYLOAD_TYPE,
            "payload": base64.b64encode(payload).decode("ascii"),
            "signatures": [{"keyid": self.kid, "sig": base64.b64encode(signature).decode("ascii")}],
        }

    def __repr__(self) -> str:
        return f"ReceiptSigner(kid={self.kid!r})"
