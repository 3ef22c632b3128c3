"""The model suite's prompts: chat instructions written for this project, each of one kind.

``chat_prompts.jsonl`` (shipped in the package) holds one ``{"kind", "instruction"}`` object a
line, spread over explanation, story, letter, list, how-to, code and factual Q&A.
``select_prompts`` takes the kinds in turn, so any number of prompts is a balanced mix.

>>> prompts = select_prompts(7, seed=0)
>>> sorted(p.kind for p in prompts) == sorted(KINDS)
True
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import chain, zip_longest

import numpy as np

KINDS = ("explanation", "story", "letter", "list", "how-to", "code", "factual-qa")


@dataclass(frozen=True)
class ChatPrompt:
    """One instruction a user might give a chat model, and its kind."""

    kind: str
    instruction: str


@cache
def chat_prompts() -> tuple[ChatPrompt, ...]:
    """Every committed instruction, in file order."""
    text = (resources.files("greenmark.evaluation") / "chat_prompts.jsonl").read_text(encoding="utf-8")
    return tuple(ChatPrompt(**json.loads(line)) for line in text.splitlines() if line.strip())


def select_prompts(count: int, seed: int) -> list[ChatPrompt]:
    """``count`` distinct prompts: each kind shuffled by ``seed``, then the kinds taken in turn.

    >>> [p.kind for p in select_prompts(3, seed=1)]
    ['explanation', 'story', 'letter']
    """
    prompts = chat_prompts()
    if not 0 < count <= len(prompts):
        raise ValueError(f"choose between 1 and {len(prompts)} prompts, not {count}")
    by_kind = defaultdict(list)
    for prompt in prompts:
        by_kind[prompt.kind].append(prompt)
    rng = np.random.default_rng(seed)
    shuffled = [[by_kind[kind][i] for i in rng.permutation(len(by_kind[kind]))] for kind in KINDS]
    interleaved = [p for p in chain.from_iterable(zip_longest(*shuffled)) if p is not None]
    return interleaved[:count]


def prompt_text(tokenizer, instruction: str) -> str:
    """The text a model is prompted with: the chat template's user turn and assistant header when the
    tokenizer has a template, else the bare instruction and a blank line (a plain language model).

    >>> from greenmark.generator import load_default_model
    >>> prompt_text(load_default_model(device="cpu")[1], "Write a poem.")
    'Write a poem.\\n\\n'
    """
    from greenmark.generator.chat import render_prompt

    if getattr(tokenizer, "chat_template", None):
        return render_prompt(tokenizer, [{"role": "user", "content": instruction}])
    return instruction + "\n\n"
