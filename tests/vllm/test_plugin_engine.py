"""The plug-in inside a real ``vllm.LLM`` (CPU) on the shipped default model, keys from a real key store.

One engine serves the module (starting one takes about 30 s on 2 cores). It is built *without*
``logits_processors=``: the plug-in arrives through greenmark's ``vllm.logits_processors``
entry point, as in any environment where greenmark is installed.

Statistical assertions: every verdict uses the detector's exact test at alpha = 1e-6, so a
"not watermarked" assertion on text without that key's watermark fails with probability at
most 1e-6 each (about 1e-5 for the whole module). A watermarked answer of 160 tokens reaches
p-values far below 1e-6 (the failure messages print them); seeds are fixed, so reruns
sample the same tokens.
"""

from __future__ import annotations

import json
from importlib.metadata import entry_points

import pytest
from vllm.exceptions import VLLMValidationError

import vllm
from greenmark.integrations.vllm import VllmWatermarkLogitsProcessor
from tests.greenmark_process import run_greenmark
from tests.vllm.plugin_support import (
    ALPHA,
    ENGINE_OPTIONS,
    create_keys,
    key_store_in_environment,
    model_path,
    with_environment,
)

PROMPTS = [
    "The old lighthouse keeper looked at the sea and",
    "In the morning the village market was full of",
    "She opened the letter from her brother, which said that",
    "The history of the railway begins with",
]
ANSWER_TOKENS = 160


@pytest.fixture(scope="module")
def store_environment(tmp_path_factory):
    with key_store_in_environment(tmp_path_factory.mktemp("greenmark-home")) as environment:
        yield environment


@pytest.fixture(scope="module")
def keys(store_environment):
    return create_keys(
        store_environment,
        [
            ("acme", "news", "lefthash"),
            ("globex", "wire", "lefthash"),
            ("acme", "essays", "selfhash"),
            ("acme", "fiction", "gumbel"),
            ("acme", "letters", "tournament"),
        ],
    )


@pytest.fixture(scope="module")
def llm(store_environment):
    engine = vllm.LLM(model_path(), seed=0, max_num_seqs=4, **ENGINE_OPTIONS)
    yield engine
    engine.llm_engine.engine_core.shutdown()


def sampling(key=None, *, seed: int, max_tokens: int = ANSWER_TOKENS, temperature: float = 1.0, **options):
    return vllm.SamplingParams(
        max_tokens=max_tokens,
        min_tokens=max_tokens,
        temperature=temperature,
        seed=seed,
        extra_args=None if key is None else key.extra_args,
        **options,
    )


def answer_ids(output) -> tuple[list[int], list[int]]:
    return list(output.prompt_token_ids), list(output.outputs[0].token_ids)


def test_greenmark_registers_the_processor_in_vllms_entry_point_group():
    loaded = [entry.load() for entry in entry_points(group="vllm.logits_processors") if entry.name == "greenmark"]
    assert loaded == [VllmWatermarkLogitsProcessor]


def test_one_batch_watermarks_each_tenants_request_with_its_own_key_and_leaves_the_third_alone(llm, keys):
    acme, globex = keys["acme/news"], keys["globex/wire"]
    outputs = llm.generate(PROMPTS[:3], [sampling(acme, seed=1), sampling(globex, seed=2), sampling(seed=3)])
    acme_answer, globex_answer, plain_answer = (answer_ids(output) for output in outputs)

    assert acme.detect(*acme_answer).p_value < ALPHA, acme.detect(*acme_answer)
    assert globex.detect(*globex_answer).p_value < ALPHA, globex.detect(*globex_answer)
    assert not globex.detect(*acme_answer).is_watermarked
    assert not acme.detect(*globex_answer).is_watermarked
    assert not acme.detect(*plain_answer).is_watermarked
    assert not globex.detect(*plain_answer).is_watermarked


@pytest.mark.parametrize("name", ["acme/essays", "acme/fiction", "acme/letters"])
def test_every_generating_scheme_is_detected_on_the_returned_token_ids(llm, keys, name):
    key = keys[name]
    output = llm.generate(PROMPTS[3], sampling(key, seed=4, top_k=200, top_p=0.95))[0]
    result = key.detect(*answer_ids(output))
    assert result.p_value < ALPHA and result.scheme == key.spec.scheme_id, result
    assert not keys["acme/news"].detect(*answer_ids(output)).is_watermarked


