"""``WatermarkedRequest``: one keyed vLLM request, and which of its token ids the watermark covers.

The token-id contract (what the detector must see): the watermark covers the request's output
ids (``CompletionOutput.token_ids``), the prompt's ids are context only. The token at output
position i is seeded by the ``spec.preceding_tokens`` ids before it in ``prompt_ids +
output_ids``, so the first output tokens are seeded by the prompt's last tokens. Detect with
``Detector.detect_tokens(prompt_ids + output_ids, prompt_length=len(prompt_ids))`` (or only
the prompt's last ``preceding_tokens`` ids before the output: the same result). Detecting the
returned text alone (``greenmark detect``) scores the same pairs except the first
``preceding_tokens`` output tokens, which then serve as context only.

Schemes that own sampling (gumbel, tournament) watermark each context once per request, as the
detector scores each once per document: a position whose context already occurred after the
prompt (token for token) is sampled normally.

>>> import random
>>> from greenmark.generator.schemes import Sampling, build_torch_scheme
>>> from greenmark.watermark import WatermarkKey, WatermarkSpec
>>> spec = WatermarkSpec(vocab_size=50, scheme="gumbel", context_width=2)
>>> output_ids = [7, 8, 7]
>>> scheme = build_torch_scheme(spec, WatermarkKey.generate())
>>> request = WatermarkedRequest(scheme, Sampling(), [1, 2, 3], output_ids, random.Random(0))
>>> request.next_context()  # contexts so far: (2, 3), (3, 7), (7, 8)
[8, 7]
>>> output_ids.append(8)
>>> request.next_context() is None  # (7, 8) already seeded the second 7
True
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from greenmark.generator.schemes import Sampling, TorchScheme


@dataclass
class WatermarkedRequest:
    """A keyed request: its scheme, sampling, the prompt's last tokens and vLLM's live output list.

    ``prompt_ids`` is cut to the last ``preceding_tokens`` ids on construction; ``output_ids``
    is vLLM's own list, which grows as the request generates.
    """

    scheme: TorchScheme
    sampling: Sampling
    prompt_ids: list[int]
    output_ids: list[int]
    random: random.Random
    _used_contexts: set[tuple[int, ...]] = field(default_factory=set, repr=False)
    _contexts_recorded: int = field(default=0, repr=False)

    def __post_init__(self):
        width = self.scheme.spec.preceding_tokens
        self.prompt_ids = list(self.prompt_ids[max(len(self.prompt_ids) - width, 0) :])

    def _window(self, end: int) -> list[int]:
        """The ``preceding_tokens`` ids before output position ``end`` (fewer at the start of a short prompt)."""
        width = self.scheme.spec.preceding_tokens
        start = end - width
        if start >= 0:
            return self.output_ids[start:end]
        return self.prompt_ids[max(len(self.prompt_ids) + start, 0) :] + self.output_ids[:end]

    def next_context(self) -> list[int] | None:
        """The context of the next output token, ``None`` when it is not watermarked.

        ``None`` before there are ``preceding_tokens`` ids, and (for schemes that own sampling)
        when the context already seeded an earlier output token.
        """
        width = self.scheme.spec.preceding_tokens
        position = len(self.output_ids)
        context = self._window(position)
        if len(context) < width:
            return None
        if not self.scheme.owns_sampling:
            return context
        while self._contexts_recorded < position:
            earlier = self._window(self._contexts_recorded)
            if len(earlier) == width:
                self._used_contexts.add(tuple(earlier))
            self._contexts_recorded += 1
        return None if tuple(context) in self._used_contexts else context
