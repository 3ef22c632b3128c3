"""The watermarks the model suite compares, as data: one ``SchemeEntry`` per scheme, built at each delta.

Every scheme of greenmark's scheme registry (``lefthash``, ``selfhash``, ``gumbel``, ``tournament``, and
whatever registers later) is an entry, next to transformers' own ``WatermarkingConfig``; a scheme whose spec has no
delta (no green-list bias) runs once instead of at every delta. An entry turns
``(model, tokenizer, key, gamma, delta)`` into a ``WatermarkUnderTest``: how to generate with
it and how to score it. The suite only iterates over the catalog, so a new scheme needs a new
entry here and nothing else.

>>> sorted(SCHEME_CATALOG)
['gumbel', 'lefthash', 'selfhash', 'tournament', 'transformers']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from greenmark.evaluation.scoring import GreenmarkScheme, TransformersScheme
from greenmark.watermark import WatermarkKey, WatermarkSpec
from greenmark.watermark.schemes import scheme_class, scheme_names
from greenmark.watermark.tokenizer import TextTokenizer


@dataclass(frozen=True)
class WatermarkUnderTest:
    """One scheme at one delta: ``generation`` is passed to ``generate_samples``; ``scorer`` scores texts."""

    scheme: str
    title: str
    delta: float | None
    scorer: GreenmarkScheme | TransformersScheme
    generation: dict = field(repr=False)

    @property
    def label(self) -> str:
        return self.scheme if self.delta is None else f"{self.scheme} delta {self.delta:g}"


@dataclass(frozen=True)
class SchemeEntry:
    """A scheme the suite can run: its title, whether a bias delta applies, and how to build it."""

    name: str
    title: str
    takes_delta: bool
    build: Callable[..., tuple[GreenmarkScheme | TransformersScheme, dict]]  # -> (scorer, generation options)

    def at(self, model, tokenizer, key: WatermarkKey, gamma: float, deltas) -> list[WatermarkUnderTest]:
        """The scheme at every delta (once, with no delta, for a scheme without a bias)."""
        return [
            WatermarkUnderTest(self.name, self.title, delta, *self.build(model, tokenizer, key, gamma, delta))
            for delta in (deltas if self.takes_delta else [None])
        ]


def _greenmark(scheme: str) -> Callable[..., tuple[GreenmarkScheme, dict]]:
    def build(model, tokenizer, key, gamma, delta) -> tuple[GreenmarkScheme, dict]:
        from greenmark.generator import WatermarkLogitsProcessor
        from greenmark.generator.generator import logits_width

        uses = scheme_class(scheme).spec_defaults  # a scheme without green lists has no gamma or delta
        parameters = {name: value for name, value in (("gamma", gamma), ("delta", delta)) if name in uses}
        parameters["scheme"] = scheme
        spec = WatermarkSpec.for_tokenizer(tokenizer, vocab_size=logits_width(model), **parameters)
        processor = WatermarkLogitsProcessor(spec, key, device=model.device)
        return GreenmarkScheme(spec, key, tokenizer), {"logits_processors": [processor]}

    return build


def _transformers(model, tokenizer, key, gamma, delta) -> tuple[TransformersScheme, dict]:
    """transformers' KGW watermark: its own fixed hash key, not ours (it has no keyed PRF)."""
    from transformers.generation import WatermarkingConfig

    from greenmark.generator.generator import logits_width

    scorer = TransformersScheme(logits_width(model), gamma, delta, TextTokenizer.wrap(tokenizer))
    return scorer, {"watermarking_config": WatermarkingConfig(**scorer.config.to_dict())}


SCHEME_CATALOG: dict[str, SchemeEntry] = {
    **{
        name: SchemeEntry(name, f"greenmark {name}", "delta" in scheme_class(name).spec_defaults, _greenmark(name))
        for name in scheme_names(imported=False)
    },
    "transformers": SchemeEntry("transformers", "transformers WatermarkingConfig", True, _transformers),
}
