"""What the suite evaluates: prompts and token chunks from human text, and batched generations
with greenmark's watermark, without a watermark, and with transformers' built-in one.

>>> prompts_from_texts(["One two three four five six.\\n\\nSeven eight nine ten eleven twelve."], 2, 3, seed=0)
['One two three', 'Seven eight nine']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from greenmark.corpus import book_paths
from greenmark.watermark import canonicalize


@dataclass(frozen=True)
class Sample:
    """One generation: the prompt, its token ids, and the continuation's token ids and text."""

    prompt: str
    prompt_ids: np.ndarray
    ids: np.ndarray
    text: str


def human_texts(split: str = "human-dev") -> list[str]:
    """The canonicalised books of a corpus split (``FileNotFoundError`` when the corpus is absent)."""
    paths = book_paths(split)
    if not paths:
        raise FileNotFoundError(f"the corpus has no {split!r} books")
    return [canonicalize(path.read_text(encoding="utf-8")).text for path in paths]


def prompts_from_texts(texts: Sequence[str], count: int, words: int, seed) -> list[str]:
    """``count`` prompts: the first ``words`` words of paragraphs (blank-line separated) of at least
    twice that many words, drawn without replacement."""
    paragraphs = [
        " ".join(paragraph.split()[:words])
        for text in texts
        for paragraph in text.split("\n\n")
        if len(paragraph.split()) >= 2 * words
    ]
    if len(paragraphs) < count:
        raise ValueError(f"only {len(paragraphs)} paragraphs are long enough for {count} prompts")
    chosen = np.random.default_rng(seed).choice(len(paragraphs), size=count, replace=False)
    return [paragraphs[i] for i in sorted(chosen)]


def token_stream(texts: Sequence[str], tokenizer, needed: int) -> np.ndarray:
    """The token ids of ``texts`` concatenated, tokenising one text at a time until ``needed`` ids are there.

    >>> from greenmark.watermark import default_tokenizer
    >>> len(token_stream(["one two", "three four"], default_tokenizer(), needed=1)) < 5
    True
    """
    parts, total = [], 0
    for text in texts:
        ((ids, _),) = tokenizer.encode_batch([text])
        parts.append(ids)
        total += len(ids)
        if total >= needed:
            break
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def token_chunks(stream: np.ndarray, length: int, count: int, skip: int = 0) -> list[np.ndarray]:
    """Up to ``count`` consecutive, non-overlapping chunks of ``length`` tokens, after the first ``skip`` tokens.

    >>> [c.tolist() for c in token_chunks(np.arange(10), 3, 5, skip=2)]
    [[2, 3, 4], [5, 6, 7]]
    """
    usable = (len(stream) - skip) // length
    return [stream[skip + i * length : skip + (i + 1) * length] for i in range(min(count, usable))]


def _samples(tokenizer, prompts: Sequence[str], rows: list[list[int]], padded_length: int, masks) -> list[Sample]:
    special = set(tokenizer.all_special_ids)
    samples = []
    for prompt, row, mask in zip(prompts, rows, masks, strict=True):
        prompt_ids = [t for t, keep in zip(row[:padded_length], mask, strict=True) if keep]
        continuation = []
        for token in row[padded_length:]:
            if token in special:
                break
            continuation.append(token)
        samples.append(
            Sample(
                prompt,
                np.array(prompt_ids, dtype=np.int64),
                np.array(continuation, dtype=np.int64),
                tokenizer.decode(continuation, skip_special_tokens=True),
            )
        )
    return samples


def generate_samples(
    model,
    tokenizer,
    prompts: Sequence[str],
    max_new_tokens: int,
    seed: int,
    batch_size: int,
    logits_processors: Sequence = (),
    watermarking_config=None,
    advance: Callable[[int], None] = lambda done: None,
    temperature: float = 1.0,
) -> list[Sample]:
    """Sample at ``temperature`` (no top-k/top-p cut) a continuation of every prompt, in batches, until an end token.

    Pass greenmark's ``WatermarkLogitsProcessor`` in ``logits_processors``, or transformers'
    ``WatermarkingConfig`` as ``watermarking_config``, or neither. A processor whose scheme owns
    sampling gets the temperature and its output is sampled as it is (as ``WatermarkedGenerator``
    does). Batch ``b`` is seeded with ``seed + b``, so a run is reproducible. ``advance`` is called
    with the number of prompts done.
    """
    import torch
    from transformers import GenerationConfig, LogitsProcessorList

    from greenmark.generator.chat import end_of_turn_ids
    from greenmark.generator.schemes import Sampling

    if any(getattr(processor, "owns_sampling", False) for processor in logits_processors):
        logits_processors = [
            processor.with_sampling(Sampling(temperature, 0, 1.0))
            if getattr(processor, "owns_sampling", False)
            else processor
            for processor in logits_processors
        ]
        temperature = 1.0
    config = GenerationConfig(
        max_new_tokens=max_new_tokens,
        do_sample=True,
        temperature=temperature,
        top_k=0,
        top_p=1.0,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=end_of_turn_ids(model, tokenizer),
        watermarking_config=watermarking_config,
    )
    samples: list[Sample] = []
    for batch_index, first in enumerate(range(0, len(prompts), batch_size)):
        batch = list(prompts[first : first + batch_size])
        encoded = tokenizer(batch, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
        torch.manual_seed(seed + batch_index)
        with torch.inference_mode():
            output = model.generate(
                **encoded, generation_config=config, logits_processor=LogitsProcessorList(logits_processors)
            )
        samples += _samples(
            tokenizer, batch, output.tolist(), encoded["input_ids"].shape[1], encoded["attention_mask"].tolist()
        )
        advance(len(samples))
    return samples
