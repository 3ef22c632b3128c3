"""Watermark schemes behind one interface, looked up by the spec's versioned scheme id.

The contract (numpy and scipy only; the torch side is ``greenmark.generator.schemes``):

* ``Scheme`` (``schemes/base.py``): ``name``, ``version`` (id ``name@version``),
  ``spec_defaults`` / ``parameter_defaults`` / ``check_spec`` for its spec,
  ``preceding_tokens``, ``key_material(key)``, ``score_pairs(material, contexts, tokens)``
  -> ``PairScores(statistic, dedup_key)``, and ``null`` (a ``NullDistribution`` from
  ``greenmark.watermark.null_distributions``: ``BinomialNull(p, trials)``, ``GammaNull()``).
* One file per scheme in this package, its class decorated with ``@register_scheme`` and
  imported below. ``scheme_class(name, version=None)`` and ``scheme_for(spec)`` look it up.
* ``WatermarkSpec`` carries the scheme: ``scheme`` (name) and ``version`` pick the class;
  ``gamma``, ``delta`` and ``context_width`` are filled from ``spec_defaults`` when left
  ``None`` (a scheme without green lists leaves gamma and delta ``None``); scheme-specific
  values live in ``spec.parameters``, a read-only mapping of JSON values, filled from
  ``parameter_defaults``. ``spec.to_json()`` omits ``parameters`` when empty, so the specs
  of existing ``lefthash``/``selfhash`` keys read and write exactly as before.
* ``greenmark.watermark.token_scores.score_documents`` applies the one scoring rule (full
  context, after the prompt, no special token in the window, each ``dedup_key`` once per
  document) and returns one immutable ``TokenScores`` per document; the detector, windows
  and spans, token marks, the evaluation and scanning all derive from it and never ask
  which scheme they hold.

* Imported (foreign) schemes, the watermarks other engines emit (vLLM, transformers), are
  ``ImportedScheme`` subclasses (``schemes/imported.py`` holds their contract): the key store
  imports their secrets (``KeyStore.import_key``, ``greenmark keys import``) as salted
  ``ImportedKey``s encrypted like native keys, ``Scheme.key_class`` rebuilds the right key type
  from a stored secret, and ``Scheme.key_warning`` flags publicly known secrets in results.
  ``scheme_names(imported=...)`` lists either kind.

A new scheme writes its PRF and statistic as plain numpy functions with pinned test vectors,
then a ``Scheme`` subclass over them, then its ``TorchScheme`` (bit-identical, any device).

>>> from greenmark.watermark import WatermarkSpec
>>> scheme_for(WatermarkSpec(vocab_size=100, scheme="selfhash")).scheme_id()
'selfhash@gm1'
"""

from greenmark.watermark.schemes import (
    gumbel,
    lefthash,
    selfhash,
    tournament,
    transformers_kgw,
    transformers_synthid,
    vllm_gumbel,
)
from greenmark.watermark.schemes.base import PairScores, Scheme
from greenmark.watermark.schemes.green_list import GreenListScheme
from greenmark.watermark.schemes.imported import ImportedScheme
from greenmark.watermark.schemes.registry import register_scheme, scheme_class, scheme_for, scheme_ids, scheme_names

__all__ = [
    "GreenListScheme",
    "ImportedScheme",
    "PairScores",
    "Scheme",
    "gumbel",
    "lefthash",
    "register_scheme",
    "scheme_class",
    "scheme_for",
    "scheme_ids",
    "scheme_names",
    "selfhash",
    "tournament",
    "transformers_kgw",
    "transformers_synthid",
    "vllm_gumbel",
]
