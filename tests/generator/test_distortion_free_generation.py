"""Gumbel-max and tournament generation with the real embedded model, scored by the one scoring rule."""

import numpy as np
import pytest

from greenmark.generator import WatermarkedGenerator
from greenmark.watermark import WatermarkSpec, default_tokenizer
from greenmark.watermark.token_scores import score_documents
from tests.generator.test_generation import PROMPTS

SCHEMES = ["gumbel", "tournament"]


@pytest.fixture(scope="module")
def generators(key):
    from greenmark.generator import load_default_model

    model, tokenizer = load_default_model()
    return {
        scheme: WatermarkedGenerator(model, tokenizer, key, WatermarkSpec.for_tokenizer(tokenizer, scheme=scheme))
        for scheme in SCHEMES
    }


def p_values(generator, key, outputs) -> np.ndarray:
    """Each output's exact p-value under ``key``, its prompt excluded."""
    scheme = generator.spec.watermark_scheme
    table = score_documents(
        scheme,
        scheme.key_material(key),
        [np.array(o.token_ids) for o in outputs],
        prompt_lengths=[o.prompt_length for o in outputs],
    )
    return table.test().p_value


@pytest.mark.parametrize("scheme", SCHEMES)
def test_twenty_watermarked_generations_are_detected_and_plain_ones_are_not(generators, key, scheme):
    # At T = 1 the embedded model's 200-token samples reach p far below 1e-6 (median below 1e-20 in
    # trial runs), so missing 2 of 20 has probability well under 1e-3; plain text reaches 1e-6
    # with probability at most 1e-6 per text.
    generator = generators[scheme]
    watermarked = generator.generate(PROMPTS, max_new_tokens=200, seed=1)
    plain = generator.generate(PROMPTS, max_new_tokens=200, seed=1, watermark=False)
    assert (p_values(generator, key, watermarked) < 1e-6).sum() >= 19
    assert p_values(generator, key, plain).min() >= 1e-6


def test_gumbel_answers_do_not_depend_on_the_sampling_seed(generators):
    # every step needs a full 12-token context (else it is sampled normally), so the prompts are long;
    # a context that repeats inside an answer is sampled normally too, so one of four may differ
    prompts = [f"Once upon a time, in a land far away across the sea, {p}" for p in PROMPTS[:4]]
    first = generators["gumbel"].generate(prompts, max_new_tokens=40, seed=1)
    second = generators["gumbel"].generate(prompts, max_new_tokens=40, seed=2)
    assert sum(a.token_ids == b.token_ids for a, b in zip(first, second, strict=True)) >= 3


def test_tournament_answers_vary_with_the_sampling_seed(generators):
    first = generators["tournament"].generate(PROMPTS[:4], max_new_tokens=40, seed=1)
    second = generators["tournament"].generate(PROMPTS[:4], max_new_tokens=40, seed=2)
    assert sum(a.token_ids != b.token_ids for a, b in zip(first, second, strict=True)) >= 3


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_repeated_watermarked_answer_counts_once(generators, key, scheme):
    generator = generators[scheme]
    answer = generator.generate(PROMPTS[:1], max_new_tokens=80, seed=3)[0]
    continuation = answer.token_ids[answer.prompt_length :]
    once = score_documents(
        generator.spec.watermark_scheme, generator.spec.watermark_scheme.key_material(key), [np.array(continuation)]
    )
    repeated = score_documents(
        generator.spec.watermark_scheme,
        generator.spec.watermark_scheme.key_material(key),
        [np.array(continuation * 10)],
    )
    assert repeated.num_scored_tokens[0] <= once.num_scored_tokens[0] + generator.spec.context_width
    assert default_tokenizer().decode(continuation).strip()
