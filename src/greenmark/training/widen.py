"""Function-preserving widening of a DeepSeek-V3 model's MLA attention (Net2Net-style warm start).

The default model's first geometry (latent 64, rope 32, value 64) is one vLLM's CPU MLA kernel
rejects; the kernel wants ``kv_lora_rank + qk_rope_head_dim = 576`` and ``v_head_dim = 512``.
Rather than train the wider model from scratch, :func:`widen_model` builds it from the trained
one so that it computes (almost) the same function, and training continues from there:

- embeddings, norms, dense MLPs, experts, routers and their correction biases are copied;
- the old latent is the first rows of the new one; the new rows start small and random, and the
  latent norm's weight is scaled by ``sqrt(old_rank / new_rank)`` so that the RMS over the wider
  latent (dominated by the old rows) reproduces the old normalisation;
- interleaved RoPE rotates pair ``i`` of a ``d``-dimensional rope by ``theta ** (-2i / d)``, so old
  pair ``i`` keeps its frequency as new pair ``i * new_rope / old_rope``; the query's other pairs
  start at zero (the keys' are small and random, so they learn);
- each head's value grows with small random rows whose ``o_proj`` columns start at zero;
- the query is scaled by ``sqrt(new_qk_head_dim / old_qk_head_dim)``, which undoes the change of
  the softmax scale ``qk_head_dim ** -0.5``.

>>> from transformers import DeepseekV3ForCausalLM
>>> from greenmark.training.model_config import default_model_config
>>> narrow_geometry = dict(kv_lora_rank=16, qk_rope_head_dim=8, v_head_dim=16)
>>> narrow = DeepseekV3ForCausalLM(default_model_config(64, pad_token_id=1, eos_token_id=0, **narrow_geometry))
>>> wide = widen_model(narrow, default_model_config(vocab_size=64, pad_token_id=1, eos_token_id=0))
>>> wide.config.kv_lora_rank + wide.config.qk_rope_head_dim, wide.config.v_head_dim
(576, 512)
"""

from __future__ import annotations

import math

import torch
from transformers import DeepseekV3Config, DeepseekV3ForCausalLM

#: scale of the new random weights, relative to the standard deviation of the weights they extend
NEW_WEIGHT_SCALE = 1e-2


def widen_model(
    old: DeepseekV3ForCausalLM, config: DeepseekV3Config, seed: int = 0, new_weight_scale: float = NEW_WEIGHT_SCALE
) -> DeepseekV3ForCausalLM:
    """A model of ``config``'s (wider) attention geometry computing nearly the function of ``old``.

    ``config`` may change only ``kv_lora_rank``, ``qk_rope_head_dim`` and ``v_head_dim`` (each no
    smaller, the rope by a whole factor) and add config fields; everything else must match.
    """
    _check_widening(old.config, config)
    generator = torch.Generator().manual_seed(seed)
    new = DeepseekV3ForCausalLM(config).to(torch.float32)
    old_state = old.state_dict()
    new_state = new.state_dict()
    for name, tensor in old_state.items():
        if new_state[name].shape == tensor.shape:
            new_state[name] = tensor.to(torch.float32).clone()
    for layer, old_layer in enumerate(old.model.layers):
        prefix = f"model.layers.{layer}.self_attn."
        widened = _widen_attention(old_layer.self_attn, old.config, config, generator, new_weight_scale)
        new_state.update({prefix + name: weight for name, weight in widened.items()})
    new.load_state_dict(new_state)
    return new


def _check_widening(old: DeepseekV3Config, new: DeepseekV3Config) -> None:
    for field in ("hidden_size", "num_attention_heads", "qk_nope_head_dim", "num_hidden_layers", "vocab_size"):
        if getattr(old, field) != getattr(new, field):
            raise ValueError(f"widening keeps {field}: {getattr(old, field)} != {getattr(new, field)}")
    for field in ("kv_lora_rank", "qk_rope_head_dim", "v_head_dim"):
        if getattr(new, field) < getattr(old, field):
            raise ValueError(f"widening cannot shrink {field}")
    if new.qk_rope_head_dim % old.qk_rope_head_dim or not (old.rope_interleave and new.rope_interleave):
        raise ValueError("the rope widens by a whole factor and only with interleaved RoPE")
    if old.attention_bias or old.q_lora_rank is not None:
        raise ValueError("widening handles bias-free attention without a query latent")


def _small_random(shape, like: torch.Tensor, generator: torch.Generator, scale: float) -> torch.Tensor:
    return torch.randn(shape, generator=generator) * like.std() * scale


def _widen_attention(attention, old: DeepseekV3Config, new: DeepseekV3Config, generator, scale: float) -> dict:
    heads, hidden, nope = old.num_attention_heads, old.hidden_size, old.qk_nope_head_dim
    old_rank, new_rank = old.kv_lora_rank, new.kv_lora_rank
    old_rope, new_rope = old.qk_rope_head_dim, new.qk_rope_head_dim
    old_v, new_v = old.v_head_dim, new.v_head_dim
    # old rope row r (pair r // 2) moves to new pair (r // 2) * factor, same position within the pair
    factor = new_rope // old_rope
    rope_rows = torch.tensor([(r // 2) * factor * 2 + r % 2 for r in range(old_rope)])
    query_scale = math.sqrt((nope + new_rope) / (nope + old_rope))

    old_q = attention.q_proj.weight.detach().float().view(heads, nope + old_rope, hidden)
    q = torch.zeros(heads, nope + new_rope, hidden)
    q[:, :nope] = old_q[:, :nope] * query_scale
    q[:, nope + rope_rows] = old_q[:, nope:] * query_scale

    old_kv_a = attention.kv_a_proj_with_mqa.weight.detach().float()
    kv_a = _small_random((new_rank + new_rope, hidden), old_kv_a, generator, scale)
    kv_a[:old_rank] = old_kv_a[:old_rank]
    kv_a[new_rank + rope_rows] = old_kv_a[old_rank:]

    old_norm = attention.kv_a_layernorm.weight.detach().float() * math.sqrt(old_rank / new_rank)
    norm = torch.full((new_rank,), float(old_norm.mean()))
    norm[:old_rank] = old_norm

    old_kv_b = attention.kv_b_proj.weight.detach().float().view(heads, nope + old_v, old_rank)
    kv_b = _small_random((heads, nope + new_v, new_rank), old_kv_b, generator, scale)
    kv_b[:, : nope + old_v, :old_rank] = old_kv_b

    old_o = attention.o_proj.weight.detach().float().view(hidden, heads, old_v)
    o = torch.zeros(hidden, heads, new_v)
    o[:, :, :old_v] = old_o

    return {
        "q_proj.weight": q.reshape(heads * (nope + new_rope), hidden),
        "kv_a_proj_with_mqa.weight": kv_a,
        "kv_a_layernorm.weight": norm,
        "kv_b_proj.weight": kv_b.reshape(heads * (nope + new_v), new_rank),
        "o_proj.weight": o.reshape(hidden, heads * new_v),
    }
