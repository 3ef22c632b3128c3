"""The decision rule, written once: a corrected p-value, an evidence floor, a family-wise alpha.

With ``hypotheses`` tests made (every key, and every window when spans are searched), the
reported p-value is the smallest raw one times ``hypotheses`` (Bonferroni, valid under any
dependence), capped at 1. Below ``min_scored_tokens`` scored tokens in the matching test the
answer is ``insufficient_evidence``; otherwise ``watermarked`` when the corrected p-value is
below ``alpha``.

Both functions are vectorised: give arrays (one entry per document) or single values.

>>> decide(corrected_p_value(1e-9, hypotheses=4), num_scored_tokens=200, alpha=1e-6, min_scored_tokens=16)
'watermarked'
>>> decide([0.5, 1e-9], num_scored_tokens=[3, 40], alpha=1e-6, min_scored_tokens=16)
['insufficient_evidence', 'watermarked']
"""

from __future__ import annotations

import numpy as np

WATERMARKED = "watermarked"
NOT_WATERMARKED = "not_watermarked"
INSUFFICIENT_EVIDENCE = "insufficient_evidence"


def corrected_p_value(smallest_p_value, hypotheses):
    """Bonferroni: the smallest p-value of ``hypotheses`` tests, times their number, capped at 1."""
    corrected = np.minimum(1.0, np.asarray(smallest_p_value, dtype=np.float64) * np.asarray(hypotheses))
    return corrected.tolist()


def decide(corrected, num_scored_tokens, alpha: float, min_scored_tokens: int):
    """``watermarked``, ``not_watermarked`` or ``insufficient_evidence`` per document."""
    decisions = np.where(
        np.asarray(num_scored_tokens) < min_scored_tokens,
        INSUFFICIENT_EVIDENCE,
        np.where(np.asarray(corrected) < alpha, WATERMARKED, NOT_WATERMARKED),
    )
    return decisions.tolist()
