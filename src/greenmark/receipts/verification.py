"""``verify_receipt``: check a receipt (JSON or DSSE form) with public keys only, and optionally its text.

Every failure is a ``ReceiptError`` whose message is one line saying what did not check out:
a field changed, another key signed it, the key is not among those given, the text differs.

>>> from greenmark.receipts.signing import ReceiptSigner
>>> signer = ReceiptSigner.generate()
>>> receipt = signer.sign({"receipt_type": RECEIPT_TYPE, "text_sha256": text_sha256("Hi there")})
>>> verify_receipt({**receipt, "text_sha256": "0" * 64}, signer.public_keys())
Traceback (most recent call last):
greenmark.receipts.errors.ReceiptError: the signature does not match: a field was changed or another key signed it
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature

from greenmark.receipts.envelope import DSSE_PAYLOAD_TYPE, pre_authentication_encoding
from greenmark.receipts.errors import ReceiptError
from greenmark.receipts.public_keys import PublicKeys, from_b64url
from greenmark.receipts.receipt import RECEIPT_TYPE, text_sha256
from greenmark.receipts.signing import KEY_ID_FIELD, SIGNATURE_FIELD

MISMATCH = "the signature does not match: a field was changed or another key signed it"


def verify_receipt(receipt: Any, public_keys: PublicKeys, text: str | None = None) -> dict[str, Any]:
    """The verified statement of ``receipt``; with ``text``, also check that it is the text the receipt covers."""
    if not isinstance(receipt, dict):
        raise ReceiptError("a receipt is a JSON object")
    statement = _verify_dsse(receipt, public_keys) if "payloadType" in receipt else _verify_json(receipt, public_keys)
    if statement.get("receipt_type") != RECEIPT_TYPE:
        raise ReceiptError(f"not a greenmark detection receipt (receipt_type is not {RECEIPT_TYPE!r})")
    if text is not None and text_sha256(text) != statement.get("text_sha256"):
        raise ReceiptError("the text differs from the one the receipt covers (its canonical SHA-256 does not match)")
    return statement


def _key(public_keys: PublicKeys, kid: Any):
    if kid not in public_keys:
        raise ReceiptError(f"the receipt was signed by key {kid!r}, which is not among the public keys given")
    return public_keys[kid]


def _verify_json(receipt: dict[str, Any], public_keys: PublicKeys) -> dict[str, Any]:
    signed = {name: value for name, value in receipt.items() if name != SIGNATURE_FIELD}
    if SIGNATURE_FIELD not in receipt or KEY_ID_FIELD not in receipt:
        raise ReceiptError(f"the receipt has no {SIGNATURE_FIELD!r} or {KEY_ID_FIELD!r}: it is not signed")
    public_key = _key(public_keys, receipt[KEY_ID_FIELD])
    try:
        signature = from_b64url(receipt[SIGNATURE_FIELD])
        public_key.verify(signature, rfc8785.dumps(signed))
    except (InvalidSignature, ReceiptError, rfc8785.CanonicalizationError):
        raise ReceiptError(MISMATCH) from None
    return signed


def _verify_dsse(envelope: dict[str, Any], public_keys: PublicKeys) -> dict[str, Any]:
    if envelope.get("payloadType") != DSSE_PAYLOAD_TYPE:
        raise ReceiptError(f"the DSSE envelope's payloadType is not {DSSE_PAYLOAD_TYPE!r}")
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or not signatures or not all(isinstance(s, dict) for s in signatures):
        raise ReceiptError("the DSSE envelope has no signatures")
    try:
        payload = base64.b64decode(envelope.get("payload", ""), validate=True)
        signature = base64.b64decode(signatures[0].get("sig", ""), validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise ReceiptError("the DSSE envelope's payload or signature is not base64") from None
    public_key = _key(public_keys, signatures[0].get("keyid"))
    try:
        public_key.verify(signature, pre_authentication_encoding(DSSE_PAYLOAD_TYPE, payload))
    except InvalidSignature:
        raise ReceiptError(MISMATCH) from None
    try:
        statement = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ReceiptError("the DSSE payload is not JSON") from None
    if not isinstance(statement, dict):
        raise ReceiptError("the DSSE payload is not a JSON object")
    return statement
