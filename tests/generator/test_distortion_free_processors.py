"""The Gumbel-max and tournament processors: bit-exact keyed values, repeated contexts, unchanged distributions.

Statistical tests use fixed seeds; each states its false-failure rate under a correct implementation.
"""

import itertools

import numpy as np
import pytest
import torch
from scipy.stats import chi2

from greenmark.generator import WatermarkLogitsProcessor
from greenmark.generator.schemes import Sampling, build_torch_scheme
from greenmark.generator.schemes.gumbel import keyed_uniforms
from greenmark.generator.schemes.pair_hashes import TorchPairHashes
from greenmark.generator.schemes.tournament import tournament_probabilities
from greenmark.watermark import WatermarkKey, WatermarkSpec

KEY = WatermarkKey(bytes(range(7, 39)))
ROWS = 48
SCHEMES = ["gumbel", "tournament"]


def torch_scheme(scheme: str, vocab_size: int):
    """The torch scheme over 4-token contexts (short rows keep the tests small)."""
    return build_torch_scheme(WatermarkSpec(vocab_size=vocab_size, scheme=scheme, context_width=4), KEY)


def devices():
    return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("vocab_size", [8192, 49_152, 151_936])
@pytest.mark.parametrize("width", [1, 4])
def test_torch_uniforms_and_g_bits_equal_numpy_over_the_whole_vocabulary(vocab_size, width, device):
    rng = np.random.default_rng(vocab_size + width)
    contexts = rng.integers(0, vocab_size, (ROWS, width))
    gumbel = WatermarkSpec(vocab_size=vocab_size, scheme="gumbel", context_width=width).watermark_scheme
    tournament = WatermarkSpec(vocab_size=vocab_size, scheme="tournament", context_width=width).watermark_scheme
    tokens = np.tile(np.arange(vocab_size), ROWS)
    repeated_contexts = np.repeat(contexts, vocab_size, axis=0)
    ids = torch.from_numpy(contexts).to(device)

    uniforms = keyed_uniforms(TorchPairHashes(gumbel.key_material(KEY), width, device).row_hashes(ids))
    expected_uniforms = gumbel.uniforms(gumbel.key_material(KEY), repeated_contexts, tokens)
    assert uniforms.dtype == torch.float32
    assert np.array_equal(uniforms.cpu().numpy().reshape(-1).astype(np.float64), expected_uniforms)

    hashes = TorchPairHashes(tournament.key_material(KEY), width, device).row_hashes(ids)
    bits = hashes.cpu().numpy().reshape(-1).view(np.uint32) & np.uint32(tournament.layer_mask)
    expected_bits = tournament.g_bits(tournament.key_material(KEY), repeated_contexts[:5000], tokens[:5000])
    assert np.array_equal((bits[:5000, None] >> np.arange(30, dtype=np.uint32)) & 1, expected_bits)
    assert 0.49 < expected_uniforms.mean() < 0.51  # a constant function would also "agree"


def test_repeated_context_is_found_exactly_where_the_last_h_tokens_occurred_before():
    rng = np.random.default_rng(3)
    sequences = rng.integers(0, 3, (200, 12))  # a 3-token alphabet: repeats are common, not universal
    hashes = torch_scheme("gumbel", 3).hashes
    observed = hashes.repeated_context(torch.from_numpy(sequences)).numpy()
    expected = [tuple(row[-4:]) in {tuple(row[i : i + 4]) for i in range(len(row) - 4)} for row in sequences]
    assert observed.tolist() == expected
    assert 0.1 < observed.mean() < 0.9


def distinct_contexts(count: int, vocab_size: int) -> torch.Tensor:
    """``count`` different 4-token contexts (each a fresh draw of the keyed values)."""
    rng = np.random.default_rng(11)
    contexts = np.unique(rng.integers(0, vocab_size, (count * 2, 4)), axis=0)[:count]
    return torch.from_numpy(rng.permutation(contexts))


def assert_frequencies_match(counts: np.ndarray, probabilities: np.ndarray):
    """Pearson chi-square at level 1e-3: a correct sampler fails this with probability 1e-3."""
    expected = probabilities * counts.sum()
    assert counts[probabilities == 0].sum() == 0
    keep = probabilities > 0
    statistic = ((counts[keep] - expected[keep]) ** 2 / expected[keep]).sum()
    assert statistic < chi2.ppf(0.999, keep.sum() - 1)


def test_gumbel_choices_over_distinct_contexts_follow_the_warped_distribution():
    vocab_size = 12
    logits = torch.linspace(-2.0, 2.0, vocab_size)
    sampling = Sampling(temperature=0.7, top_k=8)
    contexts = distinct_contexts(6000, vocab_size)
    forced = torch_scheme("gumbel", vocab_size).apply(contexts, logits.repeat(len(contexts), 1), sampling)
    assert bool((torch.isfinite(forced).sum(dim=1) == 1).all())
    choices = forced.argmax(dim=1).numpy()
    warped = sampling.warp(logits[None])[0].softmax(-1).numpy()
    assert_frequencies_match(np.bincount(choices, minlength=vocab_size), warped)


