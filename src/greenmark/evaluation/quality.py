"""Text quality: perplexity under a causal LM, distinct-n, and repetition rate.

>>> distinct_n([[1, 2, 1, 2]], 2)
0.6666666666666666
>>> repetition_rate([[1, 2, 1, 2]], 2)
0.3333333333333333
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _ngrams(ids, n: int) -> list[tuple[int, ...]]:
    ids = [int(i) for i in ids]
    return [tuple(ids[i : i + n]) for i in range(len(ids) - n + 1)]


def distinct_n(sequences: Sequence, n: int) -> float:
    """Distinct n-grams over all n-grams, pooled over ``sequences`` of token ids (Li et al. 2016)."""
    grams = [gram for ids in sequences for gram in _ngrams(ids, n)]
    return len(set(grams)) / len(grams) if grams else float("nan")


def distinct_n_across_samples(groups: Sequence[Sequence], n: int) -> float:
    """Diversity between answers to the same prompt: ``distinct_n`` pooled over each group's samples
    (one group per prompt), averaged over the groups. Five identical answers score one fifth of five
    different ones.

    >>> distinct_n_across_samples([[[1, 2, 3], [1, 2, 3]], [[4, 5], [6, 7]]], 2)
    0.75
    """
    values = [distinct_n(samples, n) for samples in groups]
    values = [value for value in values if not np.isnan(value)]
    return float(np.mean(values)) if values else float("nan")


def repetition_rate(sequences: Sequence, n: int = 4) -> float:
    """Share of n-grams that repeat an earlier n-gram of the same sequence, pooled over ``sequences``."""
    repeated = total = 0
    for ids in sequences:
        grams = _ngrams(ids, n)
        repeated += len(grams) - len(set(grams))
        total += len(grams)
    return repeated / total if total else float("nan")


def perplexities(model, sequences: Sequence[tuple[Sequence[int], int]], batch_size: int = 16) -> np.ndarray:
    """Per sequence, ``exp`` of the mean negative log-likelihood of its tokens after the prompt.

    ``sequences`` holds ``(token_ids, prompt_length)`` pairs in the model's own vocabulary; a
    sequence with nothing after its prompt gets NaN.

    >>> from greenmark.generator import load_default_model
    >>> model, _ = load_default_model(device="cpu")
    >>> bool(perplexities(model, [([5, 6, 7, 8], 1)])[0] > 1)
    True
    """
    import torch

    results = np.full(len(sequences), np.nan)
    device = model.device
    for first in range(0, len(sequences), batch_size):
        batch = sequences[first : first + batch_size]
        longest = max(len(ids) for ids, _ in batch)
        input_ids = torch.zeros((len(batch), longest), dtype=torch.long)
        attention = torch.zeros((len(batch), longest), dtype=torch.long)
        scored = torch.zeros((len(batch), longest), dtype=torch.bool)
        for row, (ids, prompt_length) in enumerate(batch):
            input_ids[row, : len(ids)] = torch.as_tensor(list(ids), dtype=torch.long)
            attention[row, : len(ids)] = 1
            scored[row, max(prompt_length, 1) : len(ids)] = True  # the first token has nothing to predict it
        with torch.inference_mode():
            logits = model(input_ids=input_ids.to(device), attention_mask=attention.to(device)).logits.float().cpu()
        log_probs = torch.log_softmax(logits[:, :-1], dim=-1)
        token_log_probs = log_probs.gather(-1, input_ids[:, 1:, None]).squeeze(-1)
        mask = scored[:, 1:]
        counts = mask.sum(dim=1)
        mean_nll = -(token_log_probs * mask).sum(dim=1) / counts.clamp(min=1)
        values = torch.where(counts > 0, mean_nll.exp(), torch.tensor(float("nan")))
        results[first : first + len(batch)] = values.numpy()
    return results
