"""Quality metrics on inputs with known answers."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from greenmark.evaluation.quality import distinct_n, perplexities, repetition_rate


def test_distinct_n_pools_sequences():
    assert distinct_n([[1, 2, 3], [1, 2, 3]], 2) == 0.5
    assert distinct_n([[1, 2, 3, 4]], 1) == 1.0
    assert np.isnan(distinct_n([[1]], 2))


def test_repetition_rate_counts_repeats_within_a_sequence_only():
    assert repetition_rate([[1, 2, 1, 2, 1, 2]], 2) == pytest.approx(3 / 5)
    assert repetition_rate([[1, 2], [1, 2]], 2) == 0.0


class UniformModel(torch.nn.Module):
    """Every next token equally likely: the perplexity of anything is the vocabulary size."""

    def __init__(self, vocab_size: int):
        super().__init__()
        self.vocab_size = vocab_size
        self.anchor = torch.nn.Parameter(torch.zeros(1))

    @property
    def device(self):
        return self.anchor.device

    def forward(self, input_ids, attention_mask):
        return SimpleNamespace(logits=torch.zeros(*input_ids.shape, self.vocab_size))


class CopyModel(UniformModel):
    """Predicts the previous token again with probability 1/2 (the rest uniform)."""

    def forward(self, input_ids, attention_mask):
        logits = torch.full((*input_ids.shape, self.vocab_size), 0.0)
        logits.scatter_(-1, input_ids[..., None], float(np.log(self.vocab_size - 1)))
        return SimpleNamespace(logits=logits)


def test_perplexity_of_a_uniform_model_is_the_vocabulary_size():
    values = perplexities(UniformModel(50), [([1, 2, 3, 4], 2), ([5, 6, 7], 1), ([8, 9], 5)], batch_size=2)
    assert values[:2] == pytest.approx([50, 50])
    assert np.isnan(values[2])  # nothing after the prompt


def test_perplexity_scores_only_the_continuation():
    model = CopyModel(11)  # p(repeat) = 10 / 20 = 1/2, p(other) = 1 / 20
    repeated, changed = perplexities(model, [([3, 3, 3, 3], 2), ([3, 3, 4, 5], 2)])
    assert repeated == pytest.approx(2.0)
    assert changed == pytest.approx(20.0)
