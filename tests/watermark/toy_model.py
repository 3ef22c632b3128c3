"""A seeded toy language model for power tests: Gaussian logits with a stated entropy."""

from __future__ import annotations

import numpy as np

from greenmark.watermark import WatermarkKey, WatermarkSpec

LOGIT_SCALE = 2.0  # N(0, 2^2) logits over 8,192 tokens: about 7.1 nats of entropy per step


def sample_tokens(rng, spec: WatermarkSpec, key: WatermarkKey | None, length: int) -> np.ndarray:
    """``spec.preceding_tokens`` random context ids, then ``length`` sampled ids (watermarked when key given)."""
    ids = list(rng.integers(0, spec.vocab_size, spec.preceding_tokens))
    for _ in range(length):
        logits = rng.normal(0.0, LOGIT_SCALE, spec.vocab_size)
        if key is not None:
            logits += spec.delta * spec.green_list(key, ids[-spec.preceding_tokens :])
        probabilities = np.exp(logits - logits.max())
        ids.append(int(rng.choice(spec.vocab_size, p=probabilities / probabilities.sum())))
    return np.array(ids)


def entropy(rng, vocab_size: int, samples: int = 100) -> float:
    """Mean entropy (nats) of the toy model's next-token distributions."""
    total = 0.0
    for _ in range(samples):
        logits = rng.normal(0.0, LOGIT_SCALE, vocab_size)
        p = np.exp(logits - logits.max())
        p /= p.sum()
        total -= float((p * np.log(p)).sum())
    return total / samples
