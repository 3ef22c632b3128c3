"""Watermark schemes on the generation side (torch), one ``TorchScheme`` per numpy ``Scheme``.

* ``TorchScheme`` (``base.py``): built per (spec, key, device); ``apply(input_ids, scores,
  sampling)`` returns the watermarked ``[batch, vocab]`` logits; ``owns_sampling`` says
  whether it applies temperature/top-k/top-p (``Sampling.warp``) itself.
* ``register_torch_scheme`` / ``torch_scheme_class(spec)``: the registry, keyed by the
  numpy scheme ids (``lefthash@gm1`` ...). One file per scheme here, imported below.
* ``greenmark.generator.WatermarkLogitsProcessor`` wraps any of them as a transformers
  logits processor; the vLLM plug-in wraps the same ``apply``.

>>> from greenmark.watermark import WatermarkKey, WatermarkSpec
>>> build_torch_scheme(WatermarkSpec(vocab_size=10), WatermarkKey.generate()).owns_sampling
False
"""

from greenmark.generator.schemes.base import Sampling, TorchScheme
from greenmark.generator.schemes.green_list import TorchGreenListScheme
from greenmark.generator.schemes.gumbel import TorchGumbelScheme
from greenmark.generator.schemes.registry import register_torch_scheme, torch_scheme_class
from greenmark.generator.schemes.tournament import TorchTournamentScheme


def build_torch_scheme(spec, key, device=None) -> TorchScheme:
    """The torch scheme of ``spec`` for ``key``, its tables on ``device``."""
    return torch_scheme_class(spec)(spec, key, device)


__all__ = [
    "Sampling",
    "TorchGreenListScheme",
    "TorchGumbelScheme",
    "TorchScheme",
    "TorchTournamentScheme",
    "build_torch_scheme",
    "register_torch_scheme",
    "torch_scheme_class",
]
