"""Signed receipts for a batch of detection results, in the JSON or the DSSE form: what the CLI and API hand out.

>>> from greenmark.receipts.signing import ReceiptSigner
>>> from greenmark.watermark import Detector, WatermarkKey, WatermarkSpec
>>> key, spec = WatermarkKey.generate(), WatermarkSpec(vocab_size=100)
>>> result = Detector(spec, [key]).detect_tokens(list(range(100)))
>>> issued = issue_receipts([result], ["ab" * 32], tenant="acme", keys_tested=[(key.key_id, spec)],
...                         signer=ReceiptSigner.generate(), form="dsse")
>>> issued[0].receipt_id.startswith("gmr_"), issued[0].document["payloadType"].startswith("application/")
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

from greenmark.receipts.receipt import detection_receipt
from greenmark.receipts.signing import ReceiptSigner
from greenmark.watermark import DetectionResult, WatermarkSpec

ReceiptForm = Literal["json", "dsse"]


class IssuedReceipt(NamedTuple):
    """A receipt's id (for the audit log) and the signed document handed out."""

    receipt_id: str
    document: dict[str, Any]


def issue_receipts(
    results: Sequence[DetectionResult],
    text_hashes: Sequence[str],
    *,
    tenant: str,
    keys_tested: Sequence[tuple[str, WatermarkSpec]],
    signer: ReceiptSigner,
    form: ReceiptForm = "json",
) -> list[IssuedReceipt]:
    """One signed receipt per result; ``text_hashes`` are the texts' ``text_sha256``, in the same order."""
    sign = signer.sign if form == "json" else signer.sign_dsse
    issued = []
    for result, text_hash in zip(results, text_hashes, strict=True):
        statement = detection_receipt(result, text_sha256=text_hash, tenant=tenant, keys_tested=keys_tested)
        issued.append(IssuedReceipt(statement["receipt_id"], sign(statement)))
    return issued
