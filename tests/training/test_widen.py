"""Widening the MLA attention to vLLM's geometry keeps the model's function (training/widen.py)."""

from __future__ import annotations

import pytest
import torch
from transformers import DeepseekV3ForCausalLM

from greenmark.training.model_config import default_model_config
from greenmark.training.widen import widen_model


def narrow_model() -> DeepseekV3ForCausalLM:
    """The default model's first geometry, with attention weights large enough to matter."""
    torch.manual_seed(0)
    geometry = dict(kv_lora_rank=64, qk_rope_head_dim=32, v_head_dim=64)
    config = default_model_config(512, pad_token_id=1, eos_token_id=0, **geometry)
    model = DeepseekV3ForCausalLM(config).eval()
    with torch.no_grad():
        for name, weight in model.named_parameters():
            if ".self_attn." in name and name.endswith("proj.weight"):
                weight.normal_(0.0, 0.15)
    return model


@pytest.fixture(scope="module")
def models():
    narrow = narrow_model()
    wide = widen_model(narrow, default_model_config(vocab_size=512, pad_token_id=1, eos_token_id=0)).eval()
    return narrow, wide


@pytest.fixture(scope="module")
def tokens():
    return torch.randint(2, 512, (2, 48), generator=torch.Generator().manual_seed(1))


@torch.no_grad()
def test_widened_model_has_the_geometry_vllm_accepts(models):
    config = models[1].config
    assert (config.kv_lora_rank, config.qk_rope_head_dim, config.v_head_dim) == (512, 64, 512)


@torch.no_grad()
def test_widened_model_reproduces_the_narrow_logits(models, tokens):
    narrow, wide = models
    expected, widened = narrow(tokens).logits, wide(tokens).logits
    assert (widened - expected).abs().max() < 1e-2 * expected.std()
    assert torch.equal(widened.argmax(-1), expected.argmax(-1))


@torch.no_grad()
def test_attention_matters_in_the_check(models, tokens):
    """Without the query rescaling the logits move well beyond the tolerance above: the check can fail."""
    narrow, wide = models
    for layer in wide.model.layers:
        layer.self_attn.q_proj.weight.mul_(1.5**-0.5)
    try:
        moved = (wide(tokens).logits - narrow(tokens).logits).abs().max()
    finally:
        for layer in wide.model.layers:
            layer.self_attn.q_proj.weight.mul_(1.5**0.5)
    assert moved > 5e-2 * narrow(tokens).logits.std()
