"""Signed detection receipts: a verdict bound to a text's hash, the key tested and the detector, signed with Ed25519.

A receipt is a JSON object (``receipt.py`` lists its fields) signed over its RFC 8785 (JCS)
canonical form; ``envelope.py`` wraps the same statement in a DSSE envelope instead.
Verifying one needs only the signer's public key (a JWKS or PEM), never the key store.

>>> from greenmark.receipts import ReceiptSigner, verify_receipt
>>> signer = ReceiptSigner.generate()
>>> receipt = signer.sign({"receipt_type": RECEIPT_TYPE, "text_sha256": text_sha256("Hello")})
>>> verify_receipt(receipt, signer.public_keys(), text="Hello")["receipt_type"]
'greenmark.detection-receipt/v1'
"""

from greenmark.receipts.envelope import DSSE_PAYLOAD_TYPE, pre_authentication_encoding
from greenmark.receipts.errors import ReceiptError
from greenmark.receipts.issuing import IssuedReceipt, ReceiptForm, issue_receipts
from greenmark.receipts.public_keys import jwk_of, jwks_of, load_public_keys
from greenmark.receipts.receipt import RECEIPT_TYPE, detection_receipt, text_sha256
from greenmark.receipts.signing import ReceiptSigner
from greenmark.receipts.verification import verify_receipt

__all__ = [
    "DSSE_PAYLOAD_TYPE",
    "RECEIPT_TYPE",
    "IssuedReceipt",
    "ReceiptError",
    "ReceiptForm",
    "ReceiptSigner",
    "detection_receipt",
    "issue_receipts",
    "jwk_of",
    "jwks_of",
    "load_public_keys",
    "pre_authentication_encoding",
    "text_sha256",
    "verify_receipt",
]
