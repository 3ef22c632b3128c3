"""The real embedded model, watermarked and detected with only the key and the tokenizer."""

import numpy as np
import pytest
import torch

from greenmark.generator import GenerationError, WatermarkedGenerator
from greenmark.watermark import Detector, WatermarkSpec, default_tokenizer

PROMPTS = [
    "It was a dark and stormy night",
    "The old man looked at the sea and said",
    "In the morning the soldiers marched",
    "My dear sister,",
    "The king called his council",
    "She opened the letter slowly",
    "There was once a poor miller",
    "The ship sailed from the harbour",
    "When I was a young man",
    "The philosopher asked whether",
    "Upon the hill stood a castle",
    "The doctor entered the room",
    "We walked along the river",
    "His father had been a merchant",
    "The garden was full of roses",
    "At last the stranger spoke",
    "The war had lasted many years",
    "Nobody in the village knew",
    "The letter arrived on Tuesday",
    "Long ago, in a distant country,",
]


def test_twenty_watermarked_generations_are_detected_and_plain_ones_are_not(generator, key):
    # Per-text power at 200 tokens is far above 99%, so missing 2 of 20 has probability well under 1e-3;
    # unwatermarked text is flagged at 1e-6 with probability at most 1e-6 each.
    detector = Detector(generator.spec, [key], tokenizer=default_tokenizer(), alpha=1e-6)
    watermarked = generator.generate(PROMPTS, max_new_tokens=200, seed=1)
    plain = generator.generate(PROMPTS, max_new_tokens=200, seed=1, watermark=False)
    marked_results = detector.detect_many([o.text for o in watermarked])
    plain_results = detector.detect_many([o.text for o in plain])
    assert sum(r.decision == "watermarked" and r.p_value < 1e-6 for r in marked_results) >= 19
    assert all(r.key_id == key.key_id for r in marked_results if r.decision == "watermarked")
    assert not any(r.p_value < 1e-6 for r in plain_results)
    assert all(o.key_id == key.key_id for o in watermarked) and all(o.key_id is None for o in plain)


@pytest.mark.parametrize("scheme", ["lefthash", "selfhash"])
def test_processor_green_lists_equal_numpy_on_10000_contexts(key, scheme):
    from greenmark.generator import WatermarkLogitsProcessor

    spec = WatermarkSpec.for_tokenizer(default_tokenizer(), scheme=scheme)
    processor = WatermarkLogitsProcessor(spec, key)
    rng = np.random.default_rng(99)
    vocabulary = np.arange(spec.vocab_size)
    for _ in range(20):  # 20 x 500 contexts, the whole vocabulary each
        contexts = rng.integers(0, spec.vocab_size, (500, spec.preceding_tokens))
        biased = processor(torch.from_numpy(contexts), torch.zeros(500, spec.vocab_size))
        expected = spec.is_green(key, np.repeat(contexts, spec.vocab_size, axis=0), np.tile(vocabulary, 500))
        assert np.array_equal((biased > 0).numpy().reshape(-1), expected)


def test_greedy_rows_of_a_left_padded_batch_equal_each_prompt_alone(generator):
    # Sampled rows share one random stream, so only greedy decoding is batch-independent;
    # the watermark bias itself is per row, which this checks through the whole decode.
    prompts = [PROMPTS[i] for i in range(8)]
    batch = generator.generate(prompts, max_new_tokens=24, temperature=0)
    alone = [generator.generate([p], max_new_tokens=24, temperature=0)[0] for p in prompts]
    assert [o.token_ids for o in batch] == [o.token_ids for o in alone]
    assert len({o.prompt_length for o in batch}) > 1  # the prompts really had different lengths


def test_same_seed_and_batch_give_the_same_sample(generator):
    first = generator.generate(PROMPTS[:3], max_new_tokens=20, seed=7)
    second = generator.generate(PROMPTS[:3], max_new_tokens=20, seed=7)
    other = generator.generate(PROMPTS[:3], max_new_tokens=20, seed=8)
    assert first == second
    assert first != other


def test_every_routed_expert_receives_tokens(generator):
    counts = []
    hooks = []
    for module in generator.model.modules():
        if hasattr(module, "e_score_correction_bias"):
            layer_counts = torch.zeros(module.e_score_correction_bias.numel())
            counts.append(layer_counts)

            def count(_module, _inputs, outputs, layer_counts=layer_counts):
                layer_counts.add_(torch.bincount(outputs[2].flatten(), minlength=len(layer_counts)))

            hooks.append(module.register_forward_hook(count))
    try:
        generator.generate(PROMPTS[:4], max_new_tokens=50, seed=3)
    finally:
        for hook in hooks:
            hook.remove()
    assert len(counts) == 3  # three MoE layers after the dense first layer
    assert all(bool((layer > 0).all()) for layer in counts)


def test_stream_yields_the_continuation(generator):
    pieces = list(generator.stream("The ship sailed from the harbour", max_new_tokens=15, seed=2))
    assert "".join(pieces).strip()


def test_bad_requests_raise_clear_errors(generator, key):
    with pytest.raises(GenerationError, match="no prompts"):
        generator.generate([])
    with pytest.raises(GenerationError, match="list of strings"):
        generator.generate("a bare string")
    with pytest.raises(GenerationError, match="non-empty"):
        generator.generate(["  "])
    with pytest.raises(GenerationError, match="context"):
        generator.generate(["word " * 900], max_new_tokens=200)
    with pytest.raises(GenerationError, match="no model file or directory"):
        WatermarkedGenerator.from_pretrained("/nonexistent/model", key=key)
    with pytest.raises(GenerationError, match="vocabulary"):
        WatermarkedGenerator(generator.model, generator.tokenizer, key, WatermarkSpec(vocab_size=100))
    with pytest.raises(GenerationError, match="tokenizer"):
        other = WatermarkSpec(vocab_size=8192, tokenizer_fingerprint="sha256:0")
        WatermarkedGenerator(generator.model, generator.tokenizer, key, other)
    with pytest.raises(GenerationError, match="WatermarkKey"):
        WatermarkedGenerator(generator.model, generator.tokenizer, "not a key")
