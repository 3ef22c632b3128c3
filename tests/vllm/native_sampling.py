"""Watermarked text from vLLM's own CPU reference sampling over the embedded model's logits.

vLLM 0.32's native watermark sampler needs Model Runner V2 and so Triton, which this CPU build
lacks. ``VllmReferenceSampling`` is a transformers logits processor that samples every step
as vLLM's ``GPUWatermarkSampler`` does with ``deduplicate_contexts="single_turn"``, calling
vLLM's own code for the watermarked choice:

* the context is the last ``context_width`` completion ids, -1 before the completion's start;
* a context that already occurred in the completion is sampled without the watermark
  (``torch.multinomial`` under a seeded generator);
* otherwise ``GumbelWatermarker.sample`` (its CPU path: argmax of logits plus Gumbel noise
  from ``PhiloxPRF``) picks the token; a ``DualKeyGumbelWatermarker`` row routes each token
  to key B with probability ``alpha`` and samples it with that key's ``GumbelWatermarker``
  (``target_watermarker``), else with key A's (``draft_watermarker``), as vLLM routes.

The processor returns a one-hot row, so greedy decoding takes vLLM's token. End-of-sequence
ids are masked out, so every row runs to ``max_new_tokens``.
"""

from __future__ import annotations

import torch
from transformers import LogitsProcessor
from vllm.v1.watermarking import DualKeyGumbelWatermarker, GumbelWatermarker


class VllmReferenceSampling(LogitsProcessor):
    """One vLLM watermarker per batch row; ``prompt_length`` ids of each row are the prompt."""

    def __init__(self, watermarkers, prompt_length: int, banned_ids, seed: int, temperature: float = 1.0):
        self.watermarkers = list(watermarkers)
        self.prompt_length = prompt_length
        self.banned_ids = sorted(banned_ids)
        self.temperature = temperature
        self.generator = torch.Generator().manual_seed(seed)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        logits = scores.float() / self.temperature
        logits[:, self.banned_ids] = float("-inf")
        completions = input_ids[:, self.prompt_length :]
        chosen = [self._sample_row(row, completions[row], logits[row : row + 1]) for row in range(len(logits))]
        one_hot = torch.full_like(scores, float("-inf"))
        one_hot[torch.arange(len(scores)), torch.tensor(chosen)] = 0.0
        return one_hot

    def _sample_row(self, row: int, completion: torch.Tensor, logits: torch.Tensor) -> int:
        watermarker = self.watermarkers[row]
        width = watermarker.context_width
        padded = torch.cat([torch.full((width,), -1, dtype=torch.int64), completion.to(torch.int64)])
        context = padded[len(completion) :]
        earlier = padded.unfold(0, width, 1)[: len(completion)]
        if (earlier == context).all(dim=-1).any():
            return int(torch.multinomial(torch.softmax(logits[0], -1), 1, generator=self.generator))
        if isinstance(watermarker, DualKeyGumbelWatermarker):
            use_key_b = float(torch.rand((), generator=self.generator)) < watermarker.alpha
            watermarker = watermarker.target_watermarker if use_key_b else watermarker.draft_watermarker
        assert isinstance(watermarker, GumbelWatermarker)
        return int(watermarker.sample(logits, context.unsqueeze(0)).token_ids[0])


def generate_with_vllm_watermarks(model, tokenizer, prompt: str, watermarkers, max_new_tokens: int, seed: int):
    """The completion ids (``int64[rows, max_new_tokens]``) of ``prompt`` under each row's vLLM watermarker."""
    prompt_ids = torch.tensor([tokenizer.encode(prompt)] * len(watermarkers))
    banned = {tokenizer.eos_token_id} | set(tokenizer.all_special_ids)
    sampling = VllmReferenceSampling(watermarkers, prompt_ids.shape[1], banned - {None}, seed)
    with torch.no_grad():
        output = model.generate(
            prompt_ids,
            attention_mask=torch.ones_like(prompt_ids),
            do_sample=False,
            max_new_tokens=max_new_tokens,
            min_new_tokens=max_new_tokens,
            logits_processor=[sampling],
            pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0,
        )
    return output[:, prompt_ids.shape[1] :].numpy()