def test_greedy_requests_are_watermarked_too(llm, keys):
    """Greedy, with vLLM's repetition penalty (applied after the watermark): without it the small model's
    greedy answer falls into a loop of a few tokens, too few distinct pairs to score."""
    key = keys["acme/news"]
    greedy = {"temperature": 0, "repetition_penalty": 1.3}
    watermarked, plain = llm.generate([PROMPTS[0]] * 2, [sampling(key, seed=5, **greedy), sampling(seed=5, **greedy)])
    assert watermarked.outputs[0].token_ids != plain.outputs[0].token_ids
    assert key.detect(*answer_ids(watermarked)).p_value < ALPHA


def test_a_seeded_request_of_a_sampling_scheme_repeats_its_answer(llm, keys):
    key = keys["acme/letters"]
    first, second = llm.generate([PROMPTS[1]] * 2, [sampling(key, seed=6, max_tokens=40)] * 2)
    assert first.outputs[0].token_ids == second.outputs[0].token_ids


def test_requests_joining_and_leaving_a_full_batch_keep_their_own_keys(llm, keys):
    """Eight requests of different lengths through four slots: rows are removed, reused and moved as they end.

    The shortest answers are the unwatermarked ones: a 40-token lefthash answer of this model misses
    p < 1e-6 a few times in a hundred keys, an 80-token one practically never (about 28 of 40
    tokens green against the 23 needed, and 56 of 80 against 39)."""
    owners = [keys["acme/news"], keys["globex/wire"], None, keys["acme/fiction"]] * 2
    lengths = [80, 200, 40, 130, 170, 90, 60, 110]
    params = [
        sampling(owner, seed=10 + i, max_tokens=length)
        for i, (owner, length) in enumerate(zip(owners, lengths, strict=True))
    ]
    outputs = llm.generate([PROMPTS[i % 4] for i in range(8)], params)
    for owner, length, output in zip(owners, lengths, outputs, strict=True):
        prompt_ids, output_ids = answer_ids(output)
        assert len(output_ids) == length
        for key in (keys["acme/news"], keys["globex/wire"], keys["acme/fiction"]):
            result = key.detect(prompt_ids, output_ids)
            assert result.is_watermarked == (key is owner), (owner and owner.name, key.name, result)


def test_an_unknown_key_or_tenant_is_rejected_before_generation(llm, keys):
    rejected = {
        "acme/nope": "tenant 'acme' has no key named 'nope'",
        "nobody/news": "tenant 'nobody' has no key named 'news'",
        "acme": 'must be "TENANT/KEY"',
    }
    for named, message in rejected.items():
        with pytest.raises(VLLMValidationError, match=message):
            llm.generate(PROMPTS[0], vllm.SamplingParams(max_tokens=4, extra_args={"greenmark": named}))


def test_greenmark_detect_on_the_returned_text_agrees_with_detecting_the_token_ids(
    llm, keys, store_environment, tmp_path
):
    owners = [keys["acme/news"], keys["acme/fiction"], None]
    outputs = llm.generate(PROMPTS[:3], [sampling(owner, seed=20 + i) for i, owner in enumerate(owners)])
    paths = []
    for index, output in enumerate(outputs):
        paths.append(tmp_path / f"answer-{index}.txt")
        paths[-1].write_text(output.outputs[0].text, encoding="utf-8")
    result = run_greenmark(
        "detect", "--tenant", "acme", "--jsonl", "--exit-zero", *paths, env=with_environment(store_environment)
    )
    assert result.returncode == 0, result.stderr
    text_verdicts = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [verdict["decision"] for verdict in text_verdicts] == ["watermarked", "watermarked", "not_watermarked"]
    for owner, output, verdict in zip(owners, outputs, text_verdicts, strict=True):
        if owner is not None:
            token_verdict = owner.detect(*answer_ids(output))
            assert (verdict["decision"], verdict["key_id"]) == (token_verdict.decision, owner.key.key_id)
        else:
            assert not any(key.detect(*answer_ids(output)).is_watermarked for key in keys.values())
