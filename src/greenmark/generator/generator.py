"""``WatermarkedGenerator``: batched (left-padded) watermarked sampling from a causal LM.

Sampling is transformers' ``model.generate`` with ``WatermarkLogitsProcessor`` in its
``logits_processor`` list. A green-list bias applies to the raw logits before temperature,
top-k and top-p; a scheme that owns sampling (``TorchScheme.owns_sampling``) applies them
itself, and ``generate`` then samples its output with transformers' warpers off. ``seed``
seeds torch's global generator: the same prompts, batch and seed give the same tokens. A row
of a batch does not equal the same prompt sampled alone, because the rows draw from one
random stream; greedy decoding (``temperature=0``, or any temperature up to
``sampling.GREEDY_TEMPERATURE``) does not depend on the batch.

>>> from greenmark.watermark import WatermarkKey
>>> generator = WatermarkedGenerator.from_default(key=WatermarkKey.generate())
>>> output = generator.generate(["It was a dark and stormy night"], max_new_tokens=5, seed=0)[0]
>>> len(output.token_ids) - output.prompt_length <= 5
True
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from threading import Thread

import torch
from transformers import GenerationConfig, LogitsProcessorList, TextIteratorStreamer

from greenmark.generator.chat import Conversation, end_of_turn_ids, render_prompt
from greenmark.generator.errors import GenerationError
from greenmark.generator.loading import load_default_model, load_model
from greenmark.generator.logits_processor import WatermarkLogitsProcessor
from greenmark.generator.sampling import SamplingParameters
from greenmark.generator.schemes import Sampling
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.spec import WatermarkSpec
from greenmark.watermark.tokenizer import TextTokenizer


@dataclass(frozen=True)
class GenerationOutput:
    """One prompt's result: ``text`` is the continuation only; ``token_ids`` is prompt + continuation."""

    text: str
    token_ids: list[int]
    prompt_length: int
    key_id: str | None


def logits_width(model) -> int:
    """How many logits the model emits per step (may exceed the tokenizer's size)."""
    return model.get_output_embeddings().weight.shape[0]


