"""The processor's bookkeeping of vLLM's persistent batch, driven with real ``BatchUpdate`` objects.

vLLM tells a logits processor which rows were removed, added (possibly over a row that is still
there) and moved (one way, or swapped). After every update each row must be watermarked with its
own request's key and context, and an unkeyed row left exactly as it was. The expected rows come
from greenmark's torch schemes directly; nothing here is random except the logits (fixed seed).
"""

from __future__ import annotations

import pytest
import torch
from vllm.config import ModelConfig, VllmConfig
from vllm.sampling_params import SamplingParams
from vllm.v1.sample.logits_processor import BatchUpdate, MoveDirectionality

from greenmark.generator.schemes import Sampling, build_torch_scheme
from greenmark.integrations.vllm import VllmWatermarkLogitsProcessor
from tests.vllm.plugin_support import create_keys, key_store_in_environment, model_path

VOCAB = 8192


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    with key_store_in_environment(tmp_path_factory.mktemp("greenmark-home")) as environment:
        wanted = [("acme", "news", "lefthash"), ("globex", "wire", "selfhash"), ("acme", "fiction", "gumbel")]
        yield create_keys(environment, wanted)


@pytest.fixture(scope="module")
def vllm_config():
    return VllmConfig(model_config=ModelConfig(model=model_path(), dtype="float32"))


class Request:
    """A request as vLLM's batch holds it: parameters, prompt ids and the live output list."""

    def __init__(self, key, prompt_ids):
        extra_args = None if key is None else key.extra_args
        self.key = key
        self.params = SamplingParams(temperature=1.0, seed=7, extra_args=extra_args)
        self.prompt_ids = prompt_ids
        self.output_ids: list[int] = []

    def added_at(self, index: int):
        return (index, self.params, self.prompt_ids, self.output_ids)

    def expected_row(self, logits_row: torch.Tensor) -> torch.Tensor:
        """The row greenmark's own torch scheme makes for this request's context."""
        if self.key is None:
            return logits_row
        scheme = build_torch_scheme(self.key.spec, self.key.key)
        context = (self.prompt_ids + self.output_ids)[-self.key.spec.preceding_tokens :]
        row = scheme.apply(torch.tensor([context]), logits_row[None].clone(), Sampling())[0]
        return row if not scheme.owns_sampling else torch.full_like(row, -torch.inf).scatter_(0, row.argmax()[None], 0)


def update(batch_size, removed=(), added=(), moved=()):
    return BatchUpdate(batch_size=batch_size, removed=list(removed), added=list(added), moved=list(moved))


def check_rows(processor, rows: list[Request], seed: int):
    """Apply the processor to random logits; each row must be its own request's, then every request steps."""
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(len(rows), VOCAB, generator=generator)
    expected = torch.stack([request.expected_row(logits[index]) for index, request in enumerate(rows)])
    processed = processor.apply(logits.clone())
    for index, request in enumerate(rows):
        assert torch.equal(processed[index], expected[index]), (index, request.key and request.key.name)
    for request in rows:
        request.output_ids.append(int(torch.randint(VOCAB, (1,), generator=generator)))


def test_rows_keep_their_own_keys_as_requests_leave_join_move_and_replace_each_other(keys, vllm_config):
    processor = VllmWatermarkLogitsProcessor(vllm_config, torch.device("cpu"), is_pin_memory=False)
    news, wire, fiction = keys["acme/news"], keys["globex/wire"], keys["acme/fiction"]
    a, b, plain = Request(news, [11, 12, 13]), Request(wire, [21, 22, 23, 24, 25]), Request(None, [31, 32])
    processor.update_state(update(3, added=[a.added_at(0), b.added_at(1), plain.added_at(2)]))
    check_rows(processor, [a, b, plain], seed=1)

    processor.update_state(None)  # a step without batch changes
    check_rows(processor, [a, b, plain], seed=2)

    # a finishes; vLLM condenses the batch by moving the last row into the hole
    processor.update_state(update(2, removed=[0], moved=[(2, 0, MoveDirectionality.UNIDIRECTIONAL)]))
    check_rows(processor, [plain, b], seed=3)

    # a gumbel request joins at the end, then swaps places with the unkeyed one
    d = Request(fiction, list(range(41, 55)))  # longer than its 12-token context
    processor.update_state(update(3, added=[d.added_at(2)], moved=[(0, 2, MoveDirectionality.SWAP)]))
    check_rows(processor, [d, b, plain], seed=4)

    # new requests take over rows still held by b (keyed) and d (keyed), one of them unkeyed
    e, f = Request(news, [51, 52]), Request(None, [61, 62, 63])
    processor.update_state(update(3, added=[e.added_at(1), f.added_at(0)]))
    check_rows(processor, [f, e, plain], seed=5)
    assert sorted(processor.requests) == [1]


def test_a_second_instance_in_the_same_engine_leaves_the_logits_alone(keys, vllm_config):
    first = VllmWatermarkLogitsProcessor(vllm_config, torch.device("cpu"), is_pin_memory=False)
    second = VllmWatermarkLogitsProcessor(vllm_config, torch.device("cpu"), is_pin_memory=False)
    request = Request(keys["acme/news"], [1, 2, 3])
    for processor in (first, second):
        processor.update_state(update(1, added=[request.added_at(0)]))
    logits = torch.randn(1, VOCAB, generator=torch.Generator().manual_seed(0))
    assert torch.equal(second.apply(logits.clone()), logits)
    assert not torch.equal(first.apply(logits.clone()), logits)
