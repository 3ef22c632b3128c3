"""The torch-side scheme registry and how the generator samples a scheme that owns sampling."""

import pytest
import torch

from greenmark.generator import GenerationError, WatermarkedGenerator, WatermarkLogitsProcessor
from greenmark.generator.generator import logits_width
from greenmark.generator.schemes import Sampling, TorchScheme, registry, torch_scheme_class
from greenmark.watermark import WatermarkKey, WatermarkSpec
from greenmark.watermark.schemes import registry as numpy_registry
from tests.watermark.test_schemes import Tilted


class SamplesAsGiven(TorchScheme):
    """Owns sampling and watermarks nothing: applies the caller's temperature and top-k, no more."""

    scheme_ids = ("tilted-test@t1",)
    owns_sampling = True

    @property
    def device(self):
        return torch.device("cpu")

    def to(self, device):
        return self

    def apply(self, input_ids, scores, sampling):
        return sampling.warp(scores)


@pytest.fixture
def owning_spec(monkeypatch, generator):
    monkeypatch.setitem(numpy_registry._SCHEMES, Tilted.name, {Tilted.version: Tilted})
    monkeypatch.setitem(registry._TORCH_SCHEMES, "tilted-test@t1", SamplesAsGiven)
    return WatermarkSpec.for_tokenizer(
        generator.tokenizer, vocab_size=logits_width(generator.model), scheme="tilted-test"
    )


def test_each_builtin_scheme_has_a_torch_scheme():
    for scheme in ("lefthash", "selfhash"):
        assert torch_scheme_class(WatermarkSpec(vocab_size=10, scheme=scheme)).scheme_ids


def test_a_scheme_without_a_torch_side_cannot_generate(monkeypatch):
    monkeypatch.setitem(numpy_registry._SCHEMES, Tilted.name, {Tilted.version: Tilted})
    with pytest.raises(GenerationError, match="cannot generate"):
        WatermarkLogitsProcessor(WatermarkSpec(vocab_size=10, scheme="tilted-test"), WatermarkKey.generate())


def test_a_scheme_that_owns_sampling_is_sampled_as_it_returns(generator, key, owning_spec):
    # had transformers applied temperature and top-k again, the distribution (and so the tokens) would differ
    owning = WatermarkedGenerator(generator.model, generator.tokenizer, key, owning_spec)
    options = {"max_new_tokens": 24, "temperature": 0.6, "top_k": 20, "seed": 5}
    prompts = ["It was a dark and stormy night", "The king called his council"]
    watermarked = owning.generate(prompts, **options)
    plain = generator.generate(prompts, watermark=False, **options)
    assert [o.token_ids for o in watermarked] == [o.token_ids for o in plain]


def test_sampling_warp_keeps_top_k_and_top_p_and_scales_by_temperature():
    scores = torch.tensor([[0.0, 1.0, 2.0, 3.0]])
    assert Sampling(temperature=2.0).warp(scores).tolist() == [[0.0, 0.5, 1.0, 1.5]]
    assert torch.isinf(Sampling(top_k=2).warp(scores)[0, :2]).all()
    # probabilities 0.03, 0.09, 0.24, 0.64: the fewest top tokens holding 0.7 of the mass are the last two
    assert torch.isfinite(Sampling(top_p=0.7).warp(scores))[0].tolist() == [False, False, True, True]
    assert torch.isfinite(Sampling(temperature=0).warp(scores))[0].tolist() == [False, False, False, True]
