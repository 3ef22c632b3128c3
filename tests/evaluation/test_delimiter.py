"""The delimiter attack's generation-time processor interleaves the delimiter, and stripping removes it."""

import numpy as np
import torch

from greenmark.evaluation.delimiter import ForceDelimiter, delimiter_id, strip_delimiter
from greenmark.watermark import default_tokenizer


def test_the_delimiter_is_forced_after_a_token_and_forbidden_after_itself():
    processor = ForceDelimiter(delimiter_id=3)
    scores = torch.randn(2, 10)
    out = processor(torch.tensor([[1, 7], [7, 3]]), scores)
    assert torch.isinf(out[0]).sum() == 9 and out[0, 3] == 0
    assert torch.isneginf(out[1, 3]) and torch.equal(out[1, :3], scores[1, :3])


def test_sampling_through_the_processor_alternates_tokens_and_delimiters():
    processor, generator = ForceDelimiter(delimiter_id=0), torch.Generator().manual_seed(0)
    ids = torch.tensor([[5]])
    for _ in range(20):
        probabilities = torch.softmax(processor(ids, torch.randn(1, 6, generator=generator)), dim=-1)
        ids = torch.cat([ids, torch.multinomial(probabilities, 1, generator=generator)], dim=1)
    generated = ids[0, 1:].numpy()
    assert (generated[::2] == 0).all() and (generated[1::2] != 0).all()
    assert len(strip_delimiter(generated, 0)) == 10


def test_the_default_delimiter_is_one_token_of_the_default_tokenizer():
    from transformers import PreTrainedTokenizerFast

    tokenizer = PreTrainedTokenizerFast(tokenizer_object=default_tokenizer().backend)
    delimiter = delimiter_id(tokenizer)
    assert default_tokenizer().decode([delimiter]) == " *"
    assert np.array_equal(strip_delimiter([delimiter, 9, delimiter], delimiter), [9])
