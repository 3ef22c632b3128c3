"""A saved model carries its tied output matrix as ``lm_head.weight`` (vLLM's loader needs it)."""

from __future__ import annotations

import torch
from safetensors import safe_open
from transformers import DeepseekV3ForCausalLM

from greenmark.training.__main__ import write_tied_output_weights
from greenmark.training.model_config import default_model_config


def test_tied_output_weights_are_written_and_the_model_loads_unchanged(tmp_path):
    torch.manual_seed(0)
    model = DeepseekV3ForCausalLM(default_model_config(512, pad_token_id=1, eos_token_id=0)).eval()
    model.save_pretrained(tmp_path, safe_serialization=True)
    weights = tmp_path / "model.safetensors"
    with safe_open(weights, "pt") as saved:
        written = list(saved.keys())
    assert "lm_head.weight" not in written  # transformers drops tied weights

    write_tied_output_weights(weights)

    with safe_open(weights, "pt") as saved:
        assert torch.equal(saved.get_tensor("lm_head.weight"), saved.get_tensor("model.embed_tokens.weight"))
    reloaded = DeepseekV3ForCausalLM.from_pretrained(tmp_path).eval()
    assert reloaded.lm_head.weight.data_ptr() == reloaded.model.embed_tokens.weight.data_ptr()
    tokens = torch.randint(2, 512, (1, 32), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert torch.equal(model(tokens).logits, reloaded(tokens).logits)
