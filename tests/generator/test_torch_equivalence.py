"""The torch green lists (used while generating) equal numpy's (used while detecting), bit for bit."""

import numpy as np
import pytest

from greenmark.watermark import WatermarkKey, WatermarkSpec

torch = pytest.importorskip("torch", reason="torch is only installed with the [generate] extra")
from greenmark.generator.green_row_cache import GreenRowCache  # noqa: E402  (needs torch)
from greenmark.generator.torch_prf import TorchGreenLists  # noqa: E402

PAIRS = 10_000
CHUNK = 250


@pytest.mark.parametrize("vocab_size", [8192, 8190, 151_936])  # 8190: bits padded to whole bytes
@pytest.mark.parametrize(("scheme", "width"), [("lefthash", 1), ("lefthash", 4), ("selfhash", 4)])
def test_torch_green_mask_equals_numpy_on_random_pairs(vocab_size, scheme, width):
    rng = np.random.default_rng(1234)
    spec = WatermarkSpec(vocab_size=vocab_size, scheme=scheme, context_width=width)
    key = WatermarkKey(rng.bytes(32))
    contexts = rng.integers(0, vocab_size, (PAIRS, spec.preceding_tokens))
    tokens = rng.integers(0, vocab_size, PAIRS)
    expected = spec.is_green(key, contexts, tokens)
    green_lists = TorchGreenLists(spec, key)
    observed = np.concatenate(
        [
            green_lists.green_mask(torch.from_numpy(contexts[i : i + CHUNK]))
            .gather(1, torch.from_numpy(tokens[i : i + CHUNK])[:, None])[:, 0]
            .numpy()
            for i in range(0, PAIRS, CHUNK)
        ]
    )
    assert np.array_equal(observed, expected)
    assert 0.2 < expected.mean() < 0.3  # a constant function would also "agree"


def test_whole_green_list_equals_numpy_including_selfseeded_candidates():
    spec = WatermarkSpec(vocab_size=8192, scheme="selfhash")
    key = WatermarkKey(bytes(range(32)))
    context = [11, 22, 33]
    mask = TorchGreenLists(spec, key).green_mask(torch.tensor([context]))[0].numpy()
    assert np.array_equal(mask, spec.green_list(key, context))


def test_a_mask_stays_valid_when_later_calls_reuse_the_workspace():
    spec = WatermarkSpec(vocab_size=8192)
    key = WatermarkKey(bytes(range(32)))
    green_lists = TorchGreenLists(spec, key)
    first = green_lists.green_mask(torch.tensor([[1], [2], [3]]))
    green_lists.green_mask(torch.tensor([[4], [5], [6]]))  # same shape: the same buffers
    green_lists.green_mask(torch.tensor([[7]]))  # another shape: new buffers
    expected = np.stack([spec.green_list(key, [token]) for token in (1, 2, 3)])
    assert np.array_equal(first.numpy(), expected)


def test_the_row_cache_computes_each_previous_token_once():
    computed = []

    def rows_after(tokens):
        computed.extend(tokens.tolist())
        return (tokens[:, None] * 7 + torch.arange(13)[None, :]) % 3 == 0

    cache = GreenRowCache(13, rows_after)
    first = cache.green_mask(torch.tensor([5, 5, 2]))
    again = cache.green_mask(torch.tensor([2, 5, 9]))
    assert sorted(computed) == [2, 5, 9]
    assert torch.equal(first, rows_after(torch.tensor([5, 5, 2])))
    assert torch.equal(again, rows_after(torch.tensor([2, 5, 9])))
