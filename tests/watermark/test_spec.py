import numpy as np
import pytest
from scipy.stats import binom

from greenmark.watermark import InvalidSpecError, InvalidTokensError, WatermarkKey, WatermarkSpec


@pytest.mark.parametrize("scheme", ["lefthash", "selfhash"])
def test_json_round_trip(scheme):
    spec = WatermarkSpec(vocab_size=8192, gamma=0.3, delta=1.5, scheme=scheme, tokenizer_fingerprint="sha256:ab")
    assert WatermarkSpec.from_json(spec.to_json()) == spec


def test_default_context_widths():
    assert WatermarkSpec(vocab_size=10).context_width == 1
    assert WatermarkSpec(vocab_size=10, scheme="selfhash").context_width == 4


@pytest.mark.parametrize(
    "fields",
    [
        {"vocab_size": 10, "gamma": 0},
        {"vocab_size": 10, "gamma": 1.0},
        {"vocab_size": 10, "delta": -1},
        {"vocab_size": 1},
        {"vocab_size": 10, "scheme": "unigram"},
        {"vocab_size": 10, "context_width": 0},
        {"vocab_size": 10, "scheme": "selfhash", "context_width": 1},
        {"vocab_size": 10, "version": "gm0"},
    ],
)
def test_invalid_parameters_are_rejected(fields):
    with pytest.raises(InvalidSpecError):
        WatermarkSpec(**fields)


@pytest.mark.parametrize("text", ["not json", "[]", '{"vocab_size": 10, "colour": "green"}', '{"gamma": 0.2}'])
def test_malformed_json_is_rejected(text):
    with pytest.raises(InvalidSpecError):
        WatermarkSpec.from_json(text)


@pytest.mark.parametrize(("scheme", "width"), [("lefthash", 1), ("lefthash", 3), ("selfhash", 4)])
def test_green_share_is_gamma_over_many_pairs(scheme, width):
    # 200,000 independent pairs: the count lies outside its 99.9% band with probability 0.001
    rng = np.random.default_rng(7)
    spec = WatermarkSpec(vocab_size=8192, gamma=0.25, scheme=scheme, context_width=width)
    pairs = 200_000
    green = spec.is_green(
        WatermarkKey(rng.bytes(32)),
        rng.integers(0, 8192, (pairs, spec.preceding_tokens)),
        rng.integers(0, 8192, pairs),
    )
    low, high = binom.interval(0.999, pairs, 0.25)
    assert low <= green.sum() <= high


def test_green_lists_differ_between_keys_and_contexts():
    spec = WatermarkSpec(vocab_size=8192)
    first, second = WatermarkKey.generate(), WatermarkKey.generate()
    a, b, c = spec.green_list(first, [1]), spec.green_list(second, [1]), spec.green_list(first, [2])
    # independent lists of share 1/4 agree on about 5/8 of the vocabulary, identical ones on all of it
    assert 0.55 < (a == b).mean() < 0.7
    assert 0.55 < (a == c).mean() < 0.7


def test_out_of_vocabulary_ids_are_rejected():
    spec = WatermarkSpec(vocab_size=100)
    with pytest.raises(InvalidTokensError):
        spec.is_green(WatermarkKey.generate(), [[1]], [100])
    with pytest.raises(InvalidTokensError):
        spec.green_list(WatermarkKey.generate(), [-1])
    with pytest.raises(InvalidTokensError):
        spec.green_list(WatermarkKey.generate(), [1.5])