def test_gumbel_choice_is_the_same_each_time_for_one_key_and_context():
    scheme = torch_scheme("gumbel", 100)
    context = torch.tensor([[5, 6, 7, 8]] * 3)
    logits = torch.randn(1, 100, generator=torch.Generator().manual_seed(0)).repeat(3, 1)
    choices = scheme.apply(context, logits, Sampling()).argmax(dim=1)
    assert choices.tolist() == [choices[0].item()] * 3


def match_winners(leaves: tuple, g: np.ndarray) -> dict:
    """Winner distribution of the explicit tournament over ``leaves`` (2**k of them, layers 0..k-1).

    Halves play their own tournaments over the lower layers; their winners meet in layer k - 1,
    where the larger g-value wins and a fair coin breaks ties.
    """
    if len(leaves) == 1:
        return {leaves[0]: 1.0}
    layer = len(leaves).bit_length() - 2
    half = len(leaves) // 2
    winners = {}
    for a, chance_a in match_winners(leaves[:half], g).items():
        for b, chance_b in match_winners(leaves[half:], g).items():
            if g[layer, a] == g[layer, b]:
                outcomes = [(a, 0.5), (b, 0.5)]
            else:
                outcomes = [(a if g[layer, a] > g[layer, b] else b, 1.0)]
            for token, chance in outcomes:
                winners[token] = winners.get(token, 0.0) + chance_a * chance_b * chance
    return winners


def enumerated_tournament(probabilities: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The winner's distribution when every leaf is an independent draw from ``probabilities``."""
    depth, vocab_size = g.shape
    winner = np.zeros(vocab_size)
    for leaves in itertools.product(range(vocab_size), repeat=2**depth):
        weight = np.prod(probabilities[list(leaves)])
        for token, chance in match_winners(leaves, g).items():
            winner[token] += weight * chance
    return winner


def test_closed_form_tournament_equals_the_enumerated_tournament():
    probabilities = np.array([0.5, 0.3, 0.2])
    g = np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0]])  # 3 layers: 8 leaves
    hashes = torch.tensor([[int(sum(g[layer, t] << layer for layer in range(3))) for t in range(3)]], dtype=torch.int32)
    closed = tournament_probabilities(torch.from_numpy(probabilities[None]).float(), hashes, depth=3)
    np.testing.assert_allclose(closed[0].numpy(), enumerated_tournament(probabilities, g), atol=1e-6)


def test_tournament_samples_over_distinct_contexts_follow_the_unwatermarked_distribution():
    vocab_size = 10
    logits = torch.linspace(-1.5, 1.5, vocab_size)
    contexts = distinct_contexts(6000, vocab_size)
    winners = torch_scheme("tournament", vocab_size).apply(contexts, logits.repeat(len(contexts), 1), Sampling())
    winners = winners.softmax(-1)
    samples = torch.multinomial(winners, 1, generator=torch.Generator().manual_seed(5))[:, 0].numpy()
    assert_frequencies_match(np.bincount(samples, minlength=vocab_size), logits.softmax(-1).numpy())
    assert float((winners - logits.softmax(-1)).abs().max()) > 0.05  # the watermark did change each row


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_repeated_context_or_a_short_row_is_sampled_from_the_warped_logits(scheme):
    sampling = Sampling(temperature=0.5, top_p=0.9)
    spec = WatermarkSpec(vocab_size=50, scheme=scheme, context_width=4)
    processor = WatermarkLogitsProcessor(spec, KEY, sampling=sampling)
    logits = torch.randn(2, 50, generator=torch.Generator().manual_seed(1))
    rows = torch.tensor([[1, 2, 3, 4, 9, 1, 2, 3, 4], [1, 2, 3, 4, 9, 8, 7, 6, 5]])
    out = processor(rows, logits.clone())
    warped = sampling.warp(logits)
    assert processor.owns_sampling
    assert torch.equal(out[0], warped[0])
    assert not torch.equal(out[1], warped[1])
    assert torch.equal(processor(rows[:, :3], logits.clone()), warped)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_greedy_decoding_keeps_the_most_likely_token(scheme):
    logits = torch.randn(4, 50, generator=torch.Generator().manual_seed(2))
    rows = torch.tensor([[1, 2, 3, 4, 5]]).repeat(4, 1) + torch.arange(4)[:, None]
    out = torch_scheme(scheme, 50).apply(rows, logits, Sampling(temperature=0))
    assert torch.equal(out.argmax(dim=1), logits.argmax(dim=1))
