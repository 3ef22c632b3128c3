"""The default model's architecture: a tiny DeepSeek-V3 (MLA attention, routed + shared experts).

>>> config = default_model_config(vocab_size=8192, pad_token_id=1, eos_token_id=0)
>>> config.n_routed_experts, config.num_experts_per_tok, config.n_shared_experts
(8, 2, 1)
"""

from __future__ import annotations

from transformers import DeepseekV3Config


def default_model_config(vocab_size: int, pad_token_id: int, eos_token_id: int, **overrides) -> DeepseekV3Config:
    """Hidden 256, 4 layers (the first dense), 8 routed experts top-2 + 1 shared, tied embeddings.

    ``n_group=1, topk_group=1``: the grouped routing defaults assume 256 experts and fail with 8.
    ``routed_scaling_factor=1``: with top-2 of 8 the V3 default (2.5) only inflates the routed path.
    Attention geometry ``kv_lora_rank + qk_rope_head_dim = 576``, ``v_head_dim = 512``: the only one
    vLLM's CPU MLA kernel accepts. ``topk_method="noaux_tc", scoring_func="sigmoid"`` record what
    transformers' DeepseekV3 router does (sigmoid scores plus ``e_score_correction_bias``); vLLM's
    loader reads them to expect that bias. ``overrides`` replace any of these (tests build other geometries).
    """
    settings = dict(
        vocab_size=vocab_size,
        hidden_size=256,
        intermediate_size=1024,
        moe_intermediate_size=256,
        num_hidden_layers=4,
        first_k_dense_replace=1,
        num_attention_heads=4,
        num_key_value_heads=4,
        q_lora_rank=None,
        kv_lora_rank=512,
        qk_nope_head_dim=32,
        qk_rope_head_dim=64,
        v_head_dim=512,
        n_routed_experts=8,
        num_experts_per_tok=2,
        n_shared_experts=1,
        n_group=1,
        topk_group=1,
        routed_scaling_factor=1.0,
        norm_topk_prob=True,
        topk_method="noaux_tc",
        scoring_func="sigmoid",
        max_position_embeddings=1024,
        tie_word_embeddings=True,
        num_mtp_layers=0,
        pad_token_id=pad_token_id,
        bos_token_id=eos_token_id,
        eos_token_id=eos_token_id,
    )
    return DeepseekV3Config(**{**settings, **overrides})


def count_parameters(model) -> tuple[int, int]:
    """(total, active per token): routed experts count only ``top_k / n_routed`` of their weights."""
    config = model.config
    total = sum(p.numel() for p in model.parameters())
    routed = sum(p.numel() for name, p in model.named_parameters() if ".mlp.experts." in name and "shared" not in name)
    inactive_share = 1 - config.num_experts_per_tok / config.n_routed_experts
    return total, int(total - routed * inactive_share)
