"""What a detection receipt states: the unsigned statement built from one detection result.

Fields (all signed):

* ``receipt_type`` (``greenmark.detection-receipt/v1``), ``receipt_id`` (random), ``issued_at`` (UTC);
* ``tenant`` whose keys were tested;
* ``text_sha256``: SHA-256 of the UTF-8 canonical text (``greenmark.watermark.canonicalize``),
  the very string that was tokenised, with its line breaks written as LF (browsers' text fields,
  HTML forms and Windows tools rewrite CR and CRLF, which must not void a receipt); the text itself
  is never included;
* ``detector_version`` and, per key tested, ``key_id`` (public), scheme id and version and the
  whole spec (``keys_tested``); ``key_id`` and ``scheme_id`` at the top name the key that matched
  and its scheme, else ``null``;
* ``decision``, ``p_value`` (corrected), ``alpha``, ``num_hypotheses``, ``num_scored_tokens``
  and the canonicalisation steps that changed the text (``normalizations``).

>>> from greenmark.watermark import Detector, WatermarkKey, WatermarkSpec
>>> key, spec = WatermarkKey.generate(), WatermarkSpec(vocab_size=100)
>>> result = Detector(spec, [key]).detect_tokens(list(range(100)))
>>> tested = [(key.key_id, spec)]
>>> statement = detection_receipt(result, text_sha256=text_sha256("some text"), tenant="acme", keys_tested=tested)
>>> statement["decision"], statement["keys_tested"][0]["scheme_id"]
('not_watermarked', 'lefthash@gm1')
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import greenmark
from greenmark.watermark import DetectionResult, WatermarkSpec, canonicalize

RECEIPT_TYPE = "greenmark.detection-receipt/v1"
RECEIPT_ID_PREFIX = "gmr_"
_LINE_BREAK = re.compile(r"\r\n?")


def text_sha256(text: str) -> str:
    """Hex SHA-256 of the canonical form of ``text``: what a receipt binds the verdict to.

    >>> text_sha256("Hello") == text_sha256("H\\u0435llo")  # a Cyrillic homoglyph folds to the same text
    True
    >>> text_sha256("one\\r\\ntwo\\rthree") == text_sha256("one\\ntwo\\nthree")  # so do line-break conventions
    True
    """
    unified_line_breaks = _LINE_BREAK.sub("\n", canonicalize(text).text)
    return hashlib.sha256(unified_line_breaks.encode("utf-8")).hexdigest()


def new_receipt_id() -> str:
    """A fresh random receipt id, ``gmr_`` and 32 hex digits.

    >>> len(new_receipt_id())
    36
    """
    return RECEIPT_ID_PREFIX + uuid.uuid4().hex


def detection_receipt(
    result: DetectionResult,
    *,
    text_sha256: str,
    tenant: str,
    keys_tested: Iterable[tuple[str, WatermarkSpec]],
    receipt_id: str | None = None,
    issued_at: datetime | None = None,
) -> dict[str, Any]:
    """The unsigned statement for ``result``, the verdict on the text hashed ``text_sha256`` (by ``text_sha256()``)
    against ``keys_tested`` (key id, spec pairs)."""
    issued_at = (issued_at or datetime.now(UTC)).astimezone(UTC)
    return {
        "receipt_type": RECEIPT_TYPE,
        "receipt_id": receipt_id or new_receipt_id(),
        "issued_at": issued_at.isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "tenant": tenant,
        "text_sha256": text_sha256,
        "detector_version": f"greenmark {greenmark.__version__}",
        "keys_tested": [
            {
                "key_id": key_id,
                "scheme_id": spec.scheme_id,
                "scheme_version": spec.version,
                "spec": json.loads(spec.to_json()),
            }
            for key_id, spec in keys_tested
        ],
        "key_id": result.key_id,
        "scheme_id": result.scheme,
        "decision": result.decision,
        "p_value": result.p_value,
        "alpha": result.alpha,
        "num_hypotheses": result.num_hypotheses,
        "num_scored_tokens": result.num_scored_tokens,
        "normalizations": list(result.normalizations),
    }