class WatermarkedGenerator:
    """A causal LM, its tokenizer, and one watermark key and spec."""

    def __init__(self, model, tokenizer, key: WatermarkKey, spec: WatermarkSpec | None = None):
        if not isinstance(key, WatermarkKey):
            raise GenerationError("a WatermarkedGenerator needs a WatermarkKey")
        width = logits_width(model)
        spec = spec or WatermarkSpec.for_tokenizer(tokenizer, vocab_size=width)
        if spec.vocab_size != width:
            raise GenerationError(
                f"the spec's vocabulary ({spec.vocab_size}) differs from the model's logits ({width})"
            )
        fingerprint = TextTokenizer.wrap(tokenizer).fingerprint
        if spec.tokenizer_fingerprint not in (None, fingerprint):
            raise GenerationError("the spec was made for another tokenizer than this model's")
        self.model, self.tokenizer, self.key, self.spec = model, tokenizer, key, spec
        self.processor = WatermarkLogitsProcessor(spec, key, device=model.device)

    @classmethod
    def from_default(cls, key: WatermarkKey, spec: WatermarkSpec | None = None, device=None) -> WatermarkedGenerator:
        """The embedded default MoE model (offline)."""
        model, tokenizer = load_default_model(device=device)
        return cls(model, tokenizer, key, spec)

    @classmethod
    def from_pretrained(
        cls,
        path_or_name: str | Path,
        key: WatermarkKey,
        spec: WatermarkSpec | None = None,
        device=None,
        dtype=None,
        gguf_file: str | None = None,
    ) -> WatermarkedGenerator:
        """Any causal LM that ``load_model`` takes: alias, ``.gguf`` file, directory (and ``gguf_file``), hub name."""
        model, tokenizer = load_model(path_or_name, device=device, dtype=dtype, gguf_file=gguf_file)
        return cls(model, tokenizer, key, spec)

    @property
    def end_of_turn_ids(self) -> list[int]:
        """The tokens that end a continuation (see ``greenmark.generator.chat``)."""
        return end_of_turn_ids(self.model, self.tokenizer)

    @property
    def max_length(self) -> int:
        return int(getattr(self.model.config, "max_position_embeddings", 0) or 2**31)

    def _encode(self, prompts: Sequence[str | Conversation], max_new_tokens: int):
        if isinstance(prompts, str) or not isinstance(prompts, Sequence):
            raise GenerationError("prompts must be a list of strings or conversations")
        if not prompts:
            raise GenerationError("no prompts given")
        rendered = [render_prompt(self.tokenizer, prompt) for prompt in prompts]
        encoded = self.tokenizer(rendered, return_tensors="pt", padding=True, add_special_tokens=False)
        longest = encoded["input_ids"].shape[1]
        if longest + max_new_tokens > self.max_length:
            raise GenerationError(
                f"prompt ({longest} tokens) plus max_new_tokens ({max_new_tokens}) exceeds the model's context "
                f"of {self.max_length} tokens"
            )
        return encoded.to(self.model.device)

    def _generation_config(self, parameters: SamplingParameters, watermark: bool) -> GenerationConfig:
        sampling = not parameters.greedy
        temperature, top_k, top_p = parameters.temperature, parameters.top_k, parameters.top_p
        if watermark and self.processor.owns_sampling:  # the processor applied them: sample its logits as they are
            temperature, top_k, top_p = 1.0, 0, 1.0
        return GenerationConfig(
            max_new_tokens=parameters.max_new_tokens,
            do_sample=sampling,
            temperature=temperature if sampling else None,
            top_k=top_k if sampling else None,
            top_p=top_p if sampling else None,
            pad_token_id=self.tokenizer.pad_token_id,
            eos_token_id=self.end_of_turn_ids,
        )

    def _processors(self, watermark: bool, parameters: SamplingParameters) -> LogitsProcessorList:
        if not watermark:
            return LogitsProcessorList([])
        if not self.processor.owns_sampling:
            return LogitsProcessorList([self.processor])
        temperature = 0.0 if parameters.greedy else parameters.temperature
        return LogitsProcessorList(
            [self.processor.with_sampling(Sampling(temperature, parameters.top_k, parameters.top_p))]
        )

    @torch.inference_mode()
    def generate(
        self,
        prompts: Sequence[str | Conversation],
        max_new_tokens: int = 200,
        temperature: float = 1.0,
        top_k: int = 0,
        top_p: float = 1.0,
        seed: int | None = None,
        watermark: bool = True,
    ) -> list[GenerationOutput]:
        """Sample a continuation of each prompt (``top_k=0``: no top-k cut; ``temperature=0``: greedy).

        A prompt is a string, or a conversation (a list of ``{"role", "content"}`` messages)
        rendered with the tokenizer's chat template; ``prompt_length`` counts the rendered
        prompt's tokens. A continuation stops before the first end-of-turn or special token,
        which it never holds.

        The parameters are checked by ``SamplingParameters`` (a ``GenerationError`` when invalid).
        """
        parameters = SamplingParameters(max_new_tokens, temperature, top_k, top_p, seed)
        encoded = self._encode(prompts, max_new_tokens)
        config = self._generation_config(parameters, watermark)
        processors = self._processors(watermark, parameters)
        if seed is not None:
            torch.manual_seed(seed)
        output = self.model.generate(**encoded, generation_config=config, logits_processor=processors)
        padded_length = encoded["input_ids"].shape[1]
        stops = set(self.tokenizer.all_special_ids) | set(self.end_of_turn_ids)
        results = []
        for row, mask in zip(output.tolist(), encoded["attention_mask"].tolist(), strict=True):
            prompt = [t for t, keep in zip(row[:padded_length], mask, strict=True) if keep]
            continuation = []
            for token in row[padded_length:]:
                if token in stops:
                    break
                continuation.append(token)
            results.append(
                GenerationOutput(
                    text=self.tokenizer.decode(continuation, skip_special_tokens=True),
                    token_ids=prompt + continuation,
                    prompt_length=len(prompt),
                    key_id=self.key.key_id if watermark else None,
                )
            )
        return results

    def stream(
        self,
        prompt: str | Conversation,
        max_new_tokens: int = 200,
        temperature: float = 1.0,
        top_k: int = 0,
        top_p: float = 1.0,
        seed: int | None = None,
        watermark: bool = True,
    ) -> Iterator[str]:
        """Yield the continuation of one prompt (or conversation) piece by piece as it is generated."""
        parameters = SamplingParameters(max_new_tokens, temperature, top_k, top_p, seed)
        encoded = self._encode([prompt], max_new_tokens)
        config = self._generation_config(parameters, watermark)
        processors = self._processors(watermark, parameters)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        if seed is not None:
            torch.manual_seed(seed)

        def run():
            with torch.inference_mode():
                self.model.generate(**encoded, generation_config=config, logits_processor=processors, streamer=streamer)

        worker = Thread(target=run, daemon=True)
        worker.start()
        yield from streamer
        worker.join()
